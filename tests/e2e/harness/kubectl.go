package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Kubectl runs the v1.37 kubectl against the run's control plane.
type Kubectl struct {
	env *Env
}

// Kubectl returns a runner for the env's kubectl and admin kubeconfig.
func (e *Env) Kubectl() *Kubectl { return &Kubectl{env: e} }

// Result is one kubectl invocation.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Err    error // nil when kubectl exited 0
}

func (r Result) String() string {
	return fmt.Sprintf("kubectl %s: err=%v\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.Err, r.Stdout, r.Stderr)
}

// Run runs kubectl with stdin (may be empty); it never fails the test.
func (k *Kubectl) Run(stdin string, args ...string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.env.KubectlBin, args...)
	cmd.Env = append(cmd.Environ(), "KUBECONFIG="+k.env.Kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return Result{Args: args, Stdout: out.String(), Stderr: errb.String(), Err: err}
}

// MustRun runs kubectl and fails the test unless it exits 0.
func (k *Kubectl) MustRun(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	r := k.Run(stdin, args...)
	if r.Err != nil {
		t.Fatalf("%s", r)
	}
	return r
}

// MustFail runs kubectl and fails the test if it exits 0.
func (k *Kubectl) MustFail(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	r := k.Run(stdin, args...)
	if r.Err == nil {
		t.Fatalf("expected kubectl to fail: %s", r)
	}
	return r
}

// Create sends manifest (YAML or JSON) with `kubectl create -n ns -f -`.
func (k *Kubectl) Create(ns, manifest string, extra ...string) Result {
	return k.Run(manifest, append([]string{"create", "-n", ns, "-f", "-"}, extra...)...)
}

// Get returns one object as decoded JSON.
func (k *Kubectl) Get(t testing.TB, ns, resource, name string) Object {
	t.Helper()
	r := k.MustRun(t, "", "get", "-n", ns, resource, name, "-o", "json")
	return MustDecode(t, r.Stdout)
}

// List returns the items of `kubectl get resource -n ns [selector args]`.
func (k *Kubectl) List(t testing.TB, ns, resource string, extra ...string) []Object {
	t.Helper()
	r := k.MustRun(t, "", append([]string{"get", "-n", ns, resource, "-o", "json"}, extra...)...)
	list := MustDecode(t, r.Stdout)
	items, _ := list["items"].([]any)
	out := make([]Object, 0, len(items))
	for _, it := range items {
		if o, ok := it.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// Object is a decoded Kubernetes object.
type Object = map[string]any

// MustDecode decodes one JSON object.
func MustDecode(t testing.TB, text string) Object {
	t.Helper()
	var o Object
	if err := json.Unmarshal([]byte(text), &o); err != nil {
		t.Fatalf("not a JSON object (%v):\n%s", err, text)
	}
	return o
}

// Dig follows keys (string) and indexes (int) into decoded JSON; nil when absent.
func Dig(v any, path ...any) any {
	for _, p := range path {
		switch key := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[key]
		case int:
			s, ok := v.([]any)
			if !ok || key < 0 || key >= len(s) {
				return nil
			}
			v = s[key]
		default:
			return nil
		}
	}
	return v
}

// JSON encodes v compactly (for messages and manifests).
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PolicyKinds are the objects the chart renders in mode admissionPolicy.
var PolicyKinds = []string{
	"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
	"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
}

// RenderAdmissionPolicy is the chart's mode admissionPolicy rendering for
// release with values: the two policies seccomp-fix generated and their
// bindings, in PolicyKinds order.
func RenderAdmissionPolicy(t testing.TB, env *Env, release string, values Object) []Object {
	t.Helper()
	v := Merge(Object{"mode": "admissionPolicy"}, values)
	byKind := map[string]Object{}
	for _, o := range HelmTemplate(t, env, release, v) {
		kind, _ := o["kind"].(string)
		if _, dup := byKind[kind]; dup {
			t.Fatalf("chart rendered two %s", kind)
		}
		byKind[kind] = o
	}
	var out []Object
	for _, kind := range PolicyKinds {
		o, ok := byKind[kind]
		if !ok {
			t.Fatalf("chart rendered no %s in mode admissionPolicy: %s", kind, JSON(byKind))
		}
		out = append(out, o)
	}
	if len(byKind) != len(PolicyKinds) {
		t.Fatalf("mode admissionPolicy rendered more than the policies and bindings: %s", JSON(byKind))
	}
	return out
}

// GeneratePolicy runs `seccomp-fix admission-policy --config policyFile`
// and returns its output (for the chart's admissionPolicy.generated).
func GeneratePolicy(t testing.TB, env *Env, policyFile string, extra ...string) string {
	t.Helper()
	cmd := exec.Command(env.FixerBin, append([]string{"admission-policy", "--config", policyFile}, extra...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("seccomp-fix admission-policy: %v\n%s", err, msg)
	}
	return string(out)
}

// ApplyAdmissionPolicy renders the chart's admission policy for the group
// (values, plus the group's namespaceSelector expression GroupLabel In
// [Name]), applies it, deletes it at cleanup and returns the rendered objects.
func (g *Group) ApplyAdmissionPolicy(t testing.TB, values Object) []Object {
	t.Helper()
	v := Merge(Object{}, values)
	hook, _ := v["webhook"].(map[string]any)
	if hook == nil {
		hook = Object{}
		v["webhook"] = hook
	}
	exprs, _ := hook["namespaceSelectorExpressions"].([]any)
	hook["namespaceSelectorExpressions"] = append(append([]any{}, exprs...),
		Object{"key": GroupLabel, "operator": "In", "values": []any{g.Name}})
	objs := RenderAdmissionPolicy(t, g.Env, g.Release, v)
	for _, o := range objs {
		g.K.MustRun(t, JSON(o), "apply", "--server-side", "--force-conflicts", "--field-manager", "e2e", "-f", "-")
		kind, name := o["kind"].(string), Name(o)
		t.Cleanup(func() { g.K.Run("", "delete", kind, name, "--ignore-not-found") })
	}
	return objs
}

// ChartPolicyFile writes the policy file the chart's ConfigMap holds for
// values (what the webhook would read) and returns its path.
func ChartPolicyFile(t testing.TB, env *Env, name string, values Object) string {
	t.Helper()
	for _, o := range HelmTemplate(t, env, "policy-"+name, values) {
		if o["kind"] != "ConfigMap" {
			continue
		}
		text, _ := Dig(o, "data", "policy.yaml").(string)
		dir := filepath.Join(env.Dir, "policies")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".yaml")
		writeAtomic(t, path, []byte(text))
		return path
	}
	t.Fatalf("chart rendered no policy ConfigMap for %s", JSON(values))
	return ""
}

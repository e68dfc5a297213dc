package harness

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// AuditReport is `seccomp-fix audit --format json` (docs/audit.md).
type AuditReport struct {
	Summary struct {
		Objects int `json:"objects"`
		Pods    struct {
			Listed                 int `json:"listed"`
			PassRestricted         int `json:"passRestricted"`
			PassRestrictedAfterFix int `json:"passRestrictedAfterFix"`
		} `json:"pods"`
	} `json:"summary"`
	Objects []AuditObject `json:"objects"`
	Errors  []AuditError  `json:"errors"`
}

// AuditObject is one reported object (workloads with their pods folded in).
type AuditObject struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Outcome   string `json:"outcome"`
	Pods      struct {
		Listed         int `json:"listed"`
		PassRestricted int `json:"passRestricted"`
	} `json:"pods"`
	Patch []any `json:"patch"`
}

// Key is "Kind/name".
func (o AuditObject) Key() string { return o.Kind + "/" + o.Name }

// AuditError is a list the audit could not complete.
type AuditError struct {
	Verb      string `json:"verb"`
	Resource  string `json:"resource"`
	Namespace string `json:"namespace"`
	Status    int    `json:"status"`
	Message   string `json:"message"`
}

// ServiceAccountToken creates ServiceAccount sa in ns, binds it in ns to
// role ("clusterrole/NAME" or "role/NAME") and returns a token from
// `kubectl create token`.
func (k *Kubectl) ServiceAccountToken(t testing.TB, ns, sa, role string) string {
	t.Helper()
	k.MustRun(t, "", "create", "serviceaccount", sa, "-n", ns)
	kind, name, _ := strings.Cut(role, "/")
	k.MustRun(t, "", "create", "rolebinding", sa, "-n", ns, "--"+kind+"="+name, "--serviceaccount="+ns+":"+sa)
	return strings.TrimSpace(k.MustRun(t, "", "create", "token", sa, "-n", ns, "--duration", "1h").Stdout)
}

// TokenKubeconfig writes a kubeconfig for server (trusting caPEM) with a
// bearer token and namespace ns as its context's namespace, and returns its path.
func TokenKubeconfig(t testing.TB, env *Env, name, server string, caPEM []byte, token, ns string) string {
	t.Helper()
	cfg := Object{
		"apiVersion": "v1", "kind": "Config", "current-context": name,
		"clusters": []any{Object{"name": name, "cluster": Object{
			"server": server, "certificate-authority-data": base64.StdEncoding.EncodeToString(caPEM)}}},
		"users":    []any{Object{"name": name, "user": Object{"token": token}}},
		"contexts": []any{Object{"name": name, "context": Object{"cluster": name, "user": name, "namespace": ns}}},
	}
	path := filepath.Join(env.Dir, name+".kubeconfig")
	if err := os.WriteFile(path, []byte(JSON(cfg)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ClusterCA is the control plane's CA certificate (PEM).
func (e *Env) ClusterCA(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// DecodeAudit decodes the JSON report of one audit run.
func DecodeAudit(t testing.TB, stdout, stderr string) AuditReport {
	t.Helper()
	var r AuditReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("audit report is not JSON (%v):\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	return r
}

// Clean is a live object as a manifest to create again: apiVersion, kind,
// metadata (name, labels, annotations) and spec, without what the API
// server and the controllers added (a Job's generated selector and labels,
// the ServiceAccount token volume).
func Clean(t testing.TB, live Object) Object {
	t.Helper()
	o := DeepCopy(t, live)
	meta, _ := o["metadata"].(map[string]any)
	clean := Object{"apiVersion": o["apiVersion"], "kind": o["kind"], "spec": o["spec"],
		"metadata": Object{"name": meta["name"]}}
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := meta[k]; ok {
			clean["metadata"].(Object)[k] = v
		}
	}
	spec, _ := clean["spec"].(map[string]any)
	if o["kind"] == "Job" {
		delete(spec, "selector")
		if labels, ok := Dig(spec, "template", "metadata", "labels").(map[string]any); ok {
			for _, k := range []string{"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"} {
				delete(labels, k)
			}
		}
	}
	if o["kind"] == "Pod" {
		delete(spec, "nodeName")
		dropTokenVolume(spec)
	}
	return clean
}

func dropTokenVolume(spec map[string]any) {
	volumes, _ := spec["volumes"].([]any)
	var keep []any
	dropped := map[string]bool{}
	for _, v := range volumes {
		name, _ := Dig(v, "name").(string)
		if strings.HasPrefix(name, "kube-api-access-") {
			dropped[name] = true
			continue
		}
		keep = append(keep, v)
	}
	if len(keep) == 0 {
		delete(spec, "volumes")
	} else {
		spec["volumes"] = keep
	}
	for _, list := range containerLists {
		items, _ := spec[list].([]any)
		for _, c := range items {
			cm, _ := c.(map[string]any)
			mounts, _ := cm["volumeMounts"].([]any)
			var km []any
			for _, m := range mounts {
				if n, _ := Dig(m, "name").(string); !dropped[n] {
					km = append(km, m)
				}
			}
			if len(km) == 0 {
				delete(cm, "volumeMounts")
			} else {
				cm["volumeMounts"] = km
			}
		}
	}
}

// SeccompView is what seccomp-wise matters of an object's pod: the pod and
// container profiles and the legacy annotations, as one comparable string.
func SeccompView(o Object) string {
	kind, _ := o["kind"].(string)
	meta, spec, ok := PodPaths(kind)
	if !ok {
		return ""
	}
	view := Object{"pod": DigPointer(o, append(append([]string{}, spec...), "securityContext", "seccompProfile"))}
	for _, list := range containerLists {
		items, _ := DigPointer(o, append(append([]string{}, spec...), list)).([]any)
		for _, c := range items {
			view[fmt.Sprintf("%s/%v", list, Dig(c, "name"))] = Dig(c, "securityContext", "seccompProfile")
		}
	}
	annotations, _ := DigPointer(o, append(append([]string{}, meta...), "annotations")).(map[string]any)
	for k, v := range annotations {
		if k == PodAnnotationKey || strings.HasPrefix(k, ContainerAnnotationPrefix) {
			view["annotation "+k] = v
		}
	}
	return JSON(view)
}

package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

// auditEvents are the audit log's ResponseComplete events for a pod create.
func auditEvents(t *testing.T, ns, name string) []harness.Object {
	t.Helper()
	f, err := os.Open(env.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []harness.Object
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e harness.Object
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		ref := e["objectRef"]
		if e["verb"] == "create" && e["stage"] == "ResponseComplete" && harness.Dig(ref, "resource") == "pods" &&
			harness.Dig(ref, "namespace") == ns && harness.Dig(ref, "name") == name && harness.Dig(ref, "subresource") == nil {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// 4.3: kubectl shows the webhook's admission warning for a privileged
// container, and the API server's audit log records its auditAnnotation.
func TestWarningsAndAuditAnnotation(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "warn", harness.GroupOptions{})
	ns := g.Namespace(t, "on", nil)
	g.WaitMutating(t, ns)

	r := g.K.MustRun(t, "", "create", "-n", ns, "-f", env.Path("tests", "e2e", "fixtures", "privileged-pod.yaml"))
	harness.Containing(t, "kubectl's stderr", r.Stderr,
		"Warning: seccomp-defaulter: ",
		`container "app" is privileged`)

	// The audit annotation is stored as "<webhook name>/<key>".
	key := "seccomp-defaulter.seccomp-defaulter.io/seccomp-changes"
	var event harness.Object
	harness.Eventually(t, 10*time.Second, func() (bool, string) {
		events := auditEvents(t, ns, "privileged")
		if len(events) != 1 {
			return false, "want 1 ResponseComplete create event for the pod, got " + harness.JSON(len(events))
		}
		event = events[0]
		return true, ""
	})
	value, _ := harness.Dig(event, "annotations", key).(string)
	if value == "" {
		t.Fatalf("audit event has no %s annotation: %s", key, harness.JSON(event["annotations"]))
	}
	var summary struct {
		Operations int `json:"operations"`
		Changes    []struct {
			Code    string `json:"code"`
			Pointer string `json:"pointer"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(value), &summary); err != nil {
		t.Fatalf("%s is not the webhook's JSON summary: %v: %s", key, err, value)
	}
	if summary.Operations < 1 || len(summary.Changes) == 0 || summary.Changes[0].Code != "pod-profile-defaulted" ||
		summary.Changes[0].Pointer != "/spec/securityContext/seccompProfile" {
		t.Fatalf("unexpected change summary in the audit log: %s", value)
	}
	// The same event records that the webhook patched the object.
	var patched bool
	for k, v := range event["annotations"].(map[string]any) {
		if strings.HasPrefix(k, "patch.webhook.admission.k8s.io/") && strings.Contains(harness.JSON(v), "seccomp-defaulter.seccomp-defaulter.io") {
			patched = true
		}
	}
	if !patched {
		t.Errorf("audit event does not record the webhook's patch: %s", harness.JSON(event["annotations"]))
	}
}

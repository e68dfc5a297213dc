package e2e

import (
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// 4.6: a server-side dry run shows the mutation and stores nothing.
func TestServerSideDryRun(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "dryrun", harness.GroupOptions{})
	ns := g.Namespace(t, "restricted", harness.Restricted)
	g.WaitMutating(t, ns)
	pod := harness.Renamed(t, harness.Fixture(t, env, "restricted-pod.yaml")[0], "dry")

	r := g.K.MustRun(t, harness.JSON(pod), "apply", "-n", ns, "--dry-run=server", "-o", "yaml", "-f", "-")
	shown := harness.SplitYAML(t, []byte(r.Stdout))
	if len(shown) != 1 {
		t.Fatalf("want one object from the dry run, got %d:\n%s", len(shown), r.Stdout)
	}
	wantProfile(t, "dry-run output", harness.Dig(shown[0], "spec", "securityContext"), "RuntimeDefault")

	get := g.K.Run("", "get", "-n", ns, "pod", "dry")
	if get.Err == nil {
		t.Fatalf("the dry run stored the pod: %s", get)
	}
	harness.Containing(t, "kubectl get after the dry run", get.Stderr, `pods "dry" not found`)
	calls := g.Webhook.Admissions(ns, "dry")
	if len(calls) != 1 || calls[0]["dry_run"] != true || calls[0]["result"] != "mutated" {
		t.Fatalf("want one dry-run admission, mutated, in the webhook log: %s", harness.JSON(calls))
	}
}

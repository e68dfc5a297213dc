package e2e

import (
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// 4.5: `kubectl debug` adds an ephemeral container; PodSecurity checks the
// update. The pod-level profile the webhook set covers the new container; a
// pod whose profiles are only per container (created without the webhook)
// leaves it uncovered and the update is rejected.
func TestEphemeralContainers(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "debug", harness.GroupOptions{})
	ns := g.Namespace(t, "restricted", harness.Restricted)
	g.WaitMutating(t, ns)
	pod := harness.Fixture(t, env, "restricted-pod.yaml")[0]
	custom := env.Path("tests", "e2e", "fixtures", "debug-container.yaml")
	debug := func(name string) harness.Result {
		return g.K.Run("", "debug", "-n", ns, name, "--image=registry.example/debug:1", "--container=debugger",
			"--profile=baseline", "--custom="+custom)
	}

	g.K.MustRun(t, harness.JSON(harness.Renamed(t, pod, "defaulted")), "create", "-n", ns, "-f", "-")
	if r := debug("defaulted"); r.Err != nil {
		t.Fatalf("debug container rejected on the defaulted pod: %s", r)
	}
	stored := g.K.Get(t, ns, "pod", "defaulted")
	wantProfile(t, "defaulted pod", harness.Dig(stored, "spec", "securityContext"), "RuntimeDefault")
	if name := harness.Dig(stored, "spec", "ephemeralContainers", 0, "name"); name != "debugger" {
		t.Fatalf("no ephemeral container stored: %s", harness.JSON(harness.Dig(stored, "spec")))
	}
	if sc := harness.Dig(stored, "spec", "ephemeralContainers", 0, "securityContext", "seccompProfile"); sc != nil {
		t.Fatalf("the debug container has its own profile %s: the test would not show the pod level covering it", harness.JSON(sc))
	}

	// Without the webhook (opt-out label): restricted passes through the
	// container-level profile only.
	plain := harness.Renamed(t, pod, "plain")
	plain["metadata"].(map[string]any)["labels"].(map[string]any)["seccomp-defaulter.io/skip"] = "true"
	plain["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["securityContext"].(map[string]any)["seccompProfile"] = harness.Object{"type": "RuntimeDefault"}
	g.K.MustRun(t, harness.JSON(plain), "create", "-n", ns, "-f", "-")
	if sc := harness.Dig(g.K.Get(t, ns, "pod", "plain"), "spec", "securityContext", "seccompProfile"); sc != nil {
		t.Fatalf("the opted-out pod was defaulted: %s", harness.JSON(sc))
	}
	r := debug("plain")
	if r.Err == nil {
		t.Fatalf("debug container admitted on a pod without a pod-level profile: %s", r)
	}
	harness.Containing(t, "PodSecurity's rejection of the ephemeral container", r.Stderr,
		`pods "plain" is forbidden: violates PodSecurity "restricted:latest"`,
		`seccompProfile (pod or container "debugger" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`)
}

package e2e

import (
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

// 4.1: in a namespace enforcing Pod Security "restricted", a Pod that meets
// every rule but seccomp is rejected by the real PodSecurity admission, and
// admitted with RuntimeDefault once the chart's webhook configuration is in.
func TestPodSecurityRestricted(t *testing.T) {
	t.Parallel()
	pod := harness.Fixture(t, env, "restricted-pod.yaml")[0]

	t.Run("without the webhook PodSecurity rejects the pod", func(t *testing.T) {
		t.Parallel()
		g := harness.NewGroup(t, env, "psa-off", harness.GroupOptions{NoWebhook: true})
		ns := g.Namespace(t, "restricted", harness.Restricted)
		r := g.K.Create(ns, harness.JSON(pod))
		if r.Err == nil {
			t.Fatalf("admitted without a seccomp profile: %s", r)
		}
		harness.Containing(t, "PodSecurity's rejection", r.Stderr,
			`pods "restricted" is forbidden: violates PodSecurity "restricted:latest"`,
			`seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`)
	})

	t.Run("with the webhook the pod and a deployment's pods are admitted", func(t *testing.T) {
		t.Parallel()
		g := harness.NewGroup(t, env, "psa", harness.GroupOptions{})
		ns := g.Namespace(t, "restricted", harness.Restricted)
		g.WaitMutating(t, ns)

		g.K.MustRun(t, harness.JSON(pod), "create", "-n", ns, "-f", "-")
		stored := g.K.Get(t, ns, "pod", "restricted")
		wantProfile(t, "stored pod", harness.Dig(stored, "spec", "securityContext"), "RuntimeDefault")

		deploy := harness.Fixture(t, env, "restricted-deployment.yaml")[0]
		g.K.MustRun(t, harness.JSON(deploy), "create", "-n", ns, "-f", "-")
		d := g.K.Get(t, ns, "deployment", "restricted")
		wantProfile(t, "stored deployment template", harness.Dig(d, "spec", "template", "spec", "securityContext"), "RuntimeDefault")

		// The real ReplicaSet controller creates the pods; PodSecurity admits them.
		replicas := int(harness.Dig(deploy, "spec", "replicas").(float64))
		harness.Eventually(t, 90*time.Second, func() (bool, string) {
			pods := g.K.List(t, ns, "pods", "-l", "app=restricted-deploy")
			if len(pods) < replicas {
				events := g.K.Run("", "get", "events", "-n", ns, "--field-selector", "reason=FailedCreate", "-o", "custom-columns=MSG:.message", "--no-headers")
				return false, harness.JSON(len(pods)) + " of the deployment's pods exist; FailedCreate events:\n" + events.Stdout
			}
			for _, p := range pods {
				wantProfile(t, "controller-made pod "+harness.Name(p), harness.Dig(p, "spec", "securityContext"), "RuntimeDefault")
			}
			return true, ""
		})
	})
}

// wantProfile fails unless securityContext holds exactly seccompProfile {type: typ}.
func wantProfile(t *testing.T, what string, securityContext any, typ string) {
	t.Helper()
	got := harness.Dig(securityContext, "seccompProfile")
	if harness.JSON(got) != harness.JSON(map[string]any{"type": typ}) {
		t.Fatalf("%s: seccompProfile = %s, want {type: %s}; securityContext %s", what, harness.JSON(got), typ, harness.JSON(securityContext))
	}
}

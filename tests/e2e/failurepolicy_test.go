package e2e

import (
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

const webhookName = "seccomp-defaulter.seccomp-defaulter.io"

func failurePolicy(policy string, timeoutSeconds int) harness.Object {
	return harness.Object{"webhook": harness.Object{"failurePolicy": policy, "timeoutSeconds": timeoutSeconds}}
}

// 4.7: with the webhook process stopped, and with a webhook that never
// answers, Fail rejects pod creation naming the webhook and Ignore admits
// the pod unchanged. Each case has its own group (configuration, process).
func TestFailurePolicy(t *testing.T) {
	t.Parallel()
	pod := harness.Renamed(t, harness.Fixture(t, env, "restricted-pod.yaml")[0], "while-down")

	for _, policy := range []string{"Fail", "Ignore"} {
		t.Run("webhook stopped, "+policy, func(t *testing.T) {
			t.Parallel()
			g := harness.NewGroup(t, env, "down-"+lower(policy), harness.GroupOptions{Values: failurePolicy(policy, 5)})
			ns := g.Namespace(t, "on", nil)
			g.WaitMutating(t, ns)
			g.Webhook.Stop()
			r := g.K.Create(ns, harness.JSON(pod))
			checkPolicyOutcome(t, g, ns, policy, r, "connect: connection refused")
		})

		t.Run("webhook slower than timeoutSeconds, "+policy, func(t *testing.T) {
			t.Parallel()
			g := harness.NewGroup(t, env, "slow-"+lower(policy), harness.GroupOptions{NoWebhook: true})
			ca := harness.NewCA(t, "slow-ca")
			stub := harness.StartHanging(t, ca)
			g.Apply(t, g.Config(t, failurePolicy(policy, 2), stub.URL, ca))
			ns := g.Namespace(t, "on", nil)
			g.Probe(t, ns, nil, func(r harness.Result) (bool, string) {
				return stub.Requests() > 0, "the hanging stub got no request: " + r.String()
			})
			start := time.Now()
			r := g.K.Create(ns, harness.JSON(pod))
			if took := time.Since(start); took < 2*time.Second {
				t.Errorf("the API server answered after %s, before the 2 s timeout", took)
			}
			checkPolicyOutcome(t, g, ns, policy, r, "context deadline exceeded")
		})
	}
}

func lower(policy string) string {
	if policy == "Fail" {
		return "fail"
	}
	return "ignore"
}

// checkPolicyOutcome: Fail rejected the create with the API server's message
// naming the webhook and the cause; Ignore stored the pod unchanged.
func checkPolicyOutcome(t *testing.T, g *harness.Group, ns, policy string, r harness.Result, cause string) {
	t.Helper()
	switch policy {
	case "Fail":
		if r.Err == nil {
			t.Fatalf("failurePolicy Fail admitted the pod: %s", r)
		}
		harness.Containing(t, "the API server's rejection", r.Stderr,
			`Internal error occurred: failed calling webhook "`+webhookName+`": failed to call webhook: Post "https://127.0.0.1:`,
			cause)
		if get := g.K.Run("", "get", "-n", ns, "pod", "while-down"); get.Err == nil {
			t.Fatalf("rejected pod exists: %s", get)
		}
	case "Ignore":
		if r.Err != nil {
			t.Fatalf("failurePolicy Ignore rejected the pod: %s", r)
		}
		stored := g.K.Get(t, ns, "pod", "while-down")
		if sc := harness.Dig(stored, "spec", "securityContext", "seccompProfile"); sc != nil {
			t.Fatalf("pod admitted under Ignore has a profile %s", harness.JSON(sc))
		}
	}
}

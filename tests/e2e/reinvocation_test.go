package e2e

import (
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// 4.9: a second webhook, called after ours (configurations are called in
// name order), removes /spec/securityContext. With the chart's
// reinvocationPolicy IfNeeded ours runs again and the pod passes
// restricted; with Never it is stored without a profile, so PodSecurity
// rejects it.
func TestReinvocation(t *testing.T) {
	t.Parallel()
	pod := harness.Renamed(t, harness.Fixture(t, env, "restricted-pod.yaml")[0], "reinvoked")

	for _, policy := range []string{"IfNeeded", "Never"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			name := "reinv-" + map[string]string{"IfNeeded": "ifneeded", "Never": "never"}[policy]
			g := harness.NewGroup(t, env, name, harness.GroupOptions{NoWebhook: true})
			g.CA = harness.NewCA(t, name+"-ca")
			g.Webhook = harness.StartWebhook(t, env, name, g.CA.Loopback(t))
			mwc := g.Config(t, nil, g.Webhook.URL, g.CA)
			if got := harness.Dig(mwc, "webhooks", 0, "reinvocationPolicy"); got != "IfNeeded" {
				t.Fatalf("the chart's reinvocationPolicy is %v, want IfNeeded", got)
			}
			mwc["webhooks"].([]any)[0].(map[string]any)["reinvocationPolicy"] = policy
			g.Apply(t, mwc)

			stubCA := harness.NewCA(t, name+"-stub-ca")
			remover := harness.StartStub(t, stubCA, func(o harness.Object) []harness.Object {
				if harness.Dig(o, "spec", "securityContext") == nil {
					return nil
				}
				return []harness.Object{{"op": "remove", "path": "/spec/securityContext"}}
			})
			stubConfig := harness.StubConfig(g.ConfigName()+"-zz-remover", g.Name, remover.URL, stubCA)
			if harness.Name(stubConfig) <= g.ConfigName() {
				t.Fatalf("the remover must sort after %s", g.ConfigName())
			}
			g.Apply(t, stubConfig)

			ns := g.Namespace(t, "restricted", harness.Restricted)
			g.WaitCalled(t, ns)
			g.Probe(t, ns, nil, func(r harness.Result) (bool, string) {
				return remover.Requests() > 0, "the remover got no request: " + r.String()
			})

			r := g.K.Create(ns, harness.JSON(pod))
			calls := len(g.Webhook.Admissions(ns, "reinvoked"))
			switch policy {
			case "IfNeeded":
				if r.Err != nil {
					t.Fatalf("pod rejected with IfNeeded: %s", r)
				}
				wantProfile(t, "stored pod", harness.Dig(g.K.Get(t, ns, "pod", "reinvoked"), "spec", "securityContext"), "RuntimeDefault")
				if calls != 2 {
					t.Fatalf("want our webhook called twice (reinvoked), got %d", calls)
				}
			case "Never":
				if r.Err == nil {
					t.Fatalf("pod admitted with Never although the remover ran last: %s", r)
				}
				harness.Containing(t, "PodSecurity's rejection", r.Stderr, `violates PodSecurity "restricted:latest"`, "seccompProfile")
				if calls != 1 {
					t.Fatalf("want our webhook called once, got %d", calls)
				}
			}
		})
	}
}

package e2e

import (
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

// notCalledAndUnchanged creates the pod manifest in ns and checks that the
// webhook never saw it and that it was stored without any seccomp profile.
func notCalledAndUnchanged(t *testing.T, g *harness.Group, ns string, pod harness.Object) {
	t.Helper()
	g.K.MustRun(t, harness.JSON(pod), "create", "-n", ns, "-f", "-")
	stored := g.K.Get(t, ns, "pod", harness.Name(pod))
	if sc := harness.Dig(stored, "spec", "securityContext", "seccompProfile"); sc != nil {
		t.Errorf("%s/%s: got a seccompProfile %s", ns, harness.Name(pod), harness.JSON(sc))
	}
	if calls := g.Webhook.Admissions(ns, harness.Name(pod)); len(calls) > 0 {
		t.Errorf("%s/%s: the API server called the webhook: %s", ns, harness.Name(pod), harness.JSON(calls))
	}
}

// 4.4: Windows pods, the opt-out label, the namespace exclusions and
// kube-system are left alone.
func TestLeftAlone(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "alone", harness.GroupOptions{Values: harness.Object{
		"webhook": harness.Object{"excludeNamespaces": []any{"alone-excluded"}},
	}})
	on := g.Namespace(t, "on", nil)
	g.WaitMutating(t, on)
	plain := harness.Fixture(t, env, "restricted-pod.yaml")[0]

	t.Run("a Windows pod is admitted unchanged", func(t *testing.T) {
		windows := harness.Fixture(t, env, "examples.yaml")[3]
		if harness.Name(windows) != "iis" {
			t.Fatalf("examples.yaml changed: document 4 is %s", harness.Name(windows))
		}
		g.K.MustRun(t, harness.JSON(windows), "create", "-n", on, "-f", "-", "--dry-run=server")
		r := g.K.MustRun(t, harness.JSON(windows), "create", "-n", on, "-f", "-")
		harness.Containing(t, "kubectl's stderr", r.Stderr, "Warning: seccomp-defaulter: ", "Windows pod: seccomp fields are not allowed")
		stored := g.K.Get(t, on, "pod", "iis")
		if sc := harness.Dig(stored, "spec", "securityContext"); harness.JSON(sc) != "{}" {
			t.Errorf("windows pod got a securityContext: %s", harness.JSON(sc))
		}
		if sc := harness.Dig(stored, "spec", "containers", 0, "securityContext"); sc != nil {
			t.Errorf("windows container got a securityContext: %s", harness.JSON(sc))
		}
		// The webhook was asked (so "unchanged" is its decision, not a
		// selector's) and answered without a patch.
		calls := g.Webhook.Admissions(on, "iis")
		if len(calls) != 2 {
			t.Fatalf("want the webhook called for the dry run and the create: %s", harness.JSON(calls))
		}
		for _, c := range calls {
			if c["result"] != "unchanged" || c["ops"] != float64(0) {
				t.Errorf("want no patch for the Windows pod: %s", harness.JSON(c))
			}
		}
	})

	t.Run("the objectSelector opt-out label is honoured", func(t *testing.T) {
		pod := harness.Renamed(t, plain, "opted-out")
		pod["metadata"].(map[string]any)["labels"].(map[string]any)["seccomp-defaulter.io/skip"] = "true"
		notCalledAndUnchanged(t, g, on, pod)
	})

	t.Run("a namespace labelled with the opt-out label is skipped", func(t *testing.T) {
		ns := g.Namespace(t, "opted-out", map[string]string{"seccomp-defaulter.io/skip": "true"})
		notCalledAndUnchanged(t, g, ns, harness.Renamed(t, plain, "in-opted-out-ns"))
	})

	t.Run("webhook.excludeNamespaces is honoured", func(t *testing.T) {
		ns := g.Namespace(t, "excluded", nil)
		notCalledAndUnchanged(t, g, ns, harness.Renamed(t, plain, "in-excluded-ns"))
	})

	t.Run("the release namespace is never mutated", func(t *testing.T) {
		// Created by hand: its name is fixed by the chart, not by the group.
		g.K.MustRun(t, harness.JSON(harness.Object{"apiVersion": "v1", "kind": "Namespace", "metadata": harness.Object{
			"name": harness.ChartNamespace, "labels": harness.Object{harness.GroupLabel: g.Name}}}), "create", "-f", "-")
		t.Cleanup(func() { g.K.Run("", "delete", "namespace", harness.ChartNamespace, "--wait=false") })
		waitDefaultSA(t, g, harness.ChartNamespace)
		notCalledAndUnchanged(t, g, harness.ChartNamespace, harness.Renamed(t, plain, "in-release-ns"))
	})

	t.Run("nothing in kube-system is touched", func(t *testing.T) {
		// Give kube-system the group label, so that only the chart's own
		// exclusion keeps the group's configuration away from it.
		g.K.MustRun(t, "", "label", "namespace", "kube-system", harness.GroupLabel+"="+g.Name)
		t.Cleanup(func() { g.K.Run("", "label", "namespace", "kube-system", harness.GroupLabel+"-") })
		notCalledAndUnchanged(t, g, "kube-system", harness.Renamed(t, plain, "e2e-in-kube-system"))
		deploy := harness.Renamed(t, harness.Fixture(t, env, "restricted-deployment.yaml")[0], "e2e-in-kube-system")
		g.K.MustRun(t, harness.JSON(deploy), "create", "-n", "kube-system", "-f", "-")
		t.Cleanup(func() { g.K.Run("", "delete", "-n", "kube-system", "deployment", "e2e-in-kube-system", "--wait=false") })
		d := g.K.Get(t, "kube-system", "deployment", "e2e-in-kube-system")
		if sc := harness.Dig(d, "spec", "template", "spec", "securityContext", "seccompProfile"); sc != nil {
			t.Errorf("kube-system deployment template got %s", harness.JSON(sc))
		}
		if calls := g.Webhook.Admissions("kube-system", "e2e-in-kube-system"); len(calls) > 0 {
			t.Errorf("webhook called for kube-system: %s", harness.JSON(calls))
		}
		g.K.Run("", "delete", "-n", "kube-system", "pod", "e2e-in-kube-system", "--wait=false")
	})
}

func waitDefaultSA(t *testing.T, g *harness.Group, ns string) {
	t.Helper()
	harness.Eventually(t, 60*time.Second, func() (bool, string) {
		return g.K.Run("", "get", "serviceaccount", "default", "-n", ns).Err == nil, "no default ServiceAccount in " + ns
	})
}

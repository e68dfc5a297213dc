package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

const (
	auditDeploymentReplicas = 24
	auditJobParallelism     = 2
)

// runAudit runs `seccomp-fix audit` with kubeconfig and args (JSON report).
func runAudit(t *testing.T, kubeconfig string, args ...string) (harness.AuditReport, string, int) {
	t.Helper()
	stdout, stderr, code := harness.RunFixer(t, env, env.Dir, append([]string{"audit", "--kubeconfig", kubeconfig, "--no-progress", "--format", "json"}, args...)...)
	return harness.DecodeAudit(t, stdout, stderr), stderr, code
}

// auditCluster fills ns with the e2e fixtures, created with no webhook:
// compliant, non-compliant, explicit Unconfined, legacy-annotated,
// privileged and Windows pods, and a Deployment, a CronJob and a Job whose
// ReplicaSet, Jobs and pods the real controllers make. It returns once
// every controller-made pod exists.
func auditCluster(t *testing.T, k *harness.Kubectl, ns string) {
	t.Helper()
	restricted := harness.Fixture(t, env, "restricted-pod.yaml")[0]
	standalone := func(name string, podProfile any) harness.Object {
		p := harness.Renamed(t, restricted, name)
		p["metadata"].(map[string]any)["labels"] = map[string]any{"app": "standalone-" + name}
		if podProfile != nil {
			p["spec"].(map[string]any)["securityContext"] = map[string]any{"seccompProfile": podProfile}
		}
		return p
	}
	objs := []harness.Object{
		standalone("compliant", runtimeDefault),
		standalone("plain", nil),
		standalone("unconfined", unconfined),
		harness.Fixture(t, env, "legacy.yaml")[0],         // Pod/legacy: legacy annotations
		harness.Fixture(t, env, "privileged-pod.yaml")[0], // Pod/privileged
		harness.Fixture(t, env, "examples.yaml")[3],       // Pod/iis: Windows
	}
	deploy := harness.Renamed(t, harness.Fixture(t, env, "restricted-deployment.yaml")[0], "web")
	deploy["spec"].(map[string]any)["replicas"] = auditDeploymentReplicas
	template := harness.Object{"metadata": harness.Object{"labels": harness.Object{"app": "batch"}}, "spec": harness.Object{
		"restartPolicy": "Never",
		"containers":    []any{harness.Object{"name": "job", "image": "registry.example/job:1"}},
	}}
	cron := harness.Object{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": harness.Object{"name": "tick"},
		"spec": harness.Object{"schedule": "* * * * *", "jobTemplate": harness.Object{"spec": harness.Object{"template": template}}}}
	job := harness.Object{"apiVersion": "batch/v1", "kind": "Job", "metadata": harness.Object{"name": "once"},
		"spec": harness.Object{"parallelism": auditJobParallelism, "completions": auditJobParallelism, "template": template}}
	for _, o := range append(objs, deploy, cron, job) {
		k.MustRun(t, harness.JSON(o), "create", "-n", ns, "-f", "-")
	}
	// The CronJob controller makes its first Job at the next full minute.
	harness.Eventually(t, 120*time.Second, func() (bool, string) {
		pods := k.List(t, ns, "pods")
		byOwner := map[string]int{}
		for _, p := range pods {
			if ref, ok := harness.Dig(p, "metadata", "ownerReferences", 0).(map[string]any); ok {
				byOwner[fmt.Sprint(ref["kind"])]++
			}
		}
		want := fmt.Sprintf("ReplicaSet:%d Job:>=%d", auditDeploymentReplicas, auditJobParallelism+1)
		return byOwner["ReplicaSet"] == auditDeploymentReplicas && byOwner["Job"] >= auditJobParallelism+1,
			fmt.Sprintf("controller-made pods: %v, want %s", byOwner, want)
	})
}

// topOwner follows controller ownerReferences of a live object through the
// objects listed (UID -> object) to the outermost one.
func topOwner(o harness.Object, byUID map[string]harness.Object) harness.Object {
	for {
		refs, _ := harness.Dig(o, "metadata", "ownerReferences").([]any)
		var next harness.Object
		for _, r := range refs {
			if harness.Dig(r, "controller") == true {
				next = byUID[fmt.Sprint(harness.Dig(r, "uid"))]
			}
		}
		if next == nil {
			return o
		}
		o = next
	}
}

// Part 3 of issue 12: `seccomp-fix audit` against the real cluster.
func TestAuditLiveCluster(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "audit", harness.GroupOptions{NoWebhook: true})
	ns := g.Namespace(t, "live", nil)
	auditCluster(t, g.K, ns)
	ca := env.ClusterCA(t)

	// 2. A ServiceAccount token bound only to the view ClusterRole.
	viewToken := g.K.ServiceAccountToken(t, ns, "auditor", "clusterrole/view")
	viewKubeconfig := harness.TokenKubeconfig(t, env, "audit-view", env.Server, ca, viewToken, ns)
	started := time.Now().Add(-time.Second)
	report, stderr, code := runAudit(t, viewKubeconfig, "-n", ns, "--chunk-size", "5")
	if code != 1 || len(report.Errors) > 0 {
		t.Fatalf("audit with a view token: exit %d (want 1: objects would change), errors %v\n%s", code, report.Errors, stderr)
	}

	pods := g.K.List(t, ns, "pods")
	t.Run("1: pagination with real continue tokens over every pod", func(t *testing.T) {
		if len(pods) < 30 {
			t.Fatalf("only %d pods: the check needs at least 30", len(pods))
		}
		if report.Summary.Pods.Listed != len(pods) {
			t.Errorf("the audit listed %d pods, the namespace holds %d", report.Summary.Pods.Listed, len(pods))
		}
		// The API server's audit log: every pods list request of the auditor,
		// each page after the first asked for with a continue token.
		user := "system:serviceaccount:" + ns + ":auditor"
		wantPages := int(math.Ceil(float64(len(pods)) / 5))
		harness.Eventually(t, 30*time.Second, func() (bool, string) {
			lists, continued := auditLogLists(t, user, "pods", started)
			return lists == wantPages && continued == wantPages-1,
				fmt.Sprintf("audit log: %d pods lists by %s, %d with continue=; want %d and %d", lists, user, continued, wantPages, wantPages-1)
		})
	})

	t.Run("4: owner folding with the controllers' ownerReferences", func(t *testing.T) {
		byUID := map[string]harness.Object{}
		for _, resource := range []string{"cronjobs", "jobs", "deployments", "replicasets", "pods"} {
			for _, o := range g.K.List(t, ns, resource) {
				byUID[fmt.Sprint(harness.Dig(o, "metadata", "uid"))] = o
			}
		}
		want := map[string]int{} // top owner -> live pods under it
		for _, p := range pods {
			top := topOwner(p, byUID)
			want[fmt.Sprintf("%v/%s", top["kind"], harness.Name(top))]++
		}
		got := map[string]int{}
		for _, o := range report.Objects {
			got[o.Key()] = o.Pods.Listed
		}
		if harness.JSON(got) != harness.JSON(want) {
			t.Errorf("reported objects and their pods:\n got %v\nwant %v (from the live ownerReferences)", got, want)
		}
		if got["Deployment/web"] != auditDeploymentReplicas || got["CronJob/tick"] < 1 || got["Job/once"] != auditJobParallelism {
			t.Errorf("the workloads should carry their controller-made pods: %v", got)
		}
	})

	t.Run("5: the would-change list is what the webhook changes", func(t *testing.T) {
		outcomes := map[string]int{}
		for _, o := range report.Objects {
			outcomes[o.Outcome]++
		}
		for _, want := range []string{"compliant", "would-change", "non-compliant", "skipped"} {
			if outcomes[want] == 0 {
				t.Errorf("no %s object to compare: %v", want, outcomes)
			}
		}
		w := harness.NewGroup(t, env, "audit-wh", harness.GroupOptions{})
		on := w.Namespace(t, "on", nil)
		w.WaitMutating(t, on)
		for _, o := range report.Objects {
			live := g.K.Get(t, ns, o.Kind, o.Name)
			manifest := harness.Clean(t, live)
			w.K.MustRun(t, harness.JSON(manifest), "create", "-n", on, "-f", "-")
			stored := w.K.Get(t, on, o.Kind, o.Name)
			changed := false
			for _, a := range w.Webhook.Admissions(on, o.Name) {
				if a["kind"] == o.Kind && a["operation"] == "CREATE" && a["ops"].(float64) > 0 {
					changed = true
				}
			}
			if changed != (o.Outcome == "would-change") {
				t.Errorf("%s: audit outcome %s, webhook changed it: %v", o.Key(), o.Outcome, changed)
			}
			expected := manifest
			if len(o.Patch) > 0 {
				r := w.K.MustRun(t, harness.JSON(manifest), "patch", "--local", "-f", "-", "--type", "json", "-p", harness.JSON(o.Patch), "-o", "json")
				expected = harness.MustDecode(t, r.Stdout)
			}
			if a, b := harness.SeccompView(stored), harness.SeccompView(expected); a != b {
				t.Errorf("%s: the webhook stored %s, the audit's patch gives %s", o.Key(), a, b)
			}
		}
	})

	t.Run("6: the PSA share is PodSecurity's verdict on the same pods", func(t *testing.T) {
		psa := g.Namespace(t, "psa", map[string]string{"pod-security.kubernetes.io/warn": "restricted"})
		var copies []harness.Object
		for _, p := range pods {
			copies = append(copies, harness.Clean(t, p))
		}
		pass := 0
		for i, r := range g.K.DryRunAll(psa, copies, 4) {
			findings, nonSeccomp := harness.ServerFindings(r)
			if r.Err != nil || len(nonSeccomp) > 0 {
				t.Fatalf("dry run of pod %s: %s", harness.Name(copies[i]), r)
			}
			ok := true
			for f := range findings {
				if strings.HasPrefix(f, "psa ") {
					ok = false
				}
			}
			if ok {
				pass++
			}
		}
		if pass == 0 || pass == len(pods) {
			t.Errorf("PodSecurity passes %d of %d pods: the comparison needs both outcomes", pass, len(pods))
		}
		if report.Summary.Pods.PassRestricted != pass {
			t.Errorf("audit: %d of %d pods pass restricted; PodSecurity passes %d", report.Summary.Pods.PassRestricted, len(pods), pass)
		}
	})

	t.Run("3: no list on cronjobs: 403 named with verb and resource, exit 2", func(t *testing.T) {
		role := harness.Object{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": harness.Object{"name": "audit-no-cronjobs"},
			"rules": []any{
				harness.Object{"apiGroups": []any{""}, "resources": []any{"pods", "replicationcontrollers"}, "verbs": []any{"list"}},
				harness.Object{"apiGroups": []any{"apps"}, "resources": []any{"deployments", "replicasets", "statefulsets", "daemonsets"}, "verbs": []any{"list"}},
				harness.Object{"apiGroups": []any{"batch"}, "resources": []any{"jobs"}, "verbs": []any{"list"}},
			}}
		g.K.MustRun(t, harness.JSON(role), "create", "-n", ns, "-f", "-")
		token := g.K.ServiceAccountToken(t, ns, "limited", "role/audit-no-cronjobs")
		kc := harness.TokenKubeconfig(t, env, "audit-limited", env.Server, ca, token, ns)
		limited, stderr, code := runAudit(t, kc, "-n", ns)
		if code != 2 {
			t.Errorf("exit %d, want 2\n%s", code, stderr)
		}
		if len(limited.Errors) != 1 || limited.Errors[0].Verb != "list" || limited.Errors[0].Resource != "cronjobs.batch" || limited.Errors[0].Status != 403 {
			t.Fatalf("want one error: list cronjobs.batch 403; got %+v", limited.Errors)
		}
		harness.Containing(t, "the 403 message", limited.Errors[0].Message, `cannot list cronjobs.batch in namespace "`+ns+`"`, `verb "list" on resource "cronjobs"`)
		// The rest is still audited; the CronJob's Jobs are reported on their own.
		keys := map[string]bool{}
		for _, o := range limited.Objects {
			keys[o.Key()] = true
		}
		if !keys["Deployment/web"] || !keys["Job/once"] || keys["CronJob/tick"] {
			t.Errorf("objects reported without cronjobs: %v", keys)
		}
	})

	t.Run("7: 410 Gone on an expired continue token is reported, naming the resource", func(t *testing.T) {
		proxy := harness.StartPausingProxy(t, env, func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/pods") && r.URL.Query().Get("continue") != ""
		})
		kc := harness.TokenKubeconfig(t, env, "audit-proxy", proxy.URL, proxy.CA.PEM, viewToken, ns)
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, env.FixerBin, "audit", "--kubeconfig", kc, "-n", ns, "--chunk-size", "1", "--timeout", "90s", "--no-progress", "--format", "json")
		var stdout, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var held *http.Request
		select {
		case held = <-proxy.Held:
		case <-time.After(60 * time.Second):
			t.Fatalf("the audit never asked for a second page of pods\n%s", errb.String())
		}
		token := held.URL.Query().Get("continue")
		// The API server serves continue tokens from its watch cache's
		// snapshots; it drops them once it has learnt of a compaction
		// (compact_rev_key, polled every 15 s) and seen a later event of
		// the resource. So: compact, touch a pod, until the token is 410.
		tick := 0
		harness.Eventually(t, 90*time.Second, func() (bool, string) {
			harness.CompactEtcd(t, env)
			tick++
			g.K.MustRun(t, "", "annotate", "--overwrite", "-n", ns, "pod", "compliant", fmt.Sprintf("e2e.seccomp-defaulter.io/tick=%d", tick))
			time.Sleep(3 * time.Second)
			r := g.K.Run("", "get", "--raw", "/api/v1/namespaces/"+ns+"/pods?limit=1&continue="+token)
			return r.Err != nil && strings.Contains(r.Stderr, "Expired"), "continue token still served: " + r.Stderr
		})
		proxy.Release()
		err := cmd.Wait()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		expired := harness.DecodeAudit(t, stdout.String(), errb.String())
		if code != 2 {
			t.Errorf("exit %d, want 2\n%s", code, errb.String())
		}
		if len(expired.Errors) != 1 || expired.Errors[0].Resource != "pods" || expired.Errors[0].Status != 410 {
			t.Fatalf("want one error: pods 410; got %+v", expired.Errors)
		}
		harness.Containing(t, "the 410 message", expired.Errors[0].Message, `cannot list pods in namespace "`+ns+`"`, "the continue token expired after 1 objects", "run the audit again")
	})
}

// auditLogLists counts the list requests of resource by user received
// since in the API server's audit log, and those that carried a continue token.
func auditLogLists(t *testing.T, user, resource string, since time.Time) (lists, continued int) {
	t.Helper()
	data, err := os.ReadFile(env.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.Contains(line, []byte(user)) {
			continue
		}
		ev := harness.MustDecode(t, string(line))
		if ev["verb"] != "list" || harness.Dig(ev, "objectRef", "resource") != resource || harness.Dig(ev, "stage") != "ResponseComplete" {
			continue
		}
		if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(ev["requestReceivedTimestamp"])); err != nil || at.Before(since) {
			continue
		}
		lists++
		if strings.Contains(fmt.Sprint(ev["requestURI"]), "continue=") {
			continued++
		}
	}
	return lists, continued
}

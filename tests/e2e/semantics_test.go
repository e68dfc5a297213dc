package e2e

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// Files (or file#Kind/name objects) that are not sent to the API server, and
// why. The test fails when a file is skipped that is not listed here, or a
// listed one is not skipped, so this list is the list of what was skipped.
var semanticsSkipped = map[string]string{
	"golden/cronjob.in.yaml":            "batch/v1beta1 is not served (removed in 1.25); its converted copy is fixtures/legacy.yaml CronJob/nightly",
	"golden/cronjob.out.yaml":           "batch/v1beta1 is not served (removed in 1.25)",
	"golden/legacy-extensions.in.yaml":  "extensions/v1beta1 is not served (removed in 1.16); its converted copy is fixtures/legacy.yaml Deployment/legacy",
	"golden/legacy-extensions.out.yaml": "extensions/v1beta1 is not served (removed in 1.16)",
	"golden/template.in.yaml":           "a Go template, not YAML",
	"golden/invalid.in.yaml":            "deliberately invalid YAML",
	"golden/values.in.yaml":             "no kind (a Helm values file)",
	"fixtures/debug-container.yaml":     "no kind (a kubectl debug --custom container profile)",
	"examples/legacy-deployment.yaml":   "extensions/v1beta1 is not served (removed in 1.16); its converted copy is fixtures/examples.yaml Deployment/payments",
	// Formatting cases of the fixer whose objects the API server rejects for
	// reasons that are not seccomp (the converted copy of legacy.in.json,
	// with a selector, is fixtures/legacy.yaml Deployment/legacy-json).
	"golden/anchors.in.yaml#Deployment/anchored":    "apps/v1 without spec.selector (and the fixer refuses the anchor: unsafe-yaml)",
	"golden/anchors.out.yaml#Deployment/anchored":   "apps/v1 without spec.selector (and the fixer refuses the anchor: unsafe-yaml)",
	"golden/legacy.in.json#Deployment/legacy-json":  "apps/v1 without spec.selector",
	"golden/legacy.out.json#Deployment/legacy-json": "apps/v1 without spec.selector",
	// The fixer refuses to edit through a merge key (unsafe-yaml, an error
	// for a human): it reports no core records to compare.
	"golden/anchors.in.yaml#Pod/merged":  "the fixer does not edit YAML through a merge key (unsafe-yaml)",
	"golden/anchors.out.yaml#Pod/merged": "the fixer does not edit YAML through a merge key (unsafe-yaml)",
}

// Differences between the core's records and the real server that are
// deliberate choices of the spec, each listed in docs/semantics.md ("The
// real API server", D1...). Keyed by "file#Kind/name before|after: ± finding".
// The test fails on a difference not listed here and on a listed one that no
// longer occurs.
var semanticsDeliberate = map[string]string{
	// D1: `localhost/` (empty path) is a valid annotation to the API server
	// (warned as non-functional; PodSecurity wants a field), but it cannot
	// become a field: the core reports it not migratable and leaves the pod
	// level unset rather than guess.
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty before: - error invalid-annotation metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]": "D1",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty before: + psa must-set app":                                                                        "D1",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty before: + warning non-functional metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]":   "D1",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty after: - error invalid-annotation metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]":  "D1",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty after: + psa must-set app":                                                                         "D1",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-localhost-empty after: + warning non-functional metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]":    "D1",
	// D2: an annotation naming no container is removed whatever its value;
	// the API server validates its value (and rejects "foo") before the fix.
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-orphan-invalid before: + error invalid-annotation metadata.annotations[container.seccomp.security.alpha.kubernetes.io/ghost]": "D2",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-orphan-invalid before: - psa must-set app":                                                                                    "D2",
	// D3: a Windows pod is skipped whole, its annotations included; the API
	// server still warns that the annotation is non-functional.
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-windows-annotated before: + warning non-functional metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]": "D3",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-windows-annotated after: + warning non-functional metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]":  "D3",
	// D4: Windows by nodeSelector only: skipped by the core (§4 rule 1),
	// not exempt from PodSecurity (only spec.os.name is).
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-windows-node-selector before: + psa must-set iis": "D4",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-windows-node-selector after: + psa must-set iis":  "D4",
	// D5: an opted-out object is not judged; PodSecurity judges it.
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-opt-out before: + psa must-set app": "D5",
	"fixtures/seccomp-edge-cases.yaml#Pod/edge-opt-out after: + psa must-set app":  "D5",
}

// Part 1 of issue 12: every object of a built-in kind in examples/, the e2e
// fixtures and the fixer's golden files is sent with `kubectl create
// --dry-run=server` to a namespace labelled
// pod-security.kubernetes.io/warn=restricted (no webhook), before and after
// `seccomp-fix fix`. The seccomp errors and warnings of the API server and
// PodSecurity must be exactly what the fixer's records say (ExpectedFindings);
// after the fix every object without an error record is accepted.
func TestFixedManifestsAccepted(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "semantics", harness.GroupOptions{NoWebhook: true})
	ns := g.Namespace(t, "warn", map[string]string{"pod-security.kubernetes.io/warn": "restricted"})
	served := map[string]bool{}
	for _, v := range strings.Fields(g.K.MustRun(t, "", "api-versions").Stdout) {
		served[v] = true
	}

	sources := map[string]string{}
	for _, pattern := range []string{"*.yaml", "*.json"} {
		for _, f := range harness.Glob(t, env.Path("examples"), pattern) {
			sources["examples/"+filepath.Base(f)] = f
		}
	}
	for _, f := range harness.Glob(t, env.Path("tests", "e2e", "fixtures"), "*.yaml") {
		sources["fixtures/"+filepath.Base(f)] = f
	}
	for _, f := range harness.Glob(t, env.Path("fixer-cli", "tests", "data", "golden"), "*") {
		sources["golden/"+filepath.Base(f)] = f
	}
	before, fixed := t.TempDir(), t.TempDir()
	harness.CopyFiles(t, before, sources)
	harness.CopyFiles(t, fixed, sources)
	dirs := []string{"examples", "fixtures", "golden"}
	beforeReport := harness.FixCheck(t, env, before, dirs...)
	harness.RunFixer(t, env, fixed, append([]string{"fix", "--no-progress"}, dirs...)...)
	afterReport := harness.FixCheck(t, env, fixed, dirs...)

	type object struct {
		id      string // file#Kind/name
		when    string // before | after
		obj     harness.Object
		records []harness.FixFinding
	}
	var objects []object
	skipped := map[string]string{}
	var files []string
	for f := range sources {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, file := range files {
		for _, side := range []struct {
			when   string
			dir    string
			report map[string]harness.FixFile
		}{{"before", before, beforeReport}, {"after", fixed, afterReport}} {
			manifests, err := harness.ManifestObjects(filepath.Join(side.dir, file))
			if err != nil {
				skipped[file] = "does not decode: " + err.Error()
				continue
			}
			kinds := 0
			for _, m := range manifests {
				kind, _ := m.Object["kind"].(string)
				version, _ := m.Object["apiVersion"].(string)
				if kind == "" {
					continue
				}
				kinds++
				if !served[version] {
					skipped[file] = version + " is not served"
					continue
				}
				o := harness.DeepCopy(t, m.Object)
				if meta, ok := o["metadata"].(map[string]any); ok {
					delete(meta, "namespace") // the test chooses the namespace
				}
				objects = append(objects, object{
					id: file + "#" + m.Key(), when: side.when, obj: o,
					records: harness.RecordsFor(side.report[file], m),
				})
			}
			if kinds == 0 {
				skipped[file] = "no kind"
			}
		}
	}

	objs := make([]harness.Object, len(objects))
	for i, o := range objects {
		objs[i] = o.obj
	}
	results := g.K.DryRunAll(ns, objs, 4)

	var differences []string
	compared := map[string]bool{}
	for i, o := range objects {
		r := results[i]
		got, nonSeccomp := harness.ServerFindings(r)
		if len(nonSeccomp) > 0 {
			skipped[o.id] = "rejected for a non-seccomp reason " + o.when + " the fix: " + strings.Join(nonSeccomp, "; ")
			continue
		}
		if fixerRefused(o.records) {
			skipped[o.id] = "the fixer refused to edit it " + o.when + " the fix"
			continue
		}
		compared[o.id] = true
		want := harness.ExpectedFindings(o.obj, o.records)
		for _, d := range harness.Diff(want, got) {
			differences = append(differences, fmt.Sprintf("%s %s: %s", o.id, o.when, d))
		}
		if o.when == "after" && r.Err != nil && !hasError(o.records) {
			t.Errorf("%s: rejected after the fix although the fixer reports no error:\n%s", o.id, r)
		}
		if o.when == "after" && r.Err == nil {
			for f := range got {
				if strings.HasPrefix(f, "psa ") && !keepsViolation(o.records) {
					t.Errorf("%s: PodSecurity still names a seccomp violation after the fix (%s) and the fixer reports nothing kept", o.id, f)
				}
			}
		}
	}

	for key, reason := range skipped {
		want, listed := semanticsSkipped[key]
		if !listed {
			t.Errorf("skipped but not listed in semanticsSkipped: %s: %s", key, reason)
		} else {
			t.Logf("skipped %s: %s (server: %s)", key, want, reason)
		}
	}
	for key, reason := range semanticsSkipped {
		if _, ok := skipped[key]; !ok {
			t.Errorf("listed in semanticsSkipped but compared: %s (%s)", key, reason)
		}
	}
	seen := map[string]bool{}
	for _, d := range differences {
		if id, ok := semanticsDeliberate[d]; ok {
			seen[d] = true
			t.Logf("deliberate difference %s: %s", id, d)
			continue
		}
		t.Errorf("difference between the core's records and the API server: %s", d)
	}
	for d, id := range semanticsDeliberate {
		if !seen[d] {
			t.Errorf("deliberate difference %s no longer occurs (remove it here and in docs/semantics.md): %s", id, d)
		}
	}
	ids := make([]string, 0, len(compared))
	for id := range compared {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("compared %d objects before and after the fix:\n  %s", len(ids), strings.Join(ids, "\n  "))
}

func hasError(records []harness.FixFinding) bool {
	for _, r := range records {
		if r.Severity == "error" {
			return true
		}
	}
	return false
}

// keepsViolation: the fixer's records say the object still fails the
// restricted seccomp rule after the fix (an explicit Unconfined kept, a pod
// skipped, an error left for a human).
func keepsViolation(records []harness.FixFinding) bool {
	for _, r := range records {
		switch r.Code {
		case "unconfined-explicit", "skipped-windows", "skipped-opt-out":
			return true
		}
	}
	return hasError(records)
}

// fixerRefused: the fixer (not the core) refused to edit the object, so the
// report holds no core records for it.
func fixerRefused(records []harness.FixFinding) bool {
	for _, r := range records {
		switch r.Code {
		case "unsafe-yaml", "edit-unsupported", "unreadable-document", "internal-error":
			return true
		}
	}
	return false
}

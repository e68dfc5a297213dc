package e2e

import (
	"strings"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

type profile = map[string]any

var (
	runtimeDefault = profile{"type": "RuntimeDefault"}
	unconfined     = profile{"type": "Unconfined"}
)

func localhost(path string) profile { return profile{"type": "Localhost", "localhostProfile": path} }

// stored is what the webhook must leave in the API server for one fixture.
type stored struct {
	pod        profile            // pod-level seccompProfile; nil: none
	containers map[string]profile // per container; absent: no field
	keep       []string           // non-seccomp annotations that must survive
}

// Expected results for every pod-bearing object of fixtures/examples.yaml and
// fixtures/legacy.yaml (docs/semantics.md: migration, defaulting, Windows).
var legacyWant = map[string]stored{
	"Deployment/web":            {pod: runtimeDefault},
	"CronJob/nightly-report":    {pod: runtimeDefault},
	"Pod/iis":                   {},
	"Pod/worker":                {pod: runtimeDefault},
	"Pod/audit-logger":          {pod: localhost("profiles/audit.json")},
	"Deployment/payments":       {pod: runtimeDefault, containers: map[string]profile{"api": localhost("profiles/payments-api.json")}, keep: []string{"prometheus.io/scrape"}},
	"Pod/legacy":                {pod: localhost("profiles/audit.json"), containers: map[string]profile{"sidecar": runtimeDefault}, keep: []string{"team"}},
	"Deployment/old":            {pod: runtimeDefault},
	"StatefulSet/db":            {pod: runtimeDefault, containers: map[string]profile{"db": unconfined}},
	"Deployment/legacy":         {pod: runtimeDefault, containers: map[string]profile{"nginx": localhost("profiles/nginx.json")}, keep: []string{"prometheus.io/scrape"}},
	"Deployment/legacy-json":    {pod: runtimeDefault, keep: []string{"team"}},
	"CronJob/nightly":           {pod: runtimeDefault},
	"Pod/one-line":              {pod: runtimeDefault},
	"Pod/legacy-webhook":        {pod: runtimeDefault, containers: map[string]profile{"app": localhost("profiles/app.json")}, keep: []string{"team"}},
	"Pod/mismatch (webhook on)": {pod: runtimeDefault, containers: map[string]profile{"app": unconfined}},
	// examples/helm-chart, rendered with its default values (release "example").
	"Deployment/example": {pod: runtimeDefault},
}

// podTemplate is the pod (metadata and spec) inside a stored object.
func podTemplate(o harness.Object) (meta, spec any) {
	switch o["kind"] {
	case "Pod":
		return o["metadata"], o["spec"]
	case "CronJob":
		t := harness.Dig(o, "spec", "jobTemplate", "spec", "template")
		return harness.Dig(t, "metadata"), harness.Dig(t, "spec")
	default:
		t := harness.Dig(o, "spec", "template")
		return harness.Dig(t, "metadata"), harness.Dig(t, "spec")
	}
}

func isSeccompAnnotation(key string) bool {
	return strings.HasPrefix(key, "seccomp.security.alpha.kubernetes.io/") ||
		strings.HasPrefix(key, "container.seccomp.security.alpha.kubernetes.io/")
}

// checkStored compares one stored object with want.
func checkStored(t *testing.T, what string, o harness.Object, want stored) {
	t.Helper()
	meta, spec := podTemplate(o)
	for _, m := range []any{o["metadata"], meta} {
		annotations, _ := harness.Dig(m, "annotations").(map[string]any)
		for key := range annotations {
			if isSeccompAnnotation(key) {
				t.Errorf("%s: seccomp annotation %s left: %s", what, key, harness.JSON(annotations))
			}
		}
	}
	for _, key := range want.keep {
		if harness.Dig(meta, "annotations", key) == nil {
			t.Errorf("%s: annotation %s was removed: %s", what, key, harness.JSON(meta))
		}
	}
	if got := harness.Dig(spec, "securityContext", "seccompProfile"); harness.JSON(got) != harness.JSON(want.pod) && (want.pod != nil || got != nil) {
		t.Errorf("%s: pod seccompProfile = %s, want %s", what, harness.JSON(got), harness.JSON(want.pod))
	}
	containers, _ := harness.Dig(spec, "containers").([]any)
	for _, c := range containers {
		name, _ := harness.Dig(c, "name").(string)
		got := harness.Dig(c, "securityContext", "seccompProfile")
		w, ok := want.containers[name]
		if (ok && harness.JSON(got) != harness.JSON(w)) || (!ok && got != nil) {
			t.Errorf("%s: container %s seccompProfile = %s, want %s", what, name, harness.JSON(got), harness.JSON(w))
		}
	}
}

// 4.2: every object of examples/ and of the Rust tests' legacy cases,
// created through the API server with the webhook, is stored migrated; an
// annotation/field mismatch is the API server's own rejection without the
// webhook and is resolved (field wins) with it.
func TestLegacyManifests(t *testing.T) {
	t.Parallel()
	mismatch := harness.Fixture(t, env, "mismatch-pod.yaml")[0]

	t.Run("stored objects carry the migrated fields and no seccomp annotation", func(t *testing.T) {
		t.Parallel()
		g := harness.NewGroup(t, env, "legacy", harness.GroupOptions{})
		ns := g.Namespace(t, "on", nil)
		g.WaitMutating(t, ns)
		checked := 0
		for _, file := range []string{"examples.yaml", "legacy.yaml"} {
			g.K.MustRun(t, "", "create", "-n", ns, "-f", env.Path("tests", "e2e", "fixtures", file))
			for _, fixture := range harness.Fixture(t, env, file) {
				key := fixture["kind"].(string) + "/" + harness.Name(fixture)
				want, podBearing := legacyWant[key]
				if !podBearing {
					if fixture["kind"] != "Service" {
						t.Errorf("fixture %s has no expected result in legacyWant", key)
					}
					continue
				}
				checkStored(t, key, g.K.Get(t, ns, fixture["kind"].(string), harness.Name(fixture)), want)
				checked++
			}
		}
		// examples/helm-chart is a chart: its objects are what helm renders.
		rendered := harness.HelmTemplateChart(t, env, env.Path("examples", "helm-chart"), "example", ns, nil)
		for _, o := range rendered {
			g.K.MustRun(t, harness.JSON(o), "create", "-n", ns, "-f", "-")
			key := o["kind"].(string) + "/" + harness.Name(o)
			want, ok := legacyWant[key]
			if !ok {
				t.Errorf("examples/helm-chart renders %s, which has no expected result in legacyWant", key)
				continue
			}
			checkStored(t, key+" (examples/helm-chart)", g.K.Get(t, ns, o["kind"].(string), harness.Name(o)), want)
			checked++
		}
		if checked != len(legacyWant)-1 {
			t.Errorf("checked %d objects, legacyWant lists %d", checked, len(legacyWant)-1)
		}
	})

	t.Run("an annotation/field mismatch is rejected by the API server without the webhook", func(t *testing.T) {
		t.Parallel()
		g := harness.NewGroup(t, env, "legacy-off", harness.GroupOptions{NoWebhook: true})
		ns := g.Namespace(t, "off", nil)
		r := g.K.Create(ns, harness.JSON(mismatch))
		if r.Err == nil {
			t.Fatalf("the API server admitted a pod whose seccomp annotation and field disagree: %s", r)
		}
		harness.Containing(t, "the API server's validation error", r.Stderr,
			`Pod "mismatch" is invalid`,
			`spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match`,
			`spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match`)
	})

	t.Run("with the webhook the field wins and the annotation is removed", func(t *testing.T) {
		t.Parallel()
		g := harness.NewGroup(t, env, "mismatch", harness.GroupOptions{})
		ns := g.Namespace(t, "on", nil)
		g.WaitMutating(t, ns)
		g.K.MustRun(t, harness.JSON(mismatch), "create", "-n", ns, "-f", "-")
		checkStored(t, "Pod/mismatch", g.K.Get(t, ns, "pod", "mismatch"), legacyWant["Pod/mismatch (webhook on)"])
	})
}

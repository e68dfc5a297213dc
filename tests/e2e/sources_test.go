package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

var sourceComment = regexp.MustCompile(`(?m)^# source: (\S+)`)

// Only the conversions listed in fixtures/README.md may separate a fixture
// from its source: apiVersion, spec.selector, and the template labels that
// selector needs.
func withoutConversions(t *testing.T, o harness.Object) harness.Object {
	c := harness.DeepCopy(t, o)
	delete(c, "apiVersion")
	if spec, ok := c["spec"].(map[string]any); ok {
		delete(spec, "selector")
		if meta, ok := harness.Dig(spec, "template", "metadata").(map[string]any); ok {
			delete(meta, "labels")
			if len(meta) == 0 {
				delete(spec["template"].(map[string]any), "metadata")
			}
		}
	}
	return c
}

// The fixtures are copies of examples/ and of the Rust tests' legacy cases:
// each must still equal its source, up to the listed conversions.
func TestFixturesMatchTheirSources(t *testing.T) {
	t.Parallel()
	notYAML := 0
	for _, file := range []string{"examples.yaml", "legacy.yaml"} {
		data, err := os.ReadFile(env.Path("tests", "e2e", "fixtures", file))
		if err != nil {
			t.Fatal(err)
		}
		docs := regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(data), -1)
		for _, doc := range docs {
			fixture := harness.SplitYAML(t, []byte(doc))[0]
			m := sourceComment.FindStringSubmatch(doc)
			if m == nil {
				t.Errorf("%s: %s/%s names no source", file, fixture["kind"], harness.Name(fixture))
				continue
			}
			if strings.HasSuffix(m[1], ".rs") { // a Rust literal: compared by reading
				notYAML++
				continue
			}
			src, err := os.ReadFile(env.Path(m[1]))
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			var found harness.Object
			for _, o := range harness.SplitYAML(t, src) {
				if o["kind"] == fixture["kind"] && harness.Name(o) == harness.Name(fixture) {
					found = o
				}
			}
			if found == nil {
				t.Errorf("%s: no %s/%s in %s", file, fixture["kind"], harness.Name(fixture), m[1])
				continue
			}
			if a, b := harness.JSON(withoutConversions(t, fixture)), harness.JSON(withoutConversions(t, found)); a != b {
				t.Errorf("%s: %s/%s differs from %s beyond the conversions:\nfixture %s\nsource  %s", file, fixture["kind"], harness.Name(fixture), m[1], a, b)
			}
		}
	}
	if notYAML != 1 {
		t.Errorf("want exactly one fixture copied from Rust code (the webhook's legacy_pod), got %d", notYAML)
	}
}

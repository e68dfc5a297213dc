package harness

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

// ChartNamespace is the release namespace the chart is rendered for; the
// chart always excludes it (and kube-system) from its namespaceSelector.
const ChartNamespace = "seccomp-system"

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// SplitYAML decodes a multi-document YAML stream into objects (empty
// documents dropped); a document that does not decode fails the test.
func SplitYAML(t testing.TB, stream []byte) []Object {
	t.Helper()
	out, err := DecodeYAML(stream)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// DecodeYAML is SplitYAML returning the error.
func DecodeYAML(stream []byte) ([]Object, error) {
	var out []Object
	for _, doc := range docSeparator.Split(string(stream), -1) {
		var o Object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, fmt.Errorf("YAML document does not decode: %v\n%s", err, doc)
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out, nil
}

// HelmTemplate renders charts/seccomp-defaulter with `helm template RELEASE
// -n seccomp-system -f values` using the Helm v4 binary, and returns every
// rendered object.
func HelmTemplate(t testing.TB, env *Env, release string, values Object) []Object {
	t.Helper()
	return HelmTemplateChart(t, env, env.Path("charts", "seccomp-defaulter"), release, ChartNamespace, values)
}

// HelmTemplateChart renders any chart folder with `helm template RELEASE DIR
// -n namespace -f values` (Helm v4) and returns every rendered object.
func HelmTemplateChart(t testing.TB, env *Env, dir, release, namespace string, values Object) []Object {
	t.Helper()
	data, err := yaml.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir(): its name comes from the test's, and helm splits
	// --values at commas.
	f, err := os.CreateTemp(env.Dir, "values-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	valuesFile := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(env.HelmBin, "template", release, dir, "--namespace", namespace, "--values", valuesFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm template %s: %v\n%s\nvalues:\n%s", release, err, stderr.String(), data)
	}
	return SplitYAML(t, stdout.Bytes())
}

// RenderWebhookConfig is the chart's own MutatingWebhookConfiguration for
// release with values, its caBundle replaced by the given CAs (the chart's
// generated CA signs a certificate for the Service, not for 127.0.0.1).
func RenderWebhookConfig(t testing.TB, env *Env, release string, values Object, cas ...*CA) Object {
	t.Helper()
	var mwc Object
	for _, o := range HelmTemplate(t, env, release, values) {
		if o["kind"] == "MutatingWebhookConfiguration" {
			if mwc != nil {
				t.Fatalf("chart rendered two MutatingWebhookConfigurations")
			}
			mwc = o
		}
	}
	if mwc == nil {
		t.Fatalf("chart rendered no MutatingWebhookConfiguration for %s", release)
	}
	SetCABundle(t, mwc, cas...)
	return mwc
}

// SetCABundle sets every webhook's clientConfig.caBundle to the CAs' PEMs.
func SetCABundle(t testing.TB, mwc Object, cas ...*CA) {
	t.Helper()
	var bundle []byte
	for _, ca := range cas {
		bundle = append(bundle, ca.PEM...)
	}
	hooks, _ := mwc["webhooks"].([]any)
	if len(hooks) == 0 {
		t.Fatalf("configuration has no webhooks: %s", JSON(mwc))
	}
	for _, h := range hooks {
		cc, ok := Dig(h, "clientConfig").(map[string]any)
		if !ok {
			t.Fatalf("webhook without clientConfig: %s", JSON(h))
		}
		cc["caBundle"] = base64.StdEncoding.EncodeToString(bundle)
	}
}

// Merge deep-merges src into dst (maps merge, everything else replaces) and returns dst.
func Merge(dst, src Object) Object {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				Merge(dm, sm)
				continue
			}
			dst[k] = Merge(Object{}, sm)
			continue
		}
		dst[k] = v
	}
	return dst
}

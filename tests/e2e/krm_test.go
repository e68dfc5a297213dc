package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// The manifests run through the KRM clients: the e2e fixtures of examples/
// and of the legacy cases, and the edge cases.
var krmInputs = []string{"examples.yaml", "legacy.yaml", "seccomp-edge-cases.yaml"}

// Part 2 of issue 12: what the real KRM clients produce with seccomp-fix as
// their function is what `seccomp-fix fix` produces, and the API server
// accepts it with exactly the seccomp findings the fixer's records predict
// (no PodSecurity seccomp warning but for what the fixer reports kept).
func TestKRMOutputAccepted(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "krm", harness.GroupOptions{NoWebhook: true})
	ns := g.Namespace(t, "warn", map[string]string{"pod-security.kubernetes.io/warn": "restricted"})

	// The reference: `seccomp-fix fix` on the same files, and its records.
	fixed := t.TempDir()
	files := map[string]string{}
	for _, f := range krmInputs {
		files[f] = env.Path("tests", "e2e", "fixtures", f)
	}
	harness.CopyFiles(t, fixed, files)
	harness.RunFixer(t, env, fixed, "fix", "--no-progress", ".")
	want := objectsOf(t, fixed)
	report := harness.FixCheck(t, env, fixed, ".")
	records := map[string][]harness.FixFinding{}
	for path, f := range report {
		for _, o := range f.Objects {
			records[filepath.Base(path)+"#"+o.Kind+"/"+o.Name] = o.Findings
		}
	}

	// A file with an error-severity record makes the function report an
	// error result and exit 1, as the KRM function spec asks; kpt then fails
	// and writes nothing (docs/fixer.md, "KRM function"). So kpt gets the
	// other files, and the files with errors once more on their own.
	withErrors := map[string]bool{}
	for path, f := range report {
		for _, o := range f.Objects {
			for _, finding := range o.Findings {
				if finding.Severity == "error" {
					withErrors[filepath.Base(path)] = true
				}
			}
		}
	}
	if len(withErrors) == 0 || len(withErrors) == len(files) {
		t.Fatalf("the KRM inputs need files with and without error records, got errors in %v", withErrors)
	}
	clean, cleanFixed, failing := map[string]string{}, map[string]string{}, map[string]string{}
	for f, src := range files {
		if withErrors[f] {
			failing[f] = src
		} else {
			clean[f] = src
			cleanFixed[f] = filepath.Join(fixed, f)
		}
	}
	wantClean := t.TempDir()
	harness.CopyFiles(t, wantClean, cleanFixed)

	t.Run("kpt fn eval --exec", func(t *testing.T) {
		t.Parallel()
		kpt := harness.Client(t, "kpt")
		pkg := filepath.Join(t.TempDir(), "pkg")
		harness.CopyFiles(t, pkg, clean)
		cmd := exec.Command(kpt, "fn", "eval", pkg, "--exec", env.FixerBin+" krm")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kpt fn eval: %v\n%s", err, out)
		}
		checkKRMOutput(t, g, ns, "kpt", objectsOf(t, pkg), objectsOf(t, wantClean), records)
	})

	t.Run("kpt fn eval --exec: error results fail and leave the package as it was", func(t *testing.T) {
		t.Parallel()
		kpt := harness.Client(t, "kpt")
		pkg := filepath.Join(t.TempDir(), "pkg")
		harness.CopyFiles(t, pkg, failing)
		cmd := exec.Command(kpt, "fn", "eval", pkg, "--truncate-output=false", "--exec", env.FixerBin+" krm")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("kpt fn eval succeeded on files with error records:\n%s", out)
		}
		harness.Containing(t, "kpt's output", string(out), "[error]", "Exit code: 1")
		for f, src := range failing {
			before, errBefore := os.ReadFile(src)
			after, errAfter := os.ReadFile(filepath.Join(pkg, f))
			if errBefore != nil || errAfter != nil || string(before) != string(after) {
				t.Errorf("%s changed although kpt failed (%v, %v)", f, errBefore, errAfter)
			}
		}
	})

	t.Run("kubectl kustomize --enable-alpha-plugins", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		app := filepath.Join(dir, "app")
		harness.CopyFiles(t, app, files)
		writeFile(t, filepath.Join(app, "seccomp.yaml"), "apiVersion: seccomp-defaulter.io/v1\nkind: SeccompPolicy\nmetadata:\n  name: seccomp\nspec: {}\n")
		writeFile(t, filepath.Join(app, "kustomization.yaml"), "resources:\n- "+strings.Join(krmInputs, "\n- ")+"\ntransformers:\n- seccomp.yaml\n")
		// The legacy exec plugin protocol (docs/fixer.md): kubectl runs
		// $XDG_CONFIG_HOME/kustomize/plugin/<group>/<version>/<kind>/<Kind>.
		plugin := filepath.Join(dir, "config", "kustomize", "plugin", "seccomp-defaulter.io", "v1", "seccomppolicy", "SeccompPolicy")
		writeFile(t, plugin, fmt.Sprintf("#!/bin/sh\nexec '%s' krm \"$@\"\n", env.FixerBin))
		if err := os.Chmod(plugin, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(env.KubectlBin, "kustomize", "--enable-alpha-plugins", app)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("kubectl kustomize: %v", err)
		}
		objs, err := harness.DecodeYAML(out)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]harness.Object{}
		for _, o := range objs {
			got[fmt.Sprintf("%v/%s", o["kind"], harness.Name(o))] = o
		}
		checkKRMOutput(t, g, ns, "kustomize", got, want, records)
	})
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// objectsOf decodes every YAML file of dir, keyed by "file#Kind/name" (and by
// "Kind/name" alone, for outputs that do not keep files apart).
func objectsOf(t *testing.T, dir string) map[string]harness.Object {
	t.Helper()
	out := map[string]harness.Object{}
	for _, f := range harness.Glob(t, dir, "*.yaml") {
		manifests, err := harness.ManifestObjects(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range manifests {
			out[m.Key()] = withoutKRMAnnotations(m.Object)
		}
	}
	return out
}

// withoutKRMAnnotations drops the config.kubernetes.io bookkeeping
// annotations KRM clients may leave, and an annotations map they empty.
func withoutKRMAnnotations(o harness.Object) harness.Object {
	meta, _ := o["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	for k := range annotations {
		if strings.Contains(k, "config.kubernetes.io/") {
			delete(annotations, k)
		}
	}
	if annotations != nil && len(annotations) == 0 {
		delete(meta, "annotations")
	}
	return o
}

// checkKRMOutput: the client's output holds exactly the objects `fix`
// produced, equal to them, and each is dry-run with the findings the fixer's
// records predict.
func checkKRMOutput(t *testing.T, g *harness.Group, ns, client string, got, want map[string]harness.Object, records map[string][]harness.FixFinding) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s output has %s, which seccomp-fix fix does not", client, k)
		}
	}
	var objs []harness.Object
	var ids []string
	for _, k := range keys {
		o, ok := got[k]
		if !ok {
			t.Errorf("%s output lacks %s", client, k)
			continue
		}
		o = withoutKRMAnnotations(o)
		if a, b := harness.JSON(o), harness.JSON(want[k]); a != b {
			t.Errorf("%s: %s differs from seccomp-fix fix:\n%s\n%s", client, k, a, b)
		}
		objs = append(objs, o)
		ids = append(ids, k)
	}
	for i, r := range g.K.DryRunAll(ns, objs, 4) {
		var recs []harness.FixFinding
		for key, rs := range records {
			if strings.HasSuffix(key, "#"+ids[i]) {
				recs = rs
			}
		}
		gotF, nonSeccomp := harness.ServerFindings(r)
		if len(nonSeccomp) > 0 {
			t.Errorf("%s: %s rejected for a non-seccomp reason: %s", client, ids[i], nonSeccomp)
			continue
		}
		for _, d := range harness.Diff(harness.ExpectedFindings(objs[i], recs), gotF) {
			id := "fixtures/seccomp-edge-cases.yaml#" + ids[i] + " after: " + d
			if _, deliberate := semanticsDeliberate[id]; !deliberate {
				t.Errorf("%s: %s: the API server's seccomp findings differ from the fixer's records: %s", client, ids[i], d)
			}
		}
		if r.Err != nil && !hasError(recs) {
			t.Errorf("%s: %s rejected although the fixer reports no error:\n%s", client, ids[i], r)
		}
	}
}

package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// Issue 13: the test charts of seccomp-fix's chart mode
// (fixer-cli/tests/data/charts), fixed by `seccomp-fix fix`, rendered with
// `helm template` and sent through `kubectl create --dry-run=server` to the
// real API server, in a namespace enforcing (and warning on) Pod Security
// "restricted". Before the fix PodSecurity names seccompProfile for some
// object of every chart; after it, for none. (Helm's own --dry-run=server
// returns before PodSecurity runs, so it would prove nothing.) The other
// restricted controls (runAsNonRoot, capabilities, …) are not seccomp-fix's
// business and may still be reported.
func TestFixedChartsPassPodSecuritySeccomp(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "charts", harness.GroupOptions{NoWebhook: true})
	ns := g.Namespace(t, "charts", map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	})
	for _, name := range []string{"scaffold-v3", "scaffold-v4", "nested-values", "literal", "with-ci", "library-dep", "legacy"} {
		t.Run(name, func(t *testing.T) {
			chart := filepath.Join(t.TempDir(), name)
			copyDir(t, env.Path("fixer-cli", "tests", "data", "charts", name), chart)
			before := seccompViolations(t, g, ns, chart)
			if len(before) == 0 {
				t.Fatalf("%s: PodSecurity reports no seccompProfile violation before the fix: the check proves nothing", name)
			}
			t.Logf("before the fix: %s", before[0])
			fix := exec.Command(env.FixerBin, "fix", "--helm", env.HelmBin, chart)
			if out, err := fix.CombinedOutput(); err != nil {
				t.Fatalf("seccomp-fix fix %s: %v\n%s", name, err, out)
			}
			if after := seccompViolations(t, g, ns, chart); len(after) > 0 {
				t.Fatalf("%s: PodSecurity still reports seccompProfile after the fix:\n%s", name, strings.Join(after, "\n"))
			}
		})
	}
}

// seccompViolations renders the chart with each value set and returns the
// PodSecurity messages of kubectl create --dry-run=server that name seccompProfile.
func seccompViolations(t *testing.T, g *harness.Group, ns, chart string) []string {
	t.Helper()
	sets := [][]string{nil}
	ci, _ := filepath.Glob(filepath.Join(chart, "ci", "*-values.yaml"))
	for _, f := range ci {
		sets = append(sets, []string{"--values", f})
	}
	var out []string
	for _, set := range sets {
		args := append([]string{"template", "release-name", chart}, set...)
		cmd := exec.Command(env.HelmBin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("helm template %s: %v\n%s", chart, err, stderr.String())
		}
		r := g.K.Run(stdout.String(), "create", "--dry-run=server", "-n", ns, "-f", "-")
		for _, line := range strings.Split(r.Stderr+"\n"+r.Stdout, "\n") {
			if strings.Contains(line, "PodSecurity") && strings.Contains(line, "seccompProfile") {
				out = append(out, line)
			}
		}
	}
	return out
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

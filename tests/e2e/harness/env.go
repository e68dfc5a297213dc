package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Env is what scripts/k8s-up.sh and scripts/e2e.sh export to the tests.
type Env struct {
	Root         string // repository root
	Dir          string // this run's folder (logs/, pki/, audit.log)
	Server       string // https://127.0.0.1:PORT
	Kubeconfig   string
	KubectlBin   string
	HelmBin      string // Helm v4
	Helm3Bin     string
	WebhookBin   string // target/debug/seccomp-webhook
	FixerBin     string // target/debug/seccomp-fix
	APIServerLog string
	KCMLog       string
	AuditLog     string
	EtcdEndpoint string // http://127.0.0.1:PORT, etcd's client URL (plain HTTP, loopback)
}

var envVars = []struct {
	name string
	dst  func(*Env) *string
}{
	{"SECCOMP_E2E_DIR", func(e *Env) *string { return &e.Dir }},
	{"SECCOMP_E2E_SERVER", func(e *Env) *string { return &e.Server }},
	{"KUBECONFIG", func(e *Env) *string { return &e.Kubeconfig }},
	{"SECCOMP_E2E_KUBECTL", func(e *Env) *string { return &e.KubectlBin }},
	{"SECCOMP_E2E_HELM", func(e *Env) *string { return &e.HelmBin }},
	{"SECCOMP_E2E_HELM3", func(e *Env) *string { return &e.Helm3Bin }},
	{"SECCOMP_E2E_WEBHOOK", func(e *Env) *string { return &e.WebhookBin }},
	{"SECCOMP_E2E_FIXER", func(e *Env) *string { return &e.FixerBin }},
	{"SECCOMP_E2E_APISERVER_LOG", func(e *Env) *string { return &e.APIServerLog }},
	{"SECCOMP_E2E_KCM_LOG", func(e *Env) *string { return &e.KCMLog }},
	{"SECCOMP_E2E_AUDIT_LOG", func(e *Env) *string { return &e.AuditLog }},
	{"SECCOMP_E2E_ETCDCTL_ENDPOINT", func(e *Env) *string { return &e.EtcdEndpoint }},
}

// LoadEnv reads the environment of scripts/e2e.sh. It fails, naming every
// missing variable, when the tests were started without the control plane.
func LoadEnv() (*Env, error) {
	env := &Env{}
	var missing []string
	for _, v := range envVars {
		val := os.Getenv(v.name)
		if val == "" {
			missing = append(missing, v.name)
		}
		*v.dst(env) = val
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not started by scripts/e2e.sh (which builds the tools and the webhook and starts the control plane): %s unset", strings.Join(missing, ", "))
	}
	for _, path := range []string{env.KubectlBin, env.HelmBin, env.Helm3Bin, env.WebhookBin, env.FixerBin} {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("missing tool: %w", err)
		}
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	env.Root = root
	return env, nil
}

// repoRoot walks up from the working directory (go test runs in the
// package's folder) to the folder holding charts/seccomp-defaulter.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "charts", "seccomp-defaulter", "Chart.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no charts/seccomp-defaulter above %s", dir)
		}
	}
}

// Path is a path below the repository root.
func (e *Env) Path(rel ...string) string {
	return filepath.Join(append([]string{e.Root}, rel...)...)
}

// LogPath is a new file name in the run's logs/ folder (kept on failure).
func (e *Env) LogPath(name string) string {
	return filepath.Join(e.Dir, "logs", name)
}

// Client is a real client the tests need that the control plane does not
// provide (kpt): $SECCOMP_TEST_<NAME> when set, else NAME on PATH. A missing
// one fails the test, naming it (scripts/test.sh finds or builds them).
func Client(t testing.TB, name string) string {
	t.Helper()
	v := "SECCOMP_TEST_" + strings.ToUpper(name)
	if p := os.Getenv(v); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (%v): install it or set %s", name, err, v)
	}
	return p
}

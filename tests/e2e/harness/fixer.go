package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// FixReport is `seccomp-fix fix --format json`: the files with changes or
// findings (docs/fixer.md).
type FixReport struct {
	Files []FixFile `json:"files"`
}

// FixFile is one file of a FixReport.
type FixFile struct {
	Path    string      `json:"path"`
	Status  string      `json:"status"`
	Error   string      `json:"error"`
	Objects []FixObject `json:"objects"`
}

// FixObject is one document's changes and findings.
type FixObject struct {
	Document int          `json:"document"`
	Kind     string       `json:"kind"`
	Name     string       `json:"name"`
	Fixed    bool         `json:"fixed"`
	Findings []FixFinding `json:"findings"`
}

// FixFinding is one core record (or fixer finding) of an object.
type FixFinding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Pointer  string `json:"pointer"`
	Message  string `json:"message"`
	Change   bool   `json:"change"`
}

// RunFixer runs the real seccomp-fix binary in dir with args and returns its
// stdout, stderr and exit code (a non-zero code is not an error here).
func RunFixer(t testing.TB, env *Env, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.FixerBin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("seccomp-fix %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// FixCheck runs `seccomp-fix fix --check --format json PATH...` in dir
// and decodes the report, keyed by file path as the fixer names it.
func FixCheck(t testing.TB, env *Env, dir string, paths ...string) map[string]FixFile {
	t.Helper()
	stdout, stderr, code := RunFixer(t, env, dir, append([]string{"fix", "--check", "--no-progress", "--format", "json"}, paths...)...)
	if code > 2 {
		t.Fatalf("seccomp-fix fix --check exited %d:\n%s", code, stderr)
	}
	var report FixReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("seccomp-fix fix --check --format json: not JSON (%v):\n%s\n%s", err, stdout, stderr)
	}
	files := map[string]FixFile{}
	for _, f := range report.Files {
		files[f.Path] = f
	}
	return files
}

// Package e2e runs seccomp-webhook and the chart's webhook configuration
// against a real kube-apiserver (docs/e2e.md). Start it with scripts/e2e.sh.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"seccomp-defaulter/e2e/harness"
)

// env is the control plane of this run (scripts/k8s-up.sh).
var env *harness.Env

func TestMain(m *testing.M) {
	var err error
	env, err = harness.LoadEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	// After every test: nothing may have dialled outside 127.0.0.0/8. Run
	// here, not as a test, so that it sees the requests of all of them.
	if err := harness.CheckLoopbackOnly(env); err != nil {
		fmt.Fprintf(os.Stderr, "--- FAIL: loopback-only dial check\n%v\n", err)
		code = 1
	} else {
		fmt.Println("loopback-only dial check: ok")
	}
	os.Exit(code)
}

package harness

import (
	"testing"
	"time"
)

// Eventually polls check every interval until it reports done or timeout
// passes; then the test fails with the last reason check gave.
func Eventually(t testing.TB, timeout time.Duration, check func() (done bool, reason string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, reason := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

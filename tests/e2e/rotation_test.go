package e2e

import (
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

const (
	rotationPods  = 200
	rotationBatch = 5 // pods per kubectl create (each pod is its own API request)
	canaryLabel   = "e2e.seccomp-defaulter.io/canary"
)

// 4.8: while a bounded loop creates 200 Pods through the API server, the
// caBundle goes old -> old+new, the webhook's certificate is rotated to the
// new CA, and the caBundle goes to new only. failurePolicy is Fail, so a
// single failed webhook call would fail a creation: there must be none.
func TestCertificateRotation(t *testing.T) {
	t.Parallel()
	g := harness.NewGroup(t, env, "rotate", harness.GroupOptions{})
	ns := g.Namespace(t, "pods", nil)
	g.WaitMutating(t, ns)
	oldCA, newCA := g.CA, harness.NewCA(t, "e2e-rotate-new-ca")
	pod := harness.Fixture(t, env, "restricted-pod.yaml")[0]

	batchDocs := make([]string, rotationPods/rotationBatch)
	for b := range batchDocs {
		var docs []string
		for i := b * rotationBatch; i < (b+1)*rotationBatch; i++ {
			docs = append(docs, harness.JSON(harness.Renamed(t, pod, fmt.Sprintf("rot-%03d", i))))
		}
		batchDocs[b] = strings.Join(docs, "\n---\n")
	}

	var created atomic.Int64
	var failures []string
	var mu sync.Mutex
	stepsDone := make(chan struct{})
	loopDone := make(chan struct{})
	go func() { // the bounded loop: 2 workers, batches of 5
		defer close(loopDone)
		batches := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					r := g.K.Create(ns, batchDocs[b])
					if r.Err != nil {
						mu.Lock()
						failures = append(failures, r.Stderr)
						mu.Unlock()
					}
					created.Add(rotationBatch)
				}
			}()
		}
		for b := 0; b < rotationPods/rotationBatch; b++ {
			if b == rotationPods/rotationBatch-4 { // keep the last 20 for after the rotation
				select {
				case <-stepsDone:
				case <-time.After(2 * time.Minute):
				}
			}
			batches <- b
		}
		close(batches)
		wg.Wait()
	}()

	waitCreated := func(n int64) {
		harness.Eventually(t, 2*time.Minute, func() (bool, string) {
			return created.Load() >= n, fmt.Sprintf("loop at %d pods", created.Load())
		})
	}
	// applyBundle installs the chart's configuration with caBundle cas and
	// waits until the API server uses it: the new configuration excludes
	// pods labelled canary=step, so a dry-run probe with that label stops
	// being mutated exactly when the informer has the new object.
	applyBundle := func(step string, cas ...*harness.CA) {
		values := harness.Object{"webhook": harness.Object{"objectSelectorExpressions": []any{
			harness.Object{"key": canaryLabel, "operator": "NotIn", "values": []any{step}},
		}}}
		g.Apply(t, g.Config(t, values, g.Webhook.URL, cas...))
		g.Probe(t, ns, map[string]string{canaryLabel: step}, func(r harness.Result) (bool, string) {
			return r.Err == nil && !harness.Mutated(t, r), "configuration " + step + " not in use yet: " + r.String()
		})
	}

	waitCreated(30)
	applyBundle("old-and-new", oldCA, newCA)
	waitCreated(created.Load() + 20)
	newCA.Loopback(t).Write(t, g.Webhook.CertDir)
	harness.Eventually(t, 30*time.Second, func() (bool, string) {
		conn, err := tls.Dial("tcp", g.Webhook.Addr, &tls.Config{RootCAs: harness.Pool(newCA), ServerName: "127.0.0.1"})
		if err != nil {
			return false, "webhook not serving the new certificate yet: " + err.Error()
		}
		_ = conn.Close()
		return true, ""
	})
	waitCreated(created.Load() + 20)
	applyBundle("new-only", newCA)
	afterRotation := created.Load()
	close(stepsDone)
	<-loopDone

	if afterRotation >= rotationPods {
		t.Fatalf("the rotation finished only after the loop (%d pods)", afterRotation)
	}
	if len(failures) > 0 {
		t.Fatalf("%d failed creations during the rotation:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	pods := g.K.List(t, ns, "pods", "-l", "app=restricted")
	mutated := 0
	for _, p := range pods {
		if harness.Dig(p, "spec", "securityContext", "seccompProfile", "type") == "RuntimeDefault" {
			mutated++
		}
	}
	if len(pods) != rotationPods || mutated != rotationPods {
		t.Fatalf("want %d pods, all defaulted; got %d pods, %d defaulted", rotationPods, len(pods), mutated)
	}
	t.Logf("rotation done after %d of %d pods, no failed creation", afterRotation, rotationPods)
}

package harness

import (
	"reflect"
	"testing"
)

// The scan must flag what the loopback rule forbids, or the e2e check could
// never fail. Lines are in the formats kube-apiserver v1.37 writes.
func TestScanDialLine(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{`I1201 15:50:01.123456   42 round_trippers.go:632] "Response" verb="POST" url="https://127.0.0.1:41234/mutate?timeout=5s" status="200 OK" milliseconds=3`, []string{"127.0.0.1"}},
		{`I1201 15:50:01.123456   42 round_trippers.go:632] "Response" verb="POST" url="https://sd-seccomp-defaulter.seccomp-system.svc:8443/mutate?timeout=5s" status="" milliseconds=0`, []string{"sd-seccomp-defaulter.seccomp-system.svc"}},
		{`W1201 15:50:02.000000   42 dispatcher.go:217] Failed calling webhook, failing closed seccomp-defaulter.seccomp-defaulter.io: failed calling webhook "seccomp-defaulter.seccomp-defaulter.io": failed to call webhook: Post "https://10.0.0.17:443/mutate?timeout=5s": dial tcp 10.0.0.17:443: connect: connection refused`, []string{"10.0.0.17", "10.0.0.17"}},
		{`E1201 15:50:03.000000   42 x.go:1] "Unhandled Error" err="Post \"https://[fd00::1]:443/mutate\": dial tcp [fd00::1]:443: i/o timeout"`, []string{"fd00::1", "fd00::1"}},
		{`I1201 15:50:04.000000   42 round_trippers.go:632] "Response" verb="GET" url="https://localhost:6443/api" status="200 OK"`, []string{"localhost"}},
		{`I1201 15:50:05.000000   42 httplog.go:134] "HTTP" verb="GET" URI="/readyz" latency="1ms"`, nil},
	}
	for _, c := range cases {
		if got := ScanDialLine(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ScanDialLine(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "localhost": true,
		"10.0.0.1": false, "192.168.1.1": false, "fd00::1": false,
		"sd-seccomp-defaulter.seccomp-system.svc": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

package harness

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Webhook is the real seccomp-webhook binary serving HTTPS on 127.0.0.1.
type Webhook struct {
	Name    string
	Addr    string // 127.0.0.1:PORT
	URL     string // https://Addr/mutate
	CertDir string // tls.crt and tls.key it serves (rotate with Pair.Write)
	LogPath string

	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	lines  []Object
}

// StartWebhook starts seccomp-webhook with pair as its certificate on a free
// loopback port, logging JSON to logs/webhook-NAME.log, and waits until it
// listens. extra are more flags (e.g. --pods-only). It is stopped at cleanup.
func StartWebhook(t testing.TB, env *Env, name string, pair Pair, extra ...string) *Webhook {
	t.Helper()
	return StartWebhookAt(t, env, name, pair, "127.0.0.1:0", extra...)
}

// StartWebhookAt is StartWebhook listening on addr (a fixed loopback port,
// for a configuration written before the process starts).
func StartWebhookAt(t testing.TB, env *Env, name string, pair Pair, addr string, extra ...string) *Webhook {
	t.Helper()
	w := &Webhook{Name: name, CertDir: filepath.Join(env.Dir, "webhooks", name), LogPath: env.LogPath("webhook-" + name + ".log"), exited: make(chan struct{})}
	if err := os.MkdirAll(w.CertDir, 0o700); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := pair.Write(t, w.CertDir)
	logFile, err := os.Create(w.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--listen-addr", addr, "--metrics-addr", "127.0.0.1:0",
		"--log-format", "json", "--log-level", "info", "--shutdown-delay-seconds", "0",
	}, extra...)
	w.cmd = exec.Command(env.WebhookBin, args...)
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = logFile
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", env.WebhookBin, err)
	}
	listening := make(chan string, 1)
	go w.read(stdout, logFile, listening)
	webhooksStarted.Add(1)
	t.Cleanup(w.Stop)
	select {
	case addr := <-listening:
		w.Addr = addr
		w.URL = "https://" + addr + "/mutate"
	case <-w.exited:
		t.Fatalf("webhook %s exited at start-up; log %s", name, w.LogPath)
	case <-time.After(30 * time.Second):
		t.Fatalf("webhook %s did not listen within 30 s; log %s", name, w.LogPath)
	}
	return w
}

func (w *Webhook) read(stdout io.Reader, logFile *os.File, listening chan<- string) {
	defer close(w.exited)
	defer logFile.Close()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		fmt.Fprintf(logFile, "%s\n", line)
		var o Object
		if json.Unmarshal(line, &o) != nil {
			continue
		}
		if o["message"] == "admission server listening (HTTPS)" {
			if addr, ok := o["addr"].(string); ok {
				listening <- addr
			}
		}
		w.mu.Lock()
		w.lines = append(w.lines, o)
		w.mu.Unlock()
	}
	_ = w.cmd.Wait()
}

// Stop sends SIGTERM and waits for the process to exit (SIGKILL after 10 s).
func (w *Webhook) Stop() {
	if w.cmd.Process == nil {
		return
	}
	select {
	case <-w.exited:
		return
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
}

// Admissions are the webhook's "admission" log lines for namespace/name so far.
func (w *Webhook) Admissions(namespace, name string) []Object {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Object
	for _, o := range w.lines {
		if o["message"] == "admission" && o["namespace"] == namespace && o["name"] == name {
			out = append(out, o)
		}
	}
	return out
}

// Lines are all JSON log lines whose message is msg.
func (w *Webhook) Lines(msg string) []Object {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Object
	for _, o := range w.lines {
		if o["message"] == msg {
			out = append(out, o)
		}
	}
	return out
}

// FreePort is a loopback port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

package harness

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// PausingProxy is an HTTPS reverse proxy on 127.0.0.1 in front of the API
// server (client credentials are passed through as they come). The first
// request that hold matches is held until Release: an audit can be stopped
// between two pages of a list.
type PausingProxy struct {
	URL  string
	CA   *CA
	Held chan *http.Request // receives the held request once

	once    sync.Once
	release chan struct{}
}

// Release lets the held request (and any later one) through.
func (p *PausingProxy) Release() { p.once.Do(func() { close(p.release) }) }

// StartPausingProxy starts the proxy; it stops at cleanup.
func StartPausingProxy(t testing.TB, env *Env, hold func(*http.Request) bool) *PausingProxy {
	t.Helper()
	target, err := url.Parse(env.Server)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(env.Dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	p := &PausingProxy{CA: NewCA(t, "e2e-proxy-ca"), Held: make(chan *http.Request, 1), release: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	var holding sync.Once
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold(r) {
			held := false
			holding.Do(func() { held = true })
			if held {
				p.Held <- r
				select {
				case <-p.release:
				case <-r.Context().Done():
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.CA.Loopback(t).TLS(t)}}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	p.URL = "https://" + ln.Addr().String()
	t.Cleanup(func() {
		p.Release()
		_ = srv.Close()
	})
	return p
}

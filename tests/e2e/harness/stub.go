package harness

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// Stub is a webhook written in the harness, on 127.0.0.1 with a CA's
// loopback certificate.
type Stub struct {
	URL      string
	requests atomic.Int64
	release  chan struct{}
}

// Requests is how many requests the stub has received.
func (s *Stub) Requests() int64 { return s.requests.Load() }

// StartStub serves AdmissionReview v1 requests with respond, which gets the
// request's object and returns a JSON Patch (nil: allowed unchanged).
func StartStub(t testing.TB, ca *CA, respond func(object Object) []Object) *Stub {
	t.Helper()
	s := &Stub{release: make(chan struct{})}
	s.serve(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		var review struct {
			Request struct {
				UID    string `json:"uid"`
				Object Object `json:"object"`
			} `json:"request"`
		}
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &review)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		response := Object{"uid": review.Request.UID, "allowed": true}
		if patch := respond(review.Request.Object); len(patch) > 0 {
			response["patchType"] = "JSONPatch"
			response["patch"] = base64.StdEncoding.EncodeToString([]byte(JSON(patch)))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, JSON(Object{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}))
	}))
	return s
}

// StartHanging is a TLS listener that reads every request and never
// answers (until the test ends): a webhook slower than any timeoutSeconds.
func StartHanging(t testing.TB, ca *CA) *Stub {
	t.Helper()
	s := &Stub{release: make(chan struct{})}
	s.serve(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-s.release:
		case <-r.Context().Done():
		}
	}))
	return s
}

func (s *Stub) serve(t testing.TB, ca *CA, h http.Handler) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{ca.Loopback(t).TLS(t)}}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	s.URL = "https://" + ln.Addr().String() + "/mutate"
	t.Cleanup(func() {
		close(s.release)
		_ = srv.Close()
	})
}

// StubConfig is a minimal MutatingWebhookConfiguration of one webhook calling
// url for Pod CREATE in the namespaces of group, reinvocationPolicy Never.
func StubConfig(name, group, url string, ca *CA) Object {
	return Object{
		"apiVersion": "admissionregistration.k8s.io/v1",
		"kind":       "MutatingWebhookConfiguration",
		"metadata":   Object{"name": name},
		"webhooks": []any{Object{
			"name":                    "stub.e2e.seccomp-defaulter.io",
			"admissionReviewVersions": []any{"v1"},
			"sideEffects":             "None",
			"failurePolicy":           "Fail",
			"reinvocationPolicy":      "Never",
			"timeoutSeconds":          5,
			"clientConfig":            Object{"url": url, "caBundle": base64.StdEncoding.EncodeToString(ca.PEM)},
			"namespaceSelector": Object{"matchExpressions": []any{
				Object{"key": GroupLabel, "operator": "In", "values": []any{group}},
			}},
			"rules": []any{Object{
				"operations": []any{"CREATE"}, "apiGroups": []any{""}, "apiVersions": []any{"v1"},
				"resources": []any{"pods"}, "scope": "Namespaced",
			}},
		}},
	}
}

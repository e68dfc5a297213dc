package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"seccomp-defaulter/e2e/harness"
)

const (
	helmRelease   = "e2e-helm"
	helmNamespace = "e2e-helm-system"
	helmFullname  = helmRelease + "-seccomp-defaulter"
)

// helm runs the Helm v4 CLI against the run's control plane.
func helm(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.HelmBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// tlsState is the chart's generated Secret and the caBundle of its
// MutatingWebhookConfiguration, as stored in the API server.
type tlsState struct {
	crt, key, ca []byte
	notAfter     string
	caBundle     []byte
}

func readTLS(t *testing.T, k *harness.Kubectl) tlsState {
	t.Helper()
	secret := k.Get(t, helmNamespace, "secret", helmFullname+"-tls")
	b64 := func(key string) []byte {
		s, _ := harness.Dig(secret, "data", key).(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			t.Fatalf("secret %s: no %s: %s", helmFullname+"-tls", key, harness.JSON(harness.Dig(secret, "data")))
		}
		return b
	}
	mwc := k.Get(t, "", "mutatingwebhookconfiguration", helmFullname)
	bundle, _ := harness.Dig(mwc, "webhooks", 0, "clientConfig", "caBundle").(string)
	caBundle, err := base64.StdEncoding.DecodeString(bundle)
	if err != nil {
		t.Fatal(err)
	}
	notAfter, _ := harness.Dig(secret, "metadata", "annotations", "seccomp-defaulter.io/not-after").(string)
	return tlsState{crt: b64("tls.crt"), key: b64("tls.key"), ca: b64("ca.crt"), notAfter: notAfter, caBundle: caBundle}
}

func certsIn(t *testing.T, pemData []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, pemData = pem.Decode(pemData)
		if block == nil {
			return out
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// Part 4 of issue 12: the chart with the real Helm CLI against the real API
// server: lint, install (webhook.url on loopback, its Fail policy confined
// to this test's namespaces), the webhook binary serving the certificate of
// the installed Secret, upgrade (the chart's lookup keeps, renews and repairs
// the generated certificate), uninstall (nothing left but what
// docs/operations.md names).
func TestHelmChartLifecycle(t *testing.T) {
	t.Parallel()
	chart := env.Path("charts", "seccomp-defaulter")
	helm(t, "lint", "--strict", chart)
	helm(t, "lint", "--strict", chart, "--set", "webhook.url=https://127.0.0.1:8443/mutate", "--set", "podsOnly=true")

	g := harness.NewGroup(t, env, "helm", harness.GroupOptions{NoWebhook: true})
	ns := g.Namespace(t, "pods", harness.Restricted)
	port := harness.FreePort(t)
	url := fmt.Sprintf("https://127.0.0.1:%d/mutate", port)
	values := harness.Object{"webhook": harness.Object{
		"url": url,
		// Only this test's namespaces: the Fail policy must not reject the
		// pods of the tests running beside it.
		"namespaceSelectorExpressions": []any{harness.Object{"key": harness.GroupLabel, "operator": "In", "values": []any{g.Name}}},
	}}
	valuesFile := writeValues(t, values)
	upgrade := func(t *testing.T, extra ...string) {
		helm(t, append([]string{"upgrade", helmRelease, chart, "-n", helmNamespace, "-f", valuesFile}, extra...)...)
	}
	t.Cleanup(func() {
		cmd := exec.Command(env.HelmBin, "uninstall", helmRelease, "-n", helmNamespace, "--ignore-not-found")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig)
		_ = cmd.Run()
	})

	helm(t, "install", helmRelease, chart, "-n", helmNamespace, "--create-namespace", "-f", valuesFile)
	manifest := helm(t, "get", "manifest", helmRelease, "-n", helmNamespace)
	var kinds []string
	for _, o := range harness.SplitYAML(t, []byte(manifest)) {
		kind := o["kind"].(string)
		kinds = append(kinds, kind)
		nsArg := helmNamespace
		if kind == "MutatingWebhookConfiguration" {
			nsArg = ""
		}
		g.K.MustRun(t, "", "get", "-n", nsArg, kind, harness.Name(o), "-o", "name")
	}
	sort.Strings(kinds)
	t.Logf("installed and stored: %s", strings.Join(kinds, ", "))
	first := readTLS(t, g.K)

	t.Run("the certificate names the Service and the caBundle verifies it", func(t *testing.T) {
		leaf := certsIn(t, first.crt)[0]
		wantDNS := []string{
			helmFullname + "." + helmNamespace + ".svc", helmFullname + "." + helmNamespace,
			helmFullname, helmFullname + "." + helmNamespace + ".svc.cluster.local",
		}
		if harness.JSON(leaf.DNSNames) != harness.JSON(wantDNS) {
			t.Errorf("DNS SANs = %v, want the chart's Service names %v", leaf.DNSNames, wantDNS)
		}
		if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
			t.Errorf("IP SANs = %v, want webhook.url's host 127.0.0.1", leaf.IPAddresses)
		}
		if !bytes.Equal(bytes.TrimSpace(first.caBundle), bytes.TrimSpace(first.ca)) {
			t.Errorf("caBundle is not the Secret's ca.crt")
		}
	})

	// The real webhook binary serves the installed Secret's certificate on
	// webhook.url's port; the API server calls it with the chart's caBundle.
	pair := harness.Pair{CertPEM: first.crt, KeyPEM: first.key}
	wh := harness.StartWebhookAt(t, env, "helm", pair, fmt.Sprintf("127.0.0.1:%d", port))

	t.Run("every Service name verifies against the caBundle, a foreign name does not", func(t *testing.T) {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(first.caBundle) {
			t.Fatal("caBundle holds no certificate")
		}
		dial := func(name string) error {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", wh.Addr, &tls.Config{RootCAs: pool, ServerName: name})
			if err == nil {
				conn.Close()
			}
			return err
		}
		for _, name := range certsIn(t, first.crt)[0].DNSNames {
			if err := dial(name); err != nil {
				t.Errorf("TLS to the webhook as %s: %v", name, err)
			}
		}
		if err := dial("other.e2e-helm-system.svc"); err == nil {
			t.Errorf("a name the certificate does not hold verified")
		}
	})

	t.Run("the installed configuration defaults pods through the API server", func(t *testing.T) {
		g.WaitMutating(t, ns)
		pod := harness.Fixture(t, env, "restricted-pod.yaml")[0]
		g.K.MustRun(t, harness.JSON(pod), "create", "-n", ns, "-f", "-")
		stored := g.K.Get(t, ns, "pod", harness.Name(pod))
		if harness.Dig(stored, "spec", "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
			t.Errorf("stored pod not defaulted: %s", harness.JSON(harness.Dig(stored, "spec")))
		}
		if len(wh.Admissions(ns, harness.Name(pod))) == 0 {
			t.Errorf("the webhook serving the Secret's certificate was not called")
		}
	})

	t.Run("helm upgrade keeps the generated CA and certificate", func(t *testing.T) {
		upgrade(t)
		again := readTLS(t, g.K)
		if !bytes.Equal(again.crt, first.crt) || !bytes.Equal(again.key, first.key) || !bytes.Equal(again.ca, first.ca) {
			t.Errorf("helm upgrade replaced the generated certificate")
		}
		if !bytes.Equal(again.caBundle, first.caBundle) || again.notAfter != first.notAfter {
			t.Errorf("helm upgrade changed the caBundle or the expiry annotation")
		}
		g.WaitMutating(t, ns) // still served, still trusted
	})

	t.Run("near expiry helm upgrade renews it and keeps the old CA for one revision", func(t *testing.T) {
		soon := strconv.FormatInt(time.Now().Add(24*time.Hour).Unix(), 10)
		// Stands for a month passing. A hand edit of a field the chart
		// applies conflicts with Helm v4's server-side apply, so this one
		// upgrade forces it (docs/operations.md, "Certificates").
		g.K.MustRun(t, "", "annotate", "--overwrite", "-n", helmNamespace, "secret", helmFullname+"-tls", "seccomp-defaulter.io/not-after="+soon)
		upgrade(t, "--force-conflicts")
		renewed := readTLS(t, g.K)
		if bytes.Equal(renewed.crt, first.crt) || bytes.Equal(renewed.ca, first.ca) {
			t.Fatalf("not renewed within renewBeforeDays")
		}
		bundle := certsIn(t, renewed.caBundle)
		if len(bundle) != 2 || !bundle[0].Equal(certsIn(t, renewed.ca)[0]) || !bundle[1].Equal(certsIn(t, first.ca)[0]) {
			t.Errorf("caBundle after renewal should be the new CA then the old one; has %d certificates", len(bundle))
		}
		// Pods still serving the old certificate and pods on the new one both work.
		for what, crt := range map[string][]byte{"old": first.crt, "new": renewed.crt} {
			if err := verifyServing(t, renewed.caBundle, crt); err != nil {
				t.Errorf("the caBundle after renewal does not verify the %s certificate: %v", what, err)
			}
		}
		upgrade(t)
		next := readTLS(t, g.K)
		if !bytes.Equal(next.crt, renewed.crt) || len(certsIn(t, next.caBundle)) != 1 {
			t.Errorf("the upgrade after the renewal should keep the new certificate and drop the old CA")
		}
		if verifyServing(t, next.caBundle, first.crt) == nil {
			t.Errorf("the settled caBundle still verifies the old certificate")
		}
		// A not-after of 0 forces a renewal at the next upgrade.
		g.K.MustRun(t, "", "annotate", "--overwrite", "-n", helmNamespace, "secret", helmFullname+"-tls", "seccomp-defaulter.io/not-after=0")
		upgrade(t, "--force-conflicts")
		if forced := readTLS(t, g.K); bytes.Equal(forced.crt, next.crt) {
			t.Errorf("not-after 0 did not renew the certificate")
		}
	})

	t.Run("an incomplete Secret is regenerated", func(t *testing.T) {
		g.K.MustRun(t, `[{"op":"remove","path":"/data/ca.crt"}]`, "patch", "-n", helmNamespace, "secret", helmFullname+"-tls", "--type", "json", "--patch-file", "/dev/stdin")
		upgrade(t)
		repaired := readTLS(t, g.K)
		if len(certsIn(t, repaired.caBundle)) != 1 {
			t.Errorf("caBundle of a regenerated Secret should hold its one new CA")
		}
		if err := verifyServing(t, repaired.caBundle, repaired.crt); err != nil {
			t.Errorf("regenerated certificate not verified by the caBundle: %v", err)
		}
	})

	t.Run("helm uninstall removes the configuration and leaves only the namespace", func(t *testing.T) {
		helm(t, "uninstall", helmRelease, "-n", helmNamespace)
		if r := g.K.Run("", "get", "mutatingwebhookconfiguration", helmFullname); r.Err == nil {
			t.Errorf("the MutatingWebhookConfiguration is still there")
		}
		// The Deployment's ReplicaSet and pods go through the garbage
		// collector; then only the namespace's own default ServiceAccount
		// remains (Helm never deletes a namespace, even one it created).
		harness.Eventually(t, 90*time.Second, func() (bool, string) {
			r := g.K.MustRun(t, "", "get", "-n", helmNamespace, "all,secrets,configmaps,serviceaccounts,poddisruptionbudgets,networkpolicies,roles,rolebindings", "-o", "name")
			left := strings.Fields(r.Stdout)
			return harness.JSON(left) == `["serviceaccount/default"]`, "left in " + helmNamespace + ": " + strings.Join(left, " ")
		})
		if r := g.K.MustRun(t, "", "get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-l", "app.kubernetes.io/instance="+helmRelease, "-o", "name"); strings.TrimSpace(r.Stdout) != "" {
			t.Errorf("cluster-scoped objects left: %s", r.Stdout)
		}
	})
}

// verifyServing checks crt against the CAs of bundle as the API server
// does for the Service host.
func verifyServing(t *testing.T, bundle, crt []byte) error {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		t.Fatal("caBundle holds no certificate")
	}
	_, err := certsIn(t, crt)[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: helmFullname + "." + helmNamespace + ".svc"})
	return err
}

// writeValues writes a values file outside t.TempDir() (helm splits
// --values at commas, which test names can hold).
func writeValues(t *testing.T, values harness.Object) string {
	t.Helper()
	f, err := os.CreateTemp(env.Dir, "values-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(harness.JSON(values)); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// Package harness drives the e2e tests of seccomp-defaulter against a real
// control plane started by scripts/k8s-up.sh (see docs/e2e.md).
//
// It holds what every e2e test needs and later tests reuse:
//   - Env: the paths and addresses k8s-up.sh exports (LoadEnv);
//   - Kubectl: the v1.37 kubectl built from k8s.io/kubernetes, with JSON helpers;
//   - CA: certificates for loopback webhooks (crypto/x509);
//   - Webhook: the real seccomp-webhook binary on 127.0.0.1, its log kept;
//   - RenderWebhookConfig: the chart's own MutatingWebhookConfiguration,
//     rendered by the helm binary with webhook.url on loopback;
//   - Group: namespaces, a webhook process and a configuration that selects
//     only those namespaces, so tests run in parallel without sharing state;
//   - stub webhooks (hanging, patching) and the loopback-only dial scan.
package harness

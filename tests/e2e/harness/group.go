package harness

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// GroupLabel marks the namespaces of one Group; the group's webhook
// configuration selects only namespaces carrying it, so groups never see each
// other's requests and can run in parallel.
const GroupLabel = "e2e.seccomp-defaulter.io/group"

// Group is one test's slice of the cluster: its namespaces, its webhook
// process (own CA, own port) and its MutatingWebhookConfiguration, the
// chart's rendering with webhook.url on loopback and one extra
// namespaceSelector expression (GroupLabel In [Name]).
type Group struct {
	Name    string
	Release string // helm release name; the configuration is named Release + "-seccomp-defaulter"
	Env     *Env
	K       *Kubectl
	CA      *CA
	Webhook *Webhook
}

// GroupOptions configure NewGroup.
type GroupOptions struct {
	Values      Object   // chart values on top of the defaults (e.g. webhook.failurePolicy)
	WebhookArgs []string // extra seccomp-webhook flags
	NoWebhook   bool     // neither a webhook process nor a configuration
}

// NewGroup starts the group's webhook and applies its configuration, unless
// opts.NoWebhook. Namespaces come from Namespace.
func NewGroup(t testing.TB, env *Env, name string, opts GroupOptions) *Group {
	t.Helper()
	g := &Group{Name: name, Release: "e2e-" + name, Env: env, K: env.Kubectl()}
	if opts.NoWebhook {
		return g
	}
	g.CA = NewCA(t, "e2e-"+name+"-ca")
	g.Webhook = StartWebhook(t, env, name, g.CA.Loopback(t), opts.WebhookArgs...)
	g.Apply(t, g.Config(t, opts.Values, g.Webhook.URL, g.CA))
	return g
}

// Config renders the chart's configuration for this group: values, plus
// webhook.url = url and the group's namespaceSelector expression, with the
// given CAs as caBundle.
func (g *Group) Config(t testing.TB, values Object, url string, cas ...*CA) Object {
	t.Helper()
	v := Merge(Object{}, values)
	hook, _ := v["webhook"].(map[string]any)
	if hook == nil {
		hook = Object{}
		v["webhook"] = hook
	}
	hook["url"] = url
	exprs, _ := hook["namespaceSelectorExpressions"].([]any)
	hook["namespaceSelectorExpressions"] = append(append([]any{}, exprs...),
		Object{"key": GroupLabel, "operator": "In", "values": []any{g.Name}})
	return RenderWebhookConfig(t, g.Env, g.Release, v, cas...)
}

// ConfigName is the name of the group's MutatingWebhookConfiguration.
func (g *Group) ConfigName() string { return g.Release + "-seccomp-defaulter" }

// Apply creates or replaces a MutatingWebhookConfiguration and deletes it at cleanup.
func (g *Group) Apply(t testing.TB, mwc Object) {
	t.Helper()
	g.K.MustRun(t, JSON(mwc), "apply", "--server-side", "--force-conflicts", "--field-manager", "e2e", "-f", "-")
	name, _ := Dig(mwc, "metadata", "name").(string)
	t.Cleanup(func() { g.K.Run("", "delete", "mutatingwebhookconfiguration", name, "--ignore-not-found") })
}

// Namespace creates namespace "<group>-<suffix>" with the group label and
// labels, waits for its default ServiceAccount, and returns its name.
func (g *Group) Namespace(t testing.TB, suffix string, labels map[string]string) string {
	t.Helper()
	name := g.Name + "-" + suffix
	all := map[string]any{GroupLabel: g.Name}
	for k, v := range labels {
		all[k] = v
	}
	ns := Object{"apiVersion": "v1", "kind": "Namespace", "metadata": Object{"name": name, "labels": all}}
	g.K.MustRun(t, JSON(ns), "create", "-f", "-")
	Eventually(t, 60*time.Second, func() (bool, string) {
		r := g.K.Run("", "get", "serviceaccount", "default", "-n", name, "-o", "name")
		return r.Err == nil, "no default ServiceAccount in " + name + " (kube-controller-manager's serviceaccount controller)"
	})
	return name
}

// Restricted are the labels of a namespace enforcing Pod Security "restricted".
var Restricted = map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}

// WaitMutating waits until the API server sends Pods of ns to a webhook
// that sets a seccomp profile: a server-side dry run of the restricted-ready
// probe Pod comes back with spec.securityContext.seccompProfile. A new or
// changed configuration reaches the admission chain through an informer, so
// this is needed after every Apply.
func (g *Group) WaitMutating(t testing.TB, ns string) {
	t.Helper()
	g.Probe(t, ns, nil, func(r Result) (bool, string) {
		return Mutated(t, r), "probe pod not mutated in " + ns + ": " + r.String()
	})
}

// Containing fails the test unless text contains every part.
func Containing(t testing.TB, what, text string, parts ...string) {
	t.Helper()
	var missing []string
	for _, p := range parts {
		if !strings.Contains(text, p) {
			missing = append(missing, fmt.Sprintf("%q", p))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s lacks %s:\n%s", what, strings.Join(missing, ", "), text)
	}
}

// Probe server-side dry-runs the restricted-ready probe Pod (with labels) in
// ns until done says so; done gets each kubectl result.
func (g *Group) Probe(t testing.TB, ns string, labels map[string]string, done func(Result) (bool, string)) {
	t.Helper()
	probe := Renamed(t, Fixture(t, g.Env, "restricted-pod.yaml")[0], "e2e-probe")
	meta := probe["metadata"].(map[string]any)
	all, _ := meta["labels"].(map[string]any)
	for k, v := range labels {
		all[k] = v
	}
	Eventually(t, 30*time.Second, func() (bool, string) {
		return done(g.K.Create(ns, JSON(probe), "--dry-run=server", "-o", "json"))
	})
}

// WaitCalled waits until the group's webhook has logged a request for the
// probe Pod in ns: the API server calls it for that namespace.
func (g *Group) WaitCalled(t testing.TB, ns string) {
	t.Helper()
	g.Probe(t, ns, nil, func(r Result) (bool, string) {
		return len(g.Webhook.Admissions(ns, "e2e-probe")) > 0, "webhook " + g.Name + " not called for " + ns + ": " + r.String()
	})
}

// Mutated is true when a kubectl -o json result holds a Pod whose pod-level
// seccompProfile is RuntimeDefault.
func Mutated(t testing.TB, r Result) bool {
	t.Helper()
	if r.Err != nil {
		return false
	}
	return Dig(MustDecode(t, r.Stdout), "spec", "securityContext", "seccompProfile", "type") == "RuntimeDefault"
}

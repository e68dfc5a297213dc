//! Prometheus metrics (prometheus-client), all prefixed `seccomp_webhook_`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Content type of the text exposition served on `/metrics`.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Object kind (`other` for kinds the webhook does not handle, `unknown` for bad bodies).
    pub kind: String,
    pub operation: String,
    /// mutated, unchanged, skipped, uninterpretable, bad_request, too_large, timeout, error.
    pub result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MutationLabels {
    pub kind: String,
    /// The core's record code of the change, e.g. `pod-profile-defaulted`.
    pub action: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CapLabels {
    /// The cap of the per-request limits: `list_items`, `map_entries` or `built_bytes`.
    pub cap: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PortLabels {
    /// `admission` (HTTPS) or `probe` (the plain metrics/probe port).
    pub port: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClosedLabels {
    pub port: &'static str,
    /// `evicted` (closed for a new connection: fewest requests served, then idle the longest), `idle`
    /// (idle timeout) or `refused` (all connections busy at the limit).
    pub reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    /// `success` or `failure`.
    pub result: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub mutations: Family<MutationLabels, Counter>,
    pub duration: Histogram,
    pub cert_expiry: Gauge,
    pub cert_reloads: Family<ResultLabels, Counter>,
    pub config_reloads: Family<ResultLabels, Counter>,
    pub client_ca_reloads: Family<ResultLabels, Counter>,
    pub panics: Counter,
    pub over_limit: Family<CapLabels, Counter>,
    pub connections: Family<PortLabels, Gauge>,
    pub connections_closed: Family<ClosedLabels, Counter>,
    pub body_bytes: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("seccomp_webhook");
        let requests = Family::<RequestLabels, Counter>::default();
        let mutations = Family::<MutationLabels, Counter>::default();
        // 50 µs … ~1.6 s
        let duration = Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
            0.00005, 2.0, 16,
        ));
        let cert_expiry = Gauge::default();
        let cert_reloads = Family::<ResultLabels, Counter>::default();
        let config_reloads = Family::<ResultLabels, Counter>::default();
        let client_ca_reloads = Family::<ResultLabels, Counter>::default();
        let panics = Counter::default();
        let over_limit = Family::<CapLabels, Counter>::default();
        let connections = Family::<PortLabels, Gauge>::default();
        let connections_closed = Family::<ClosedLabels, Counter>::default();
        let body_bytes = Gauge::default();
        registry.register(
            "admission_requests",
            "Admission requests by object kind, operation and result",
            requests.clone(),
        );
        registry.register(
            "mutations",
            "Changes made (one per core change record) by kind and action",
            mutations.clone(),
        );
        registry.register(
            "admission_duration_seconds",
            "Time to answer a /mutate request, body read included",
            duration.clone(),
        );
        registry.register(
            "certificate_expiry_timestamp_seconds",
            "notAfter of the serving certificate in use, as a Unix time",
            cert_expiry.clone(),
        );
        registry.register(
            "certificate_reloads",
            "Certificate (re)loads from disk by result",
            cert_reloads.clone(),
        );
        registry.register(
            "config_reloads",
            "Policy file (re)loads from disk by result",
            config_reloads.clone(),
        );
        registry.register(
            "client_ca_reloads",
            "Client CA bundle (re)loads from disk by result",
            client_ca_reloads.clone(),
        );
        registry.register(
            "panics",
            "Panics caught while handling a request",
            panics.clone(),
        );
        registry.register(
            "objects_over_limit",
            "Objects allowed unchanged because they exceed a per-request cap",
            over_limit.clone(),
        );
        registry.register(
            "open_connections",
            "Open connections by port",
            connections.clone(),
        );
        registry.register(
            "connections_closed",
            "Connections the server closed by port and reason",
            connections_closed.clone(),
        );
        registry.register(
            "held_bytes",
            "Bytes of request bodies and responses held (the memory budget in use)",
            body_bytes.clone(),
        );
        Metrics {
            registry,
            requests,
            mutations,
            duration,
            cert_expiry,
            cert_reloads,
            config_reloads,
            client_ca_reloads,
            panics,
            over_limit,
            connections,
            connections_closed,
            body_bytes,
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub fn connection_closed(&self, port: &'static str, reason: &'static str) {
        self.connections_closed
            .get_or_create(&ClosedLabels { port, reason })
            .inc();
    }

    pub fn open_connections(&self, port: &'static str, open: usize) {
        let open = i64::try_from(open).unwrap_or(i64::MAX);
        self.connections
            .get_or_create(&PortLabels { port })
            .set(open);
    }

    pub fn reload(family: &Family<ResultLabels, Counter>, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        family.get_or_create(&ResultLabels { result }).inc();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn counters_appear_in_the_exposition() {
        let m = Metrics::new();
        m.requests
            .get_or_create(&RequestLabels {
                kind: "Pod".into(),
                operation: "CREATE".into(),
                result: "mutated",
            })
            .inc();
        Metrics::reload(&m.cert_reloads, true);
        m.duration.observe(0.0001);
        let text = m.encode();
        assert!(
            text.contains(
                r#"seccomp_webhook_admission_requests_total{kind="Pod",operation="CREATE",result="mutated"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"seccomp_webhook_certificate_reloads_total{result="success"} 1"#));
        assert!(text.contains("seccomp_webhook_admission_duration_seconds_count 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}

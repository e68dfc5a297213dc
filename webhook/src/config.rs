//! Command-line flags, each with an environment fallback `SECCOMP_WEBHOOK_<UPPER_SNAKE>`.
//! The names are a fixed interface (the Helm chart sets them): do not rename.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Mutating admission webhook that defaults pods to seccompProfile RuntimeDefault.
#[derive(Debug, Clone, Parser)]
#[command(name = "seccomp-webhook", version, about, long_about = None)]
pub struct Config {
    /// HTTPS address of the admission endpoint (`POST /mutate`, `/healthz`, `/readyz`).
    #[arg(
        long,
        env = "SECCOMP_WEBHOOK_LISTEN_ADDR",
        default_value = "0.0.0.0:8443"
    )]
    pub listen_addr: SocketAddr,

    /// Plain-HTTP address of `/metrics`, `/healthz` and `/readyz`.
    #[arg(
        long,
        env = "SECCOMP_WEBHOOK_METRICS_ADDR",
        default_value = "0.0.0.0:9090"
    )]
    pub metrics_addr: SocketAddr,

    /// PEM certificate chain (leaf first); re-read when it changes on disk.
    #[arg(
        long,
        env = "SECCOMP_WEBHOOK_TLS_CERT_FILE",
        required_unless_present = "dev_self_signed",
        conflicts_with = "dev_self_signed",
        requires = "tls_key_file"
    )]
    pub tls_cert_file: Option<PathBuf>,

    /// PEM private key (PKCS#8, PKCS#1 or SEC1); re-read when it changes on disk.
    #[arg(
        long,
        env = "SECCOMP_WEBHOOK_TLS_KEY_FILE",
        required_unless_present = "dev_self_signed",
        conflicts_with = "dev_self_signed",
        requires = "tls_cert_file"
    )]
    pub tls_key_file: Option<PathBuf>,

    /// PEM CA bundle: when set, clients must present a certificate signed by it.
    #[arg(long, env = "SECCOMP_WEBHOOK_CLIENT_CA_FILE")]
    pub client_ca_file: Option<PathBuf>,

    /// Policy YAML (contract §7, docs/contract.md); re-read when it changes on disk. Built-in defaults when absent.
    #[arg(long, env = "SECCOMP_WEBHOOK_CONFIG")]
    pub config: Option<PathBuf>,

    /// Generate a throwaway CA and localhost certificate in a temporary directory (local trial only).
    #[arg(long, env = "SECCOMP_WEBHOOK_DEV_SELF_SIGNED")]
    pub dev_self_signed: bool,

    /// Log line format.
    #[arg(long, env = "SECCOMP_WEBHOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter (`info`, `debug`, or a tracing directive such as `seccomp_webhook=debug`).
    #[arg(long, env = "SECCOMP_WEBHOOK_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Only mutate Pods: workload kinds are answered allowed and unchanged.
    #[arg(long, env = "SECCOMP_WEBHOOK_PODS_ONLY")]
    pub pods_only: bool,

    /// After SIGTERM, keep accepting connections this long (readiness already fails) before draining.
    #[arg(
        long,
        env = "SECCOMP_WEBHOOK_SHUTDOWN_DELAY_SECONDS",
        default_value_t = 5
    )]
    pub shutdown_delay_seconds: u64,

    /// The container's memory limit: every budget (request bodies, decisions,
    /// connections) is derived from it. The chart passes its own limit here.
    #[arg(long, env = "SECCOMP_WEBHOOK_MEMORY_LIMIT_BYTES",
          default_value_t = crate::resources::DEFAULT_MEMORY_LIMIT)]
    pub memory_limit_bytes: u64,

    /// Largest accepted request body; larger bodies get 413 (a declared
    /// Content-Length at once). Default: 8 MiB, or less if the memory limit is small.
    #[arg(long, env = "SECCOMP_WEBHOOK_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,

    /// Admission requests decided at once, once their body is read; more wait
    /// (within the request timeout). Default: from the memory limit (16 at 128 MiB).
    #[arg(long, env = "SECCOMP_WEBHOOK_MAX_CONCURRENCY",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrency: Option<u32>,

    /// Open connections on the admission port; at the limit the least-used idle
    /// one is closed for a new one. Default: from the memory and open-file limits.
    #[arg(long, env = "SECCOMP_WEBHOOK_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,

    /// The API server's timeoutSeconds: limit for reading and answering one
    /// request. Bodies must arrive within half of it; a TLS handshake and the
    /// request headers get half of it, at most 5 s.
    #[arg(long, env = "SECCOMP_WEBHOOK_REQUEST_TIMEOUT_SECONDS",
          default_value_t = crate::resources::DEFAULT_REQUEST_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// A connection with no request in flight for this long is closed (both ports).
    #[arg(long, env = "SECCOMP_WEBHOOK_IDLE_TIMEOUT_SECONDS",
          default_value_t = crate::resources::DEFAULT_IDLE_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_seconds: u64,

    /// Benchmark baseline only (built with `--features bench`): answer every
    /// `POST /mutate` with this file's bytes, skipping all admission work,
    /// over the same TLS and HTTP stack.
    #[cfg(feature = "bench")]
    #[arg(long)]
    pub bench_fixed_response: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// What the resource model is derived from, given the open-file limit.
    pub fn model_inputs(&self, open_files: u64) -> crate::resources::Inputs {
        crate::resources::Inputs {
            memory_limit: self.memory_limit_bytes,
            request_timeout: Duration::from_secs(self.request_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            max_body_bytes: self.max_body_bytes,
            max_concurrency: self.max_concurrency,
            max_connections: self
                .max_connections
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            open_files,
        }
    }

    pub fn shutdown_delay(&self) -> Duration {
        Duration::from_secs(self.shutdown_delay_seconds)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn cert_and_key_are_required_without_dev_mode() {
        let err = Config::try_parse_from(["seccomp-webhook"]).unwrap_err();
        assert!(err.to_string().contains("--tls-cert-file"), "{err}");
        let ok = Config::try_parse_from(["seccomp-webhook", "--dev-self-signed"]).unwrap();
        assert_eq!(ok.listen_addr.port(), 8443);
        assert_eq!(ok.metrics_addr.port(), 9090);
        assert_eq!(ok.max_body_bytes, None);
        assert_eq!(ok.memory_limit_bytes, 128 * 1024 * 1024);
        assert_eq!(ok.shutdown_delay_seconds, 5);
    }

    #[test]
    fn dev_mode_conflicts_with_files() {
        let err = Config::try_parse_from([
            "seccomp-webhook",
            "--dev-self-signed",
            "--tls-cert-file=a",
            "--tls-key-file=b",
        ])
        .unwrap_err();
        assert!(err.to_string().contains("cannot be used with"), "{err}");
    }

    #[test]
    fn zero_concurrency_is_rejected() {
        let err = Config::try_parse_from([
            "seccomp-webhook",
            "--dev-self-signed",
            "--max-concurrency=0",
        ])
        .unwrap_err();
        assert!(err.to_string().contains("max-concurrency"), "{err}");
    }
}

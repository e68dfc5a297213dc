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

    /// Policy YAML (SPEC §7); re-read when it changes on disk. Built-in defaults when absent.
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

    /// Largest accepted request body; larger bodies get 413.
    #[arg(long, env = "SECCOMP_WEBHOOK_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Admission requests handled at once; more wait (within the request timeout).
    #[arg(long, env = "SECCOMP_WEBHOOK_MAX_CONCURRENCY", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrency: u32,

    /// Upper bound for reading and answering one request (the API server's own default is 10 s).
    #[arg(long, env = "SECCOMP_WEBHOOK_REQUEST_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// Benchmark baseline only: answer every `POST /mutate` with this file's bytes, skipping all
    /// admission work, over the same TLS and HTTP stack.
    #[arg(long, hide = true)]
    pub bench_fixed_response: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }

    /// Time allowed for a TLS handshake and for reading a request's headers.
    pub fn header_read_timeout(&self) -> Duration {
        self.request_timeout().min(Duration::from_secs(10))
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
        assert_eq!(ok.max_body_bytes, 8_388_608);
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

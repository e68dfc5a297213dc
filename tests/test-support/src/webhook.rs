//! Starts the real `seccomp-webhook` binary on loopback port 0 with certificates in a
//! tempdir laid out like a Kubernetes Secret volume, and reads its JSON log lines.
//! The binary is the caller's `env!("CARGO_BIN_EXE_seccomp-webhook")`: only the
//! webhook's own package can name it (Cargo has no stable artifact dependencies).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::client::{self, Conn, Proto};
use crate::dirs::SecretDir;
use crate::pki::Ca;

const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Webhook {
    child: Child,
    pub https: SocketAddr,
    pub metrics: SocketAddr,
    logs: Arc<Mutex<Vec<Value>>>,
    stderr: Arc<Mutex<String>>,
    /// The CA clients trust.
    pub ca_pem: String,
    pub dir: TempDir,
    /// The process's TMPDIR (where `--dev-self-signed` writes), removed with the test.
    _tmp: TempDir,
}

/// A fresh CA, a serving certificate in a Secret-like directory, and a tempdir for both.
pub struct Setup {
    pub dir: TempDir,
    pub ca: Ca,
    pub secret: SecretDir,
    /// The `seccomp-webhook` binary under test.
    pub binary: PathBuf,
}

impl Setup {
    /// A set-up for `binary` (the caller's `env!("CARGO_BIN_EXE_seccomp-webhook")`).
    pub fn new(binary: impl AsRef<Path>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::new("test CA");
        let secret = SecretDir::new(&dir.path().join("certs"), &ca.server());
        Setup {
            dir,
            ca,
            secret,
            binary: binary.as_ref().to_path_buf(),
        }
    }

    /// Writes `content` into the tempdir and returns its path as a string.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// Starts the webhook on this setup's certificate, plus `args`.
    pub fn start(&self, args: &[&str]) -> Webhook {
        let mut all = vec![
            format!("--tls-cert-file={}", self.secret.cert().display()),
            format!("--tls-key-file={}", self.secret.key().display()),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        Webhook::spawn(&self.binary, &all, &[], Some(self.ca.pem.clone()))
    }

    /// Starts the webhook with `args` and the extra `env` variables, its
    /// open-file limit first set by the shell's `ulimit` with `ulimit_args`
    /// (e.g. `-n 128`) when given.
    pub fn start_with(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        ulimit_args: Option<&str>,
    ) -> Webhook {
        let mut all = vec![
            format!("--tls-cert-file={}", self.secret.cert().display()),
            format!("--tls-key-file={}", self.secret.key().display()),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        Webhook::launch(
            &self.binary,
            &all,
            env,
            Some(self.ca.pem.clone()),
            ulimit_args,
        )
    }

    /// Starts the webhook configured only through `SECCOMP_WEBHOOK_*` variables (the
    /// certificate paths included), plus `env`.
    pub fn start_env(&self, env: &[(&str, &str)]) -> Webhook {
        let cert = self.secret.cert().display().to_string();
        let key = self.secret.key().display().to_string();
        let mut all = vec![
            ("SECCOMP_WEBHOOK_TLS_CERT_FILE", cert.as_str()),
            ("SECCOMP_WEBHOOK_TLS_KEY_FILE", key.as_str()),
        ];
        all.extend_from_slice(env);
        Webhook::spawn(&self.binary, &[], &all, Some(self.ca.pem.clone()))
    }
}

impl Webhook {
    /// `binary` started with a fresh CA and serving certificate, plus `args`.
    pub fn start(binary: impl AsRef<Path>, args: &[&str]) -> Webhook {
        let setup = Setup::new(binary);
        let mut webhook = setup.start(args);
        webhook.dir = setup.dir;
        webhook
    }

    /// Spawns the binary with `args` and only the environment `env` (defaults added for
    /// flags not given). Without `ca_pem`, the CA is read from the `--dev-self-signed` log line.
    pub fn spawn(
        binary: impl AsRef<Path>,
        args: &[String],
        env: &[(&str, &str)],
        ca_pem: Option<String>,
    ) -> Webhook {
        Webhook::launch(binary.as_ref(), args, env, ca_pem, None)
    }

    fn launch(
        binary: &Path,
        args: &[String],
        env: &[(&str, &str)],
        ca_pem: Option<String>,
        ulimit_args: Option<&str>,
    ) -> Webhook {
        let tmp = tempfile::tempdir().unwrap();
        let mut command = match ulimit_args {
            None => Command::new(binary),
            Some(limits) => {
                // `sh` execs the binary: same pid, the limit already in force.
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit {limits} && exec \"$0\" \"$@\""))
                    .arg(binary);
                sh
            }
        };
        for (flag, default) in [
            ("--listen-addr", "127.0.0.1:0"),
            ("--metrics-addr", "127.0.0.1:0"),
            ("--log-format", "json"),
            ("--shutdown-delay-seconds", "0"),
        ] {
            if !args.iter().any(|a| a.starts_with(flag)) {
                command.arg(format!("{flag}={default}"));
            }
        }
        command
            .args(args)
            .env_clear()
            .env("TMPDIR", tmp.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                sink.lock().unwrap().push(value);
            }
        });
        let err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut webhook = Webhook {
            child,
            https: "0.0.0.0:0".parse().unwrap(),
            metrics: "0.0.0.0:0".parse().unwrap(),
            logs,
            stderr,
            ca_pem: ca_pem.unwrap_or_default(),
            dir: tempfile::tempdir().unwrap(),
            _tmp: tmp,
        };
        if webhook.ca_pem.is_empty() {
            let line = webhook.wait_log(START_TIMEOUT, |l| l["ca_file"].is_string());
            webhook.ca_pem = std::fs::read_to_string(line["ca_file"].as_str().unwrap()).unwrap();
        }
        webhook.https = webhook.listening("admission server listening (HTTPS)");
        webhook.metrics = webhook.listening("metrics server listening (HTTP)");
        webhook
    }

    /// The address of a "... listening" line, JSON or (`--log-format=text`) text.
    fn listening(&mut self, message: &str) -> SocketAddr {
        let line = self.wait_log(START_TIMEOUT, |l| {
            l["message"] == message || l.as_str().is_some_and(|t| t.contains(message))
        });
        if let Some(text) = line.as_str() {
            let addr = text
                .split_whitespace()
                .find_map(|w| w.strip_prefix("addr="));
            return addr.unwrap().parse().unwrap();
        }
        line["addr"].as_str().unwrap().parse().unwrap()
    }

    /// Waits for a log line matching `pred`; panics with the output so far if none comes.
    pub fn wait_log(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_logs(timeout, 1, pred)
    }

    /// Waits for the `n`th log line matching `pred` and returns it.
    pub fn wait_logs(
        &mut self,
        timeout: Duration,
        n: usize,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            if let Some(line) = self.logs().into_iter().filter(&pred).nth(n - 1) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "webhook exited ({status}) early\nlogs: {:#?}\nstderr: {}",
                    self.logs(),
                    self.stderr()
                );
            }
            if start.elapsed() > timeout {
                panic!(
                    "no such log line in {timeout:?}\nlogs: {:#?}\nstderr: {}",
                    self.logs(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn logs(&self) -> Vec<Value> {
        self.logs.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM through the `kill` command.
    pub fn sigterm(&self) {
        // The shell's builtin `kill`: present wherever `sh` is.
        let status = Command::new("sh")
            .args(["-c", "kill -TERM \"$0\"", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < timeout,
                "webhook did not exit in {timeout:?}: {:#?}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub async fn conn(&self, proto: Proto) -> Conn {
        Conn::open(self.https, client::tls_config(&self.ca_pem, None, proto))
            .await
            .unwrap()
    }

    /// The Prometheus exposition from the plain metrics port.
    pub async fn metrics_text(&self) -> String {
        let reply = client::plain_get(self.metrics, "/metrics").await.unwrap();
        assert_eq!(reply.status, 200);
        reply.text()
    }

    /// The value of one series, e.g. `seccomp_webhook_panics_total`; 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        metric_value(&self.metrics_text().await, series)
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn metric_value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

//! Re-reads the certificate pair, the client CA bundle and the policy file
//! when they change on disk.
//!
//! The PARENT directories are watched (Secret and ConfigMap volumes replace a
//! `..data` symlink rather than writing the files), access events are ignored,
//! events are debounced, and a slow poll covers file systems without events.
//! A file is only re-parsed when its bytes changed; a bad new version is logged
//! and counted, and the one in use is kept.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use seccomp_webhook::metrics::Metrics;
use seccomp_webhook::state::AppState;
use seccomp_webhook::tls;

const DEBOUNCE: Duration = Duration::from_millis(100);
const POLL: Duration = Duration::from_secs(10);

/// Why the policy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading policy {0}: {1}")]
    Read(PathBuf, #[source] std::io::Error),
    #[error("policy {0} is not valid UTF-8: {1}")]
    Utf8(PathBuf, #[source] std::str::Utf8Error),
    #[error("policy {0}: {1}")]
    Invalid(PathBuf, #[source] seccomp_core::CoreError),
}

/// Why the client CA bundle could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClientCaError {
    #[error("reading client CA {0}: {1}")]
    Read(PathBuf, #[source] std::io::Error),
    #[error("client CA {0}: {1}")]
    Invalid(PathBuf, #[source] tls::TlsError),
}

#[derive(Debug)]
pub struct Reloader {
    state: Arc<AppState>,
    cert_file: PathBuf,
    key_file: PathBuf,
    policy_file: Option<PathBuf>,
    /// The client CA bundle and the TLS configuration it goes into.
    client_ca: Option<(PathBuf, Arc<tls::ServerTls>)>,
    last_pair: Option<(Vec<u8>, Vec<u8>)>,
    last_policy: Option<Vec<u8>>,
    last_client_ca: Option<Vec<u8>>,
    tls_read_errors: Repeats,
}

/// Remembers the last error message so that one that persists is logged once,
/// not on every file event and poll.
#[derive(Debug, Default)]
struct Repeats(Option<String>);

impl Repeats {
    /// Whether `message` differs from the last one seen (and remembers it).
    fn is_new(&mut self, message: &str) -> bool {
        if self.0.as_deref() == Some(message) {
            return false;
        }
        self.0 = Some(message.to_owned());
        true
    }

    /// The condition is over: the next error is new again.
    fn clear(&mut self) {
        self.0 = None;
    }

    /// Logs a failed reload at ERROR unless it is the same failure as last time.
    fn log<T, E: std::fmt::Display>(&mut self, result: Result<T, E>, what: &str) {
        match result {
            Ok(_) => self.clear(),
            Err(e) => {
                let message = e.to_string();
                if self.is_new(&message) {
                    error!(error = %message, "{what}");
                }
            }
        }
    }
}

impl Reloader {
    pub fn new(
        state: Arc<AppState>,
        cert_file: PathBuf,
        key_file: PathBuf,
        policy_file: Option<PathBuf>,
    ) -> Self {
        Reloader {
            state,
            cert_file,
            key_file,
            policy_file,
            client_ca: None,
            last_pair: None,
            last_policy: None,
            last_client_ca: None,
            tls_read_errors: Repeats::default(),
        }
    }

    /// Also re-reads `file`, the client CA bundle `tls` requires client certificates from.
    pub fn with_client_ca(mut self, file: PathBuf, tls: Arc<tls::ServerTls>) -> Self {
        self.client_ca = Some((file, tls));
        self
    }

    /// Loads the client CA bundle if its bytes changed (nothing to do without
    /// `--client-ca-file`). A bad bundle keeps the one in use.
    pub fn reload_client_ca(&mut self) -> Result<bool, ClientCaError> {
        let Some((path, server_tls)) = &self.client_ca else {
            return Ok(false);
        };
        let bytes = std::fs::read(path).map_err(|e| ClientCaError::Read(path.clone(), e))?;
        if self.last_client_ca.as_ref() == Some(&bytes) {
            return Ok(false);
        }
        let result = tls::client_roots(&bytes).and_then(|roots| server_tls.set_client_roots(roots));
        self.last_client_ca = Some(bytes);
        Metrics::reload(&self.state.metrics.client_ca_reloads, result.is_ok());
        result.map_err(|e| ClientCaError::Invalid(path.clone(), e))?;
        info!(client_ca = %path.display(), "client CA bundle loaded");
        Ok(true)
    }

    /// Loads the certificate pair if its bytes changed. Returns whether a new pair is in use.
    pub fn reload_tls(&mut self) -> bool {
        let pair = match (
            std::fs::read(&self.cert_file),
            std::fs::read(&self.key_file),
        ) {
            (Ok(cert), Ok(key)) => (cert, key),
            (Err(e), _) | (_, Err(e)) => {
                let e = e.to_string();
                if self.tls_read_errors.is_new(&e) {
                    warn!(cert = %self.cert_file.display(), key = %self.key_file.display(),
                          error = %e, "cannot read certificate or key; keeping the current one");
                }
                return false;
            }
        };
        self.tls_read_errors.clear();
        if self.last_pair.as_ref() == Some(&pair) {
            return false;
        }
        let result = tls::load_pair(&pair.0, &pair.1);
        self.last_pair = Some(pair);
        let metrics = &self.state.metrics;
        match result {
            Ok(loaded) => {
                self.state.certs.set(loaded.key);
                metrics.cert_expiry.set(loaded.not_after);
                Metrics::reload(&metrics.cert_reloads, true);
                info!(cert = %self.cert_file.display(), not_after = loaded.not_after,
                      "serving certificate loaded");
                true
            }
            Err(e) => {
                Metrics::reload(&metrics.cert_reloads, false);
                error!(cert = %self.cert_file.display(), key = %self.key_file.display(),
                       error = %e, "new certificate rejected; keeping the current one");
                false
            }
        }
    }

    /// Loads the policy file if its bytes changed (nothing to do without `--config`).
    pub fn reload_policy(&mut self) -> Result<bool, PolicyError> {
        let Some(path) = self.policy_file.clone() else {
            return Ok(false);
        };
        let bytes = std::fs::read(&path).map_err(|e| PolicyError::Read(path.clone(), e))?;
        if self.last_policy.as_ref() == Some(&bytes) {
            return Ok(false);
        }
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|e| PolicyError::Utf8(path.clone(), e))
            .and_then(|text| {
                seccomp_core::Policy::from_deserializer(yaml_serde::Deserializer::from_str(text))
                    .map_err(|e| PolicyError::Invalid(path.clone(), e))
            });
        self.last_policy = Some(bytes);
        let ok = parsed.is_ok();
        Metrics::reload(&self.state.metrics.config_reloads, ok);
        let policy = parsed?;
        self.state.set_policy(policy);
        info!(config = %path.display(), "policy loaded");
        Ok(true)
    }

    /// Watches and polls forever.
    pub async fn run(mut self) {
        let (tx, mut rx) = mpsc::channel::<()>(1);
        let _watcher = self.watch(tx);
        // Like an unreadable certificate, an unreadable policy is logged once,
        // not on every event and poll while it stays unreadable.
        let mut policy_errors = Repeats::default();
        let mut client_ca_errors = Repeats::default();
        loop {
            tokio::select! {
                Some(()) = rx.recv() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            tokio::time::sleep(DEBOUNCE).await;
            while rx.try_recv().is_ok() {}
            self.reload_tls();
            let client_ca = self.reload_client_ca();
            client_ca_errors.log(
                client_ca,
                "client CA change rejected; keeping the current bundle",
            );
            let policy = self.reload_policy();
            policy_errors.log(policy, "policy change rejected; keeping the current policy");
        }
    }

    fn watch(&self, tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
        let handler = move |event: notify::Result<notify::Event>| match event {
            Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
            Ok(event) => {
                debug!(paths = ?event.paths, kind = ?event.kind, "file event");
                let _ = tx.try_send(());
            }
            Err(e) => {
                warn!(error = %e, "file watch error");
                let _ = tx.try_send(());
            }
        };
        let mut watcher = match notify::recommended_watcher(handler) {
            Ok(w) => w,
            Err(e) => {
                warn!(error = %e, "cannot watch files; polling every {}s", POLL.as_secs());
                return None;
            }
        };
        let files = [
            Some(&self.cert_file),
            Some(&self.key_file),
            self.policy_file.as_ref(),
            self.client_ca.as_ref().map(|(file, _)| file),
        ];
        for dir in watched_dirs(files.into_iter().flatten()) {
            if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
                warn!(dir = %dir.display(), error = %e, "cannot watch directory; polling");
            }
        }
        Some(watcher)
    }
}

/// The parent directory of each file, and of the file it resolves to through symlinks.
fn watched_dirs<'a>(files: impl Iterator<Item = &'a PathBuf>) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::new();
    for file in files {
        dirs.insert(parent(file));
        if let Ok(real) = std::fs::canonicalize(file) {
            dirs.insert(parent(&real));
        }
    }
    dirs
}

fn parent(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_persisting_error_is_new_once_and_again_after_it_cleared() {
        let mut repeats = Repeats::default();
        assert!(repeats.is_new("no such file"));
        assert!(!repeats.is_new("no such file"));
        assert!(repeats.is_new("permission denied"));
        repeats.clear();
        assert!(repeats.is_new("permission denied"));
    }

    #[test]
    fn parents_of_relative_and_symlinked_files() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("data");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("tls.crt"), "x").unwrap();
        let link = dir.path().join("tls.crt");
        std::os::unix::fs::symlink(real.join("tls.crt"), &link).unwrap();
        let rel = PathBuf::from("tls.crt");
        let dirs = watched_dirs([&link, &rel].into_iter());
        assert!(dirs.contains(dir.path()));
        assert!(dirs.contains(&std::fs::canonicalize(&real).unwrap()));
        assert!(dirs.contains(Path::new(".")));
    }
}

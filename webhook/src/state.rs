//! State shared by the request handlers, the reloader and the shutdown sequence.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use seccomp_core::{Policy, RelevantKeys};
use tokio::sync::Semaphore;

use crate::admission::Scope;
use crate::metrics::Metrics;
use crate::tls::CertResolver;

/// The policy in force and what is derived from it once per load.
#[derive(Debug)]
pub struct ActivePolicy {
    pub policy: Policy,
    /// The object keys the request parser keeps for this policy.
    pub relevant: RelevantKeys,
}

impl ActivePolicy {
    pub fn new(policy: Policy) -> Self {
        let relevant = crate::review::relevant_keys(&policy);
        ActivePolicy { policy, relevant }
    }
}

#[derive(Debug)]
pub struct AppState {
    policy: RwLock<Arc<ActivePolicy>>,
    shutting_down: AtomicBool,
    pub certs: Arc<CertResolver>,
    pub metrics: Metrics,
    pub scope: Scope,
    /// Bounds the `/mutate` requests handled at once.
    pub permits: Semaphore,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Benchmark baseline: answer `/mutate` with these bytes.
    pub fixed_response: Option<Bytes>,
}

impl AppState {
    pub fn new(
        policy: Policy,
        scope: Scope,
        max_concurrency: usize,
        max_body_bytes: usize,
        request_timeout: Duration,
    ) -> Self {
        AppState {
            policy: RwLock::new(Arc::new(ActivePolicy::new(policy))),
            shutting_down: AtomicBool::new(false),
            certs: Arc::new(CertResolver::default()),
            metrics: Metrics::new(),
            scope,
            permits: Semaphore::new(max_concurrency),
            max_body_bytes,
            request_timeout,
            fixed_response: None,
        }
    }

    pub fn policy(&self) -> Arc<ActivePolicy> {
        self.policy
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn set_policy(&self, policy: Policy) {
        *self
            .policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(ActivePolicy::new(policy));
    }

    /// Ready once a certificate is loaded and until shutdown starts.
    pub fn readiness(&self) -> Result<(), &'static str> {
        if self.shutting_down.load(Ordering::SeqCst) {
            Err("shutting down")
        } else if !self.certs.is_loaded() {
            Err("no serving certificate loaded yet")
        } else {
            Ok(())
        }
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }
}

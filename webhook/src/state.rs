//! State shared by the request handlers, the reloader and the shutdown sequence.

#[cfg(feature = "bench")]
use axum::body::Bytes;
use seccomp_core::{Limits, Policy, RelevantKeys};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::Semaphore;

use crate::admission::MutatedKinds;
use crate::budget::Budget;
use crate::metrics::Metrics;
use crate::resources::Model;
use crate::tls::CertResolver;

/// The policy in force and what is derived from it once per load.
#[derive(Debug)]
pub struct ActivePolicy {
    pub policy: Policy,
    /// The object keys the request parser keeps for this policy.
    pub relevant: RelevantKeys,
}

impl ActivePolicy {
    pub fn new(policy: Policy, limits: Limits) -> Self {
        let relevant = crate::review::server_keys(&policy, limits);
        ActivePolicy { policy, relevant }
    }
}

#[derive(Debug)]
pub struct AppState {
    policy: RwLock<Arc<ActivePolicy>>,
    shutting_down: AtomicBool,
    pub certs: Arc<CertResolver>,
    pub metrics: Arc<Metrics>,
    pub kinds: MutatedKinds,
    /// Every bound the server runs with.
    pub model: Model,
    /// Bytes of bodies and responses held for requests in flight.
    pub budget: Arc<Budget>,
    /// Decisions in progress (taken once the body is read; held by blocking
    /// work until it ends, even when its client has gone).
    pub slots: Arc<Semaphore>,
    /// Benchmark baseline (the `bench` feature): answer `/mutate` with these
    /// bytes once the body is read, skipping all admission work.
    #[cfg(feature = "bench")]
    pub fixed_response: Option<Bytes>,
}

impl AppState {
    pub fn new(policy: Policy, kinds: MutatedKinds, model: Model) -> Self {
        AppState {
            policy: RwLock::new(Arc::new(ActivePolicy::new(policy, model.limits))),
            shutting_down: AtomicBool::new(false),
            certs: Arc::new(CertResolver::default()),
            metrics: Arc::new(Metrics::new()),
            kinds,
            budget: Budget::new(model.budget),
            slots: Arc::new(Semaphore::new(model.slots as usize)),
            model,
            #[cfg(feature = "bench")]
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
        let active = Arc::new(ActivePolicy::new(policy, self.model.limits));
        *self
            .policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = active;
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

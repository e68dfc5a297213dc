//! `seccomp-webhook` as a library: everything between an HTTP request and its
//! answer, testable in-process. The binary (`src/main.rs`) adds the accept
//! loops, certificate and policy reloads, the connection limits and the
//! shutdown sequence, and serves the two routers of [`router`].
//!
//! The request path, in order: [`router::admission_router`] (`POST /mutate`)
//! reads the body within [`resources::Model`]'s bounds ([`body`],
//! [`budget`]), then [`admission::review_body`] parses the AdmissionReview
//! ([`review`]), decides it with the pure core ([`admission::admit`] →
//! `seccomp_core::plan`) and serialises the response. The state shared with
//! the binary is [`state::AppState`]. See docs/webhook.md.
//!
//! Feature `server` (default): everything but [`review`] and [`admission`].
//! Without it the library is the pure request path, body bytes to response
//! bytes (what `webhook/fuzz` builds). Feature `bench`: the fixed-response
//! baseline of `bench/webhook.sh`.
//!
//! ```
//! use seccomp_webhook::admission::{review_body, MutatedKinds};
//! use seccomp_webhook::review::relevant_keys;
//! use seccomp_core::Policy;
//!
//! let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
//!   "request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE",
//!   "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
//!             "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}"#;
//! let policy = Policy::default();
//! let reviewed = review_body(body, &policy, &relevant_keys(&policy), MutatedKinds::default())?;
//! assert_eq!(reviewed.decision.verdict.label(), "mutated");
//! let response: serde_json::Value = serde_json::from_slice(&reviewed.response)?;
//! assert_eq!(response["response"]["patchType"], "JSONPatch");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod admission;
pub mod review;

#[cfg(feature = "server")]
pub mod blocking;
#[cfg(feature = "server")]
pub mod body;
#[cfg(feature = "server")]
pub mod budget;
#[cfg(feature = "server")]
pub mod config;
#[cfg(feature = "server")]
pub mod metrics;
#[cfg(feature = "server")]
pub mod resources;
#[cfg(feature = "server")]
pub mod router;
#[cfg(feature = "server")]
pub mod state;
#[cfg(feature = "server")]
pub mod tls;

#[cfg(test)]
mod fuzz_tests;

//! Test helpers shared by the workspace's test suites (a dev-dependency only).
//!
//! - [`webhook`]: starts the real `seccomp-webhook` binary (the caller passes
//!   its `CARGO_BIN_EXE_seccomp-webhook`) on loopback with certificates in a
//!   Secret-like directory, and reads its JSON log lines.
//! - [`client`]: an HTTPS client that chooses the ALPN protocol, presents
//!   client certificates and sends slow or partial requests.
//! - [`reviews`]: AdmissionReview requests as the API server sends them, and
//!   the API server's side of the answer (base64 → JSON Patch → applied).
//! - [`pki`]: a test CA issuing serving and client certificates (rcgen).
//! - [`dirs`]: temporary directories holding given files, and a directory
//!   laid out like a mounted Kubernetes Secret.
//!
//! Helpers panic on failure: a failed set-up is a failed test.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod client;
pub mod dirs;
pub mod pki;
pub mod reviews;
pub mod webhook;

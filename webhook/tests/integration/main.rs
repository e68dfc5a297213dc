//! The one integration-test binary of `seccomp-webhook`: every test starts the real
//! binary on loopback with rcgen certificates in a tempdir.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod fixtures;
mod harness;
mod pki;

mod admission;
mod bad_input;
mod hostile_bodies;
mod hostile_connections;
mod lifecycle;
mod policy;
mod tls;

//! The one integration-test binary of `seccomp-webhook`: the library's routers
//! called in-process (`router`), and the real binary started on loopback with
//! rcgen certificates in a tempdir (every other module).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seccomp_test_support::reviews as fixtures;
use seccomp_test_support::{client, pki};

mod harness;

mod admission;
mod bad_input;
mod fuzz_seeds;
mod hostile_bodies;
mod hostile_connections;
mod lifecycle;
mod policy;
mod router;
mod tls;

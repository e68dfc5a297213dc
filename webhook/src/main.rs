//! `seccomp-webhook`: mutating admission webhook that defaults pods to seccompProfile
//! RuntimeDefault (contract §6, docs/contract.md). See docs/webhook.md.
//!
//! The request path is the library (`src/lib.rs`); the binary wires it to the
//! network: start-up and shutdown ([`app`]), the accept loops ([`server`]) and
//! their connection limits ([`connections`]), certificate, client-CA and
//! policy reloads ([`reload`]), logging, the open-file limit and the dev
//! certificate.
#![forbid(unsafe_code)]

mod app;
mod connections;
mod devcert;
mod logging;
mod nofile;
mod reload;
mod server;
mod shutdown;

use std::process::ExitCode;

use clap::Parser;

/// Admission work is allocation-heavy (a JSON tree per request); mimalloc is faster than
/// glibc's allocator here and much faster than musl's (the container image is static musl).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = seccomp_webhook::config::Config::parse();
    match app::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seccomp-webhook: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `seccomp-webhook`: mutating admission webhook that defaults pods to seccompProfile
//! RuntimeDefault (SPEC §6). See docs/webhook.md.
#![forbid(unsafe_code)]

mod admission;
mod app;
mod blocking;
mod body;
mod budget;
mod config;
mod connections;
mod devcert;
mod http;
mod logging;
mod metrics;
mod nofile;
mod reload;
mod resources;
mod review;
mod server;
mod shutdown;
mod state;
mod tls;

#[cfg(test)]
mod fuzz_tests;

use std::process::ExitCode;

use clap::Parser;

/// Admission work is allocation-heavy (a JSON tree per request); mimalloc is faster than
/// glibc's allocator here and much faster than musl's (the container image is static musl).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = config::Config::parse();
    match app::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seccomp-webhook: {e:#}");
            ExitCode::FAILURE
        }
    }
}

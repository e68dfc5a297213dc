//! `seccomp-fix krm` (not implemented yet).
use std::process::ExitCode;

/// Arguments of `seccomp-fix krm`.
#[derive(Debug, clap::Args)]
pub struct KrmArgs {}

/// Runs the subcommand.
pub fn run(_args: KrmArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`seccomp-fix krm` is not implemented yet")
}

//! `seccomp-fix fix` (not implemented yet).
use std::process::ExitCode;

/// Arguments of `seccomp-fix fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {}

/// Runs the subcommand.
pub fn run(_args: FixArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`seccomp-fix fix` is not implemented yet")
}

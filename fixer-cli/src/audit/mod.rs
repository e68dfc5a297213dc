//! `seccomp-fix audit` (not implemented yet).
use std::process::ExitCode;

/// Arguments of `seccomp-fix audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {}

/// Runs the subcommand.
pub fn run(_args: AuditArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`seccomp-fix audit` is not implemented yet")
}

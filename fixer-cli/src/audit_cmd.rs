//! `seccomp-fix audit`: the `seccomp-audit` crate's flags plus the policy
//! flags every subcommand takes. Built with the `audit` feature (default).
use std::process::ExitCode;

/// Arguments of `seccomp-fix audit`.
#[derive(Debug, clap::Args)]
pub struct AuditCommand {
    /// Cluster, scope, format and request limits.
    #[command(flatten)]
    pub audit: seccomp_audit::AuditArgs,
    /// Policy deciding what would change (the webhook's YAML), as for `fix`.
    #[command(flatten)]
    pub policy: crate::policy_args::PolicyArgs,
}

/// Loads the policy (a bad one stops before any request), then audits.
pub fn run(args: AuditCommand) -> anyhow::Result<ExitCode> {
    let policy = args.policy.policy()?;
    Ok(seccomp_audit::run(&args.audit, &policy)?)
}

//! `seccomp-audit`: a read-only seccomp audit of a live cluster (CIS
//! Kubernetes Benchmark 5.3.3, Pod Security Standards `restricted`), run as
//! `seccomp-fix audit`.
//!
//! It lists Pods and the workload kinds the core knows page by page, plans
//! each object with the core (what `seccomp-fix` / the webhook would change),
//! shows the effective profile of every container, and folds owned objects
//! into their listed owner (Pod → ReplicaSet → Deployment, Pod → Job →
//! CronJob). Every seccomp rule it applies comes from `seccomp-core`; this
//! crate adds cluster access, listing, folding and the three report formats.
//! It is the only part of `seccomp-fix` that needs kube, tokio and rustls,
//! which is why it is a crate of its own behind the fixer's `audit` feature.
//! See `docs/audit.md`.
//!
//! The entry point is [`run`]: flags ([`AuditArgs`]) and a policy in, the
//! report on stdout, the exit code out. The caller owns the policy flags:
//!
//! ```no_run
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     audit: seccomp_audit::AuditArgs,
//! }
//!
//! let cli = Cli::parse_from(["audit", "--all-namespaces", "--format", "json"]);
//! let exit_code = seccomp_audit::run(&cli.audit, &seccomp_core::Policy::default())?;
//! # let _ = exit_code;
//! # Ok::<(), seccomp_audit::AuditError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::Write;
use std::process::ExitCode;

use seccomp_core::Policy;

mod args;
mod client;
mod error;
mod evaluate;
mod list;
mod owners;
mod report;
mod resources;
mod sarif;
mod scan;
mod table;

pub use args::{AuditArgs, AuditFormat};
pub use client::ClientError;
pub use error::AuditError;
pub use list::ListError;

use list::Listing;
use report::{AuditTarget, Report};

/// Runs the audit under `policy` and prints the report on stdout. The exit
/// code is 0 when everything is compliant, 1 when something would change or
/// must be fixed, 2 when a list failed; a fatal error (no configuration,
/// server unreachable, credentials rejected) is an `Err`, before any report.
pub fn run(args: &AuditArgs, policy: &Policy) -> Result<ExitCode, AuditError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AuditError::Runtime)?;
    let report = runtime.block_on(audit(args, policy))?;
    let text = match args.format {
        AuditFormat::Table => table::render(&report),
        AuditFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(AuditError::serialise("report"))? + "\n"
        }
        AuditFormat::Sarif => {
            serde_json::to_string_pretty(&sarif::render(&report))
                .map_err(AuditError::serialise("SARIF log"))?
                + "\n"
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(AuditError::Write)?;
    Ok(ExitCode::from(report.exit_code()))
}

async fn audit(args: &AuditArgs, policy: &Policy) -> Result<Report, AuditError> {
    let target = client::resolve(
        args.kubeconfig.as_deref(),
        args.context.as_deref(),
        args.timeout,
    )
    .await?;
    let client = client::build(&target)?;
    let namespace = match (&args.namespace, args.all_namespaces) {
        (_, true) => None,
        (Some(ns), false) => Some(ns.clone()),
        (None, false) => Some(target.config.default_namespace.clone()),
    };
    let server = target
        .config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_owned();
    let listing = Listing {
        client: &client,
        namespace: namespace.as_deref(),
        chunk_size: args.chunk_size,
        timeout: args.timeout,
        server: &server,
    };
    let progress = scan::progress(!args.no_progress);
    let collected = scan::scan(&listing, policy, &progress).await;
    progress.finish_and_clear();
    let collected = collected?;
    let scope = AuditTarget {
        server,
        context: target.context,
        config_source: target.source,
        namespace,
    };
    Ok(Report::new(
        scope,
        collected.objects,
        collected.pods,
        collected.errors,
    ))
}

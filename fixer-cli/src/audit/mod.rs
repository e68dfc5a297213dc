//! `seccomp-fix audit`: a read-only seccomp audit of a live cluster (CIS
//! Kubernetes Benchmark 5.3.3, Pod Security Standards `restricted`).
//!
//! It lists Pods and the workload kinds of SPEC §2 page by page, plans each
//! object with the core (what `seccomp-fix` / the webhook would change), shows
//! the effective profile of every container, and folds owned objects into
//! their listed owner (Pod → ReplicaSet → Deployment, Pod → Job → CronJob).
//! See `docs/audit.md`.
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use seccomp_core::Policy;

mod args;
mod client;
mod evaluate;
mod list;
mod owners;
mod report;
mod resources;
mod sarif;
mod scan;
mod table;

pub use args::AuditArgs;
use args::Format;
use list::Listing;
use report::{Report, Scope};

/// Runs the audit and prints the report; the exit code is 0 when everything
/// is compliant, 1 when something would change or must be fixed, 2 on errors.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let policy = args.policy.policy()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(audit(&args, &policy))?;
    let text = match args.format {
        Format::Table => table::render(&report),
        Format::Json => {
            serde_json::to_string_pretty(&report).context("serialising the report")? + "\n"
        }
        Format::Sarif => {
            serde_json::to_string_pretty(&sarif::render(&report))
                .context("serialising the SARIF log")?
                + "\n"
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the report to stdout")?;
    Ok(ExitCode::from(report.exit_code()))
}

async fn audit(args: &AuditArgs, policy: &Policy) -> anyhow::Result<Report> {
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
    let collected = collected.map_err(|error| anyhow::anyhow!(error.message))?;
    let scope = Scope {
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

//! Command-line flags of `seccomp-fix audit`.
use std::path::PathBuf;
use std::time::Duration;

/// Shown after the flags in `seccomp-fix audit --help`.
const AFTER_HELP: &str = "\
Lists (verb `list` only; the `view` ClusterRole is enough) CronJobs, Jobs, Deployments, ReplicaSets,
StatefulSets, DaemonSets, ReplicationControllers and Pods, page by page. Objects and pods owned by a
listed workload are reported once, under it (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob).
For each: the effective profile of every container, privileged containers, legacy seccomp
annotations, and what `seccomp-fix fix` / the webhook would change. See docs/audit.md.

Exit codes: 0 everything compliant, 1 something would change or fails the restricted seccomp rule,
2 errors (unreachable server, forbidden list, bad flags).";

/// `--help` position of the request flags (`--timeout`, `--chunk-size`,
/// `--no-progress`): last, after the policy flags the caller flattens in
/// after these arguments. Clap numbers the other flags from 0 in the order
/// they are declared, so 100 leaves room.
const LAST_FLAGS: usize = 100;

/// Arguments of `seccomp-fix audit`, but for the policy: the caller owns the
/// policy flags (the same for every subcommand) and hands [`crate::run`] the
/// policy they describe.
///
/// Cluster access follows kubectl: `--kubeconfig`, else the `KUBECONFIG`
/// variable (a list of files, merged), else `~/.kube/config`, else the
/// in-cluster service account. The audit is read-only: it only issues `list`
/// requests.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct AuditArgs {
    /// Path of the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace to audit (default: the context's namespace, else `default`).
    #[arg(
        short = 'n',
        long,
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Audit every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Report format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,

    /// Give up on a request after this long (`30s`, `500ms`, `2m`, or plain seconds).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration,
        display_order = LAST_FLAGS)]
    pub timeout: Duration,

    /// Objects per list request (pages are fetched with `limit` and `continue`).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..),
        display_order = LAST_FLAGS + 1)]
    pub chunk_size: u32,

    /// Never show the progress indicator (it is only shown when stderr is a terminal).
    #[arg(long, display_order = LAST_FLAGS + 2)]
    pub no_progress: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// Human-readable table grouped by namespace, with a summary.
    Table,
    /// One JSON document (objects, summary, errors).
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// Parses `30s`, `500ms`, `2m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(value),
        "ms" => Duration::from_millis(value),
        "m" => Duration::from_secs(value.saturating_mul(60)),
        "h" => Duration::from_secs(value.saturating_mul(3600)),
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}` (use ms, s, m or h)"
            ))
        }
    };
    if duration.is_zero() {
        return Err("the timeout must be greater than zero".to_owned());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations_parse_with_and_without_units() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    }

    #[test]
    fn bad_durations_are_rejected_with_a_reason() {
        assert!(parse_duration("").unwrap_err().contains("not a duration"));
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s")
            .unwrap_err()
            .contains("greater than zero"));
        assert!(parse_duration("s").unwrap_err().contains("not a duration"));
    }
}

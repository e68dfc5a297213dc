//! The audit's result: one entry per reported object, a summary, the errors.
use std::collections::BTreeMap;

use seccomp_core::{EffectiveProfile, Record};
use serde::Serialize;

use crate::list::ListError;

/// The verdict on one reported object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing would change and the pod spec passes the restricted seccomp rule.
    Compliant,
    /// `seccomp-fix` / the webhook would change it.
    WouldChange,
    /// Nothing would change, yet it fails the rule (explicit `Unconfined`,
    /// a non-migratable annotation) or carries an error finding: a human must act.
    NonCompliant,
    /// Deliberately left alone (Windows pod, opt-out annotation).
    Skipped,
}

impl Verdict {
    /// Every outcome, in report order.
    pub const ALL: [Verdict; 4] = [
        Verdict::Compliant,
        Verdict::WouldChange,
        Verdict::NonCompliant,
        Verdict::Skipped,
    ];

    /// The kebab-case name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::WouldChange => "would-change",
            Verdict::NonCompliant => "non-compliant",
            Verdict::Skipped => "skipped",
        }
    }
}

/// Live pods counted under a reported object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCount {
    /// Pods listed (the Pod itself, or the pods its controllers created).
    pub listed: usize,
    /// Those passing the restricted seccomp rule now.
    pub pass_restricted: usize,
}

/// One reported object: a workload (its owned objects and pods folded in) or
/// a Pod without a listed owner.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadReport {
    /// Namespace.
    pub namespace: String,
    /// Kind.
    pub kind: String,
    /// apiVersion.
    pub api_version: String,
    /// Name.
    pub name: String,
    /// Verdict.
    pub outcome: Verdict,
    /// Whether its pod spec passes the restricted seccomp rule now.
    pub passes_restricted: bool,
    /// Whether it would after `seccomp-fix` / the webhook (same policy).
    pub passes_restricted_after_fix: bool,
    /// Live pods counted under it.
    pub pods: PodCount,
    /// Effective profile of every container.
    pub containers: Vec<EffectiveProfile>,
    /// Legacy seccomp annotations still present (key → value).
    pub legacy_annotations: BTreeMap<String, String>,
    /// The core's changes and findings.
    pub records: Vec<Record>,
    /// The RFC 6902 patch `seccomp-fix` / the webhook would apply.
    pub patch: json_patch::Patch,
}

/// Counts of reported objects by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCounts {
    /// Compliant objects.
    pub compliant: usize,
    /// Objects that would change.
    pub would_change: usize,
    /// Objects a human must fix.
    pub non_compliant: usize,
    /// Skipped objects.
    pub skipped: usize,
}

impl OutcomeCounts {
    /// The count of one outcome.
    pub fn get(&self, outcome: Verdict) -> usize {
        match outcome {
            Verdict::Compliant => self.compliant,
            Verdict::WouldChange => self.would_change,
            Verdict::NonCompliant => self.non_compliant,
            Verdict::Skipped => self.skipped,
        }
    }

    fn bump(&mut self, outcome: Verdict) {
        match outcome {
            Verdict::Compliant => self.compliant += 1,
            Verdict::WouldChange => self.would_change += 1,
            Verdict::NonCompliant => self.non_compliant += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

/// Live pods of the whole audit against the restricted seccomp rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSummary {
    /// Pods listed.
    pub listed: usize,
    /// Pods passing the rule now.
    pub pass_restricted: usize,
    /// Pods that would pass once fixed by `seccomp-fix` / the webhook.
    pub pass_restricted_after_fix: usize,
}

impl PodSummary {
    /// Percentage of pods passing now (100 with no pods).
    pub fn share_now(&self) -> f64 {
        percent(self.pass_restricted, self.listed)
    }

    /// Percentage of pods passing after the fix (100 with no pods).
    pub fn share_after_fix(&self) -> f64 {
        percent(self.pass_restricted_after_fix, self.listed)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    // Pod counts are far below 2^52: the conversions are exact.
    (part as f64) * 100.0 / (whole as f64)
}

/// Totals over the whole audit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Reported objects.
    pub objects: usize,
    /// Reported objects by outcome.
    pub outcomes: OutcomeCounts,
    /// Live pods against the restricted rule.
    pub pods: PodSummary,
    /// Privileged containers in reported objects.
    pub privileged_containers: usize,
    /// Legacy annotations in reported objects.
    pub legacy_annotations: usize,
    /// Failed list requests.
    pub errors: usize,
}

/// Where the audit ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditTarget {
    /// API server URL.
    pub server: String,
    /// Kubeconfig context (`in-cluster` for the service account).
    pub context: String,
    /// Where the settings came from (kubeconfig file, `KUBECONFIG`, in-cluster).
    pub config_source: String,
    /// Namespace audited, absent for all namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Where it ran.
    pub scope: AuditTarget,
    /// Totals.
    pub summary: Summary,
    /// Reported objects, by namespace, kind (owners first), name.
    pub objects: Vec<WorkloadReport>,
    /// Failed list requests.
    pub errors: Vec<ListError>,
}

impl Report {
    /// Sorts the objects and computes the summary.
    pub fn new(
        scope: AuditTarget,
        mut objects: Vec<WorkloadReport>,
        pods: PodSummary,
        errors: Vec<ListError>,
    ) -> Report {
        objects.sort_by(|a, b| {
            (a.namespace.as_str(), kind_rank(&a.kind), a.name.as_str()).cmp(&(
                b.namespace.as_str(),
                kind_rank(&b.kind),
                b.name.as_str(),
            ))
        });
        let mut summary = Summary {
            objects: objects.len(),
            pods,
            errors: errors.len(),
            ..Summary::default()
        };
        for object in &objects {
            summary.outcomes.bump(object.outcome);
            summary.privileged_containers +=
                object.containers.iter().filter(|c| c.privileged).count();
            summary.legacy_annotations += object.legacy_annotations.len();
        }
        Report {
            scope,
            summary,
            objects,
            errors,
        }
    }

    /// 2 when a list failed, 1 when something would change or must be fixed, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.summary.outcomes.would_change + self.summary.outcomes.non_compliant > 0 {
            1
        } else {
            0
        }
    }
}

/// Listing order of kinds (owners first), unknown kinds last.
fn kind_rank(kind: &str) -> usize {
    crate::resources::RESOURCES
        .iter()
        .position(|r| r.kind == kind)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(namespace: &str, kind: &str, name: &str, outcome: Verdict) -> WorkloadReport {
        WorkloadReport {
            namespace: namespace.to_owned(),
            kind: kind.to_owned(),
            api_version: "v1".to_owned(),
            name: name.to_owned(),
            outcome,
            passes_restricted: outcome == Verdict::Compliant,
            passes_restricted_after_fix: outcome != Verdict::NonCompliant,
            pods: PodCount::default(),
            containers: Vec::new(),
            legacy_annotations: BTreeMap::new(),
            records: Vec::new(),
            patch: json_patch::Patch(Vec::new()),
        }
    }

    fn scope() -> AuditTarget {
        AuditTarget {
            server: "https://x".to_owned(),
            context: "c".to_owned(),
            config_source: "f".to_owned(),
            namespace: None,
        }
    }

    fn error() -> ListError {
        ListError {
            verb: "list",
            resource: "pods".to_owned(),
            namespace: None,
            status: Some(403),
            message: "forbidden".to_owned(),
            fatal: false,
        }
    }

    #[test]
    fn objects_sort_by_namespace_then_owner_kind_then_name() {
        let objects = vec![
            object("b", "Pod", "a", Verdict::Compliant),
            object("a", "Pod", "z", Verdict::Compliant),
            object("a", "Deployment", "y", Verdict::Compliant),
            object("a", "CronJob", "x", Verdict::Compliant),
            object("a", "Pod", "m", Verdict::Compliant),
        ];
        let report = Report::new(scope(), objects, PodSummary::default(), Vec::new());
        let order: Vec<String> = report
            .objects
            .iter()
            .map(|o| format!("{}/{}/{}", o.namespace, o.kind, o.name))
            .collect();
        assert_eq!(
            order,
            [
                "a/CronJob/x",
                "a/Deployment/y",
                "a/Pod/m",
                "a/Pod/z",
                "b/Pod/a"
            ]
        );
    }

    #[test]
    fn exit_code_ranks_errors_over_changes_over_compliance() {
        let clean = vec![
            object("a", "Pod", "p", Verdict::Compliant),
            object("a", "Pod", "w", Verdict::Skipped),
        ];
        assert_eq!(
            Report::new(scope(), clean.clone(), PodSummary::default(), Vec::new()).exit_code(),
            0
        );
        for outcome in [Verdict::WouldChange, Verdict::NonCompliant] {
            let mut objects = clean.clone();
            objects.push(object("a", "Pod", "x", outcome));
            let report = Report::new(scope(), objects.clone(), PodSummary::default(), Vec::new());
            assert_eq!(report.exit_code(), 1);
            assert_eq!(report.summary.outcomes.get(outcome), 1);
            let report = Report::new(scope(), objects, PodSummary::default(), vec![error()]);
            assert_eq!(report.exit_code(), 2);
        }
    }

    #[test]
    fn shares_are_percentages_and_full_without_pods() {
        let pods = PodSummary {
            listed: 8,
            pass_restricted: 2,
            pass_restricted_after_fix: 6,
        };
        assert!((pods.share_now() - 25.0).abs() < 1e-9);
        assert!((pods.share_after_fix() - 75.0).abs() < 1e-9);
        assert!((PodSummary::default().share_now() - 100.0).abs() < 1e-9);
    }
}

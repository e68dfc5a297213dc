//! One listed object → its report entry, using the core's plan.
use seccomp_core::{
    effective_profiles, is_legacy_annotation, passes_restricted_seccomp, Code, Plan, Policy,
    Severity,
};
use serde_json::Value;

use crate::report::{PodCount, Verdict, WorkloadReport};

/// The report entry of `object` (a listed object with `apiVersion` and `kind`
/// set), or `None` when its kind carries no pod.
pub fn evaluate(object: &Value, policy: &Policy) -> Option<WorkloadReport> {
    let site = seccomp_core::locate(object, policy).into_iter().next()?;
    let pod = site.pod?;
    let spec = object.pointer(pod.spec.as_str()).unwrap_or(&Value::Null);
    let plan = seccomp_core::plan(object, policy);
    let now = passes_restricted_seccomp(spec);
    let after = match plan.apply(object) {
        Ok(fixed) => fixed
            .pointer(pod.spec.as_str())
            .is_some_and(passes_restricted_seccomp),
        Err(_) => now,
    };
    let legacy_annotations = object
        .pointer(pod.annotations().as_str())
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter(|(key, _)| is_legacy_annotation(key))
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let meta = |key: &str| {
        object
            .pointer(&format!("/metadata/{key}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(WorkloadReport {
        namespace: meta("namespace"),
        kind: site.kind,
        api_version: site.api_version,
        name: meta("name"),
        outcome: outcome(&plan, now),
        passes_restricted: now,
        passes_restricted_after_fix: after,
        pods: PodCount::default(),
        containers: effective_profiles(spec),
        legacy_annotations,
        records: plan.records,
        patch: plan.patch,
    })
}

fn outcome(plan: &Plan, passes_now: bool) -> Verdict {
    let has = |code: Code| plan.records.iter().any(|r| r.code == code);
    if has(Code::SkippedWindows) || has(Code::SkippedOptOut) {
        Verdict::Skipped
    } else if plan.changes().next().is_some() {
        Verdict::WouldChange
    } else if !passes_now || plan.worst_finding() == Some(Severity::Error) {
        Verdict::NonCompliant
    } else {
        Verdict::Compliant
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use seccomp_core::{CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION};
    use serde_json::json;

    fn pod(spec: Value, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "annotations": annotations}, "spec": spec})
    }

    #[test]
    fn unset_profile_would_change_and_pass_after_the_fix() {
        let report = evaluate(
            &pod(json!({"containers": [{"name": "app"}]}), json!({})),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(report.outcome, Verdict::WouldChange);
        assert!(!report.passes_restricted);
        assert!(report.passes_restricted_after_fix);
        assert_eq!(
            (report.namespace.as_str(), report.name.as_str()),
            ("ns", "p")
        );
        assert!(report
            .records
            .iter()
            .any(|r| r.code == Code::PodProfileDefaulted));
    }

    #[test]
    fn explicit_unconfined_is_non_compliant_and_stays_failing() {
        let spec = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]});
        let report = evaluate(&pod(spec, json!({})), &Policy::default()).unwrap();
        assert_eq!(report.outcome, Verdict::NonCompliant);
        assert!(!report.passes_restricted_after_fix);
    }

    #[test]
    fn legacy_annotations_are_listed() {
        let spec = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app"}]});
        let container_key = format!("{CONTAINER_ANNOTATION_PREFIX}app");
        let annotations = json!({POD_ANNOTATION: "runtime/default", "team": "x",
            container_key.as_str(): "runtime/default"});
        let report = evaluate(&pod(spec, annotations), &Policy::default()).unwrap();
        assert_eq!(report.legacy_annotations.len(), 2);
        assert_eq!(report.legacy_annotations[POD_ANNOTATION], "runtime/default");
        assert_eq!(report.outcome, Verdict::WouldChange);
        assert!(report.passes_restricted);
    }

    #[test]
    fn compliant_and_skipped_objects() {
        let spec = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app"}]});
        let report = evaluate(&pod(spec, json!({})), &Policy::default()).unwrap();
        assert_eq!(report.outcome, Verdict::Compliant);
        let windows = json!({"os": {"name": "windows"}, "containers": [{"name": "iis"}]});
        let report = evaluate(&pod(windows, json!({})), &Policy::default()).unwrap();
        assert_eq!(report.outcome, Verdict::Skipped);
    }

    /// Regression: the audit's own reader listed init containers first; the
    /// report now follows the core's order (`containers` first), as the
    /// records do.
    #[test]
    fn containers_are_listed_in_the_cores_order() {
        let spec = json!({"initContainers": [{"name": "init"}],
            "containers": [{"name": "app"}], "ephemeralContainers": [{"name": "debug"}]});
        let report = evaluate(&pod(spec, json!({})), &Policy::default()).unwrap();
        let names: Vec<&str> = report.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["app", "init", "debug"]);
    }

    /// The skip rule and Pod Security disagree on a pod marked Windows only
    /// by its nodeSelector: skipped, yet failing `restricted` as PodSecurity
    /// would judge it (the share counts it as failing).
    #[test]
    fn a_node_selector_windows_pod_is_skipped_but_fails_restricted() {
        let by_selector = json!({"nodeSelector": {"kubernetes.io/os": "windows"},
            "containers": [{"name": "iis"}]});
        let report = evaluate(&pod(by_selector, json!({})), &Policy::default()).unwrap();
        assert_eq!(report.outcome, Verdict::Skipped);
        assert!(!report.passes_restricted);
        assert!(!report.passes_restricted_after_fix);
        let by_os = json!({"os": {"name": "windows"}, "containers": [{"name": "iis"}]});
        let report = evaluate(&pod(by_os, json!({})), &Policy::default()).unwrap();
        assert_eq!(report.outcome, Verdict::Skipped);
        assert!(report.passes_restricted);
    }

    #[test]
    fn kinds_without_pods_are_not_reported() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert!(evaluate(&cm, &Policy::default()).is_none());
    }
}

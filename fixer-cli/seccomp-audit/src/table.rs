//! The human-readable report: objects grouped by namespace, then a summary.
use std::fmt::Write;

use seccomp_core::{Code, EffectiveProfile, ProfileSource};

use crate::report::{Report, Verdict, WorkloadReport};

/// Renders the whole report as text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let scope = match &report.scope.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_owned(),
    };
    let _ = writeln!(
        out,
        "seccomp audit of {} (context {} from {}), {scope}",
        report.scope.server, report.scope.context, report.scope.config_source
    );
    if report.objects.is_empty() {
        out.push_str("\nno pods or workloads found\n");
    }
    let mut start = 0;
    while start < report.objects.len() {
        let namespace = &report.objects[start].namespace;
        let end = report.objects[start..]
            .iter()
            .position(|o| &o.namespace != namespace)
            .map_or(report.objects.len(), |n| start + n);
        namespace_block(&mut out, namespace, &report.objects[start..end]);
        start = end;
    }
    summary(&mut out, report);
    out
}

fn namespace_block(out: &mut String, namespace: &str, objects: &[WorkloadReport]) {
    let label = if namespace.is_empty() {
        "(cluster scope)"
    } else {
        namespace
    };
    let _ = writeln!(out, "\nNAMESPACE {label}");
    let names: Vec<String> = objects
        .iter()
        .map(|o| format!("{}/{}", o.kind, o.name))
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max("OBJECT".len());
    let _ = writeln!(
        out,
        "  {:<width$}  {:<13}  {:<22}  PODS PASSING",
        "OBJECT", "OUTCOME", "RESTRICTED"
    );
    for (object, name) in objects.iter().zip(&names) {
        let restricted = match (object.passes_restricted, object.passes_restricted_after_fix) {
            (true, _) => "pass",
            (false, true) => "fail (pass after fix)",
            (false, false) => "fail",
        };
        let pods = if object.pods.listed == 0 {
            "-".to_owned()
        } else {
            format!("{}/{}", object.pods.pass_restricted, object.pods.listed)
        };
        let _ = writeln!(
            out,
            "  {name:<width$}  {:<13}  {restricted:<22}  {pods}",
            object.outcome.as_str()
        );
        details(out, object);
    }
}

fn details(out: &mut String, object: &WorkloadReport) {
    // A Windows pod has no seccomp at all: "unset (Unconfined …)" would mislead.
    let windows = object
        .records
        .iter()
        .any(|r| r.code == Code::SkippedWindows);
    if !windows {
        for container in &object.containers {
            let privileged = if container.privileged {
                "  [privileged: seccomp does not apply]"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "      {}: {}{privileged}",
                container.name,
                describe(container)
            );
        }
    }
    for (key, value) in &object.legacy_annotations {
        let _ = writeln!(out, "      legacy annotation {key}: {value}");
    }
    for record in &object.records {
        let label = if record.is_change() {
            "change"
        } else {
            record.severity.as_str()
        };
        let _ = writeln!(out, "      {label}: {}: {}", record.code, record.message);
    }
}

/// One container's profile for the table: type (and path), and where it comes from.
fn describe(container: &EffectiveProfile) -> String {
    let profile = match (&container.profile, &container.localhost_profile) {
        (None, _) => {
            return "unset (Unconfined at runtime unless the kubelet's --seccomp-default is on)"
                .to_owned()
        }
        (Some(kind), Some(path)) => format!("{kind} {path}"),
        (Some(kind), None) => kind.clone(),
    };
    let source = match container.source {
        ProfileSource::Container => "container level",
        ProfileSource::Pod | ProfileSource::Unset => "pod level",
    };
    format!("{profile} ({source})")
}

fn summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    let outcomes: Vec<String> = Verdict::ALL
        .iter()
        .map(|o| format!("{} {}", o.as_str(), s.outcomes.get(*o)))
        .collect();
    let _ = writeln!(out, "\nSUMMARY");
    let _ = writeln!(out, "  objects: {} ({})", s.objects, outcomes.join(", "));
    let _ = writeln!(
        out,
        "  pods: {} listed, {} ({:.1}%) pass the Pod Security Standards restricted seccomp rule, \
         {} ({:.1}%) would after seccomp-fix / the webhook",
        s.pods.listed,
        s.pods.pass_restricted,
        s.pods.share_now(),
        s.pods.pass_restricted_after_fix,
        s.pods.share_after_fix()
    );
    let _ = writeln!(
        out,
        "  privileged containers: {} (seccomp does not apply to them)",
        s.privileged_containers
    );
    let _ = writeln!(
        out,
        "  legacy seccomp annotations: {}",
        s.legacy_annotations
    );
    let _ = writeln!(out, "  errors: {}", s.errors);
    for error in &report.errors {
        let _ = writeln!(out, "    {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seccomp_core::ContainerKind;

    fn profile(
        profile: Option<&str>,
        path: Option<&str>,
        source: ProfileSource,
    ) -> EffectiveProfile {
        EffectiveProfile {
            name: "app".to_owned(),
            kind: ContainerKind::Regular,
            profile: profile.map(str::to_owned),
            localhost_profile: path.map(str::to_owned),
            source,
            privileged: false,
        }
    }

    #[test]
    fn containers_are_described_with_their_profile_and_its_level() {
        let inherited = profile(Some("RuntimeDefault"), None, ProfileSource::Pod);
        assert_eq!(describe(&inherited), "RuntimeDefault (pod level)");
        let own = profile(
            Some("Localhost"),
            Some("p/a.json"),
            ProfileSource::Container,
        );
        assert_eq!(describe(&own), "Localhost p/a.json (container level)");
        let unset = profile(None, None, ProfileSource::Unset);
        assert!(describe(&unset).starts_with("unset (Unconfined at runtime"));
    }
}

//! Checks of a chart's rendering written from the Kubernetes API, not from
//! the fixer: where each kind keeps its pod, whether it has a seccomp
//! profile, and that a fix changed nothing but seccomp fields.

use serde_json::Value;

/// The pod spec of a built-in pod-bearing object.
pub fn pod_spec(object: &Value) -> Option<&Value> {
    match object["kind"].as_str()? {
        "Pod" => object.get("spec"),
        "CronJob" => object.pointer("/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => object.pointer("/spec/template/spec"),
        _ => None,
    }
}

/// `Kind/name` of every pod without a pod-level RuntimeDefault profile.
pub fn pods_without_seccomp(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| {
            pod_spec(o).is_some_and(|spec| {
                spec.pointer("/securityContext/seccompProfile/type")
                    != Some(&Value::String("RuntimeDefault".into()))
            })
        })
        .map(|o| format!("{}/{}", o["kind"], o["metadata"]["name"]))
        .collect()
}

/// Every pointer where `a` and `b` differ.
pub fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => differences(v, w, &child, out),
                    _ => out.push(child),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, &format!("{at}/{i}"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(at.to_owned()),
    }
}

/// Whether a changed pointer is a seccomp field: a pod or container
/// `securityContext` (added) or its `seccompProfile`, or a legacy seccomp
/// annotation (or the annotations map it emptied).
fn is_seccomp_field(pointer: &str, before: &Value) -> bool {
    pointer.ends_with("/securityContext/seccompProfile")
        || (pointer.ends_with("/securityContext") && before.pointer(pointer).is_none())
        || pointer.contains("/annotations/seccomp.security.alpha.kubernetes.io~1")
        || pointer.contains("/annotations/container.seccomp.security.alpha.kubernetes.io~1")
        || (pointer.ends_with("/annotations")
            && before.pointer(pointer).is_some_and(|a| {
                a.as_object().is_some_and(|m| {
                    m.keys()
                        .all(|k| k.contains("seccomp.security.alpha.kubernetes.io/"))
                })
            }))
}

/// The changes between two renderings that are not seccomp fields, leaving
/// out `noise` (pointers that differ between two renders of the same chart).
pub fn non_seccomp_changes(before: &[Value], after: &[Value], noise: &[String]) -> Vec<String> {
    if before.len() != after.len() {
        return vec![format!("{} objects became {}", before.len(), after.len())];
    }
    let mut out = Vec::new();
    for (i, (a, b)) in before.iter().zip(after).enumerate() {
        let mut diffs = Vec::new();
        differences(a, b, "", &mut diffs);
        for d in diffs {
            let key = format!("{i}{d}");
            if !is_seccomp_field(&d, a) && !noise.contains(&key) {
                out.push(format!("{}/{}: {d}", a["kind"], a["metadata"]["name"]));
            }
        }
    }
    out
}

/// Pointers (prefixed with the object index) that differ between two
/// renderings of the same chart (`randAlphaNum`, `genCA`, `now`).
pub fn noise(first: &[Value], second: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (a, b)) in first.iter().zip(second).enumerate() {
        let mut diffs = Vec::new();
        differences(a, b, "", &mut diffs);
        out.extend(diffs.into_iter().map(|d| format!("{i}{d}")));
    }
    out
}

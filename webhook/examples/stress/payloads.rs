//! The AdmissionReview bodies of the attacks, at the sizes issue 10 lists.

use serde_json::{json, Map, Value};

pub const LEGACY_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub fn review(uid: &str, kind: (&str, &str), object: &Value) -> Vec<u8> {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": uid, "kind": {"group": kind.0, "version": "v1", "kind": kind.1},
            "resource": {"group": kind.0, "version": "v1", "resource": "x"},
            "namespace": "stress", "operation": "CREATE", "object": object}})
    .to_string()
    .into_bytes()
}

fn pod(containers: Vec<Value>, annotations: Map<String, Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "attack", "namespace": "stress", "annotations": annotations},
        "spec": {"containers": containers}})
}

/// The well-formed review the probe sends: the benchmark Deployment (5 KB).
pub fn normal(deployment: &Value) -> Vec<u8> {
    review("probe", ("apps", "Deployment"), deployment)
}

/// A Pod with `n` empty containers (1M: a 2.9 MiB review).
pub fn empty_containers(n: usize) -> Vec<u8> {
    review(
        "containers",
        ("", "Pod"),
        &pod(vec![json!({}); n], Map::new()),
    )
}

/// A Pod with `n` empty annotations (500k: about 6 MiB).
pub fn annotations(n: usize) -> Vec<u8> {
    let map = (0..n).map(|i| (format!("a{i}"), json!(""))).collect();
    review(
        "annotations",
        ("", "Pod"),
        &pod(vec![json!({"name": "c"})], map),
    )
}

/// A Pod with `n` containers, each with a legacy container annotation.
pub fn legacy_containers(n: usize) -> Vec<u8> {
    let mut map = Map::new();
    let containers = (0..n)
        .map(|i| {
            map.insert(format!("{LEGACY_PREFIX}c{i}"), json!("runtime/default"));
            json!({"name": format!("c{i}")})
        })
        .collect();
    review("legacy", ("", "Pod"), &pod(containers, map))
}

/// A valid review padded to `size` bytes with one long annotation.
pub fn padded(size: usize) -> Vec<u8> {
    let base = review(
        "large",
        ("", "Pod"),
        &pod(vec![json!({"name": "c"})], Map::new()),
    )
    .len();
    let mut map = Map::new();
    map.insert(
        "pad".into(),
        json!("x".repeat(size.saturating_sub(base + 16))),
    );
    review("large", ("", "Pod"), &pod(vec![json!({"name": "c"})], map))
}

//! AdmissionReview requests as the API server sends them, and the API server's
//! side of the answer: base64 → JSON Patch → applied to the request object.

use base64::Engine as _;
use serde_json::{json, Value};

pub struct Gvk {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub resource: &'static str,
}

pub const POD: Gvk = Gvk {
    group: "",
    version: "v1",
    kind: "Pod",
    resource: "pods",
};
pub const DEPLOYMENT: Gvk = Gvk {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    resource: "deployments",
};
pub const CRONJOB: Gvk = Gvk {
    group: "batch",
    version: "v1",
    kind: "CronJob",
    resource: "cronjobs",
};

/// A review of `object` for `gvk`, as the API server sends it.
pub fn review(
    uid: &str,
    gvk: &Gvk,
    operation: &str,
    sub_resource: Option<&str>,
    object: &Value,
) -> Value {
    let kind = json!({"group": gvk.group, "version": gvk.version, "kind": gvk.kind});
    let resource = json!({"group": gvk.group, "version": gvk.version, "resource": gvk.resource});
    envelope(uid, kind, resource, operation, sub_resource, object)
}

/// A CREATE review of `object`, its kind taken from the object's `apiVersion`
/// and `kind` (the resource: the kind in lower case plus `s`).
pub fn review_of(uid: &str, object: &Value) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap();
    let resource = format!("{}s", kind.to_lowercase());
    envelope(
        uid,
        json!({"group": group, "version": version, "kind": kind}),
        json!({"group": group, "version": version, "resource": resource}),
        "CREATE",
        None,
        object,
    )
}

fn envelope(
    uid: &str,
    kind: Value,
    resource: Value,
    operation: &str,
    sub_resource: Option<&str>,
    object: &Value,
) -> Value {
    let mut request = json!({
        "uid": uid,
        "kind": kind,
        "resource": resource,
        "requestKind": kind,
        "requestResource": resource,
        "name": object["metadata"]["name"],
        "namespace": "team-a",
        "operation": operation,
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": if operation == "UPDATE" { object.clone() } else { Value::Null },
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": format!("{}Options", title(operation))},
    });
    if let Some(sub) = sub_resource {
        request["subResource"] = json!(sub);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

fn title(op: &str) -> String {
    let lower = op.to_lowercase();
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn body(review: &Value) -> Vec<u8> {
    serde_json::to_vec(review).unwrap()
}

fn containers() -> Value {
    json!([{"name": "app", "image": "registry.example/app:1.2.3",
            "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}])
}

pub fn pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "team-a", "labels": {"app": "web"}},
        "spec": {"containers": containers()}
    })
}

pub fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "team-a"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": containers(), "securityContext": {"runAsNonRoot": true}}
            }
        }
    })
}

pub fn cronjob() -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "team-a"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {
            "spec": {"restartPolicy": "OnFailure", "containers": containers()}
        }}}}
    })
}

/// A pod still carrying the deprecated seccomp annotations (§3).
pub fn legacy_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "legacy", "namespace": "team-a", "annotations": {
            "team": "payments",
            "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/app": "localhost/profiles/app.json"
        }},
        "spec": {"containers": containers()}
    })
}

pub fn windows_pod() -> Value {
    let mut p = pod();
    p["spec"]["os"] = json!({"name": "windows"});
    p
}

/// The API server's handling of a response: checks the envelope, decodes the patch
/// (if any) and applies it to `object`.
pub fn apply_response(response: &Value, uid: &str, object: &Value) -> Value {
    assert_eq!(response["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(response["kind"], "AdmissionReview");
    let r = &response["response"];
    assert_eq!(r["uid"], uid);
    assert_eq!(r["allowed"], true);
    let mut out = object.clone();
    match (r.get("patchType"), r.get("patch")) {
        (None, None) => {}
        (Some(t), Some(p)) => {
            assert_eq!(t, "JSONPatch");
            let raw = base64::engine::general_purpose::STANDARD
                .decode(p.as_str().unwrap())
                .unwrap();
            let patch: json_patch::Patch = serde_json::from_slice(&raw).unwrap();
            assert!(
                !patch.0.is_empty(),
                "a patchType must come with a non-empty patch"
            );
            json_patch::patch(&mut out, &patch).unwrap();
        }
        other => panic!("patchType and patch must come together: {other:?}"),
    }
    out
}

pub fn warnings(response: &Value) -> Vec<String> {
    response["response"]["warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

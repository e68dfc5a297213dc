//! AdmissionReview `admission.k8s.io/v1` on the wire.
//!
//! The request is read into small serde types that keep the object as a raw
//! `serde_json::Value` (so the patch is computed against exactly what the API
//! server sent, and an odd object is still answered). The response JSON is built
//! here too: kube-rs' `AdmissionResponse` serialises the patch as a number array
//! (kube-rs #1781) while the API server wants a base64 string.

use base64::Engine as _;
use seccomp_core::Policy;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Why a body is not an answerable AdmissionReview (answered with 400).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("body is not valid JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("body is not an AdmissionReview: {0}")]
    NotReview(serde_json::Error),
    #[error(
        "expected apiVersion {API_VERSION:?} and kind \"AdmissionReview\", got {0:?} and {1:?}"
    )]
    WrongType(String, String),
    #[error("AdmissionReview has no request")]
    NoRequest,
    #[error("AdmissionReview request has no uid")]
    NoUid,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review<'a> {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(borrow)]
    request: Option<WireRequest<'a>>,
}

/// The request as read from the body: the object stays raw text until
/// [`parse`] keeps only what the core reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest<'a> {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    kind: GroupVersionKind,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    operation: String,
    #[serde(default, borrow)]
    object: Option<&'a RawValue>,
    #[serde(default)]
    dry_run: Option<bool>,
}

/// Keys of the object the webhook itself reads, beyond what the core plans with.
const WEBHOOK_KEYS: &[&str] = &["deletionTimestamp", "generateName"];

/// The fields of `AdmissionRequest` the webhook uses.
#[derive(Debug)]
pub struct Request {
    pub uid: String,
    pub kind: GroupVersionKind,
    pub sub_resource: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub operation: String,
    /// The object, reduced to the keys the core and the webhook read
    /// ([`seccomp_core::parse_relevant`]): for planning, not for applying.
    pub object: Option<Value>,
    pub dry_run: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// Parses a request body. Only the envelope must be right; the object may be anything.
/// The object is only half parsed: the parts the core never reads (managedFields,
/// env, volumes…) are skipped without being built.
pub fn parse(body: &[u8], policy: &Policy) -> Result<Request, ReviewError> {
    let review: Review = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ReviewError::NotReview(e),
        _ => ReviewError::NotJson(e),
    })?;
    if review.api_version != API_VERSION || review.kind != "AdmissionReview" {
        return Err(ReviewError::WrongType(review.api_version, review.kind));
    }
    let wire = review.request.ok_or(ReviewError::NoRequest)?;
    if wire.uid.is_empty() {
        return Err(ReviewError::NoUid);
    }
    let object = match wire.object {
        None => None,
        Some(raw) => Some(
            seccomp_core::parse_relevant(raw.get(), policy, WEBHOOK_KEYS)
                .map_err(ReviewError::NotJson)?,
        ),
    };
    Ok(Request {
        uid: wire.uid,
        kind: wire.kind,
        sub_resource: wire.sub_resource,
        name: wire.name,
        namespace: wire.namespace,
        operation: wire.operation,
        object: object.filter(|o| !o.is_null()),
        dry_run: wire.dry_run,
    })
}

/// What the webhook answers for one request (always `allowed: true`).
#[derive(Debug, Default)]
pub struct Answer {
    /// Serialised RFC 6902 patch; `None` when there is nothing to change.
    pub patch: Option<Vec<u8>>,
    pub warnings: Vec<String>,
    pub audit_annotations: Vec<(String, String)>,
}

/// The response AdmissionReview as bytes. `patchType` is only present with a patch.
pub fn respond(uid: &str, answer: &Answer) -> Vec<u8> {
    let mut response = Map::new();
    response.insert("uid".into(), Value::from(uid));
    response.insert("allowed".into(), Value::Bool(true));
    if let Some(patch) = &answer.patch {
        response.insert("patchType".into(), Value::from("JSONPatch"));
        let encoded = base64::engine::general_purpose::STANDARD.encode(patch);
        response.insert("patch".into(), Value::from(encoded));
    }
    if !answer.warnings.is_empty() {
        response.insert("warnings".into(), json!(answer.warnings));
    }
    if !answer.audit_annotations.is_empty() {
        let map: Map<String, Value> = answer
            .audit_annotations
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        response.insert("auditAnnotations".into(), Value::Object(map));
    }
    let review = json!({
        "apiVersion": API_VERSION,
        "kind": "AdmissionReview",
        "response": Value::Object(response),
    });
    // Serialising a Value built from strings and maps cannot fail.
    serde_json::to_vec(&review).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_a_minimal_review() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
            "request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},
            "operation":"CREATE","object":{"kind":"Pod","x":1},"dryRun":true}}"#;
        let r = parse(body, &Policy::default()).unwrap();
        assert_eq!(r.uid, "u1");
        assert_eq!(r.kind.kind, "Pod");
        assert_eq!(r.operation, "CREATE");
        assert_eq!(r.dry_run, Some(true));
        // Only what the core reads is kept.
        assert_eq!(r.object, Some(json!({"kind":"Pod"})));
    }

    #[test]
    fn rejects_bad_envelopes_with_reasons() {
        let cases: &[(&[u8], &str)] = &[
            (b"not json", "not valid JSON"),
            (b"[1,2]", "not an AdmissionReview"),
            (br#"{"apiVersion":"v1","kind":"Pod"}"#, "expected apiVersion"),
            (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "no request"),
            (
                br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}"#,
                "no uid",
            ),
            (
                br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}"#,
                "not an AdmissionReview",
            ),
        ];
        for (body, want) in cases {
            let err = parse(body, &Policy::default()).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }

    #[test]
    fn response_without_patch_has_no_patch_type() {
        let v: Value = serde_json::from_slice(&respond("u", &Answer::default())).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion":API_VERSION,"kind":"AdmissionReview","response":{"uid":"u","allowed":true}})
        );
    }

    #[test]
    fn response_patch_is_base64_json() {
        let answer = Answer {
            patch: Some(br#"[{"op":"add","path":"/a","value":1}]"#.to_vec()),
            warnings: vec!["w".into()],
            audit_annotations: vec![("k".into(), "v".into())],
        };
        let v: Value = serde_json::from_slice(&respond("u", &answer)).unwrap();
        let r = &v["response"];
        assert_eq!(r["patchType"], "JSONPatch");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(r["patch"].as_str().unwrap())
            .unwrap();
        assert_eq!(decoded, answer.patch.unwrap());
        assert_eq!(r["warnings"], json!(["w"]));
        assert_eq!(r["auditAnnotations"], json!({"k":"v"}));
    }
}

//! AdmissionReview `admission.k8s.io/v1` on the wire.
//!
//! The request is read in one pass by small serde visitors; the object keeps
//! only the keys the core reads (`seccomp_core::RelevantKeys`), enough to plan
//! a patch against what the API server sent, and an odd object is still
//! answered. The response JSON is built here too: kube-rs' `AdmissionResponse`
//! serialises the patch as a number array (kube-rs #1781) while the API server
//! wants a base64 string.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use seccomp_core::{Exceeded, Limits, Policy, RelevantKeys};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Why a body is not an answerable AdmissionReview (answered with 400).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("body is not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("body is not an AdmissionReview: {0}")]
    NotReview(#[source] serde_json::Error),
    #[error(
        "expected apiVersion {API_VERSION:?} and kind \"AdmissionReview\", got {0:?} and {1:?}"
    )]
    WrongType(String, String),
    #[error("AdmissionReview has no request")]
    NoRequest,
    #[error("AdmissionReview request has no uid")]
    NoUid,
}

/// Keys of the object the webhook itself reads, beyond what the core plans with.
const WEBHOOK_KEYS: &[&str] = &["deletionTimestamp", "generateName"];

/// The object keys [`parse`] keeps under `policy` (built once per policy load).
pub fn relevant_keys(policy: &Policy) -> RelevantKeys {
    RelevantKeys::new(policy, WEBHOOK_KEYS)
}

/// What the server parses with: [`relevant_keys`] within the per-request caps
/// `limits` (the resource model's `Limits::DEFAULT`).
pub fn server_keys(policy: &Policy, limits: Limits) -> RelevantKeys {
    relevant_keys(policy).with_limits(limits)
}

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
    /// ([`seccomp_core::RelevantKeys`]): for planning, not for applying.
    pub object: Option<Value>,
    /// The first cap of [`seccomp_core::Limits`] the object went over; `object`
    /// is then incomplete and must not be planned.
    pub exceeded: Option<Exceeded>,
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
/// One pass over the bytes, and the object is only half built: the parts the
/// core never reads (managedFields, env, volumes…) are skipped without allocation.
pub fn parse(body: &[u8], keys: &RelevantKeys) -> Result<Request, ReviewError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let review = ReviewSeed(keys)
        .deserialize(&mut de)
        .and_then(|review| de.end().map(|()| review))
        .map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ReviewError::NotReview(e),
            _ => ReviewError::NotJson(e),
        })?;
    if review.api_version != API_VERSION || review.kind != "AdmissionReview" {
        return Err(ReviewError::WrongType(review.api_version, review.kind));
    }
    let request = review.request.ok_or(ReviewError::NoRequest)?;
    if request.uid.is_empty() {
        return Err(ReviewError::NoUid);
    }
    Ok(request)
}

/// The envelope: `apiVersion`, `kind`, `request`.
struct Review {
    api_version: String,
    kind: String,
    request: Option<Request>,
}

struct ReviewSeed<'k>(&'k RelevantKeys);

impl<'de> DeserializeSeed<'de> for ReviewSeed<'_> {
    type Value = Review;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Review, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ReviewSeed<'_> {
    type Value = Review;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an AdmissionReview object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Review, A::Error> {
        let mut review = Review {
            api_version: String::new(),
            kind: String::new(),
            request: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "apiVersion" => review.api_version = map.next_value()?,
                "kind" => review.kind = map.next_value()?,
                "request" => review.request = map.next_value_seed(OptionalRequest(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(review)
    }
}

/// `request`, which may be `null`.
struct OptionalRequest<'k>(&'k RelevantKeys);

impl<'de> DeserializeSeed<'de> for OptionalRequest<'_> {
    type Value = Option<Request>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalRequest<'_> {
    type Value = Option<Request>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an AdmissionRequest object or null")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut request = Request {
            uid: String::new(),
            kind: GroupVersionKind::default(),
            sub_resource: None,
            name: None,
            namespace: None,
            operation: String::new(),
            object: None,
            exceeded: None,
            dry_run: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "uid" => request.uid = map.next_value::<Option<String>>()?.unwrap_or_default(),
                "kind" => request.kind = map.next_value::<Option<_>>()?.unwrap_or_default(),
                "subResource" => request.sub_resource = map.next_value()?,
                "name" => request.name = map.next_value()?,
                "namespace" => request.namespace = map.next_value()?,
                "operation" => {
                    request.operation = map.next_value::<Option<String>>()?.unwrap_or_default()
                }
                "object" => {
                    let pruned = map.next_value_seed(self.0.seed())?;
                    request.object = Some(pruned.value).filter(|o| !o.is_null());
                    request.exceeded = pruned.exceeded;
                }
                "dryRun" => request.dry_run = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(request))
    }
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
    let patch = answer
        .patch
        .as_ref()
        .map(|p| base64::engine::general_purpose::STANDARD.encode(p));
    let review = ResponseReview {
        api_version: API_VERSION,
        kind: "AdmissionReview",
        response: Response {
            uid,
            allowed: true,
            patch_type: patch.as_ref().map(|_| "JSONPatch"),
            patch,
            warnings: &answer.warnings,
            audit_annotations: answer
                .audit_annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        },
    };
    // Serialising plain strings, booleans and maps cannot fail.
    serde_json::to_vec(&review).unwrap_or_default()
}

/// The response on the wire, serialised straight from borrowed parts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseReview<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: Response<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    uid: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    audit_annotations: BTreeMap<&'a str, &'a str>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_minimal_review() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
            "request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},
            "operation":"CREATE","object":{"kind":"Pod","x":1},"dryRun":true}}"#;
        let r = parse(body, &relevant_keys(&Policy::default())).unwrap();
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
            let err = parse(body, &relevant_keys(&Policy::default()))
                .unwrap_err()
                .to_string();
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

//! Property tests: no body a client can send makes the request path panic.
//! Bodies are valid reviews with their bytes cut, flipped or spliced, and
//! reviews whose object is arbitrary JSON; each must be refused (`Err`) or
//! answered with `allowed: true` by the same functions the HTTP handler calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use seccomp_core::Policy;
use serde_json::{json, Value};

use crate::admission::{admit, MutatedKinds};
use crate::review::{parse, relevant_keys, respond};

fn review(object: Value, operation: &str, kind: &str) -> Vec<u8> {
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "apps", "version": "v1", "kind": kind},
                    "operation": operation, "object": object}
    })
    .to_string()
    .into_bytes()
}

fn deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d",
        "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
        "spec": {"template": {"metadata": {"annotations": {"container.seccomp.security.alpha.kubernetes.io/a": "unconfined"}},
        "spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}}})
}

/// The handler's path without the network: parse, admit, respond.
fn answer(body: &[u8]) {
    let policy = Policy::default();
    if let Ok(request) = parse(body, &relevant_keys(&policy)) {
        let decision = admit(&request, &policy, MutatedKinds::default());
        let response: Value =
            serde_json::from_slice(&respond(&request.uid, &decision.answer)).unwrap();
        assert_eq!(response["response"]["allowed"], true);
        assert_eq!(response["response"]["uid"], request.uid.as_str());
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-zA-Z/._-]{0,12}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("spec"),
        Just("template"),
        Just("metadata"),
        Just("annotations"),
        Just("containers"),
        Just("securityContext"),
        Just("seccompProfile"),
        Just("type"),
        Just("name"),
        Just("kind"),
        Just("apiVersion"),
        Just("items"),
        Just("os"),
        Just("deletionTimestamp"),
    ];
    leaf.prop_recursive(5, 48, 5, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..5).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn damaged_bodies_are_refused_or_answered(cut in 0usize..2000, flips in proptest::collection::vec((0usize..2000, any::<u8>()), 0..4)) {
        let mut body = review(deployment(), "CREATE", "Deployment");
        for (at, byte) in flips {
            let len = body.len();
            body[at % len] = byte;
        }
        body.truncate(cut.min(body.len()));
        answer(&body);
    }

    #[test]
    fn arbitrary_objects_are_answered(object in json_value(), update in any::<bool>(), pod in any::<bool>()) {
        let operation = if update { "UPDATE" } else { "CREATE" };
        let kind = if pod { "Pod" } else { "Deployment" };
        answer(&review(object, operation, kind));
    }

    #[test]
    fn arbitrary_bytes_are_refused_or_answered(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        answer(&body);
    }
}

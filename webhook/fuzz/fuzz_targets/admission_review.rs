//! Request bodies through the webhook's own request path: the AdmissionReview
//! parse the server uses (`review::server_keys`: the policy's relevant keys
//! within the resource model's caps, `Limits::DEFAULT`), the decision and the
//! response bytes (`seccomp_webhook::admission::review_body`). The first byte
//! chooses the policy and `--pods-only`; the rest is the body.
//!
//! Checked: nothing panics; a body is refused (400) or answered with a
//! response AdmissionReview for its uid that allows it, with `patchType`
//! exactly when there is a patch and warnings within the API server's
//! limits; a patch applies to the object the API server sent, and the
//! patched object sent again (a reinvocation) is not changed any more.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use seccomp_core::{CustomKind, Limits, Policy, UnconfinedMode};
use seccomp_webhook::admission::{
    review_body, MutatedKinds, Verdict, MAX_WARNINGS, MAX_WARNING_CHARS, WARNING_PREFIX,
};
use seccomp_webhook::review::server_keys;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, body)) = data.split_first() else {
        return;
    };
    let (policy, kinds) = settings(knobs);
    let keys = server_keys(&policy, Limits::DEFAULT);
    let Ok(reviewed) = review_body(body, &policy, &keys, kinds) else {
        return;
    };
    let response: Value = serde_json::from_slice(&reviewed.response).expect("the response is JSON");
    assert_eq!(response["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(response["kind"], "AdmissionReview");
    let answer = &response["response"];
    assert_eq!(answer["uid"], reviewed.request.uid.as_str());
    assert_eq!(answer["allowed"], true);
    let warnings = answer["warnings"].as_array().map_or(&[][..], Vec::as_slice);
    assert!(warnings.len() <= MAX_WARNINGS, "{warnings:?}");
    for warning in warnings {
        let text = warning.as_str().expect("a warning is a string");
        assert!(text.starts_with(WARNING_PREFIX), "{text:?}");
        assert!(text.chars().count() <= MAX_WARNING_CHARS, "{text:?}");
        assert!(!text.contains(['\n', '\r']), "{text:?}");
    }
    let patch = match (answer.get("patchType"), answer.get("patch")) {
        (None, None) => {
            assert_ne!(reviewed.decision.verdict, Verdict::Mutated);
            return;
        }
        (Some(kind), Some(patch)) => {
            assert_eq!(kind, "JSONPatch");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(patch.as_str().expect("the patch is a string"))
                .expect("the patch is base64");
            serde_json::from_slice::<json_patch::Patch>(&bytes).expect("the patch is a JSON Patch")
        }
        other => panic!("patchType and patch come together: {other:?}"),
    };
    assert_eq!(reviewed.decision.verdict, Verdict::Mutated);
    assert!(!patch.0.is_empty());
    // The API server applies the patch to the whole object it sent.
    let Ok(mut sent) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let object = &mut sent["request"]["object"];
    json_patch::patch(object, &patch)
        .unwrap_or_else(|e| panic!("the patch applies to the object sent: {e}\n{object}"));
    // Reinvoked with the patched object (reinvocationPolicy: IfNeeded), the
    // webhook changes nothing more.
    let again = serde_json::to_vec(&sent).expect("a value serialises");
    let reviewed =
        review_body(&again, &policy, &keys, kinds).expect("the patched review is still a review");
    assert_ne!(
        reviewed.decision.verdict,
        Verdict::Mutated,
        "a patched object is patched again: {}",
        sent["request"]["object"]
    );
});

/// Bits 0-2: the policy (harden unconfined, keep the legacy annotations, a
/// custom kind); bit 3: `--pods-only`. The seeds start with `0` (0x30): none.
fn settings(knobs: u8) -> (Policy, MutatedKinds) {
    let mut policy = Policy::default();
    if knobs & 1 != 0 {
        policy.unconfined = UnconfinedMode::Harden;
    }
    if knobs & 2 != 0 {
        policy.keep_annotations = true;
    }
    if knobs & 4 != 0 {
        policy.custom_kinds.push(CustomKind {
            api_version: "example.com/v1".to_owned(),
            kind: "Runner".to_owned(),
            pod_spec_pointer: "/spec/pod".to_owned(),
            resource: Some("runners".to_owned()),
        });
    }
    let kinds = MutatedKinds {
        pods_only: knobs & 8 != 0,
    };
    (policy, kinds)
}

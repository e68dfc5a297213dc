//! Both front ends on the same objects: for every object of
//! `tests/data/front_ends_agree.yaml`, the in-place fixer (this package's
//! `seccomp-fix fix -`) and the admission webhook (the `seccomp-webhook`
//! library's router, called in-process: its base64 JSON Patch decoded and
//! applied as the API server does) must give the same object. One test per
//! object.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use rstest::rstest;
use seccomp_core::Policy;
use seccomp_test_support::reviews::{apply_response, review_of};
use seccomp_webhook::admission::MutatedKinds;
use seccomp_webhook::resources::{Inputs, Model};
use seccomp_webhook::router::admission_router;
use seccomp_webhook::state::AppState;
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::util::{code, data_dir, run_in, stderr, stdout};

/// The objects of the data file, by `metadata.name`, as YAML text.
fn documents() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data_dir().join("front_ends_agree.yaml")).unwrap();
    text.split("\n---\n")
        .map(|doc| {
            let name = yaml(doc)["metadata"]["name"].as_str().unwrap().to_owned();
            (name, doc.to_owned())
        })
        .collect()
}

fn yaml(text: &str) -> Value {
    Value::deserialize(yaml_serde::Deserializer::from_str(text)).unwrap()
}

fn fix_with_cli(document: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["fix", "-"], Some(document.as_bytes()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    yaml(&stdout(&out))
}

async fn admit_with_webhook(object: &Value) -> Value {
    let model = Model::derive(Inputs::default()).unwrap();
    let state = AppState::new(Policy::default(), MutatedKinds::default(), model);
    let review = review_of("agree-uid", object);
    let request = Request::post("/mutate")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&review).unwrap()))
        .unwrap();
    let response = admission_router(Arc::new(state))
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let response: Value = serde_json::from_slice(&bytes).unwrap();
    apply_response(&response, "agree-uid", object)
}

#[test]
fn the_data_file_holds_exactly_the_cases_below() {
    let names: Vec<String> = documents().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "plain",
            "legacy",
            "old",
            "nightly",
            "db",
            "windows",
            "already-fine"
        ]
    );
}

/// `changed`: whether the object needs a fix at all (both front ends must
/// then agree on a changed object, not merely on leaving it alone).
#[rstest]
#[case::plain_pod("plain", true)]
#[case::legacy_annotations("legacy", true)]
#[case::extensions_v1beta1_deployment("old", true)]
#[case::cronjob("nightly", true)]
#[case::statefulset("db", true)]
#[case::windows_pod("windows", false)]
#[case::already_fine_deployment("already-fine", false)]
#[tokio::test]
async fn fixer_and_webhook_give_the_same_object(#[case] name: &str, #[case] changed: bool) {
    let (_, document) = documents()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no object {name} in front_ends_agree.yaml"));
    let original = yaml(&document);
    let by_cli = fix_with_cli(&document);
    let by_webhook = admit_with_webhook(&original).await;
    assert_eq!(by_cli, by_webhook, "{name}: the front ends disagree");
    assert_eq!(by_cli != original, changed, "{name}: changed?");
}

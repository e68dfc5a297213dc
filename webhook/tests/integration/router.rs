//! The routers of the library, called in-process (`tower::ServiceExt::oneshot`,
//! no sockets, no TLS): statuses and reasons of `POST /mutate`, the response
//! envelope, the probes and the metrics. One test per case.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use rstest::rstest;
use seccomp_core::Policy;
use seccomp_webhook::admission::MutatedKinds;
use seccomp_webhook::resources::{Inputs, Model};
use seccomp_webhook::router::{admission_router, metrics_router, INLINE_BODY_BYTES};
use seccomp_webhook::state::AppState;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use crate::fixtures::{self, apply_response, body, review, warnings, DEPLOYMENT, POD};

/// A state with the flags' defaults, changed by `inputs`.
fn state_with(inputs: impl FnOnce(&mut Inputs)) -> Arc<AppState> {
    let mut given = Inputs::default();
    inputs(&mut given);
    let model = Model::derive(given).unwrap();
    Arc::new(AppState::new(
        Policy::default(),
        MutatedKinds::default(),
        model,
    ))
}

fn state() -> Arc<AppState> {
    state_with(|_| {})
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

async fn call(router: Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

fn post(bytes: impl Into<Body>) -> Request<Body> {
    Request::post("/mutate")
        .header(header::CONTENT_TYPE, "application/json")
        .body(bytes.into())
        .unwrap()
}

/// A CREATE review of the fixtures' plain pod.
fn pod_body(uid: &str) -> Vec<u8> {
    body(&review(uid, &POD, "CREATE", None, &fixtures::pod()))
}

async fn mutate(state: Arc<AppState>, bytes: Vec<u8>) -> Answer {
    call(admission_router(state), post(bytes)).await
}

#[tokio::test]
async fn a_pod_is_answered_with_a_base64_json_patch() {
    let pod = fixtures::pod();
    let answer = mutate(state(), body(&review("u-1", &POD, "CREATE", None, &pod))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type, "application/json");
    let response = answer.json();
    assert_eq!(response["response"]["patchType"], "JSONPatch");
    let fixed = apply_response(&response, "u-1", &pod);
    assert_eq!(
        fixed["spec"]["securityContext"]["seccompProfile"],
        json!({"type": "RuntimeDefault"})
    );
}

#[tokio::test]
async fn a_pod_that_needs_nothing_is_allowed_without_patch_or_patch_type() {
    let mut pod = fixtures::pod();
    pod["spec"]["securityContext"] = json!({"seccompProfile": {"type": "RuntimeDefault"}});
    let answer = mutate(state(), body(&review("u-2", &POD, "CREATE", None, &pod))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let response = answer.json();
    assert_eq!(response["response"]["allowed"], true);
    assert!(response["response"].get("patch").is_none(), "{response}");
    assert!(
        response["response"].get("patchType").is_none(),
        "{response}"
    );
    assert_eq!(apply_response(&response, "u-2", &pod), pod);
}

#[rstest]
#[case::not_json(b"not json".to_vec(), "body is not valid JSON")]
#[case::truncated_json(br#"{"apiVersion":"admission.k8s.io/v1","#.to_vec(), "body is not valid JSON")]
#[case::json_array(b"[1,2]".to_vec(), "body is not an AdmissionReview")]
#[case::empty_body(Vec::new(), "body is not valid JSON")]
#[case::wrong_type(br#"{"apiVersion":"v1","kind":"Pod"}"#.to_vec(), "expected apiVersion \"admission.k8s.io/v1\" and kind \"AdmissionReview\", got \"v1\" and \"Pod\"")]
#[case::no_request(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(), "AdmissionReview has no request")]
#[case::no_uid(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}"#.to_vec(), "AdmissionReview request has no uid")]
#[case::uid_not_a_string(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}"#.to_vec(), "body is not an AdmissionReview")]
#[case::trailing_garbage(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}} x"#.to_vec(), "body is not valid JSON")]
#[tokio::test]
async fn a_body_that_is_not_an_answerable_review_is_a_400_with_the_reason(
    #[case] bytes: Vec<u8>,
    #[case] reason: &str,
) {
    let answer = mutate(state(), bytes).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert!(
        answer.text().starts_with(reason),
        "{:?} should start with {reason:?}",
        answer.text()
    );
}

#[rstest]
#[case::declared_length_over_the_limit(Some("2049"), 10)]
#[case::declared_length_u64_max(Some("18446744073709551615"), 10)]
#[case::undeclared_body_over_the_limit(None, 4096)]
#[tokio::test]
async fn a_body_over_the_limit_is_a_413_with_the_limit(
    #[case] content_length: Option<&str>,
    #[case] sent: usize,
) {
    let state = state_with(|i| i.max_body_bytes = Some(2048));
    let mut request = post(vec![b' '; sent]);
    if let Some(length) = content_length {
        request
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length.parse().unwrap());
    }
    let answer = call(admission_router(state.clone()), request).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text()
    );
    assert_eq!(answer.text(), "request body larger than 2048 bytes\n");
    assert_eq!(state.budget.used(), 0, "a refused body holds no budget");
}

#[rstest]
#[case::not_a_number("ten")]
#[case::negative("-1")]
#[case::beyond_u64("99999999999999999999999")]
#[tokio::test]
async fn an_invalid_content_length_is_a_400(#[case] content_length: &str) {
    let mut request = post(Vec::new());
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, content_length.parse().unwrap());
    let answer = call(admission_router(state()), request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.text(), "invalid Content-Length header\n");
}

#[tokio::test]
async fn a_body_that_does_not_fit_the_budget_is_a_503_asking_to_retry() {
    let state = state();
    // Requests in flight hold every byte of the budget: large ones the large
    // pool, small ones the reserve.
    let shares = state.model.budget;
    let mut held = vec![state.budget.lease(shares.large).unwrap()];
    held.extend(std::iter::from_fn(|| {
        state.budget.lease(shares.small_bytes)
    }));
    assert_eq!(state.budget.used(), shares.total);
    let answer = mutate(state.clone(), pod_body("u")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.text(),
        "request bodies in flight exceed the memory budget; retry\n"
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_that_gets_no_slot_within_the_request_timeout_is_a_503() {
    let state = state_with(|i| i.request_timeout = Duration::from_secs(2));
    // Every decision slot is taken; the clock runs on while the request waits.
    let _slots = state
        .slots
        .clone()
        .acquire_many_owned(state.model.slots)
        .await
        .unwrap();
    let answer = mutate(state.clone(), pod_body("u")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.text(),
        "overloaded: request timed out waiting for a slot\n"
    );
}

/// The content type is not checked (docs/webhook.md): the API server always
/// sends JSON, and the body is validated whatever the header says.
#[rstest]
#[case::text_plain(Some("text/plain"))]
#[case::no_content_type(None)]
#[case::json_with_charset(Some("application/json; charset=utf-8"))]
#[tokio::test]
async fn the_content_type_does_not_decide_the_body_does(#[case] content_type: Option<&str>) {
    let pod = fixtures::pod();
    let mut builder = Request::post("/mutate");
    if let Some(value) = content_type {
        builder = builder.header(header::CONTENT_TYPE, value);
    }
    let request = builder
        .body(Body::from(body(&review(
            "u-ct", &POD, "CREATE", None, &pod,
        ))))
        .unwrap();
    let answer = call(admission_router(state()), request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    apply_response(&answer.json(), "u-ct", &pod);
    // ...and a body that is not JSON is refused whatever the header says.
    let mut builder = Request::post("/mutate");
    if let Some(value) = content_type {
        builder = builder.header(header::CONTENT_TYPE, value);
    }
    let answer = call(
        admission_router(state()),
        builder.body(Body::from("text")).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[rstest]
#[case::containers(json!({"containers": (0..1001).map(|i| json!({"name": format!("c{i}")})).collect::<Vec<_>>()}), "containers has more than 1000 items")]
#[case::annotations(json!({"containers": [{"name": "c"}], "annotations-in-metadata": (0..5000).map(|i| (format!("k{i}"), json!("v"))).collect::<serde_json::Map<_, _>>()}), "annotations has more than 4096 entries")]
#[tokio::test]
async fn an_object_over_a_cap_is_allowed_unchanged_with_a_warning_and_a_metric(
    #[case] spec: Value,
    #[case] named: &str,
) {
    let mut pod = fixtures::pod();
    let mut spec = spec;
    if let Some(annotations) = spec
        .as_object_mut()
        .unwrap()
        .remove("annotations-in-metadata")
    {
        pod["metadata"]["annotations"] = annotations;
    }
    pod["spec"] = spec;
    let state = state();
    let answer = mutate(
        state.clone(),
        body(&review("u-cap", &POD, "CREATE", None, &pod)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let response = answer.json();
    assert_eq!(apply_response(&response, "u-cap", &pod), pod, "unchanged");
    let warned = warnings(&response);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("seccomp-defaulter: Pod left unchanged: too large to check (")
            && warned[0].contains(named),
        "{warned:?}"
    );
    let metrics = call(metrics_router(state), get("/metrics")).await.text();
    assert!(
        metrics.lines().any(
            |l| l.starts_with("seccomp_webhook_objects_over_limit_total{") && l.ends_with(" 1")
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_large_body_decided_on_the_blocking_pool_gets_the_same_answer() {
    let mut deployment = fixtures::deployment();
    // Bulk the core never reads: the body goes past the inline limit.
    deployment["metadata"]["managedFields"] = json!([{"f": "x".repeat(INLINE_BODY_BYTES)}]);
    let bytes = body(&review("u-big", &DEPLOYMENT, "CREATE", None, &deployment));
    assert!(bytes.len() > INLINE_BODY_BYTES);
    let answer = mutate(state(), bytes).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let fixed = apply_response(&answer.json(), "u-big", &deployment);
    assert_eq!(
        fixed["spec"]["template"]["spec"]["securityContext"]["seccompProfile"],
        json!({"type": "RuntimeDefault"})
    );
}

#[tokio::test]
async fn pods_only_answers_a_deployment_allowed_and_unchanged() {
    let state = Arc::new(AppState::new(
        Policy::default(),
        MutatedKinds { pods_only: true },
        Model::derive(Inputs::default()).unwrap(),
    ));
    let deployment = fixtures::deployment();
    let answer = mutate(
        state,
        body(&review("u-d", &DEPLOYMENT, "CREATE", None, &deployment)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        apply_response(&answer.json(), "u-d", &deployment),
        deployment
    );
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[rstest]
#[case::get_mutate(Method::GET, "/mutate", StatusCode::METHOD_NOT_ALLOWED)]
#[case::post_healthz(Method::POST, "/healthz", StatusCode::METHOD_NOT_ALLOWED)]
#[case::unknown_path(Method::POST, "/validate", StatusCode::NOT_FOUND)]
#[case::metrics_not_on_the_admission_port(Method::GET, "/metrics", StatusCode::NOT_FOUND)]
#[case::healthz(Method::GET, "/healthz", StatusCode::OK)]
#[tokio::test]
async fn admission_port_routes(
    #[case] method: Method,
    #[case] path: &str,
    #[case] status: StatusCode,
) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        call(admission_router(state()), request).await.status,
        status
    );
}

#[rstest]
#[case::mutate_not_on_the_probe_port(Method::POST, "/mutate", StatusCode::NOT_FOUND)]
#[case::metrics(Method::GET, "/metrics", StatusCode::OK)]
#[case::healthz(Method::GET, "/healthz", StatusCode::OK)]
#[tokio::test]
async fn probe_port_routes(#[case] method: Method, #[case] path: &str, #[case] status: StatusCode) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(metrics_router(state()), request).await.status, status);
}

#[tokio::test]
async fn not_ready_without_a_certificate_nor_once_shutting_down() {
    let state = state();
    let answer = call(admission_router(state.clone()), get("/readyz")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.text(), "no serving certificate loaded yet\n");
    state.begin_shutdown();
    let answer = call(metrics_router(state), get("/readyz")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.text(), "shutting down\n");
}

#[tokio::test]
async fn requests_are_counted_by_kind_operation_and_result() {
    let state = state();
    mutate(state.clone(), pod_body("u")).await;
    mutate(state.clone(), b"{".to_vec()).await;
    let metrics = call(metrics_router(state), get("/metrics")).await;
    assert!(metrics
        .content_type
        .starts_with("application/openmetrics-text"));
    let text = metrics.text();
    for series in [
        r#"seccomp_webhook_admission_requests_total{kind="Pod",operation="CREATE",result="mutated"} 1"#,
        r#"seccomp_webhook_admission_requests_total{kind="unknown",operation="unknown",result="bad_request"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == series), "{series} in:\n{text}");
    }
}

//! Regression tests for issue 10, "Webhook": bodies that used to cost the
//! webhook its memory or its request slots. Each asserts the mechanism (an
//! immediate 413, a budget refusing, a cap turned into a warning, a slot not
//! held by a slow body), never how long a request took.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::client::{Proto, SlowPost};
use crate::fixtures::{self, body, review, POD};
use crate::harness::{Webhook, WEBHOOK};

fn pod_review(uid: &str) -> Vec<u8> {
    body(&review(uid, &POD, "CREATE", None, &fixtures::pod()))
}

const UNKNOWN: &str =
    r#"seccomp_webhook_admission_requests_total{kind="unknown",operation="unknown","#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_content_length_above_the_limit_gets_413_before_any_body_byte() {
    // Issue 10 "Content-Length": it used to wait for the body and answer 408.
    let webhook = Webhook::start(WEBHOOK, &["--max-body-bytes=4096"]);
    // Not a byte of the body is sent: the answer can only come from the header.
    let mut post = SlowPost::declare(webhook.https, &webhook.ca_pem, 100 * 1024 * 1024, b"").await;
    let response = post
        .answered_within(Duration::from_secs(30))
        .await
        .unwrap_or_default();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("larger than 4096 bytes"), "{response}");
    let series = format!(r#"{UNKNOWN}result="too_large"}}"#);
    assert_eq!(webhook.metric(&series).await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_beyond_the_memory_budget_are_refused_at_once_and_small_reviews_still_pass() {
    // Issue 10 "Concurrency × body limit": 64 concurrent 7.9 MiB bodies were
    // all buffered. With the default 128 MiB model, large bodies share 24 MiB.
    let webhook = Webhook::start(WEBHOOK, &[]);
    let large = 7_900_000;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(SlowPost::declare(webhook.https, &webhook.ca_pem, large, b"{").await);
    }
    // The fourth does not fit: refused before its body is read.
    let mut refused = SlowPost::declare(webhook.https, &webhook.ca_pem, large, b"{").await;
    let response = refused
        .answered_within(Duration::from_secs(30))
        .await
        .unwrap_or_default();
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(response.contains("memory budget"), "{response}");
    // The held ones have not been answered: they are still being read.
    for post in &mut held {
        assert_eq!(post.answered_within(Duration::from_millis(50)).await, None);
    }
    // A normal review comes out of the reserve for small requests.
    let mut conn = webhook.conn(Proto::H2).await;
    assert_eq!(conn.post("/mutate", pod_review("small")).await.status, 200);
    let series = format!(r#"{UNKNOWN}result="over_budget"}}"#);
    assert_eq!(webhook.metric(&series).await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_does_not_hold_a_decision_slot() {
    // Issue 10 "Slot exhaustion": the slot was taken before the body was read,
    // so slow bodies delayed every other request until they timed out.
    let webhook = Webhook::start(
        WEBHOOK,
        &["--request-timeout-seconds=10", "--max-concurrency=1"],
    );
    let payload = pod_review("slow");
    let mut slow = SlowPost::start(webhook.https, &webhook.ca_pem, &payload).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    for proto in [Proto::H1, Proto::H2] {
        let mut conn = webhook.conn(proto).await;
        let reply = conn.post("/mutate", pod_review("normal")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    // Answered while the slow body is still being waited for (not after it gave up).
    assert_eq!(slow.answered_within(Duration::from_millis(200)).await, None);
    let response = slow.response().await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        response.contains("timed out reading the request body"),
        "{response}"
    );
    let timeouts = format!(r#"{UNKNOWN}result="timeout"}}"#);
    assert_eq!(webhook.metric(&timeouts).await, 1.0);
}

fn pod_with(containers: Vec<Value>, annotations: Map<String, Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "huge", "namespace": "team-a", "annotations": annotations},
           "spec": {"containers": containers}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_over_a_cap_are_allowed_unchanged_with_a_warning_and_counted() {
    // Issue 10 "Memory amplification" (1M empty containers, 500k annotations)
    // and "Quadratic CPU" (many containers with legacy annotations): such
    // objects are no longer built and planned.
    let webhook = Webhook::start(WEBHOOK, &[]);
    let empty: Vec<Value> = (0..100_000).map(|_| json!({})).collect();
    let many_annotations: Map<String, Value> =
        (0..50_000).map(|i| (format!("a{i}"), json!(""))).collect();
    let mut legacy = Map::new();
    let annotated: Vec<Value> = (0..3_000)
        .map(|i| {
            let key = format!("container.seccomp.security.alpha.kubernetes.io/c{i}");
            legacy.insert(key, json!("runtime/default"));
            json!({"name": format!("c{i}")})
        })
        .collect();
    let cases = [
        (
            "empty-containers",
            pod_with(empty, Map::new()),
            "containers has more than 1000 items",
            "list_items",
        ),
        (
            "annotations",
            pod_with(vec![json!({"name": "c"})], many_annotations),
            "annotations has more than 4096 entries",
            "map_entries",
        ),
        (
            "legacy-containers",
            pod_with(annotated, legacy),
            "containers has more than 1000 items",
            "list_items",
        ),
    ];
    let mut conn = webhook.conn(Proto::H1).await;
    for (uid, pod, warning, _) in &cases {
        let reply = conn
            .post("/mutate", body(&review(uid, &POD, "CREATE", None, pod)))
            .await;
        assert_eq!(reply.status, 200, "{uid}: {}", reply.text());
        let response = &reply.json()["response"];
        assert_eq!(response["allowed"], true, "{uid}");
        assert_eq!(response.get("patch"), None, "{uid}: must be left unchanged");
        let warnings = response["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "{uid}: {warnings:?}");
        let text = warnings[0].as_str().unwrap();
        assert!(
            text.contains("Pod left unchanged: too large to check"),
            "{uid}: {text}"
        );
        assert!(text.contains(warning), "{uid}: {text}");
    }
    let metrics = webhook.metrics_text().await;
    let over = |cap: &str| {
        crate::harness::metric_value(
            &metrics,
            &format!(r#"seccomp_webhook_objects_over_limit_total{{cap="{cap}"}}"#),
        )
    };
    for cap in ["list_items", "map_entries"] {
        let expected = cases.iter().filter(|case| case.3 == cap).count() as f64;
        assert_eq!(over(cap), expected, "{cap}: {metrics}");
    }
    let series = r#"seccomp_webhook_admission_requests_total{kind="Pod",operation="CREATE",result="over_limit"}"#;
    assert_eq!(crate::harness::metric_value(&metrics, series), 3.0);
    // And a normal pod is still mutated.
    let reply = conn.post("/mutate", pod_review("normal")).await;
    assert!(reply.json()["response"]["patch"].is_string());
}

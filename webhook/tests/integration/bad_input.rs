//! Malformed requests are answered with 400/413 and a reason; the server keeps serving.

use crate::client::Proto;
use crate::fixtures::{self, body, review, POD};
use crate::harness::{Webhook, WEBHOOK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_400_with_a_reason() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let cases: [(&[u8], &str); 5] = [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (
            br#"{"apiVersion":"v1","kind":"ConfigMap","data":{}}"#,
            "expected apiVersion",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
            "no request",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"oops"}"#,
            "not an AdmissionReview",
        ),
    ];
    for proto in [Proto::H1, Proto::H2] {
        let mut conn = webhook.conn(proto).await;
        for (input, reason) in cases {
            let reply = conn.post("/mutate", input.to_vec()).await;
            assert_eq!(
                reply.status,
                400,
                "{proto:?} {}",
                String::from_utf8_lossy(input)
            );
            assert!(
                reply.text().contains(reason),
                "{proto:?}: {} lacks {reason}",
                reply.text()
            );
        }
        // The same connection still answers a good request.
        let ok = conn
            .post(
                "/mutate",
                body(&review("u", &POD, "CREATE", None, &fixtures::pod())),
            )
            .await;
        assert_eq!(ok.status, 200);
    }
    let series = r#"seccomp_webhook_admission_requests_total{kind="unknown",operation="unknown",result="bad_request"}"#;
    assert_eq!(webhook.metric(series).await, 10.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413() {
    let webhook = Webhook::start(WEBHOOK, &["--max-body-bytes=4096"]);
    let mut pod = fixtures::pod();
    pod["metadata"]["annotations"] = serde_json::json!({"filler": "x".repeat(8000)});
    let big = body(&review("big", &POD, "CREATE", None, &pod));
    assert!(big.len() > 4096);
    for proto in [Proto::H1, Proto::H2] {
        let mut conn = webhook.conn(proto).await;
        let reply = conn.post("/mutate", big.clone()).await;
        assert_eq!(reply.status, 413, "{proto:?}");
        assert!(
            reply.text().contains("larger than 4096 bytes"),
            "{}",
            reply.text()
        );
    }
    // A small request on a new connection still works.
    let mut conn = webhook.conn(Proto::H1).await;
    let small = body(&review("small", &POD, "CREATE", None, &fixtures::pod()));
    assert_eq!(conn.post("/mutate", small).await.status, 200);
    let series = r#"seccomp_webhook_admission_requests_total{kind="unknown",operation="unknown",result="too_large"}"#;
    assert_eq!(webhook.metric(series).await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_and_path_are_refused() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let mut conn = webhook.conn(Proto::H1).await;
    assert_eq!(
        conn.request("GET", "/mutate", Vec::new())
            .await
            .unwrap()
            .status,
        405
    );
    assert_eq!(
        conn.request("POST", "/other", Vec::new())
            .await
            .unwrap()
            .status,
        404
    );
    // /metrics is only on the plain port.
    assert_eq!(
        conn.request("GET", "/metrics", Vec::new())
            .await
            .unwrap()
            .status,
        404
    );
}

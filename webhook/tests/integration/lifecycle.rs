//! Probes, metrics, readiness before a certificate exists, and the SIGTERM drain.

use std::time::{Duration, Instant};

use crate::client::{plain_get, tls_config, tls_connect, Proto, SlowPost};
use crate::fixtures::{self, body, review, POD};
use crate::harness::{Setup, Webhook, WEBHOOK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_on_both_ports() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let mut conn = webhook.conn(Proto::H2).await;
    for path in ["/healthz", "/readyz"] {
        assert_eq!(
            conn.request("GET", path, Vec::new()).await.unwrap().status,
            200,
            "{path}"
        );
        assert_eq!(
            plain_get(webhook.metrics, path).await.unwrap().status,
            200,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_counters_move() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let mutated = r#"seccomp_webhook_admission_requests_total{kind="Pod",operation="CREATE",result="mutated"}"#;
    let skipped = r#"seccomp_webhook_admission_requests_total{kind="Pod",operation="UPDATE",result="skipped"}"#;
    assert_eq!(webhook.metric(mutated).await, 0.0);
    let mut conn = webhook.conn(Proto::H1).await;
    for i in 0..3 {
        let r = conn
            .post(
                "/mutate",
                body(&review(
                    &format!("m{i}"),
                    &POD,
                    "CREATE",
                    None,
                    &fixtures::pod(),
                )),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = conn
        .post(
            "/mutate",
            body(&review("s", &POD, "UPDATE", None, &fixtures::pod())),
        )
        .await;
    assert_eq!(r.status, 200);

    let text = webhook.metrics_text().await;
    let value = |s| crate::harness::metric_value(&text, s);
    assert_eq!(value(mutated), 3.0, "{text}");
    assert_eq!(value(skipped), 1.0, "{text}");
    assert_eq!(
        value("seccomp_webhook_admission_duration_seconds_count"),
        4.0
    );
    let mutations: f64 = text
        .lines()
        .filter(|l| l.starts_with(r#"seccomp_webhook_mutations_total{kind="Pod""#))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(mutations >= 3.0, "{text}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(value("seccomp_webhook_certificate_expiry_timestamp_seconds") > now);
    assert_eq!(value("seccomp_webhook_panics_total"), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_until_a_certificate_appears() {
    let setup = Setup::new(WEBHOOK);
    let pair = setup.ca.server();
    let missing = setup.dir.path().join("later");
    std::fs::create_dir(&missing).unwrap();
    let cert = missing.join("tls.crt");
    let key = missing.join("tls.key");
    let webhook = Webhook::spawn(
        WEBHOOK,
        &[
            format!("--tls-cert-file={}", cert.display()),
            format!("--tls-key-file={}", key.display()),
        ],
        &[],
        Some(setup.ca.pem.clone()),
    );
    let ready = plain_get(webhook.metrics, "/readyz").await.unwrap();
    assert_eq!(ready.status, 503);
    assert!(
        ready.text().contains("no serving certificate"),
        "{}",
        ready.text()
    );
    assert!(
        tls_connect(webhook.https, tls_config(&webhook.ca_pem, None, Proto::H1))
            .await
            .is_err()
    );

    std::fs::write(&key, &pair.key).unwrap();
    std::fs::write(&cert, &pair.cert).unwrap();
    let started = Instant::now();
    while plain_get(webhook.metrics, "/readyz").await.unwrap().status != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "never became ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut conn = webhook.conn(Proto::H1).await;
    assert_eq!(
        conn.post(
            "/mutate",
            body(&review("late", &POD, "CREATE", None, &fixtures::pod()))
        )
        .await
        .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_fails_readiness_drains_in_flight_requests_and_exits_zero() {
    let mut webhook = Webhook::start(WEBHOOK, &["--shutdown-delay-seconds=1"]);
    let payload = body(&review("in-flight", &POD, "CREATE", None, &fixtures::pod()));

    // A request whose body is only half sent when SIGTERM arrives.
    let in_flight = SlowPost::start(webhook.https, &webhook.ca_pem, &payload).await;

    let signalled = Instant::now();
    webhook.sigterm();
    loop {
        let ready = plain_get(webhook.metrics, "/readyz").await.unwrap();
        if ready.status == 503 {
            assert!(ready.text().contains("shutting down"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        signalled.elapsed() < Duration::from_millis(900),
        "readiness did not fail at once"
    );
    // During the delay new connections are still served.
    let mut conn = webhook.conn(Proto::H1).await;
    assert_eq!(
        conn.request("GET", "/healthz", Vec::new())
            .await
            .unwrap()
            .status,
        200
    );
    drop(conn);

    // After the delay the listener is closed, but the in-flight request completes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let late = tls_connect(webhook.https, tls_config(&webhook.ca_pem, None, Proto::H1)).await;
    assert!(
        late.is_err(),
        "new connections must be refused after the delay"
    );
    let response = in_flight.finish().await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""uid":"in-flight""#), "{response}");

    let status = webhook.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(webhook
        .logs()
        .iter()
        .any(|l| l["message"] == "shut down cleanly"));
}

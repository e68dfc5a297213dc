//! TLS: HTTP/1.1 and HTTP/2, TLS 1.2, certificate rotation under load, bad pairs, mTLS,
//! and the `--dev-self-signed` trial mode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde_json::json;

use crate::client::{tls_config, tls_config_with, try_request, Conn, Proto};
use crate::fixtures::{self, apply_response, body, review, POD};
use crate::harness::{Setup, Webhook, WEBHOOK};
use crate::pki::Ca;

fn der(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

fn pod_review(uid: &str) -> Vec<u8> {
    body(&review(uid, &POD, "CREATE", None, &fixtures::pod()))
}

const RELOADED_OK: &str = r#"seccomp_webhook_certificate_reloads_total{result="success"}"#;
const RELOADED_BAD: &str = r#"seccomp_webhook_certificate_reloads_total{result="failure"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_http_versions_and_tls12_are_served() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let mut answers = Vec::new();
    for (proto, alpn) in [(Proto::H1, &b"http/1.1"[..]), (Proto::H2, &b"h2"[..])] {
        let mut conn = webhook.conn(proto).await;
        assert_eq!(conn.alpn.as_deref(), Some(alpn));
        let reply = conn.post("/mutate", pod_review("same")).await;
        assert_eq!(reply.status, 200);
        answers.push(reply.json());
    }
    assert_eq!(answers[0], answers[1]);

    let tls12 = tls_config_with(&webhook.ca_pem, None, Proto::H1, &[&rustls::version::TLS12]);
    let reply = try_request(webhook.https, tls12, "/mutate", pod_review("tls12"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
}

/// Keeps sending requests until `stop`, on one keep-alive connection (`fresh == false`)
/// or on a new connection each time; returns (succeeded, failed).
async fn load(
    webhook_addr: std::net::SocketAddr,
    ca_pem: String,
    proto: Proto,
    fresh: bool,
    stop: Arc<AtomicBool>,
) -> (usize, usize) {
    let config = tls_config(&ca_pem, None, proto);
    let (mut ok, mut failed) = (0, 0);
    let mut conn = Conn::open(webhook_addr, config.clone()).await.unwrap();
    while !stop.load(Ordering::SeqCst) {
        if fresh {
            match Conn::open(webhook_addr, config.clone()).await {
                Ok(c) => conn = c,
                Err(_) => {
                    failed += 1;
                    continue;
                }
            }
        }
        match conn.request("POST", "/mutate", pod_review("load")).await {
            Ok(reply) if reply.status == 200 => ok += 1,
            _ => failed += 1,
        }
    }
    (ok, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_under_load_fails_no_request_and_new_connections_see_the_new_certificate() {
    let mut setup = Setup::new(WEBHOOK);
    let first = der(&std::fs::read_to_string(setup.secret.cert()).unwrap());
    let webhook = setup.start(&[]);
    assert_eq!(webhook.metric(RELOADED_OK).await, 1.0);
    let mut before = webhook.conn(Proto::H2).await;
    assert_eq!(before.server_cert, first);

    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for (proto, fresh) in [
        (Proto::H1, false),
        (Proto::H2, false),
        (Proto::H1, true),
        (Proto::H2, true),
    ] {
        let task = load(
            webhook.https,
            webhook.ca_pem.clone(),
            proto,
            fresh,
            stop.clone(),
        );
        workers.push(tokio::spawn(task));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let next = setup.ca.server();
    setup.secret.rotate(&next);
    let started = Instant::now();
    loop {
        let conn = webhook.conn(Proto::H1).await;
        if conn.server_cert == der(&next.cert) {
            break;
        }
        assert_eq!(conn.server_cert, first);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "new certificate never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let mut total = 0;
    for worker in workers {
        let (ok, failed) = worker.await.unwrap();
        assert_eq!(failed, 0, "requests failed during rotation");
        assert!(ok > 0);
        total += ok;
    }
    assert!(total > 20, "too little load to mean anything: {total}");
    // A connection opened before the rotation keeps working.
    assert_eq!(
        before.post("/mutate", pod_review("old-conn")).await.status,
        200
    );
    assert_eq!(webhook.metric(RELOADED_OK).await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_new_pair_is_rejected_and_the_old_one_kept() {
    let mut setup = Setup::new(WEBHOOK);
    let first = der(&std::fs::read_to_string(setup.secret.cert()).unwrap());
    let mut webhook = setup.start(&[]);
    let other = setup.ca.server();
    let mismatched = setup.ca.server();
    setup
        .secret
        .update(&[("tls.crt", &other.cert), ("tls.key", &mismatched.key)]);
    webhook.wait_log(Duration::from_secs(15), |l| {
        l["message"] == "new certificate rejected; keeping the current one"
    });
    assert_eq!(webhook.metric(RELOADED_BAD).await, 1.0);
    let mut conn = webhook.conn(Proto::H1).await;
    assert_eq!(conn.server_cert, first);
    assert_eq!(conn.post("/mutate", pod_review("still")).await.status, 200);
    let ready = crate::client::plain_get(webhook.metrics, "/readyz")
        .await
        .unwrap();
    assert_eq!(ready.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_are_required_with_a_client_ca() {
    let setup = Setup::new(WEBHOOK);
    let clients = Ca::new("client CA");
    let ca_file = setup.file("client-ca.crt", &clients.pem);
    let webhook = setup.start(&[&format!("--client-ca-file={ca_file}")]);

    let good = clients.client("kube-apiserver");
    for proto in [Proto::H1, Proto::H2] {
        let config = tls_config(&webhook.ca_pem, Some(&good), proto);
        let reply = try_request(webhook.https, config, "/mutate", pod_review("mtls"))
            .await
            .unwrap();
        assert_eq!(reply.status, 200, "{proto:?}");
    }
    let stranger = Ca::new("other CA").client("kube-apiserver");
    for client in [None, Some(&stranger)] {
        let config = tls_config(&webhook.ca_pem, client, Proto::H1);
        let result = try_request(webhook.https, config, "/mutate", pod_review("no")).await;
        assert!(
            result.is_err(),
            "accepted without a valid client certificate: {:?}",
            client.is_some()
        );
    }
    // The plain metrics port needs no client certificate.
    let ready = crate::client::plain_get(webhook.metrics, "/readyz")
        .await
        .unwrap();
    assert_eq!(ready.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_self_signed_serves_a_pod_patch() {
    let webhook = Webhook::spawn(WEBHOOK, &["--dev-self-signed".to_string()], &[], None);
    let pod = fixtures::pod();
    let reply = try_request(
        webhook.https,
        tls_config(&webhook.ca_pem, None, Proto::H1),
        "/mutate",
        body(&review("dev", &POD, "CREATE", None, &pod)),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    let patched = apply_response(&reply.json(), "dev", &pod);
    assert_eq!(
        patched["spec"]["securityContext"],
        json!({"seccompProfile": {"type": "RuntimeDefault"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_ca_bundle_is_used_without_a_restart() {
    // Issue 10: --client-ca-file was read at start-up only.
    let setup = Setup::new(WEBHOOK);
    let (first, second) = (Ca::new("client CA 1"), Ca::new("client CA 2"));
    let mut dir = crate::harness::SecretDir::with_files(
        &setup.dir.path().join("client-ca"),
        &[("ca.crt", first.pem.as_str())],
    );
    let ca_file = dir.root.join("ca.crt");
    let webhook = setup.start(&[&format!("--client-ca-file={}", ca_file.display())]);
    let (old_client, new_client) = (first.client("apiserver"), second.client("apiserver"));
    let attempt = |client| {
        let config = tls_config(&webhook.ca_pem, Some(client), Proto::H1);
        try_request(webhook.https, config, "/mutate", pod_review("mtls"))
    };
    assert_eq!(attempt(&old_client).await.unwrap().status, 200);
    assert!(attempt(&new_client).await.is_err());

    dir.update(&[("ca.crt", second.pem.as_str())]);
    let start = Instant::now();
    while attempt(&new_client).await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the new bundle was never used"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        attempt(&old_client).await.is_err(),
        "the old CA is still trusted"
    );
    let loaded = r#"seccomp_webhook_client_ca_reloads_total{result="success"}"#;
    assert_eq!(webhook.metric(loaded).await, 2.0);

    // A broken bundle is refused and the current one kept.
    dir.update(&[("ca.crt", "not a certificate")]);
    let rejected = r#"seccomp_webhook_client_ca_reloads_total{result="failure"}"#;
    while webhook.metric(rejected).await < 1.0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the broken bundle was never looked at"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempt(&new_client).await.unwrap().status, 200);
}

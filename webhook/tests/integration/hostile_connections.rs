//! Regression tests for issue 10, "Webhook / Connections": idle and silent
//! connections, the connection limit, the open-file limit and the probe port.
//! Each asserts the mechanism (a connection closed by the server, the oldest
//! idle one closed first, the probe port answering, a stream limit announced).
//! Settings new since the issue are given as environment variables, so that
//! an older binary starts too and fails on the behaviour itself.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::client::{
    closed_within, h2_max_concurrent_streams, plain_get, tls_config, tls_connect, Proto,
};
use crate::fixtures::{self, body, review, POD};
use crate::harness::{Setup, Webhook, WEBHOOK};

/// Generous bound for "the server closes it": the timeouts under test are 1 s.
const CLOSE_BOUND: Duration = Duration::from_secs(15);

fn pod_review(uid: &str) -> Vec<u8> {
    body(&review(uid, &POD, "CREATE", None, &fixtures::pod()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_connection_that_sends_nothing_is_closed() {
    // It stayed open indefinitely after the handshake (tested to 40 s).
    let webhook = Webhook::start(WEBHOOK, &["--request-timeout-seconds=2"]);
    for proto in [Proto::H1, Proto::H2] {
        let mut tls = tls_connect(webhook.https, tls_config(&webhook.ca_pem, None, proto))
            .await
            .unwrap();
        assert!(
            closed_within(&mut tls, CLOSE_BOUND).await,
            "{proto:?} left open"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    let setup = Setup::new(WEBHOOK);
    let webhook = setup.start_with(&[], &[("SECCOMP_WEBHOOK_IDLE_TIMEOUT_SECONDS", "1")], None);
    for proto in [Proto::H1, Proto::H2] {
        let mut conn = webhook.conn(proto).await;
        let reply = conn.post("/mutate", pod_review("then-idle")).await;
        assert_eq!(reply.status, 200);
        assert!(conn.closed_within(CLOSE_BOUND).await, "{proto:?} left open");
    }
    let idle = r#"seccomp_webhook_connections_closed_total{port="admission",reason="idle"}"#;
    assert_eq!(webhook.metric(idle).await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_limit_an_idle_connection_that_served_nothing_is_closed() {
    // 12,000 idle connections used 135 MiB; refusing new ones instead would
    // let an attacker lock the API server out.
    let setup = Setup::new(WEBHOOK);
    let webhook = setup.start_with(&[], &[("SECCOMP_WEBHOOK_MAX_CONNECTIONS", "3")], None);
    let config = tls_config(&webhook.ca_pem, None, Proto::H1);
    let mut oldest = tls_connect(webhook.https, config.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = webhook.conn(Proto::H1).await;
    let mut third = webhook.conn(Proto::H2).await;
    assert_eq!(second.post("/mutate", pod_review("2")).await.status, 200);
    assert_eq!(third.post("/mutate", pod_review("3")).await.status, 200);
    // A fourth connection makes room by closing the one that served nothing.
    let mut fourth = webhook.conn(Proto::H1).await;
    assert_eq!(fourth.post("/mutate", pod_review("4")).await.status, 200);
    assert!(
        closed_within(&mut oldest, CLOSE_BOUND).await,
        "the idle one that served nothing stays open"
    );
    assert_eq!(second.post("/mutate", pod_review("2b")).await.status, 200);
    assert_eq!(third.post("/mutate", pod_review("3b")).await.status, 200);
    let evicted = r#"seccomp_webhook_connections_closed_total{port="admission",reason="evicted"}"#;
    assert_eq!(webhook.metric(evicted).await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_under_a_low_open_file_limit_do_not_stop_either_port() {
    // With nofile at 1024, 1,010 idle connections stopped both ports,
    // /healthz (the liveness probe) included. Here the limit is 128.
    let setup = Setup::new(WEBHOOK);
    let webhook = setup.start_with(&[], &[], Some("-n 128"));
    let config = tls_config(&webhook.ca_pem, None, Proto::H1);
    let within = Duration::from_secs(5);
    let mut idle = Vec::new();
    for _ in 0..140 {
        match tokio::time::timeout(within, tls_connect(webhook.https, config.clone())).await {
            Ok(Ok(tls)) => idle.push(tls),
            // The server stopped accepting: the finding itself.
            _ => break,
        }
    }
    assert_eq!(idle.len(), 140, "connections stopped being accepted");
    let health = tokio::time::timeout(within, plain_get(webhook.metrics, "/healthz")).await;
    assert!(
        matches!(&health, Ok(Ok(r)) if r.status == 200),
        "probe port: {:?}",
        health.map(|r| r.map(|r| r.status))
    );
    let review = async {
        let mut conn = webhook.conn(Proto::H1).await;
        conn.post("/mutate", pod_review("after")).await.status
    };
    assert_eq!(
        tokio::time::timeout(within, review)
            .await
            .ok()
            .map(|s| s.as_u16()),
        Some(200)
    );
    let evicted = r#"seccomp_webhook_connections_closed_total{port="admission",reason="evicted"}"#;
    assert!(webhook.metric(evicted).await >= 1.0);
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_file_limit_is_raised_to_its_hard_limit() {
    let setup = Setup::new(WEBHOOK);
    let webhook = setup.start_with(&[], &[], Some("-S -n 256"));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", webhook.pid())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    // "Max open files <soft> <hard> files"
    assert_eq!(fields[3], fields[4], "{line}");
    assert_ne!(fields[3], "256", "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_port_times_out_unfinished_headers() {
    let webhook = Webhook::start(WEBHOOK, &["--request-timeout-seconds=2"]);
    let mut tcp = TcpStream::connect(webhook.metrics).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut tcp, CLOSE_BOUND).await,
        "half-sent headers keep the probe port connection"
    );
    // A connection that never sends anything is closed too.
    let mut silent = TcpStream::connect(webhook.metrics).await.unwrap();
    assert!(closed_within(&mut silent, CLOSE_BOUND).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_port_answers_while_every_admission_connection_is_busy() {
    let setup = Setup::new(WEBHOOK);
    let webhook = setup.start_with(&[], &[("SECCOMP_WEBHOOK_MAX_CONNECTIONS", "2")], None);
    let payload = pod_review("slow");
    let _busy = [
        crate::client::SlowPost::start(webhook.https, &webhook.ca_pem, &payload).await,
        crate::client::SlowPost::start(webhook.https, &webhook.ca_pem, &payload).await,
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;
    // No idle connection to close: a new admission connection is closed at once…
    let mut third = tls_connect(webhook.https, tls_config(&webhook.ca_pem, None, Proto::H1)).await;
    if let Ok(tls) = &mut third {
        assert!(closed_within(tls, CLOSE_BOUND).await);
    }
    // …while the probe port is not affected.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let reply = plain_get(webhook.metrics, path).await.unwrap();
        assert_eq!(reply.status, 200, "{path}");
    }
    let refused = r#"seccomp_webhook_connections_closed_total{port="admission",reason="refused"}"#;
    assert_eq!(webhook.metric(refused).await, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_http2_connection_gets_at_most_a_quarter_of_the_slots() {
    // 256 streams of one connection could hold all 256 slots.
    let webhook = Webhook::start(WEBHOOK, &["--max-concurrency=8"]);
    assert_eq!(
        h2_max_concurrent_streams(webhook.https, &webhook.ca_pem).await,
        Some(2)
    );
    let webhook = Webhook::start(WEBHOOK, &[]);
    assert_eq!(
        h2_max_concurrent_streams(webhook.https, &webhook.ca_pem).await,
        Some(4)
    );
}

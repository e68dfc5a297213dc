//! Replays the attacks of issue 10 against a running seccomp-webhook while
//! probing it as the API server and the kubelet would. Driven by
//! bench/webhook-stress.sh, which also reads the server's peak RSS.
//!
//! `stress ADDR METRICS_ADDR CA_FILE DEPLOYMENT_JSON SECONDS ATTACK[,ATTACK...]`
//! prints one line: `probe_reviews=.. probe_failed=.. probe_max_ms=..
//! health=.. health_failed=.. health_max_ms=.. attacker=<status:count,...>`.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attacks;
mod h2raw;
mod net;
mod payloads;
mod probe;

use seccomp_test_support::client;

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use net::{Proto, Target};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(
        args.len() == 7,
        "usage: {} ADDR METRICS CA DEPLOYMENT SECONDS ATTACKS",
        args[0]
    );
    // The attacker needs file descriptors too (12,000 connections).
    raise_open_files();
    let target = Target::new(
        args[1].parse().expect("ADDR"),
        args[2].parse().expect("METRICS"),
        &std::fs::read_to_string(&args[3]).expect("CA file"),
    );
    let deployment: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&args[4]).expect("deployment")).expect("JSON");
    let seconds: u64 = args[5].parse().expect("SECONDS");
    let attacks: Vec<String> = args[6].split(',').map(str::to_owned).collect();
    let runtime = |threads, nice: i32| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .on_thread_start(move || {
                // Linux: the calling thread's own nice level.
                let _ = rustix::process::setpriority_process(None, nice);
            })
            .enable_all()
            .build()
            .expect("runtime")
    };
    // The probe has its own runtime, so that the attacker's tasks do not delay
    // it, and its threads a higher priority than the attacker's where the two
    // share a CPU: it stands for the API server and the kubelet, which run on
    // machines of their own (the nice level needs root; without it the probe
    // shares the CPU evenly).
    let (probe_rt, attack_rt) = (runtime(1, -10), runtime(2, 0));

    // The attacks' payloads are built first (a 1M-container pod takes
    // seconds): an HTTP/1.1 connection idle for longer than the header
    // timeout is closed by the server, as any keep-alive connection is.
    let stats = attacks::Stats::default();
    let launches: Vec<_> = attacks
        .iter()
        .map(|a| attacks::prepare(a, &target, &stats))
        .collect();
    // The probe's connections are opened (and used once) right before the attack.
    let normal = payloads::normal(&deployment);
    let conns = probe_rt.block_on(async {
        let mut conns = Vec::new();
        for proto in [Proto::H2, Proto::H1] {
            let mut conn = target.conn(proto).await.expect("probe connection");
            assert_eq!(
                net::post(&mut conn, normal.clone()).await,
                Ok(200),
                "probe review before the attack"
            );
            conns.push((proto, conn));
        }
        conns
    });
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = JoinSet::new();
    {
        let _guard = attack_rt.enter();
        for launch in launches {
            launch(until, &mut tasks);
        }
    }
    let (reviews, health) = probe_rt.block_on(async {
        // Let the attack build up for a second before judging.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let reviews = tokio::spawn(probe::reviews(target.clone(), normal, conns, until));
        let health = tokio::spawn(probe::health(target.clone(), until));
        (reviews.await.expect("probe"), health.await.expect("health"))
    });
    attack_rt.block_on(async { tasks.abort_all() });
    println!(
        "probe_reviews={} probe_failed={} probe_max_ms={} probe_reopened={} health={} health_failed={} health_max_ms={} first_failure={:?} attacker={}",
        reviews.requests,
        reviews.late_or_failed,
        reviews.max.as_millis(),
        reviews.reopened,
        health.requests,
        health.late_or_failed,
        health.max.as_millis(),
        reviews.first_failure.or(health.first_failure).unwrap_or_default(),
        stats.summary()
    );
    attack_rt.shutdown_background();
}

fn raise_open_files() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
}

//! Planning cost versus the baseline of parsing the same document with serde_json.
//!
//! `cargo bench -p seccomp-core --bench plan`; the ratio plan/parse is what
//! BENCHMARKS.md records (target: below 0.25), and "parse relevant + plan"
//! against the full parse shows what the webhook's pruned parse saves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use seccomp_core::{parse_relevant, plan, Policy};
use serde_json::Value;
use std::hint::black_box;

const DEPLOYMENT: &str = include_str!("data/deployment.json");
const LEGACY_POD: &str = include_str!("data/legacy-pod.json");

fn bench(c: &mut Criterion) {
    let policy = Policy::default();
    for (name, text) in [("deployment-4k", DEPLOYMENT), ("legacy-pod-3c", LEGACY_POD)] {
        let object: Value = serde_json::from_str(text).expect("bench document parses");
        assert!(
            !plan(&object, &policy).is_noop(),
            "{name}: the bench document must need a fix"
        );
        let mut group = c.benchmark_group(name);
        group.bench_function("parse (baseline)", |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(text)).expect("parses"))
        });
        group.bench_function("plan", |b| {
            b.iter(|| plan(black_box(&object), black_box(&policy)))
        });
        // What the webhook does per request: parse only the relevant keys, then plan.
        group.bench_function("parse relevant + plan", |b| {
            b.iter(|| {
                let pruned = parse_relevant(black_box(text), &policy, &[]).expect("parses");
                plan(&pruned.value, black_box(&policy))
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

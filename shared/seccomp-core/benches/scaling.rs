//! How planning scales with the size of a pod: pods of n containers, each with
//! a legacy container annotation (issue 10, "Quadratic CPU"). Linear planning
//! costs the same per container at every n; the time per container is what
//! BENCHMARKS.md records.
//!
//! `cargo bench -p seccomp-core --bench scaling`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use seccomp_core::{plan, Policy, CONTAINER_ANNOTATION_PREFIX};
use serde_json::{json, Map, Value};
use std::hint::black_box;

fn annotated_pod(n: usize) -> Value {
    let mut annotations = Map::new();
    let containers: Vec<Value> = (0..n)
        .map(|i| {
            let key = format!("{CONTAINER_ANNOTATION_PREFIX}c{i}");
            annotations.insert(key, json!("runtime/default"));
            json!({"name": format!("c{i}"), "image": "busybox"})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "annotations": annotations},
           "spec": {"containers": containers}})
}

fn bench(c: &mut Criterion) {
    let policy = Policy::default();
    let mut group = c.benchmark_group("annotated-containers");
    group.sample_size(10);
    for n in [1_000, 4_000, 16_000] {
        let pod = annotated_pod(n);
        assert_eq!(plan(&pod, &policy).patch.0.len(), 2 * n + 2);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("plan", n), &pod, |b, pod| {
            b.iter(|| plan(black_box(pod), black_box(&policy)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

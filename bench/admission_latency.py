"""Creation latency of Pods through kube-apiserver, three ways in one run.

Run by bench/admission.sh inside scripts/k8s-up.sh (it reads the control
plane's address and admin certificate from the environment k8s-up.sh
exports). Creates PODS Pods in each of the namespaces given as NAME=NAMESPACE,
interleaved (every round creates one Pod per namespace, in a shuffled order,
over one keep-alive HTTPS connection), and prints p50/p99 of the creation
latency per namespace and the ratios to the first one (the baseline).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import ssl
import statistics
import sys
import time
from urllib.parse import urlparse

WARMUP = 20


def pod(name: str) -> bytes:
    """A typical Pod without seccomp: both mutators set the pod-level profile."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench"}, "annotations": {"team": "perf"}},
        "spec": {
            "containers": [
                {"name": "app", "image": "registry.example/app:1.0",
                 "ports": [{"name": "http", "containerPort": 8080}],
                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                 "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False}},
                {"name": "sidecar", "image": "registry.example/proxy:2.1"},
            ],
        },
    }).encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    pods = int(sys.argv[1])
    targets = [arg.split("=", 1) for arg in sys.argv[2:]]
    pki = os.path.join(os.environ["SECCOMP_E2E_DIR"], "pki")
    server = urlparse(os.environ["SECCOMP_E2E_SERVER"])
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
    conn = http.client.HTTPSConnection(server.hostname, server.port, context=ctx, timeout=30)
    latencies: dict[str, list[float]] = {name: [] for name, _ in targets}
    order = list(targets)
    rng = random.Random(14)
    for i in range(WARMUP + pods):
        rng.shuffle(order)
        for name, namespace in order:
            body = pod(f"bench-{i}")
            start = time.perf_counter()
            conn.request("POST", f"/api/v1/namespaces/{namespace}/pods", body,
                         {"Content-Type": "application/json", "Accept": "application/json"})
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 201:
                print(f"{name}: pod {i}: HTTP {response.status}: {data[:300]!r}", file=sys.stderr)
                return 1
            stored = json.loads(data)
            profile = stored["spec"].get("securityContext", {}).get("seccompProfile")
            if (profile is not None) != (name != targets[0][0]):
                print(f"{name}: pod {i}: unexpected seccompProfile {profile}", file=sys.stderr)
                return 1
            if i >= WARMUP:
                latencies[name].append(elapsed * 1000)
    base = targets[0][0]
    base_p50 = statistics.median(latencies[base])
    base_p99 = percentile(latencies[base], 99)
    print(f"{pods} Pods per mode (after {WARMUP} warm-up each), interleaved, one keep-alive connection")
    print("| mode | p50 ms | p99 ms | p50 / no mutator | p99 / no mutator |")
    print("|---|---|---|---|---|")
    for name, _ in targets:
        p50 = statistics.median(latencies[name])
        p99 = percentile(latencies[name], 99)
        print(f"| {name} | {p50:.2f} | {p99:.2f} | {p50 / base_p50:.2f} | {p99 / base_p99:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

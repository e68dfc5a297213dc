"""Shared helpers of the chart tests: rendering with the real Helm engine,
the value combinations under test, and small accessors for rendered objects."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import json

import helm_python as helm
from helm_python import _native
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "seccomp-defaulter"
RELEASE = "sd"
NAMESPACE = "seccomp-system"

# Oldest Kubernetes minor the chart supports (Chart.yaml kubeVersion, docs/operations.md).
# The newest is the newest schema kubernetes-validate ships (see test_kubernetes_schemas.py).
OLDEST_SUPPORTED = "1.27"

# Value combinations rendered by every generic test (schema, lint, Kubernetes
# schemas, pod security, namespace exclusion).
SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "cert-manager": {"certManager": {"enabled": True}},
    "cert-manager-issuer": {
        "certManager": {
            "enabled": True,
            "issuerRef": {"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"},
        }
    },
    "custom-exclusions": {
        "webhook": {
            "excludeNamespaces": ["monitoring", "istio-system"],
            "optOutLabel": "example.com/no-seccomp-default",
            "namespaceSelectorExpressions": [
                {"key": "team", "operator": "NotIn", "values": ["legacy"]}
            ],
            "objectSelectorExpressions": [{"key": "app.kubernetes.io/managed-by", "operator": "Exists"}],
        }
    },
    "failure-ignore": {"webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 12}},
    "metrics-networkpolicy": {
        "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
        "networkPolicy": {
            "enabled": True,
            "metricsFrom": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
            ],
        },
    },
    "pods-only": {"podsOnly": True},
    "everything-else": {
        "replicaCount": 3,
        "podAntiAffinity": "hard",
        "image": {"repository": "registry.example/seccomp-webhook", "digest": "sha256:" + "ab" * 32},
        "policy": {
            "defaultProfile": {"type": "Localhost", "localhostProfile": "profiles/default.json"},
            "unconfined": "harden",
            "keepAnnotations": True,
            "customKinds": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "resource": "rollouts",
                    "podSpecPointer": "/spec/template/spec",
                },
                {
                    "apiVersion": "apps.kruise.io",
                    "kind": "CloneSet",
                    "resource": "clonesets",
                    "podSpecPointer": "/spec/template/spec",
                },
            ],
        },
        "clientCASecret": "apiserver-client-ca",
        "maxBodyBytes": 4194304,
        "priorityClassName": "system-cluster-critical",
        "logging": {"format": "text", "level": "debug"},
        "tls": {"secretName": "custom-tls"},
    },
    "single-replica": {"replicaCount": 1},
}


def render(
    values: dict[str, Any] | None = None,
    *,
    name: str = RELEASE,
    namespace: str = NAMESPACE,
    kube_version: str | None = None,
) -> dict[str, str]:
    """Render the chart like `helm template` does (no cluster: lookup is empty).
    kube_version sets .Capabilities.KubeVersion, as `helm template --kube-version`."""
    with helm.Chart.load(CHART) as chart:
        if kube_version is None:
            return chart.render(copy.deepcopy(values or {}), name=name, namespace=namespace)
        # helm-python-sdk 0.2.2's render() has no kube_version keyword, but its
        # native call takes the option (it is how lint passes it).
        opts = {"name": name, "namespace": namespace, "kube_version": kube_version}
        rendered = _native.call_string("helm_render", chart._raw(), json.dumps(values or {}), json.dumps(opts))
        manifests: dict[str, str] = json.loads(rendered)
        return manifests


def objects(manifests: dict[str, str]) -> list[dict[str, Any]]:
    """Every Kubernetes object in a render, NOTES.txt left out."""
    out: list[dict[str, Any]] = []
    for path, text in sorted(manifests.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        out.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return out


def of_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o.get("kind") == kind]


def one(objs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = of_kind(objs, kind)
    assert len(found) == 1, f"expected exactly one {kind}, found {len(found)}"
    return found[0]


def flag_values(container: dict[str, Any]) -> dict[str, str | None]:
    """`--name=value` / `--name` arguments of a container as {name: value|None}."""
    flags: dict[str, str | None] = {}
    for arg in container.get("args", []):
        assert arg.startswith("--"), f"unexpected positional argument {arg!r}"
        name, sep, value = arg[2:].partition("=")
        flags[name] = value if sep else None
    return flags


def webhook_container(objs: list[dict[str, Any]]) -> dict[str, Any]:
    containers = one(objs, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def port_of(addr: str) -> int:
    """Port of `host:port` / `[v6]:port`."""
    return int(addr.rsplit(":", 1)[1])

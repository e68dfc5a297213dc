"""The policy ConfigMap (§7), ServiceMonitor, NetworkPolicy and NOTES."""

from __future__ import annotations

from typing import Any

import yaml

from chartlib import NAMESPACE, one, render
from repo_sources import policy_keys


def policy_of(objs: list[dict[str, Any]]) -> dict[str, Any]:
    cm = one(objs, "ConfigMap")
    assert list(cm["data"]) == ["policy.yaml"]
    loaded: dict[str, Any] = yaml.safe_load(cm["data"]["policy.yaml"])
    return loaded


def test_policy_keys_are_exactly_the_core_policy_fields(rendered: dict[str, list[dict[str, Any]]]) -> None:
    keys = policy_keys()
    for objs in rendered.values():
        assert set(policy_of(objs)) == keys


def test_default_policy(default_objs: list[dict[str, Any]]) -> None:
    assert policy_of(default_objs) == {
        "defaultProfile": {"type": "RuntimeDefault"},
        "migrateAnnotations": True,
        "keepAnnotations": False,
        "unconfined": "keep",
        "skipAnnotation": "seccomp-defaulter.io/skip",
        "customKinds": [],
    }


def test_policy_from_values(rendered: dict[str, list[dict[str, Any]]]) -> None:
    policy = policy_of(rendered["everything-else"])
    assert policy["defaultProfile"] == {"type": "Localhost", "localhostProfile": "profiles/default.json"}
    assert policy["unconfined"] == "harden" and policy["keepAnnotations"] is True
    # `resource` is a policy key too (the core ignores it; admission-policy needs it).
    assert policy["customKinds"] == [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "resource": "rollouts",
         "podSpecPointer": "/spec/template/spec"},
        {"apiVersion": "apps.kruise.io", "kind": "CloneSet", "resource": "clonesets",
         "podSpecPointer": "/spec/template/spec"},
    ]


def test_localhost_profile_is_dropped_with_runtime_default() -> None:
    from chartlib import objects

    objs = objects(render({"policy": {"defaultProfile": {"type": "RuntimeDefault", "localhostProfile": "x.json"}}}))
    assert policy_of(objs)["defaultProfile"] == {"type": "RuntimeDefault"}


def test_optional_objects_are_off_by_default(default_objs: list[dict[str, Any]]) -> None:
    kinds = {o["kind"] for o in default_objs}
    assert kinds == {
        "Deployment", "Service", "ServiceAccount", "ConfigMap", "Secret",
        "MutatingWebhookConfiguration", "PodDisruptionBudget",
    }
    assert one(default_objs, "ServiceAccount")["automountServiceAccountToken"] is False


def test_service_monitor_and_network_policy(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objs = rendered["metrics-networkpolicy"]
    service = one(objs, "Service")
    pod_labels = one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"]

    sm = one(objs, "ServiceMonitor")
    assert sm["metadata"]["labels"]["release"] == "prometheus"
    assert sm["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert sm["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    endpoint = sm["spec"]["endpoints"][0]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}

    np = one(objs, "NetworkPolicy")
    assert np["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert set(np["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert np["spec"]["egress"] == []
    by_port = {rule["ports"][0]["port"]: rule for rule in np["spec"]["ingress"]}
    assert "from" not in by_port["https"]  # the API server may come from anywhere
    assert by_port["metrics"]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_notes_explain_how_to_check() -> None:
    notes = render({})["seccomp-defaulter/templates/NOTES.txt"]
    assert "rollout status deployment/sd-seccomp-defaulter" in notes
    assert "--dry-run=server" in notes and "seccompProfile" in notes
    assert "failurePolicy: Fail" in notes
    assert "pods only" in render({"podsOnly": True})["seccomp-defaulter/templates/NOTES.txt"]

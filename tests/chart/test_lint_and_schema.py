"""`helm lint --strict` and values.schema.json, with the real Helm engine."""

from __future__ import annotations

import json
from typing import Any

import helm_python as helm
import pytest
import yaml

from chartlib import CHART, NAMESPACE, SCENARIOS, render


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_lint_strict_is_clean(scenario: str) -> None:
    report = helm.lint(CHART, SCENARIOS[scenario], strict=True, namespace=NAMESPACE)
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    # Severity 1 is INFO ("icon is recommended"); warnings and errors fail.
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert problems == []


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_values_pass_the_schema(scenario: str) -> None:
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(SCENARIOS[scenario])


BROKEN_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "unknown failurePolicy": ({"webhook": {"failurePolicy": "Sometimes"}}, "failurePolicy"),
    "timeout above the API server maximum": ({"webhook": {"timeoutSeconds": 31}}, "timeoutSeconds"),
    "replicas as text": ({"replicaCount": "two"}, "replicaCount"),
    "misspelt top-level key": ({"podOnly": True}, "podOnly"),
    "misspelt nested key": ({"webhook": {"excludeNamespace": ["x"]}}, "excludeNamespace"),
    "unknown policy key": ({"policy": {"bogus": True}}, "bogus"),
    "unknown default profile type": ({"policy": {"defaultProfile": {"type": "Unconfined"}}}, "type"),
    "absolute localhost profile": (
        {"policy": {"defaultProfile": {"type": "Localhost", "localhostProfile": "/etc/p.json"}}},
        "localhostProfile",
    ),
    "localhost profile with ..": (
        {"policy": {"defaultProfile": {"type": "Localhost", "localhostProfile": "a/../b.json"}}},
        "localhostProfile",
    ),
    "custom kind without resource": (
        {"policy": {"customKinds": [{"apiVersion": "x.io/v1", "kind": "X", "podSpecPointer": "/spec"}]}},
        "resource",
    ),
    "namespace that is not a DNS label": ({"webhook": {"excludeNamespaces": ["Not_A_Namespace"]}}, "excludeNamespaces"),
    "privileged container port": ({"containerPort": 443}, "containerPort"),
    "unconfined mode": ({"policy": {"unconfined": "allow"}}, "unconfined"),
    "unknown mode": ({"mode": "policy"}, "mode"),
    "unknown admission policy failurePolicy": ({"admissionPolicy": {"failurePolicy": "Warn"}}, "failurePolicy"),
    "webhook url over plain http": ({"webhook": {"url": "http://127.0.0.1:8443/mutate"}}, "url"),
    "webhook url with a query": ({"webhook": {"url": "https://127.0.0.1:8443/mutate?x=1"}}, "url"),
    "webhook url with user info": ({"webhook": {"url": "https://user@127.0.0.1/mutate"}}, "url"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_VALUES))
def test_broken_values_fail_the_schema(case: str) -> None:
    values, key = BROKEN_VALUES[case]
    with helm.Chart.load(CHART) as chart:
        with pytest.raises(helm.HelmValuesError) as err:
            chart.validate_schema(values)
    assert key in str(err.value)
    # An install/template of the same values stops before rendering anything.
    with pytest.raises(helm.HelmValuesError):
        render(values)


def test_localhost_without_profile_fails_to_render() -> None:
    with pytest.raises(helm.HelmRenderError, match="localhostProfile is required"):
        render({"policy": {"defaultProfile": {"type": "Localhost"}}})


def test_grace_period_must_exceed_shutdown_delay() -> None:
    with pytest.raises(helm.HelmRenderError, match="terminationGracePeriodSeconds"):
        render({"shutdownDelaySeconds": 30, "terminationGracePeriodSeconds": 30})


def _schema_paths(schema: dict[str, Any], root: dict[str, Any], prefix: str = "") -> set[str]:
    """Dotted paths of every property the schema declares (following local $refs)."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    paths: set[str] = set()
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        paths.add(path)
        paths |= _schema_paths(sub, root, path + ".")
    return paths


def _value_paths(values: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, sub in values.items():
        path = f"{prefix}{name}"
        paths.add(path)
        if isinstance(sub, dict) and sub and name not in _FREE_FORM:
            paths |= _value_paths(sub, path + ".")
    return paths


# Maps whose keys are user data (labels, selectors, quantities), not chart settings.
_FREE_FORM = {"nodeSelector", "requests", "limits", "labels", "annotations", "podAnnotations", "podLabels", "affinity"}


def test_schema_declares_every_value_in_values_yaml() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    declared = _schema_paths(schema, schema)
    missing = sorted(_value_paths(values) - declared)
    assert missing == []
    # And nothing in the schema that values.yaml forgot (undocumented settings).
    documented = _value_paths(values)
    undocumented = sorted(
        p for p in declared - documented
        if p != "global" and not p.startswith(("policy.customKinds.", "certManager.issuerRef."))
        and p.rsplit(".", 1)[0] not in {"resources"}
    )
    assert undocumented == []

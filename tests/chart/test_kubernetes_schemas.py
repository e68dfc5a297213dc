"""Every rendered object against the Kubernetes OpenAPI schemas (strict: unknown
fields fail) of every supported minor version, oldest to newest."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from kubernetes_validate import utils as kv
from packaging.version import Version

from chartlib import NAMESPACE, OLDEST_SUPPORTED, SCENARIOS

# Custom resources: kubernetes-validate has no schema for them; their shape
# is checked by the TLS and metrics tests instead.
CUSTOM_KINDS = {
    ("cert-manager.io/v1", "Issuer"),
    ("cert-manager.io/v1", "Certificate"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}
CLUSTER_SCOPED = {"MutatingWebhookConfiguration"}


def _minor(version: str) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}.{minor}"


NEWEST_SUPPORTED = _minor(kv.latest_version())
SUPPORTED = sorted(
    {_minor(v) for v in kv.all_versions() if Version(v) >= Version(OLDEST_SUPPORTED)},
    key=Version,
)


def test_supported_range_is_at_least_1_27_to_1_37() -> None:
    assert SUPPORTED[0] == OLDEST_SUPPORTED == "1.27"
    assert Version(NEWEST_SUPPORTED) >= Version("1.37")
    assert len(SUPPORTED) >= 11


def _validate(obj: dict[str, Any], version: str) -> None:
    # kubernetes-validate falls back to an older schema for unknown versions:
    # make sure the schema of exactly this version was used.
    assert kv.validate(obj, version, strict=True) == version


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_rendered_objects_are_valid(rendered: dict[str, list[dict[str, Any]]], scenario: str, version: str) -> None:
    objs = rendered[scenario]
    assert objs, "render produced no object"
    for obj in objs:
        key = (obj["apiVersion"], obj["kind"])
        if key in CUSTOM_KINDS:
            assert obj["metadata"]["name"] and obj["spec"], key
        else:
            _validate(obj, version)
        if obj["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"] == NAMESPACE, key


def test_validation_really_rejects_unknown_fields(default_objs: list[dict[str, Any]]) -> None:
    """The validator is not a no-op: a misplaced field fails for both ends of the range."""
    for obj in default_objs:
        if obj["kind"] == "Deployment":
            broken = copy.deepcopy(obj)
            broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]["seccompProfil"] = {}
            for version in (SUPPORTED[0], SUPPORTED[-1]):
                with pytest.raises(kv.ValidationError):
                    _validate(broken, version)
            return
    pytest.fail("no Deployment rendered")

"""The webhook's own pods: Pod Security Standards `restricted` (seccomp rule
above all) and the hardening the chart promises."""

from __future__ import annotations

from typing import Any

import pytest

from chartlib import SCENARIOS

ALLOWED_POD_PROFILES = {"RuntimeDefault", "Localhost"}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def restricted_seccomp_violations(spec: dict[str, Any]) -> list[str]:
    """PSS restricted, seccomp: the pod sets RuntimeDefault/Localhost, or every
    container does; no container sets Unconfined (or anything else)."""
    problems = []
    pod_type = ((spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
    if pod_type is not None and pod_type not in ALLOWED_POD_PROFILES:
        problems.append(f"pod seccompProfile.type={pod_type}")
    for group in CONTAINER_LISTS:
        for c in spec.get(group) or []:
            ctype = ((c.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
            if ctype is None:
                if pod_type is None:
                    problems.append(f"{group}/{c.get('name')}: no seccompProfile at pod or container level")
            elif ctype not in ALLOWED_POD_PROFILES:
                problems.append(f"{group}/{c.get('name')}: seccompProfile.type={ctype}")
    return problems


def pod_templates(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for obj in objs:
        kind = obj["kind"]
        if kind == "Pod":
            found.append((kind, obj["spec"]))
        elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}:
            found.append((kind, obj["spec"]["template"]["spec"]))
        elif kind == "CronJob":
            found.append((kind, obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return found


def test_checker_flags_what_restricted_forbids() -> None:
    assert restricted_seccomp_violations({"containers": [{"name": "a"}]})
    assert restricted_seccomp_violations(
        {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}
    )
    assert restricted_seccomp_violations(
        {
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}],
        }
    )
    assert not restricted_seccomp_violations(
        {"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]}
    )


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_pod_template_passes_restricted_seccomp(rendered: dict[str, list[dict[str, Any]]], scenario: str) -> None:
    templates = pod_templates(rendered[scenario])
    assert templates, "no pod template rendered"
    for kind, spec in templates:
        assert restricted_seccomp_violations(spec) == [], kind


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_webhook_pod_is_hardened(rendered: dict[str, list[dict[str, Any]]], scenario: str) -> None:
    for _, spec in pod_templates(rendered[scenario]):
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert "hostNetwork" not in spec and "hostPID" not in spec and "hostIPC" not in spec
        for group in CONTAINER_LISTS:
            for c in spec.get(group) or []:
                sc = c["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False
                assert sc["readOnlyRootFilesystem"] is True
                assert sc["runAsNonRoot"] is True
                assert sc.get("privileged", False) is False
                assert sc["capabilities"]["drop"] == ["ALL"]
                assert "add" not in sc["capabilities"]
                assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
                for probe in ("livenessProbe", "readinessProbe"):
                    assert c[probe]["httpGet"]["port"] == "metrics"

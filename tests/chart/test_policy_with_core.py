"""The rendered policy file is accepted by the real core, and means what the
values say: each scenario's policy.yaml is fed to `seccomp-fix patch --config`
(the same Policy::from_yaml the webhook uses). Needs a built seccomp-fix:
`./scripts/test.sh` builds it (cargo test) before the chart tests; when none is
found every test here FAILS, naming it: a skipped test would hide a broken
policy file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartlib import REPO, SCENARIOS, one

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  template:
    metadata: {labels: {app: canary}}
    spec:
      containers: [{name: app, image: nginx}]
"""


def _seccomp_fix() -> Path | None:
    candidates = []
    if os.environ.get("SECCOMP_FIX_BIN"):
        candidates.append(Path(os.environ["SECCOMP_FIX_BIN"]))
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    candidates += [target / "debug" / "seccomp-fix", target / "release" / "seccomp-fix"]
    found = [c for c in candidates if c.is_file() and os.access(c, os.X_OK)]
    return found[0] if found else None


BINARY = _seccomp_fix()
MISSING = "no built seccomp-fix (run cargo build -p seccomp-fixer, or set SECCOMP_FIX_BIN)"


@pytest.fixture(autouse=True)
def _needs_seccomp_fix() -> None:
    if BINARY is None:
        pytest.fail(MISSING)


def patch_with(policy_text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text, encoding="utf-8")
    assert BINARY is not None, MISSING
    return subprocess.run(
        [str(BINARY), "patch", "--config", str(policy), "-"],
        input=MANIFEST, capture_output=True, text=True, timeout=60, check=False,
    )


def profiles_set(stdout: str) -> dict[str, list[Any]]:
    """kind -> the seccompProfile values its patch adds."""
    out: dict[str, list[Any]] = {}
    for line in stdout.splitlines():
        doc = json.loads(line)
        found = []
        for op in doc["patch"]:
            value = op.get("value")
            if isinstance(value, dict) and "seccompProfile" in value:
                found.append(value["seccompProfile"])
            elif op["path"].endswith("/seccompProfile"):
                found.append(value)
        out[doc["kind"]] = found
    return out


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_core_accepts_the_rendered_policy(rendered: dict[str, list[dict[str, Any]]], scenario: str, tmp_path: Path) -> None:
    policy_text = one(rendered[scenario], "ConfigMap")["data"]["policy.yaml"]
    result = patch_with(policy_text, tmp_path)
    assert result.returncode == 0, result.stderr
    profiles = profiles_set(result.stdout)
    policy = yaml.safe_load(policy_text)
    assert profiles["Deployment"] == [policy["defaultProfile"]]
    if any(k["kind"] == "Rollout" for k in policy["customKinds"]):
        assert profiles["Rollout"] == [policy["defaultProfile"]]
    else:
        assert profiles["Rollout"] == []


def test_localhost_default_reaches_the_core(rendered: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    policy_text = one(rendered["everything-else"], "ConfigMap")["data"]["policy.yaml"]
    profiles = profiles_set(patch_with(policy_text, tmp_path).stdout)
    assert profiles["Deployment"] == [{"type": "Localhost", "localhostProfile": "profiles/default.json"}]


def test_core_refuses_keys_the_chart_must_not_render(rendered: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    """Why the chart renders only the keys of §7 (customKinds[].resource
    is one since the admission policy needs it): the core refuses the others."""
    policy = yaml.safe_load(one(rendered["everything-else"], "ConfigMap")["data"]["policy.yaml"])
    assert policy["customKinds"][0]["resource"] == "rollouts"
    policy["customKinds"][0]["plural"] = "rollouts"
    result = patch_with(yaml.safe_dump(policy), tmp_path)
    assert result.returncode != 0
    assert "plural" in result.stderr

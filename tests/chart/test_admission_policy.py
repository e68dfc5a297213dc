"""mode: admissionPolicy (docs/admission-policy.md): the chart installs the
policies seccomp-fix generated, not the webhook; its bindings select what the
webhook configuration selects; it refuses a policy it was not generated from
and clusters older than 1.36."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kv

from chartlib import CHART, REPO, SCENARIOS, objects, of_kind, one, render

FILES = CHART / "files"
POLICY_KINDS = {"MutatingAdmissionPolicy", "ValidatingAdmissionPolicy"}
ALL_KINDS = POLICY_KINDS | {"MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicyBinding"}


def policy_mode(values: dict[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    v = copy.deepcopy(values or {})
    v["mode"] = "admissionPolicy"
    return objects(render(v, **kw))


def generated(name: str) -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all((FILES / name).read_text(encoding="utf-8")) if d]
    return {d["kind"]: d for d in docs}


def seccomp_fix() -> Path:
    """The seccomp-fix binary ./scripts/test.sh built (cargo test) before the chart tests."""
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    for candidate in [Path(os.environ.get("SECCOMP_FIX_BIN", "")), target / "debug" / "seccomp-fix"]:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("no seccomp-fix binary: build it (cargo build -p seccomp-fixer) or set SECCOMP_FIX_BIN")


def test_only_the_policies_and_their_bindings_are_rendered() -> None:
    objs = policy_mode()
    assert sorted(o["kind"] for o in objs) == sorted(ALL_KINDS)
    # The webhook mode of the same values renders none of them.
    assert not [o for o in objects(render({})) if o["kind"] in ALL_KINDS]


@pytest.mark.parametrize("pods_only", [False, True])
def test_the_policies_are_the_generated_files(pods_only: bool) -> None:
    want = generated("admission-policy-pods-only.yaml" if pods_only else "admission-policy.yaml")
    objs = policy_mode({"podsOnly": pods_only})
    for kind in POLICY_KINDS:
        got = one(objs, kind)
        assert got["spec"] == {**want[kind]["spec"], **({"failurePolicy": "Fail"} if kind.startswith("Mutating") else {})}
        assert got["metadata"]["annotations"] == want[kind]["metadata"]["annotations"]
        assert got["metadata"]["labels"]["app.kubernetes.io/instance"] == "sd"
    assert one(objs, "MutatingAdmissionPolicy")["metadata"]["name"] == "sd-seccomp-defaulter"
    assert one(objs, "ValidatingAdmissionPolicy")["metadata"]["name"] == "sd-seccomp-defaulter-warnings"


def test_failure_policy_comes_from_values() -> None:
    objs = policy_mode({"admissionPolicy": {"failurePolicy": "Ignore"}})
    assert one(objs, "MutatingAdmissionPolicy")["spec"]["failurePolicy"] == "Ignore"
    # The warnings never block.
    assert one(objs, "ValidatingAdmissionPolicy")["spec"]["failurePolicy"] == "Ignore"


def test_bindings_point_at_the_policies_warn_and_audit() -> None:
    objs = policy_mode()
    assert one(objs, "MutatingAdmissionPolicyBinding")["spec"]["policyName"] == "sd-seccomp-defaulter"
    vapb = one(objs, "ValidatingAdmissionPolicyBinding")
    assert vapb["spec"]["policyName"] == "sd-seccomp-defaulter-warnings"
    assert vapb["spec"]["validationActions"] == ["Warn", "Audit"]


@pytest.mark.parametrize("scenario", ["default", "custom-exclusions", "pods-only"])
def test_bindings_select_what_the_webhook_selects(scenario: str) -> None:
    values = SCENARIOS[scenario]
    webhook = one(objects(render(values)), "MutatingWebhookConfiguration")["webhooks"][0]
    objs = policy_mode(values)
    for kind in ["MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicyBinding"]:
        match = one(objs, kind)["spec"]["matchResources"]
        assert match["namespaceSelector"] == webhook["namespaceSelector"], kind
        assert match["objectSelector"] == webhook["objectSelector"], kind


def _rules(rules: list[dict[str, Any]]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """(group, version, resource, operations) of admission rules."""
    return {
        (g, v, r, tuple(sorted(rule["operations"])))
        for rule in rules
        for g in rule["apiGroups"]
        for v in rule["apiVersions"]
        for r in rule["resources"]
    }


@pytest.mark.parametrize("pods_only", [False, True])
def test_the_policies_match_the_requests_the_webhook_gets(pods_only: bool) -> None:
    webhook = one(objects(render({"podsOnly": pods_only})), "MutatingWebhookConfiguration")["webhooks"][0]
    objs = policy_mode({"podsOnly": pods_only})
    for kind in POLICY_KINDS:
        constraints = one(objs, kind)["spec"]["matchConstraints"]
        assert constraints["matchPolicy"] == webhook["matchPolicy"] == "Equivalent"
        assert _rules(constraints["resourceRules"]) == _rules(webhook["rules"]), kind


def test_older_clusters_are_refused_with_a_clear_message() -> None:
    with pytest.raises(Exception, match=r"mode admissionPolicy needs Kubernetes 1.36 or later .* the cluster is v1.35.4: use mode webhook"):
        policy_mode(kube_version="v1.35.4")
    assert policy_mode(kube_version="v1.36.0")
    # The webhook mode still installs there.
    assert one(objects(render({}, kube_version="v1.35.4")), "MutatingWebhookConfiguration")


def test_policy_values_it_was_not_generated_from_are_refused() -> None:
    with pytest.raises(Exception, match=r"generated from another policy than \.Values\.policy .*seccomp-fix admission-policy --config"):
        policy_mode({"policy": {"unconfined": "harden"}})
    with pytest.raises(Exception, match=r"generated with pods-only false but podsOnly is true"):
        policy_mode({"podsOnly": True, "admissionPolicy": {"generated": (FILES / "admission-policy.yaml").read_text()}})


def test_a_generated_policy_for_other_values_is_used(tmp_path: Path) -> None:
    values = copy.deepcopy(SCENARIOS["everything-else"])
    policy = yaml.safe_load(one(objects(render(values)), "ConfigMap")["data"]["policy.yaml"])
    config = tmp_path / "policy.yaml"
    config.write_text(yaml.safe_dump(policy), encoding="utf-8")
    result = subprocess.run([str(seccomp_fix()), "admission-policy", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    values["admissionPolicy"] = {"failurePolicy": "Fail", "generated": result.stdout}
    objs = policy_mode(values)
    mutating = one(objs, "MutatingAdmissionPolicy")
    want = {d["kind"]: d for d in yaml.safe_load_all(result.stdout) if d}
    assert mutating["spec"] == want["MutatingAdmissionPolicy"]["spec"]
    # The custom kinds' plurals reach matchConstraints.
    resources = {r for rule in mutating["spec"]["matchConstraints"]["resourceRules"] for r in rule["resources"]}
    assert {"rollouts", "clonesets"} <= resources
    # ... and the webhook rules of the same values hold the same requests.
    webhook = one(objects(render(SCENARIOS["everything-else"])), "MutatingWebhookConfiguration")["webhooks"][0]
    assert _rules(mutating["spec"]["matchConstraints"]["resourceRules"]) == _rules(webhook["rules"])


@pytest.mark.parametrize("version", ["1.36", "1.37"])
def test_rendered_objects_match_the_kubernetes_schemas(version: str) -> None:
    if version not in {".".join(v.split(".")[:2]) for v in kv.all_versions()}:
        pytest.fail(f"kubernetes-validate has no {version} schema")
    for obj in policy_mode():
        assert kv.validate(obj, version, strict=True) == version


def test_lint_strict_is_clean() -> None:
    import helm_python as helm

    report = helm.lint(CHART, {"mode": "admissionPolicy"}, strict=True, kube_version="v1.37.0")
    assert report["errors"] == [] and not [m for m in report["messages"] if m["severity"] >= 2]


def test_notes_name_the_mode() -> None:
    notes = render({"mode": "admissionPolicy"})["seccomp-defaulter/templates/NOTES.txt"]
    assert "admission policy (no webhook)" in notes and "rollout status" not in notes
    assert of_kind(policy_mode(), "Deployment") == []

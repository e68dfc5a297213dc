"""The Dockerfile cannot be built here (no container engine): check that it is
coherent with the workspace and the chart instead."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from chartlib import REPO, one, webhook_container

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
IGNORED = [
    line.strip()
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
WORKSPACE = tomllib.loads((REPO / "Cargo.toml").read_text(encoding="utf-8"))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def test_builder_meets_the_workspace_rust_version() -> None:
    builder = re.search(r"^ARG RUST_VERSION=(\S+)$", DOCKERFILE, re.M)
    assert builder, "Dockerfile pins no RUST_VERSION"
    assert _version(builder.group(1)) >= _version(WORKSPACE["workspace"]["package"]["rust-version"])


def test_builds_the_workspace_packages_that_hold_the_binaries() -> None:
    build = re.search(r"cargo build ([^;\n]*)", DOCKERFILE)
    assert build, "no cargo build in the Dockerfile"
    packages = set(re.findall(r"-p ([A-Za-z0-9_-]+)", build.group(1)))
    assert packages == {"seccomp-webhook", "seccomp-fixer"}
    bins = {}
    for member in WORKSPACE["workspace"]["members"]:
        manifest = tomllib.loads((REPO / member / "Cargo.toml").read_text(encoding="utf-8"))
        name = manifest["package"]["name"]
        bins[name] = {b["name"] for b in manifest.get("bin", [])} or {name}
    assert bins["seccomp-webhook"] == {"seccomp-webhook"}
    assert "seccomp-fix" in bins["seccomp-fixer"]
    assert "--locked" in DOCKERFILE and "--release" in DOCKERFILE


def test_context_keeps_every_workspace_member() -> None:
    for member in WORKSPACE["workspace"]["members"]:
        for pattern in IGNORED:
            assert not (member == pattern or member.startswith(pattern.rstrip("/") + "/")), (member, pattern)
    for needed in ("Cargo.toml", "Cargo.lock"):
        assert needed not in IGNORED
    assert "target" in IGNORED and ".git" in IGNORED


def test_runtime_image_matches_the_chart(default_objs: list[dict[str, Any]]) -> None:
    final_stage = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert final_stage.startswith("gcr.io/distroless/static")
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', final_stage, re.M)
    assert entry and entry.group(1) == "/usr/local/bin/seccomp-webhook"
    assert "/usr/local/bin/" in final_stage and "seccomp-fix" in final_stage
    user = re.search(r"^USER (\d+):(\d+)$", final_stage, re.M)
    assert user, "the image must run as a numeric non-root user"
    pod = one(default_objs, "Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert (pod["runAsUser"], pod["runAsGroup"]) == (int(user.group(1)), int(user.group(2))) != (0, 0)
    exposed = {int(p) for p in re.findall(r"^EXPOSE (.+)$", final_stage, re.M)[0].split()}
    ports = {p["containerPort"] for p in webhook_container(default_objs)["ports"]}
    assert exposed == ports

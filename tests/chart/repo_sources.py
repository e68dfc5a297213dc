"""What the chart must agree with, read from the project's Rust sources so
that the tests catch drift: the webhook's command-line flags and defaults
(clap derive attributes in webhook/src) and the policy keys (serde struct in
shared/seccomp-core/src/policy.rs). A source that cannot be read fails the
tests: there is no fallback list to drift from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chartlib import REPO

MUTATE_PATH = "/mutate"
POLICY_SOURCE = ("shared", "seccomp-core", "src", "policy.rs")

# `#[arg(...)]` (possibly multi-line) followed by the field it annotates.
_ARG_FIELD = re.compile(
    r"#\[arg\((?P<args>(?:[^\[\]]|\[[^\]]*\])*?)\)\]\s*(?:#\[[^\]]*\]\s*)*"
    r"(?:pub(?:\([^)]*\))?\s+)?(?P<field>[a-z_][a-z0-9_]*)\s*:",
    re.S,
)
_DEFAULT = re.compile(r"\bdefault_value\s*=\s*\"(?P<v>[^\"]*)\"")
_DEFAULT_T = re.compile(r"\bdefault_value_t\s*=\s*(?P<v>[^,)]+)")


@dataclass
class WebhookSource:
    """Flags (kebab-case) the webhook declares, with their literal defaults."""

    found: bool
    flags: dict[str, str | None] = field(default_factory=dict)
    text: str = ""

    def default(self, flag: str) -> str:
        assert self.found, "no clap #[arg(long ...)] flags found in webhook/src"
        assert flag in self.flags, f"webhook/src declares no --{flag} flag"
        value = self.flags[flag]
        assert value is not None, f"--{flag} has no literal default in webhook/src"
        return value


def _rust_files(folder: str) -> list[str]:
    root = REPO / folder
    if not root.is_dir():
        return []
    return [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.rs"))]


def webhook_source() -> WebhookSource:
    text = "\n".join(_rust_files("webhook/src"))
    flags: dict[str, str | None] = {}
    for m in _ARG_FIELD.finditer(text):
        args = m.group("args")
        if not re.search(r"\blong\b", args):
            continue
        default = _DEFAULT.search(args) or _DEFAULT_T.search(args)
        flags[m.group("field").replace("_", "-")] = default.group("v").strip() if default else None
    return WebhookSource(found=bool(flags), flags=flags, text=text)


def policy_keys() -> set[str]:
    """camelCase keys of `pub struct Policy` (serde rename_all = camelCase)."""
    path = REPO.joinpath(*POLICY_SOURCE)
    assert path.is_file(), f"{path} not found: the core's policy moved, update POLICY_SOURCE"
    text = path.read_text(encoding="utf-8")
    m = re.search(r"pub struct Policy\s*\{(?P<body>.*?)\n\}", text, re.S)
    assert m, f"{path} declares no `pub struct Policy`"
    assert 'rename_all = "camelCase"' in text[: m.start()].rsplit("#[derive", 1)[-1], (
        "Policy is no longer serde camelCase: update the chart's policy ConfigMap"
    )
    fields = re.findall(r"^\s*pub\s+([a-z_][a-z0-9_]*)\s*:", m.group("body"), re.M)
    keys = {re.sub(r"_([a-z])", lambda c: c.group(1).upper(), f) for f in fields}
    return keys

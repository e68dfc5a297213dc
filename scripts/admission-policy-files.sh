#!/usr/bin/env bash
# Regenerates the files that hold `seccomp-fix admission-policy` output: the
# chart's files/admission-policy*.yaml, the golden file of a non-default
# policy and the copy in docs/admission-policy.md. The tests in
# fixer-cli/tests/integration/admission_policy.rs fail until they match;
# read the diff (git diff) before committing: golden files are reviewed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --locked -p seccomp-fixer
fix="${CARGO_TARGET_DIR:-target}/debug/seccomp-fix"
unset SECCOMP_FIX_CONFIG
"$fix" admission-policy >charts/seccomp-defaulter/files/admission-policy.yaml
"$fix" admission-policy --pods-only >charts/seccomp-defaulter/files/admission-policy-pods-only.yaml
golden=fixer-cli/tests/data/admission-policy
"$fix" admission-policy --config "$golden/custom.policy.yaml" --name seccomp --exclude-namespace monitoring \
  --opt-out-label example.com/no-seccomp --failure-policy Ignore >"$golden/custom.out.yaml"
python3 - docs/admission-policy.md charts/seccomp-defaulter/files/admission-policy.yaml <<'PY'
import sys
doc_path, generated_path = sys.argv[1:]
doc = open(doc_path, encoding="utf-8").read()
marker = "<!-- generated: seccomp-fix admission-policy -->\n```yaml\n"
start = doc.index(marker) + len(marker)
end = doc.index("```", start)
open(doc_path, "w", encoding="utf-8").write(doc[:start] + open(generated_path, encoding="utf-8").read() + doc[end:])
PY
git status --short charts/seccomp-defaulter/files "$golden" docs/admission-policy.md

#!/usr/bin/env bash
# The e2e tests (docs/e2e.md): builds seccomp-webhook and seccomp-fix (cargo,
# debug profile), the Go-built tools (cached, scripts/go-tools.sh), starts one
# control plane (scripts/k8s-up.sh) and runs `go test` in tests/e2e against
# it. Extra arguments go to `go test`, e.g. scripts/e2e.sh -run TestReinvocation.
# On failure the run folder with every log is kept and its path printed.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== e2e: cargo build (seccomp-webhook, seccomp-fix)"
cargo build --locked -q -p seccomp-webhook -p seccomp-fixer
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
export SECCOMP_E2E_WEBHOOK="$target/debug/seccomp-webhook" SECCOMP_E2E_FIXER="$target/debug/seccomp-fix"

echo "== e2e: control plane and go test"
exec scripts/k8s-up.sh -- bash -c 'cd tests/e2e && go test -count=1 -timeout 15m -v "$@" ./...' e2e "$@"

#!/usr/bin/env bash
# The one test command (README, .ci/run): formatting, lints, every Rust test,
# the chart tests in a local Python venv, and the e2e tests against a real
# control plane built from Go modules (docs/e2e.md). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# No incremental caches: they double the debug target on disk and a CI run
# starts cold anyway.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
shopt -s nullglob
for fuzz_crate in */fuzz/Cargo.toml */*/fuzz/Cargo.toml; do
  cargo fmt --manifest-path "$fuzz_crate" -- --check
done
shopt -u nullglob

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== real clients of the KRM tests: kpt, kubectl v1.37 (Go-built, cached)"
command -v go >/dev/null 2>&1 || { echo "test.sh: 'go' not found: Go 1.26+ builds kubectl and the e2e control plane (docs/e2e.md)" >&2; exit 2; }
kube_line="$(scripts/go-tools.sh kube)"
export SECCOMP_TEST_KUBECTL="${kube_line#kube }/kubectl"
# kpt ships with the machine image; its Go module cannot be built here
# (docs/e2e.md, "Real clients"), so a missing kpt fails the run by name.
SECCOMP_TEST_KPT="${SECCOMP_TEST_KPT:-$(command -v kpt || true)}"
if [ -z "$SECCOMP_TEST_KPT" ]; then
  echo "test.sh: kpt not found on PATH (nor SECCOMP_TEST_KPT): the KRM tests need it; install kpt (github.com/kptdev/kpt v1.0.0-beta.61 cannot be built from the Go module proxy: its module github.com/kptdev/kpt/rollouts is not served)" >&2
  exit 2
fi
export SECCOMP_TEST_KPT

echo "== cargo test"
cargo test --workspace --locked

echo "== fix-only seccomp-fix (--no-default-features: no audit, so no kube, tokio or rustls)"
cargo clippy -p seccomp-fixer --no-default-features --all-targets --locked -- -D warnings
fix_only_tree=$(cargo tree -p seccomp-fixer --no-default-features -e normal --locked)
if grep -E "kube|tokio|rustls" <<<"$fix_only_tree"; then
  echo "the fix-only build depends on the crates above; it must not" >&2
  exit 1
fi

echo "== seccomp-webhook --features bench (the baseline of bench/webhook.sh), --no-default-features (the library webhook/fuzz builds)"
cargo clippy -p seccomp-webhook --features bench --all-targets --locked -- -D warnings
cargo clippy -p seccomp-webhook --no-default-features --all-targets --locked -- -D warnings

# Every cargo-fuzz target for 60 s (installs the pinned cargo-fuzz into the
# cache when missing; see scripts/fuzz.sh and docs/fuzzing.md).
echo "== fuzz smoke"
scripts/fuzz.sh 60

if [ -x scripts/chart-tests.sh ]; then
  echo "== chart tests"
  scripts/chart-tests.sh
fi

echo "== gofmt, go vet (tests/e2e)"
unformatted="$(gofmt -l tests/e2e)"
if [ -n "$unformatted" ]; then
  echo "gofmt: not formatted:" >&2
  echo "$unformatted" >&2
  exit 1
fi
(cd tests/e2e && go vet ./...)

echo "== e2e tests (real control plane; Go tools built into the cache on the first run)"
scripts/e2e.sh
echo "== all tests passed"

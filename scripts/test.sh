#!/usr/bin/env bash
# The one test command (README, .ci/run): formatting, lints, every Rust test,
# and the chart tests in a local Python venv. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== fix-only seccomp-fix (--no-default-features: no audit, so no kube, tokio or rustls)"
cargo clippy -p seccomp-fixer --no-default-features --all-targets --locked -- -D warnings
fix_only_tree=$(cargo tree -p seccomp-fixer --no-default-features -e normal --locked)
if grep -E "kube|tokio|rustls" <<<"$fix_only_tree"; then
  echo "the fix-only build depends on the crates above; it must not" >&2
  exit 1
fi

if [ -x scripts/chart-tests.sh ]; then
  echo "== chart tests"
  scripts/chart-tests.sh
fi
echo "== all tests passed"

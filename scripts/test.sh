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

if [ -x scripts/chart-tests.sh ]; then
  echo "== chart tests"
  scripts/chart-tests.sh
fi
echo "== all tests passed"

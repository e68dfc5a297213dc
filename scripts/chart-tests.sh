#!/usr/bin/env bash
# Chart tests: render, lint and validate charts/seccomp-defaulter with a real
# Helm v4 engine (helm-python-sdk) and the Kubernetes schemas of
# kubernetes-validate. Self-contained: creates .venv (gitignored) with the
# pinned tests/chart/requirements.txt, reinstalling only when that file
# changes. Needs python3.11+ and PyPI. Exits non-zero on any failure,
# including "no test collected".
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "chart-tests: need Python >= 3.10 (set PYTHON=...)" >&2
  exit 2
fi

VENV=.venv
REQ=tests/chart/requirements.txt
STAMP="$VENV/.chart-requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]; then
  echo "chart-tests: installing $REQ into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQ"
  echo "$want" >"$STAMP"
fi

set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/chart "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "chart-tests: pytest collected no tests" >&2
  exit 1
fi
exit "$status"

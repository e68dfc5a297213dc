#!/usr/bin/env bash
# scripts/fuzz.sh SECONDS [TARGET...]
#
# Runs every cargo-fuzz target for SECONDS each (or only the TARGETs named),
# FUZZ_PARALLEL targets at a time (default: the number of CPUs), and fails
# when any of them crashed, timed out or went past the memory limit below.
# A target is any [[bin]] of a fuzz crate: every `*/fuzz/Cargo.toml` and
# `*/*/fuzz/Cargo.toml` (fixer-cli/fuzz, shared/seccomp-core/fuzz,
# shared/lossless-yaml/fuzz, ...) is found, so adding a target is adding a
# file under its crate's fuzz_targets/ and a [[bin]] entry; adding a crate
# is adding a `<folder>/fuzz/` or `<folder>/<crate>/fuzz/` made like the
# others.
#
# No nightly toolchain can be installed here: the stable toolchain builds
# the targets with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags) and
# --sanitizer none (the code is #![forbid(unsafe_code)]; AddressSanitizer
# would only slow the search). Debug assertions stay on (cargo-fuzz's
# default), so arithmetic overflow is a crash.
#
# cargo-fuzz itself is installed, pinned, into the cache when missing. The
# build directory and the growing corpora live in the cache too, outside
# git: ${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-defaulter/. Seeds come from
# the golden files. Crashes are written to <crate>/fuzz/artifacts/<target>/
# (ignored by git); every one found becomes a regression test named after
# the bug (see docs/fuzzing.md).
#
# Environment: FUZZ_PARALLEL (default nproc) targets run side by side;
# FUZZ_JOBS (default 1) runs that many libFuzzer workers per target;
# FUZZ_NICE (default 0) is the nice level for long background runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift

CARGO_FUZZ_VERSION=0.13.2
cache="${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-defaulter"
tool_root="$cache/cargo-fuzz-$CARGO_FUZZ_VERSION"
if ! [ -x "$tool_root/bin/cargo-fuzz" ]; then
  echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION into $tool_root"
  cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$tool_root"
fi
export PATH="$tool_root/bin:$PATH"
export RUSTC_BOOTSTRAP=1
target_dir="$cache/fuzz-target"
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-0}

# Seeds of a target (read-only corpus directories besides the cache's own):
# <crate>/fuzz/seeds/<target>/ if it exists, and the fixer's golden files
# for the YAML targets.
seeds_for() {
  local crate_dir=$1 target=$2
  if [ -d "$crate_dir/seeds/$target" ]; then echo "$crate_dir/seeds/$target"; fi
  case "$target" in
    yaml_* | edit_patch) echo "fixer-cli/tests/data/golden" ;;
  esac
}

root=$(pwd)
host=$(rustc -vV | sed -n 's/^host: //p')
parallel=()
if [ "$jobs" -gt 1 ]; then
  parallel=(-jobs="$jobs" -workers="$jobs")
fi
# Build every selected target first (cargo-fuzz holds the build lock), then
# run the fuzzers themselves, FUZZ_PARALLEL at a time (default: one per CPU),
# each for SECONDS: the smoke run of every target costs SECONDS x targets /
# CPUs of wall time. `cargo fuzz run` is not used: it holds the build
# directory's lock for as long as the fuzzer runs.
selected=()
shopt -s nullglob
for manifest in */fuzz/Cargo.toml */*/fuzz/Cargo.toml; do
  crate_dir=$(dirname "$manifest")
  # `cargo fuzz list` reads the crate's [[bin]] targets.
  for target in $(cd "$crate_dir/.." && cargo fuzz list); do
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$target"; then
      continue
    fi
    echo "== build fuzz target $target ($crate_dir)"
    (cd "$crate_dir/.." && cargo fuzz build "$target" --sanitizer none --target-dir "$target_dir")
    selected+=("$crate_dir:$target")
  done
done
ran=${#selected[@]}

run_one() {
  local crate_dir=$1 target=$2 corpus artifacts dir
  corpus="$cache/corpus/$target"
  artifacts="$root/$crate_dir/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  local seeds=()
  for dir in $(seeds_for "$crate_dir" "$target"); do seeds+=("$root/$dir"); done
  nice -n "$nice_level" "$target_dir/$host/release/$target" \
    -artifact_prefix="$artifacts/" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    ${parallel[@]+"${parallel[@]}"} "$corpus" ${seeds[@]+"${seeds[@]}"} \
    >"$logs/$target.log" 2>&1
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
at_once=${FUZZ_PARALLEL:-$(nproc)}
failed=()
pids=()
names=()
reap() {
  local i
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      echo "== fuzz ${names[$i]}: ok ($(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$logs/${names[$i]}.log" | grep -Eo '[0-9]+$' || echo '?') runs)"
    else
      echo "== fuzz ${names[$i]}: FAILED; its log:" >&2
      cat "$logs/${names[$i]}.log" >&2
      failed+=("${names[$i]}")
    fi
  done
  pids=()
  names=()
}
for entry in ${selected[@]+"${selected[@]}"}; do
  crate_dir=${entry%%:*}
  target=${entry#*:}
  echo "== fuzz $target for ${seconds}s"
  run_one "$crate_dir" "$target" &
  pids+=($!)
  names+=("$target")
  if [ "${#pids[@]}" -ge "$at_once" ]; then reap; fi
done
reap
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: crashed, timed out or leaked: ${failed[*]} (inputs in <crate>/fuzz/artifacts/<target>/)" >&2
  exit 1
fi
if [ $# -gt 0 ] && [ "$ran" -ne $# ]; then
  echo "fuzz.sh: some of the named targets do not exist: $*" >&2
  exit 2
fi
if [ "$ran" -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 2
fi
echo "== fuzzed $ran targets for ${seconds}s each"

#!/usr/bin/env bash
# CLI benchmark: `seccomp-fix fix --check` and `seccomp-fix fix` (on a copy)
# against a baseline, in the same run, of merely reading and parsing every
# file with the same YAML parser (the bench-only program
# fixer-cli/examples/parse_baseline.rs: the same walk, saphyr-parser events,
# rayon over files, no tree, no planning).
#
# Usage: bench/cli.sh [CORPUS_DIR] [COPIES] [RUNS]
#   CORPUS_DIR  manifests to use (default ../shared/corpus, the team corpus beside the checkout); never modified
#   COPIES      how many copies of it go into the temp tree (default 1)
#   RUNS        repetitions per measurement, the best wall time is kept (default 3)
# Reports files/s, MB/s, peak RSS (/usr/bin/time -v) and the ratio to the
# baseline. Needs GNU time (`apt-get install time`).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:-../shared/corpus}
copies=${2:-1}
runs=${3:-3}
[ -d "$corpus" ] || { echo "no corpus directory: $corpus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

cargo build --release -q -p seccomp-fixer --bin seccomp-fix --example parse_baseline
bin="${CARGO_TARGET_DIR:-target}/release/seccomp-fix"
baseline="${CARGO_TARGET_DIR:-target}/release/examples/parse_baseline"

# Charts: per test chart, the bare `helm template` of the chart (the
# baseline), `fix --check` of the chart as it is (it needs a fix: each value
# set rendered twice, the edits traced, rendered again to verify) and of the
# fixed chart (rendered once per value set). `renders` is the number of
# `helm template` runs and `helm_share` the part of the time they take
# (renders x bare / total): what dominates. Helm: $HELM, else the tools
# cache (scripts/go-tools.sh helm4), else `helm` on PATH.
helm_bin=${HELM:-}
if [ -z "$helm_bin" ] && [ -x scripts/go-tools.sh ]; then
  helm_bin="$(scripts/go-tools.sh helm4 2>/dev/null | awk '$1 == "helm4" {print $2 "/helm"}')" || true
fi
[ -n "$helm_bin" ] || helm_bin=$(command -v helm || true)
# Charts in the corpus are rendered with it too.
[ -z "$helm_bin" ] || export SECCOMP_FIX_HELM="$helm_bin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree"
for i in $(seq 1 "$copies"); do
  cp -r "$corpus" "$work/tree/copy$i"
done
tree="$work/tree"
files=$(find "$tree" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
bytes=$(find "$tree" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
cat $(find "$tree" -type f) > /dev/null # warm the page cache

# One timed run: prints "wall_s cpu_s peak_rss_kb".
timed() {
  /usr/bin/time -v -o "$work/time.txt" "$@" > /dev/null 2>&1 || true
  awk -F': ' '
    /Elapsed \(wall clock\)/ {n=split($2,p,":"); w=0; for(i=1;i<=n;i++) w=w*60+p[i]}
    /User time/ {u=$2} /System time/ {s=$2} /Maximum resident set size/ {m=$2}
    END {print w, u+s, m}' "$work/time.txt"
}

# The three measurements run interleaved, RUNS times; the best wall time of
# each is kept (with its CPU time and peak RSS), so a burst of load on the
# shared machine hits all three alike.
declare -A best
names=(parse check fix)
for _ in $(seq 1 "$runs"); do
  for name in "${names[@]}"; do
    case $name in
      parse) r=$(timed "$baseline" "$tree") ;;
      check) r=$(timed "$bin" fix --check --no-progress "$tree") ;;
      fix)
        rm -rf "$work/copy"; cp -r "$tree" "$work/copy"; sync
        r=$(timed "$bin" fix --no-progress "$work/copy") ;;
    esac
    if [ -z "${best[$name]:-}" ] || awk -v a="${r%% *}" -v b="${best[$name]%% *}" 'BEGIN {exit !(a < b)}'; then
      best[$name]=$r
    fi
  done
done

changed=$("$bin" fix --check --no-progress "$tree" | tail -1 || true)
# Sanity: the fixed copy has nothing left to fix.
rc=0; "$bin" fix --check --no-progress "$work/copy" > /dev/null || rc=$?
[ "$rc" -eq 0 ] || { echo "fix --check on the fixed copy exited $rc" >&2; exit 1; }
echo "corpus: $corpus x$copies = $files files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}') MB; $(nproc) cores; best of $runs"
echo "check says: $changed; on the fixed copy: exit 0"
printf '%-6s %8s %8s %9s %8s %9s %10s %10s\n' what wall_s cpu_s files/s MB/s RSS_MB wall_ratio cpu_ratio
read -r base_wall base_cpu _ <<< "${best[parse]}"
for name in "${names[@]}"; do
  echo "$name ${best[$name]}" | awk -v f="$files" -v b="$bytes" -v bw="$base_wall" -v bc="$base_cpu" '{
    printf "%-6s %8.2f %8.2f %9.0f %8.1f %9.1f %10.2f %10.2f\n", $1, $2, $3, f/$2, b/1e6/$2, $4/1024, $2/bw, $3/bc }'
done

if [ -z "$helm_bin" ]; then
  echo "charts: no helm (set HELM=...), chart benchmark not run"
  exit 0
fi
echo
echo "charts: $("$helm_bin" version --short 2>/dev/null); best of $runs"
printf '%-14s %4s %9s %9s %9s %8s %8s %10s\n' chart sets bare_s check_s clean_s renders ratio helm_share
for chart in fixer-cli/tests/data/charts/{scaffold-v4,nested-values,literal,with-ci,legacy} examples/helm-chart; do
  name=$(basename "$chart")
  rm -rf "$work/chart"; cp -r "$chart" "$work/chart"
  sets=$((1 + $(find "$work/chart" -path '*/ci/*-values.yaml' | wc -l)))
  bare=; check=; clean=
  for _ in $(seq 1 "$runs"); do
    b=$( (cd "$work/chart" && timed "$helm_bin" template release-name .) | cut -d' ' -f1)
    c=$(timed "$bin" fix --check --helm "$helm_bin" "$work/chart" | cut -d' ' -f1)
    [ -z "$bare" ] || awk -v a="$b" -v m="$bare" 'BEGIN {exit !(a < m)}' && bare=$b
    [ -z "$check" ] || awk -v a="$c" -v m="$check" 'BEGIN {exit !(a < m)}' && check=$c
  done
  rm -rf "$work/fixed"; cp -r "$chart" "$work/fixed"
  "$bin" fix --helm "$helm_bin" "$work/fixed" > /dev/null
  for _ in $(seq 1 "$runs"); do
    k=$(timed "$bin" fix --check --helm "$helm_bin" "$work/fixed" | cut -d' ' -f1)
    [ -z "$clean" ] || awk -v a="$k" -v m="$clean" 'BEGIN {exit !(a < m)}' && clean=$k
  done
  renders=$((3 * sets))
  awk -v n="$name" -v s="$sets" -v b="$bare" -v c="$check" -v k="$clean" -v r="$renders" 'BEGIN {
    printf "%-14s %4d %9.3f %9.3f %9.3f %8d %8.2f %9.0f%%\n", n, s, b, c, k, r, c/(b*s), 100*r*b/c }'
done

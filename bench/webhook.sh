#!/usr/bin/env bash
# Webhook throughput and latency, with a baseline in the same run.
#
# Drives POST /mutate with a realistic ~5 KB Deployment AdmissionReview over TLS
# (HTTP/1.1 keep-alive, wrk) against
#   - subject : seccomp-webhook (parse, plan, patch, respond),
#   - baseline: the same code built with `--features bench`, run with its
#               --bench-fixed-response flag, which answers every /mutate with the
#               subject's own response bytes over the same TLS, HTTP, body-limit and
#               budget stack, skipping admission work. (The subject is the production
#               build: without the feature no request checks for a fixed response.)
# Rounds alternate baseline and subject; the median round counts. Then each server
# gets a paced run at half of its measured peak for p50/p99, and the peak RSS
# (VmHWM) of each process is read from /proc.
#
# Needs: wrk (apt-get install wrk), curl. Usage: bench/webhook.sh [seconds-per-run] [rounds]
# Env: CONNECTIONS (default 32), THREADS (wrk threads, default 2), OUT (default bench/out/webhook),
#      SUBJECT_FLAGS (extra webhook flags, e.g. "--log-level warn" to leave out the request log line),
#      PROFILE=1: after the measured rounds, one more peak run of each server under
#      `perf record` (needs perf), and a table of where each server's CPU per
#      request goes (bench/perf-split.awk). The measured rounds are not profiled.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10}"
ROUNDS="${2:-3}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
OUT="${OUT:-bench/out/webhook}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get update && apt-get install -y wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 2; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
rm -rf "$OUT" && mkdir -p "$OUT"
# Both builds write target/release/seccomp-webhook: each is copied out first.
cargo build --release --locked -p seccomp-webhook --features bench >&2
cp "$CARGO_TARGET_DIR/release/seccomp-webhook" "$OUT/seccomp-webhook-baseline"
cargo build --release --locked -p seccomp-webhook >&2
cp "$CARGO_TARGET_DIR/release/seccomp-webhook" "$OUT/seccomp-webhook"

# The request: the core benchmark's Deployment wrapped in an AdmissionReview.
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"4b1c9f3e-bench","kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},"namespace":"shop","name":"checkout","operation":"CREATE","userInfo":{"username":"system:serviceaccount:argocd:argocd-application-controller"},"dryRun":false,"object":%s}}' \
  "$(cat shared/seccomp-core/benches/data/deployment.json)" > "$OUT/request.json"

cat > "$OUT/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
local pause = tonumber(os.getenv("DELAY_MS") or "0")
if pause > 0 then
  function delay() return pause end
end
EOF

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME BINARY PORT [extra flags...] — starts a server, waits until it is ready, prints its pid.
start() {
  local name=$1 bin=$2 port=$3; shift 3
  "$bin" --dev-self-signed --listen-addr "127.0.0.1:$port" --metrics-addr "127.0.0.1:$((port + 1))" \
    --shutdown-delay-seconds 0 "$@" > "$OUT/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$((port + 1))/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    sleep 0.1
  done
  echo "$name did not become ready; log:" >&2; cat "$OUT/$name.log" >&2; exit 1
}

SUBJECT_PORT=18443
BASELINE_PORT=18543
# shellcheck disable=SC2086 # SUBJECT_FLAGS is a list of flags
SUBJECT_PID=$(start subject "$OUT/seccomp-webhook" $SUBJECT_PORT ${SUBJECT_FLAGS:-})
PIDS+=("$SUBJECT_PID")
curl -sk --fail "https://127.0.0.1:$SUBJECT_PORT/mutate" -H 'Content-Type: application/json' \
  --data-binary @"$OUT/request.json" > "$OUT/response.json"
grep -q '"patchType":"JSONPatch"' "$OUT/response.json" || { echo "subject returned no patch:" >&2; cat "$OUT/response.json" >&2; exit 1; }
BASELINE_PID=$(start baseline "$OUT/seccomp-webhook-baseline" $BASELINE_PORT --bench-fixed-response "$OUT/response.json")
PIDS+=("$BASELINE_PID")

# run NAME PORT SECONDS CONNECTIONS [DELAY_MS] — one wrk run; prints "rps p50_ms p99_ms".
run() {
  local name=$1 port=$2 secs=$3 conns=$4 delay=${5:-0} file
  file="$OUT/wrk-$name-$(date +%s%N).txt"
  BODY_FILE="$OUT/request.json" DELAY_MS=$delay wrk -t"$THREADS" -c"$conns" -d"${secs}s" --latency \
    -s "$OUT/post.lua" "https://127.0.0.1:$port/mutate" > "$file"
  if grep -q "Non-2xx" "$file"; then echo "$name: non-2xx responses:" >&2; cat "$file" >&2; exit 1; fi
  awk '
    function ms(v) { if (v ~ /us$/) return v * 0.001; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { n = $1 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, n }' "$file"
}

# Server CPU time (user + system) in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "warm-up" >&2
run baseline $BASELINE_PORT 2 "$CONNECTIONS" >/dev/null
run subject $SUBJECT_PORT 2 "$CONNECTIONS" >/dev/null
: > "$OUT/peak-baseline.txt"; : > "$OUT/peak-subject.txt"
BASE_T0=$(ticks "$BASELINE_PID"); SUBJ_T0=$(ticks "$SUBJECT_PID")
for round in $(seq "$ROUNDS"); do
  run baseline $BASELINE_PORT "$DURATION" "$CONNECTIONS" | tee -a "$OUT/peak-baseline.txt" | sed "s/^/round $round baseline: /" >&2
  run subject $SUBJECT_PORT "$DURATION" "$CONNECTIONS" | tee -a "$OUT/peak-subject.txt" | sed "s/^/round $round subject:  /" >&2
done
BASE_RPS=$(cut -d' ' -f1 "$OUT/peak-baseline.txt" | median)
SUBJ_RPS=$(cut -d' ' -f1 "$OUT/peak-subject.txt" | median)
# Server CPU per request over all peak rounds (clock ticks → µs), independent of wrk's share.
# cpu_per_request PID TICKS_BEFORE RUNS_FILE [DECIMALS]: µs of server CPU per request served.
cpu_per_request() {
  awk -v t0="$2" -v t1="$(ticks "$1")" -v hz="$(getconf CLK_TCK)" -v d="${4:-0}" \
    '{ n += $4 } END { printf "%.*f", d, (t1 - t0) * 1e6 / hz / n }' "$3"
}
BASE_CPU=$(cpu_per_request "$BASELINE_PID" "$BASE_T0" "$OUT/peak-baseline.txt")
SUBJ_CPU=$(cpu_per_request "$SUBJECT_PID" "$SUBJ_T0" "$OUT/peak-subject.txt")

# Half load: open loop is approximated by N connections that each wait 10 ms between
# requests (wrk's delay() has 1 ms granularity), N = half of the peak rate / 100.
half() {
  local name=$1 port=$2 peak=$3 conns
  conns=$(awk -v r="$peak" 'BEGIN { c = int(r / 2 / 100 + 0.5); print (c < 1 ? 1 : c) }')
  run "$name" "$port" "$DURATION" "$conns" 10
}
read -r BASE_HALF_RPS BASE_P50 BASE_P99 _ < <(half baseline $BASELINE_PORT "$BASE_RPS")
read -r SUBJ_HALF_RPS SUBJ_P50 SUBJ_P99 _ < <(half subject $SUBJECT_PORT "$SUBJ_RPS")

rss() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
BASE_RSS=$(rss "$BASELINE_PID")
SUBJ_RSS=$(rss "$SUBJECT_PID")
RATIO=$(awk -v s="$SUBJ_RPS" -v b="$BASE_RPS" 'BEGIN { printf "%.2f", s / b }')
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v < t; print ok ? "✔" : "✘" }'; }

cat <<EOF

| server | peak req/s (median of $ROUNDS) | server CPU per request | paced req/s | p50 at paced | p99 at paced | peak RSS |
|---|---|---|---|---|---|---|
| baseline (fixed response) | $BASE_RPS | ${BASE_CPU} µs | $BASE_HALF_RPS | ${BASE_P50} ms | ${BASE_P99} ms | ${BASE_RSS} MiB |
| seccomp-webhook | $SUBJ_RPS | ${SUBJ_CPU} µs | $SUBJ_HALF_RPS | ${SUBJ_P50} ms | ${SUBJ_P99} ms | ${SUBJ_RSS} MiB |

| target | measured | |
|---|---|---|
| throughput ≥ 70 % of baseline | ratio **$RATIO** | $(verdict "$RATIO" 0.70 ">=") |
| p99 < 5 ms at half of peak | ${SUBJ_P99} ms | $(verdict "$SUBJ_P99" 5 "<") |
| RSS < 40 MiB | ${SUBJ_RSS} MiB | $(verdict "$SUBJ_RSS" 40 "<") |

request $(wc -c < "$OUT/request.json") bytes, response $(wc -c < "$OUT/response.json") bytes; wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s per run; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)
EOF

[ "${PROFILE:-0}" = 1 ] || exit 0
command -v perf >/dev/null || { echo "PROFILE=1 needs perf" >&2; exit 2; }
# One more peak run per server under perf: its CPU per request, split by category.
profile() {
  local name=$1 port=$2 pid=$3 t0
  t0=$(ticks "$pid")
  perf record -q -F 997 -p "$pid" -o "$OUT/perf-$name.data" -- sleep "$DURATION" 2>/dev/null &
  local perf_pid=$!
  run "$name" "$port" "$DURATION" "$CONNECTIONS" > "$OUT/profiled-$name.txt"
  wait "$perf_pid"
  cpu_per_request "$pid" "$t0" "$OUT/profiled-$name.txt" 1 > "$OUT/cpu-$name.txt"
  perf report -i "$OUT/perf-$name.data" --stdio --no-children --sort dso,sym 2>/dev/null \
    | awk -f bench/perf-split.awk > "$OUT/split-$name.txt"
}
profile baseline $BASELINE_PORT "$BASELINE_PID"
profile subject $SUBJECT_PORT "$SUBJECT_PID"
BCPU=$(cat "$OUT/cpu-baseline.txt"); SCPU=$(cat "$OUT/cpu-subject.txt")
echo
echo "| where the CPU goes (perf, self time by symbol) | baseline µs/request | webhook µs/request | difference |"
echo "|---|---|---|---|"
awk -F'\t' -v bcpu="$BCPU" -v scpu="$SCPU" '
  FNR == 1 { file++ }
  file == 1 { base[$1] = $2; seen[$1] = 1 }
  file == 2 { subj[$1] = $2; seen[$1] = 1 }
  END {
    for (c in seen) {
      b = base[c] * bcpu / 100; s = subj[c] * scpu / 100
      printf "%.1f\t| %s | %.1f | %.1f | %+.1f |\n", s - b, c, b, s, s - b
    }
  }' "$OUT/split-baseline.txt" "$OUT/split-subject.txt" | sort -g -r | cut -f2-
echo "| **all** | **$BCPU** | **$SCPU** | **$(awk -v b="$BCPU" -v s="$SCPU" 'BEGIN { printf "%+.1f", s - b }')** |"

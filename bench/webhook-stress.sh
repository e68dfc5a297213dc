#!/usr/bin/env bash
# Replays the attacks of issue 10 against seccomp-webhook at its default
# settings and the chart's resources (128 MiB model, --request-timeout-seconds 5
# as the chart passes timeoutSeconds), one fresh server per attack, and reports
#   - peak RSS of the server (VmHWM) against the chart's 128 MiB limit,
#   - whether a well-formed review (the 5 KB benchmark Deployment), sent every
#     100 ms over HTTP/1.1 and HTTP/2 connections opened before the attack, was
#     always answered 200 within 1 s,
#   - whether /healthz on the probe port (a fresh connection every 500 ms, as
#     the kubelet probes) always answered within the kubelet's 2 s,
#   - what the attacker got back (status:count).
# The attack tool is webhook/examples/stress (cargo run --example stress).
#
# Usage: bench/webhook-stress.sh [seconds-per-attack] [attack ...]
#   attacks: see ATTACKS below; "all" runs every attack at once (twice: with the
#   machine's open-file limit and with nofile 1024).
# Env: OUT (default bench/out/webhook-stress), SERVER_FLAGS (extra webhook flags),
#   PIN (default 1 on a machine with 2 or more CPUs): the server runs on CPU 0
#   alone and the attacker with its probes on the others (taskset), as in a
#   cluster, where the attacker's clients do not run on the webhook's node;
#   PIN=0 lets them share every CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_ATTACK="${1:-10}"
shift || true
ATTACKS=(none containers-1m annotations-500k legacy-10k legacy-30k large-64 slow-large-64
  h2-streams-64 slow-256-h1 slow-256-h2 idle-tls idle-12k idle-1010 probe-slowloris content-length)
if [ "$#" -gt 0 ]; then ATTACKS=("$@"); fi
# Every attack at once ("all"): the 10k legacy pod is covered by the 30k one.
ALL=containers-1m,annotations-500k,legacy-30k,large-64,slow-large-64,h2-streams-64,slow-256-h1,slow-256-h2,idle-tls,idle-12k,probe-slowloris,content-length
OUT="${OUT:-bench/out/webhook-stress}"
LIMIT_MIB=128
command -v curl >/dev/null || { echo "curl not found" >&2; exit 2; }
CPUS=$(nproc)
PIN="${PIN:-$([ "$CPUS" -ge 2 ] && echo 1 || echo 0)}"
SERVER_CPUS=() ATTACKER_CPUS=()
if [ "$PIN" = 1 ]; then
  command -v taskset >/dev/null || { echo "taskset not found (PIN=0 runs without it)" >&2; exit 2; }
  SERVER_CPUS=(taskset -c 0) ATTACKER_CPUS=(taskset -c "1-$((CPUS - 1))")
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked -p seccomp-webhook --bin seccomp-webhook --example stress >&2
BIN="$CARGO_TARGET_DIR/release/seccomp-webhook"
STRESS="$CARGO_TARGET_DIR/release/examples/stress"
rm -rf "$OUT" && mkdir -p "$OUT"
# The attacker opens up to 12,000 connections of its own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

# run ATTACK NOFILE — one server, one attack; prints a table row.
run() {
  local attack=$1 nofile=$2 port=19443 log="$OUT/$1-$2.log" ca line rss
  (
    [ "$nofile" = default ] || ulimit -n "$nofile"
    # shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
    # As the chart's Deployment sets it (templates/deployment.yaml).
    export MIMALLOC_PURGE_DELAY="${MIMALLOC_PURGE_DELAY:-1}"
    exec ${SERVER_CPUS[@]+"${SERVER_CPUS[@]}"} "$BIN" --dev-self-signed --listen-addr "127.0.0.1:$port" --metrics-addr "127.0.0.1:$((port + 1))" \
      --request-timeout-seconds 5 --shutdown-delay-seconds 0 ${SERVER_FLAGS:-}
  ) > "$log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$((port + 1))/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  ca=$(sed -n 's/.*ca_file=\([^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$ca" ] || { echo "server did not start:" >&2; cat "$log" >&2; exit 1; }
  line=$(${ATTACKER_CPUS[@]+"${ATTACKER_CPUS[@]}"} "$STRESS" "127.0.0.1:$port" "127.0.0.1:$((port + 1))" "$ca" shared/seccomp-core/benches/data/deployment.json \
    "$SECONDS_PER_ATTACK" "$attack")
  rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status")
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  echo "$attack nofile=$nofile rss=$rss $line" >> "$OUT/raw.txt"
  awk -v a="$attack" -v n="$nofile" -v rss="$rss" -v lim="$LIMIT_MIB" -v line="$line" 'BEGIN {
    split(line, kv, " "); for (i in kv) { split(kv[i], p, "="); f[p[1]] = substr(kv[i], length(p[1]) + 2) }
    ok = (f["probe_failed"] == 0) ? "✔" : "✘"; hok = (f["health_failed"] == 0) ? "✔" : "✘"; mok = (rss < lim) ? "✔" : "✘"
    printf "| %s | %s | %s MiB %s | %s/%s late or failed, max %s ms %s | %s/%s, max %s ms %s | %s |\n",
      a, n, rss, mok, f["probe_failed"], f["probe_reviews"], f["probe_max_ms"], ok,
      f["health_failed"], f["health"], f["health_max_ms"], hok, f["attacker"] }'
}

echo "| attack | nofile | peak RSS (limit $LIMIT_MIB MiB) | normal review within 1 s | /healthz within 2 s | attacker saw |"
echo "|---|---|---|---|---|---|"
for attack in "${ATTACKS[@]}"; do
  case "$attack" in
    idle-1010) run "$attack" 1024 ;;
    all)
      run "$ALL" default
      run "$ALL" 1024
      ;;
    *) run "$attack" default ;;
  esac
done
echo
pinned="server and attacker share every CPU"
[ "$PIN" = 1 ] && pinned="server on CPU 0, attacker and probes on CPUs 1-$((CPUS - 1))"
echo "${SECONDS_PER_ATTACK}s per attack; $CPUS cores ($pinned), load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"

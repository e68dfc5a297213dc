#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 only, for the e2e tests and for
# debugging: etcd, kube-apiserver and kube-controller-manager, built from Go
# modules by scripts/go-tools.sh (cached), started, waited for, then COMMAND is
# run against it and everything is stopped by PID.
#
#   scripts/k8s-up.sh [--dir DIR] [--keep] [-- COMMAND [ARG...]]
#
# Without COMMAND an interactive shell is started. COMMAND's environment:
#   KUBECONFIG                admin kubeconfig (system:masters)
#   PATH                      starts with the v1.37 kubectl and helm (v4); helm3 too
#   SECCOMP_E2E_DIR           this run's folder: pki/, logs/, audit.log, kubeconfigs
#   SECCOMP_E2E_SERVER        https://127.0.0.1:PORT
#   SECCOMP_E2E_KUBECTL, SECCOMP_E2E_HELM, SECCOMP_E2E_HELM3, SECCOMP_E2E_ETCDCTL_ENDPOINT
#   SECCOMP_E2E_APISERVER_LOG, SECCOMP_E2E_KCM_LOG, SECCOMP_E2E_ETCD_LOG, SECCOMP_E2E_AUDIT_LOG
# The run folder (default: a new ${TMPDIR:-/tmp}/seccomp-e2e.XXXXXX) is removed
# when COMMAND succeeds, and kept, with its logs, when it fails, when a
# component dies, or with --keep. Exit status: COMMAND's, or 1 if the control
# plane did not come up (the failing component's log tail is printed).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

DIR=""
KEEP=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ "$#" -gt 0 ] || set -- "${SHELL:-bash}"

# --- tools (cached Go builds) -------------------------------------------------
declare -A BIN
while read -r tool dir; do BIN[$tool]="$dir"; done < <("$ROOT/scripts/go-tools.sh" kube etcd helm4 helm3)

if [ -z "$DIR" ]; then
  DIR="$(mktemp -d "${TMPDIR:-/tmp}/seccomp-e2e.XXXXXX")"
else
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
fi
PKI="$DIR/pki"
LOGS="$DIR/logs"
mkdir -p "$PKI" "$LOGS" "$DIR/bin"
ln -sf "${BIN[kube]}/kubectl" "$DIR/bin/kubectl"
ln -sf "${BIN[helm4]}/helm" "$DIR/bin/helm"
ln -sf "${BIN[helm3]}/helm" "$DIR/bin/helm3"

PIDS=()
STATUS=1
cleanup() {
  local pid i
  # Last started first (controller manager, API server, etcd), each awaited.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$STATUS" -eq 0 ] && [ "$KEEP" -eq 0 ]; then
    rm -rf "$DIR"
  else
    echo "k8s-up: logs kept in $DIR/logs (audit log: $DIR/audit.log)" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "k8s-up: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "--- last lines of $2" >&2
    tail -n 40 "$2" >&2
  fi
  exit 1
}

# Free loopback ports, chosen by the kernel and released just before use.
read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)
SERVER="https://127.0.0.1:$API_PORT"

# --- PKI: one CA; serving cert for 127.0.0.1; admin and controller-manager clients; SA keys
openssl_quiet() { openssl "$@" 2>>"$LOGS/openssl.log"; }
new_key() { openssl_quiet genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key"; }
new_key ca
openssl_quiet req -x509 -new -key "$PKI/ca.key" -subj "/CN=seccomp-e2e-ca" -days 2 -out "$PKI/ca.crt"
sign() { # name subject [extfile lines]
  local name="$1" subj="$2" ext="$3"
  new_key "$name"
  openssl_quiet req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr"
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl_quiet x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt"
}
sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign admin "/O=system:masters/CN=e2e-admin" "extendedKeyUsage=clientAuth"
sign kcm "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
new_key sa
openssl_quiet pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"

kubeconfig() { # file user
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster: {server: "$SERVER", certificate-authority: "$PKI/ca.crt"}
users:
  - name: $2
    user: {client-certificate: "$PKI/$2.crt", client-key: "$PKI/$2.key"}
contexts:
  - name: e2e
    context: {cluster: e2e, user: $2, namespace: default}
current-context: e2e
EOF
}
kubeconfig "$DIR/admin.kubeconfig" admin
kubeconfig "$DIR/kcm.kubeconfig" kcm

# Pods (and their subresources) at RequestResponse; workloads and webhook
# configurations at Metadata; nothing else (leases and events would drown it).
cat >"$DIR/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    resources: [{group: "", resources: ["pods", "pods/ephemeralcontainers"]}]
  - level: Metadata
    resources:
      - {group: "apps"}
      - {group: "batch"}
      - {group: "admissionregistration.k8s.io"}
  - level: None
EOF

# Client-go's round tripper logs every outgoing request with its URL at -v=6:
# --vmodule turns that on for that file only, so the API server and controller
# manager logs show every address they call (the loopback test reads them).
VMODULE="round_trippers=6"

start() { # name log cmd...
  local name="$1" log="$2"
  shift 2
  "$@" >"$log" 2>&1 &
  PIDS+=("$!")
  echo "k8s-up: started $name (pid $!), log $log" >&2
}
alive_or_fail() { # name pid log
  kill -0 "$2" 2>/dev/null || fail "$1 exited during start-up" "$3"
}

start etcd "$LOGS/etcd.log" "${BIN[etcd]}/etcd" \
  --name e2e --data-dir "$DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --log-level warn
ETCD_PID="${PIDS[-1]}"
for _ in $(seq 100); do
  alive_or_fail etcd "$ETCD_PID" "$LOGS/etcd.log"
  if (exec 3<>"/dev/tcp/127.0.0.1/$ETCD_PORT") 2>/dev/null; then break; fi
  sleep 0.1
done

# Default admission plugins (PodSecurity, MutatingAdmissionWebhook, ... are
# on by default); Node and RBAC authorization; secure port only;
# --allow-privileged as in real clusters (privileged pods are admitted unless
# Pod Security forbids them). The endpoint reconciler refuses a loopback
# advertise address; without it the "kubernetes" Service has no endpoints,
# which nothing here needs.
start kube-apiserver "$LOGS/kube-apiserver.log" "${BIN[kube]}/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --authorization-mode Node,RBAC --allow-privileged \
  --service-account-issuer "$SERVER" \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 \
  --endpoint-reconciler-type none \
  --audit-policy-file "$DIR/audit-policy.yaml" --audit-log-path "$DIR/audit.log" --audit-log-format json \
  --v 2 --vmodule "$VMODULE"
API_PID="${PIDS[-1]}"

curl_api() {
  curl -sS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$SERVER$1"
}
echo "k8s-up: waiting for $SERVER/readyz" >&2
ready=""
for _ in $(seq 600); do
  alive_or_fail kube-apiserver "$API_PID" "$LOGS/kube-apiserver.log"
  if [ "$(curl_api /readyz 2>/dev/null || true)" = ok ]; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || fail "kube-apiserver not ready after 60 s: $(curl_api '/readyz?verbose' 2>&1 | grep -v '\[+\]' | tr '\n' ' ')" "$LOGS/kube-apiserver.log"

start kube-controller-manager "$LOGS/kube-controller-manager.log" "${BIN[kube]}/kube-controller-manager" \
  --kubeconfig "$DIR/kcm.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
  --controllers serviceaccount,namespace,garbagecollector,deployment,replicaset,job,cronjob,clusterrole-aggregation \
  --use-service-account-credentials \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --leader-elect=false \
  --v 2 --vmodule "$VMODULE"
KCM_PID="${PIDS[-1]}"

# The serviceaccount controller creates "default" in every namespace; without
# it every Pod is rejected. Its appearance in "default" shows the manager works.
export KUBECONFIG="$DIR/admin.kubeconfig"
KUBECTL="$DIR/bin/kubectl"
for _ in $(seq 600); do
  alive_or_fail kube-controller-manager "$KCM_PID" "$LOGS/kube-controller-manager.log"
  if "$KUBECTL" get serviceaccount default -n default -o name >/dev/null 2>&1; then break; fi
  sleep 0.1
done
"$KUBECTL" get serviceaccount default -n default -o name >/dev/null 2>&1 ||
  fail "kube-controller-manager created no default ServiceAccount within 60 s" "$LOGS/kube-controller-manager.log"
echo "k8s-up: control plane ready at $SERVER ($("$KUBECTL" version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'))" >&2

export PATH="$DIR/bin:$PATH"
export SECCOMP_E2E_DIR="$DIR" SECCOMP_E2E_SERVER="$SERVER"
export SECCOMP_E2E_KUBECTL="$DIR/bin/kubectl" SECCOMP_E2E_HELM="$DIR/bin/helm" SECCOMP_E2E_HELM3="$DIR/bin/helm3"
export SECCOMP_E2E_ETCDCTL_ENDPOINT="http://127.0.0.1:$ETCD_PORT"
export SECCOMP_E2E_APISERVER_LOG="$LOGS/kube-apiserver.log" SECCOMP_E2E_KCM_LOG="$LOGS/kube-controller-manager.log"
export SECCOMP_E2E_ETCD_LOG="$LOGS/etcd.log" SECCOMP_E2E_AUDIT_LOG="$DIR/audit.log"

set +e
"$@"
STATUS=$?
set -e
for name_pid in "etcd:$ETCD_PID" "kube-apiserver:$API_PID" "kube-controller-manager:$KCM_PID"; do
  if ! kill -0 "${name_pid#*:}" 2>/dev/null; then
    echo "k8s-up: ${name_pid%%:*} died while the command ran" >&2
    [ "$STATUS" -ne 0 ] || STATUS=1
  fi
done
exit "$STATUS"

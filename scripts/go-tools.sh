#!/usr/bin/env bash
# Build the Go-made tools of the test suite from their pinned Go modules
# (tests/e2e/tools/<tool>/go.mod) into a cache outside git, once per
# tool + version + hash of its module files, Go version and build flags.
#
#   scripts/go-tools.sh TOOL...     TOOL: kube | etcd | helm4 | helm3 | all
#
# Prints one line per tool on stdout: "<tool> <bin dir>". Progress goes to
# stderr. A cached tool is reused in well under a second; a cold build prints
# its progress every 20 s. Cache root:
#   ${SECCOMP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-defaulter/tools}
# Exits non-zero, naming the tool, when a build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR=tests/e2e/tools
CACHE="${SECCOMP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-defaulter/tools}"

# Go's build cache for these builds is private to this run and removed when
# it ends: it grows to several GB for the control plane and nothing reads it
# again (the built binaries are the cache). SECCOMP_GOCACHE keeps one.
GOCACHE_RUN=""
if [ -n "${SECCOMP_GOCACHE:-}" ]; then
  export GOCACHE="$SECCOMP_GOCACHE"
else
  mkdir -p "$CACHE"
  GOCACHE_RUN="$(mktemp -d "$CACHE/.gocache.XXXXXX")"
  export GOCACHE="$GOCACHE_RUN"
fi

command -v go >/dev/null 2>&1 || { echo "go-tools: 'go' not found on PATH (Go 1.26+ is needed to build the e2e tools)" >&2; exit 2; }

# version MODULE: the version tests/e2e/tools/<tool>/go.mod requires.
module_version() {
  awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print ($1 == "require" ? $3 : $2); exit }' "$TOOLS_DIR/$1/go.mod"
}

# spec TOOL -> sets MAIN_MODULE, PKGS, LDFLAGS
spec() {
  local v major minor
  case "$1" in
    kube)
      MAIN_MODULE=k8s.io/kubernetes
      v="$(module_version kube k8s.io/kubernetes)"
      major="${v#v}"; major="${major%%.*}"
      minor="${v#v*.}"; minor="${minor%%.*}"
      PKGS="k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl"
      LDFLAGS="-s -w"
      # Without these /version says v0.0.0-master and the chart's kubeVersion fails.
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        LDFLAGS+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      done
      ;;
    etcd)
      MAIN_MODULE=go.etcd.io/etcd/server/v3
      PKGS="."
      LDFLAGS="-s -w"
      ;;
    helm4 | helm3)
      local n="${1#helm}"
      MAIN_MODULE="helm.sh/helm/v$n"
      v="$(module_version "$1" "$MAIN_MODULE")"
      PKGS="helm.sh/helm/v$n/cmd/helm"
      LDFLAGS="-s -w -X helm.sh/helm/v$n/internal/version.version=$v"
      if [ "$n" = 3 ]; then
        # Helm 3 takes the default Kubernetes version of `helm template` from ldflags.
        local kv kmin
        kv="$(module_version helm3 k8s.io/client-go)"
        kmin="${kv#v0.}"; kmin="${kmin%%.*}"
        for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
          LDFLAGS+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kmin"
        done
      fi
      ;;
    *)
      echo "go-tools: unknown tool '$1' (kube, etcd, helm4, helm3, all)" >&2
      exit 2
      ;;
  esac
}

TMP_BUILD=""
cleanup() {
  [ -z "$TMP_BUILD" ] || rm -rf "$TMP_BUILD"
  # Module cache files are read-only; the build cache's are not, but be sure.
  [ -z "$GOCACHE_RUN" ] || { chmod -R u+w "$GOCACHE_RUN" 2>/dev/null; rm -rf "$GOCACHE_RUN"; }
}
trap cleanup EXIT

build_one() {
  local tool="$1" dir="$TOOLS_DIR/$1" version key out tmp log start pid total status
  spec "$tool"
  version="$(module_version "$tool" "$MAIN_MODULE")"
  key="$( (go version; echo "$LDFLAGS"; echo "$PKGS"; cat "$dir"/go.mod "$dir"/go.sum "$dir"/*.go) | sha256sum | cut -c1-12)"
  out="$CACHE/$tool-$version-$key"
  if [ -f "$out/.complete" ]; then
    echo "$tool $out/bin"
    return 0
  fi
  mkdir -p "$CACHE"
  # One build per entry at a time: a second caller waits, then finds it done.
  exec 9>"$CACHE/.lock-$tool-$version-$key"
  if ! flock -n 9; then
    echo "go-tools: waiting for another build of $tool $version" >&2
    flock 9
  fi
  if [ -f "$out/.complete" ]; then
    exec 9>&-
    echo "$tool $out/bin"
    return 0
  fi
  tmp="$(mktemp -d "$CACHE/.build-$tool.XXXXXX")"
  TMP_BUILD="$tmp"
  log="$tmp/build.log"
  mkdir -p "$tmp/bin"
  start=$SECONDS
  total="$(cd "$dir" && go list -deps -f '{{if not .Standard}}x{{end}}' $PKGS 2>>"$log" | grep -c x || true)"
  echo "go-tools: building $tool $version ($MAIN_MODULE, ~$total packages) into $out" >&2
  # -v prints each package as it is compiled: the count is the progress.
  (cd "$dir" && go build -v -trimpath -ldflags "$LDFLAGS" -o "$tmp/bin/" $PKGS) >>"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null && sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "go-tools: $tool: $(grep -vc '^go: ' "$log" || true)/$total packages compiled, $((SECONDS - start)) s" >&2
    fi
  done
  status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "go-tools: building $tool failed (exit $status); last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  rm -rf "$out"
  mv "$tmp" "$out"
  TMP_BUILD=""
  touch "$out/.complete"
  exec 9>&-
  echo "go-tools: built $tool in $((SECONDS - start)) s: $(ls "$out/bin" | tr '\n' ' ')" >&2
  echo "$tool $out/bin"
}

[ "$#" -gt 0 ] || { echo "usage: scripts/go-tools.sh kube|etcd|helm4|helm3|all ..." >&2; exit 2; }
tools=()
for t in "$@"; do
  if [ "$t" = all ]; then tools+=(kube etcd helm4 helm3); else tools+=("$t"); fi
done
for t in "${tools[@]}"; do build_one "$t"; done

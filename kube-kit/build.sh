#!/usr/bin/env bash
# Builds the binaries the real-cluster tests run (kube-apiserver, etcd, kubectl, kube-controller-manager,
# kube-scheduler, kubelet, a static pause binary, kwok, and Prometheus with Kubernetes service discovery) from Go modules into a cache
# outside the repository, and prints the folder.
# Rebuilt only when the pins (go.mod, go.sum, this script, versions.env) change. Needs Go >= 1.24 on PATH.
#
#   kube-kit/build.sh            # build if needed, print the binary folder
#   DGAN_KUBE_CACHE=/some/dir    # where the cache lives (default ~/.cache/dgan-kube)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.env"
cache="${DGAN_KUBE_CACHE:-$HOME/.cache/dgan-kube}"
# kube-api-test's layout: <dir>/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}
bin="$cache/k8s/${KUBE_VERSION#v}-linux-amd64"
stamp="$bin/.pins"
pins="$(cat "$here/go.mod" "$here/go.sum" "$here/versions.env" "$here/build.sh" | sha256sum | cut -d' ' -f1)"
kwok_stages() {
  # kwok's own "fast" stages (node initialize, heartbeat with lease, pod ready/complete/delete), from its module.
  local src
  src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  [[ -d "$src" ]] || GOFLAGS=-mod=mod go mod download "sigs.k8s.io/kwok@$KWOK_VERSION"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cat "$src/$f"; echo "---"
  done > "$bin/kwok-stages.yaml"
}
if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
  [[ -f "$bin/kwok-stages.yaml" ]] || kwok_stages
  echo "$bin"; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "kube-kit/build.sh: Go >= 1.24 is needed on PATH to build the Kubernetes binaries (golang.org/dl or apt's golang-go)" >&2
  exit 2
fi
mkdir -p "$bin"
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
ldflags+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor"
start=$(date +%s)
echo "kube-kit: building Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, Prometheus $PROMETHEUS_RELEASE into $bin (cold: 10-20 min on 2 cores)" >&2
(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$bin/" \
   ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler ./cmd/kubectl ./cmd/etcd ./cmd/pause)
# The kubelet: cgo off too (no cAdvisor accelerators); only used when a node with a container runtime is started.
(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$bin/" ./cmd/kubelet)
# kwok: its own module, no replace lines, so go install works.
GOBIN="$bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
kwok_stages
# Prometheus: Debian's build leaves Kubernetes service discovery out; this one keeps only that discoverer.
GOBIN="$bin" CGO_ENABLED=0 go install -trimpath -tags remove_all_sd,enable_kubernetes_sd \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
  "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION"
echo "$pins" > "$stamp"
echo "kube-kit: built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

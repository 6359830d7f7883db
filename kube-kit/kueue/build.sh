#!/usr/bin/env bash
# Builds Kueue's manager (sigs.k8s.io/kueue/cmd/kueue, the version go.mod pins) into the cluster kit's binary folder
# as `kueue`, and copies its CRDs (config/components/crd/bases of that module) to `kueue-crds/` beside it; prints
# the folder. Its own Go module: Kueue needs newer k8s.io libraries than the Kubernetes the kit pins. Rebuilt only
# when the pins (go.mod, go.sum, this script, ../versions.env) change. Needs Go >= 1.25 on PATH.
#
#   kube-kit/kueue/build.sh      # build if needed, print the binary folder
#   DGAN_KUBE_CACHE=/some/dir    # where the cache lives (default ~/.cache/dgan-kube)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../versions.env"
cache="${DGAN_KUBE_CACHE:-$HOME/.cache/dgan-kube}"
bin="$cache/k8s/${KUBE_VERSION#v}-linux-amd64"
stamp="$bin/.kueue-pins"
pins="$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" "$here/../versions.env" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" && -x "$bin/kueue" ]]; then
  echo "$bin"; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "kube-kit/kueue/build.sh: Go >= 1.25 is needed on PATH to build Kueue" >&2
  exit 2
fi
mkdir -p "$bin"
version="$(cd "$here" && go list -m -f '{{.Version}}' sigs.k8s.io/kueue)"
start=$(date +%s)
echo "kube-kit: building Kueue $version into $bin (cold: 15-25 min on 2 cores)" >&2
(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
   -ldflags "-s -w -X sigs.k8s.io/kueue/pkg/version.GitVersion=$version" -o "$bin/kueue" sigs.k8s.io/kueue/cmd/kueue)
src="$(cd "$here" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' sigs.k8s.io/kueue)/config/components/crd/bases"
rm -rf "$bin/kueue-crds"
mkdir -p "$bin/kueue-crds"
cp "$src"/*.yaml "$bin/kueue-crds/"
chmod u+w "$bin/kueue-crds"/*.yaml
echo "$version" > "$bin/kueue-version"
echo "$pins" > "$stamp"
echo "kube-kit: Kueue built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

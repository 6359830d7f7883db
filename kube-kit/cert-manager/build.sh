#!/usr/bin/env bash
# Builds cert-manager's controllers (main.go here: the issuers, certificates and CA/self-signed CertificateRequest
# controllers of github.com/cert-manager/cert-manager, the version go.mod pins) into the cluster kit's binary folder
# as `cert-manager-controller`, and copies its cert-manager.io CRDs (deploy/crds of that module) to
# `cert-manager-crds/` beside it; prints the folder. Its own Go module: cert-manager needs newer k8s.io libraries
# than the Kubernetes the kit pins, and its controller binary's module is not on the module proxy. Rebuilt only when
# the pins (go.mod, go.sum, main.go, this script, ../versions.env) change. Needs Go >= 1.26 on PATH.
#
#   kube-kit/cert-manager/build.sh   # build if needed, print the binary folder
#   DGAN_KUBE_CACHE=/some/dir        # where the cache lives (default ~/.cache/dgan-kube)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../versions.env"
cache="${DGAN_KUBE_CACHE:-$HOME/.cache/dgan-kube}"
bin="$cache/k8s/${KUBE_VERSION#v}-linux-amd64"
stamp="$bin/.cert-manager-pins"
pins="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" "$here/build.sh" "$here/../versions.env" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" && -x "$bin/cert-manager-controller" ]]; then
  echo "$bin"; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "kube-kit/cert-manager/build.sh: Go >= 1.26 is needed on PATH to build cert-manager" >&2
  exit 2
fi
mkdir -p "$bin"
version="$(cd "$here" && go list -m -f '{{.Version}}' github.com/cert-manager/cert-manager)"
start=$(date +%s)
echo "kube-kit: building cert-manager $version into $bin (cold: 2-3 min on 2 cores)" >&2
(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
   -ldflags "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$version" \
   -o "$bin/cert-manager-controller" .)
src="$(cd "$here" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)/deploy/crds"
rm -rf "$bin/cert-manager-crds"
mkdir -p "$bin/cert-manager-crds"
cp "$src"/cert-manager.io_*.yaml "$bin/cert-manager-crds/"
chmod u+w "$bin/cert-manager-crds"/*.yaml
echo "$version" > "$bin/cert-manager-version"
echo "$pins" > "$stamp"
echo "kube-kit: cert-manager built in $(( $(date +%s) - start )) s" >&2
echo "$bin"

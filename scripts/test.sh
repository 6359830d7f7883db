#!/usr/bin/env bash
# The project's test command. On a fresh Debian/Ubuntu machine it first installs the system packages the tests use
# (a real Prometheus and promtool, Debian's Fashion-MNIST; as root also containerd, runc and the CNI plugins for a
# real kubelet node), then runs every test: `./mvnw -B -ntp verify -Dcluster`, which
# also builds the real-Kubernetes kit (kube-kit/build.sh: Go modules into ~/.cache/dgan-kube, once) for the
# API-level and cluster suites. Extra arguments go to Maven (e.g. -pl operator -am).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
[[ -d /usr/share/datasets/fashion-mnist ]] || need+=(dataset-fashion-mnist)
# A real kubelet node (cluster suite) needs a container runtime and the CNI plugins; it runs only as root.
if [[ "$(id -u)" == 0 ]]; then
  command -v containerd >/dev/null 2>&1 || need+=(containerd)
  command -v runc >/dev/null 2>&1 || need+=(runc)
  [[ -x /usr/lib/cni/bridge ]] || need+=(containernetworking-plugins)
fi
if ((${#need[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    echo "test: installing ${need[*]} (apt-get)" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "test: ${need[*]} missing and no apt-get here: install them, or the tests that need them fail" >&2
    exit 2
  fi
fi
if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go ]]; then
  echo "test: Go >= 1.24 is needed to build the real-Kubernetes kit (kube-kit/); install it from go.dev or your distribution" >&2
  exit 2
fi
export PATH="$PATH:/usr/local/go/bin"
# -Dcluster: the cluster suite (module e2e) runs too; `./mvnw verify` alone leaves it out for a faster loop.
exec ./mvnw -B -ntp verify -Dcluster "$@"

#!/usr/bin/env bash
# Real bandwidth shaping for M local workers: one network namespace per worker, a veth pair from each namespace to
# a bridge in the root namespace, and a token bucket (tc tbf) on each worker's egress (its "NIC": one bucket shared by
# all its links, the same assumption as the α–β model and the in-application emulation, docs/transport-grpc.md).
# netem (per-packet delay) is not available on the development machine (no kernel modules), so latency still comes
# from the application: `dgan worker --emulate-latency 50ms --emulate-bandwidth 0`.
#
# Needs root (CAP_NET_ADMIN), iproute2 (ip, tc) and a kernel with veth, bridge and sch_tbf.
#
#   scripts/shape-netns.sh up M RATE      # e.g. up 4 1gbit: namespaces dgan0..dgan{M-1}, 10.78.0.{1..M}/24
#   scripts/shape-netns.sh exec R CMD...  # run CMD inside worker R's namespace
#   scripts/shape-netns.sh peers M PORT   # prints the --peers list: 10.78.0.1:PORT,10.78.0.2:PORT,...
#   scripts/shape-netns.sh check          # times 50 MB from namespace 0 to 1 (python3), i.e. the shaped rate
#   scripts/shape-netns.sh game M ARGS... # the validation game on M worker processes, one per namespace
#   scripts/shape-netns.sh down           # removes everything this script created
set -euo pipefail
PREFIX=dgan
BRIDGE=dganbr0
SUBNET=10.78.0

die() { echo "shape-netns: $*" >&2; exit 1; }
need_root() { [[ $(id -u) == 0 ]] || die "needs root (CAP_NET_ADMIN) to create namespaces and qdiscs"; }
count() { ip netns list | awk '{print $1}' | grep -c "^${PREFIX}[0-9]*$" || true; }

up() {
  local m=${1:?usage: up M RATE} rate=${2:?usage: up M RATE}
  [[ $m =~ ^[0-9]+$ && $m -ge 2 && $m -le 64 ]] || die "M: expected 2..64, got '$m'"
  need_root
  [[ $(count) == 0 ]] || die "namespaces ${PREFIX}* exist already: run '$0 down' first"
  ip link add "$BRIDGE" type bridge
  ip link set "$BRIDGE" up
  for ((r = 0; r < m; r++)); do
    local ns=$PREFIX$r
    ip netns add "$ns"
    ip link add "${PREFIX}h$r" type veth peer name "${PREFIX}n$r"
    ip link set "${PREFIX}n$r" netns "$ns"
    ip link set "${PREFIX}h$r" master "$BRIDGE" up
    ip -n "$ns" addr add "$SUBNET.$((r + 1))/24" dev "${PREFIX}n$r"
    ip -n "$ns" link set "${PREFIX}n$r" up
    ip -n "$ns" link set lo up
    # The worker's egress: a token bucket at RATE; burst of 256 KiB, packets queue up to 100 ms.
    ip netns exec "$ns" tc qdisc add dev "${PREFIX}n$r" root tbf rate "$rate" burst 256kb latency 100ms
  done
  echo "shape-netns: $m namespaces ${PREFIX}0..${PREFIX}$((m - 1)), addresses $SUBNET.1..$SUBNET.$m, egress $rate each"
}

down() {
  need_root
  for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}[0-9]*$" || true); do
    ip netns del "$ns"
  done
  for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${PREFIX}h[0-9]*$" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  echo "shape-netns: removed"
}

peers() {
  local m=${1:?usage: peers M PORT} port=${2:?usage: peers M PORT} out=""
  for ((r = 0; r < m; r++)); do out+="${out:+,}$SUBNET.$((r + 1)):$port"; done
  echo "$out"
}

check() {
  need_root
  command -v python3 >/dev/null || die "check needs python3"
  ip netns exec "${PREFIX}1" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("'$SUBNET'.2", 7999)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
c.sendall(b"k"); c.close()' &
  local server=$!
  sleep 0.5
  ip netns exec "${PREFIX}0" python3 -c '
import socket, time
for i in range(100):
    try:
        c = socket.create_connection(("'$SUBNET'.2", 7999)); break
    except ConnectionRefusedError:
        time.sleep(0.1)
data = b"x" * (1 << 20); t = time.time()
for _ in range(50): c.sendall(data)
c.shutdown(socket.SHUT_WR); c.recv(1); dt = time.time() - t
print("shape-netns: 50 MiB from %s.1 to %s.2 in %.2f s = %.0f Mbit/s" % ("'$SUBNET'", "'$SUBNET'", dt, 50 * 8 * 1.048576 / dt))'
  wait "$server"
}

game() {
  local m=${1:?usage: game M ARGS...}; shift
  need_root
  [[ $(count) -ge $m ]] || die "only $(count) namespaces: run '$0 up $m RATE' first"
  local root jar port=7070 pids=()
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  jar="$root/worker-image/target/dgan-worker.jar"
  [[ -f $jar ]] || die "$jar missing: build with ./mvnw -B -ntp -pl worker-image -am package -DskipTests"
  local list; list=$(peers "$m" "$port")
  for ((r = 0; r < m; r++)); do
    ip netns exec "$PREFIX$r" java -jar "$jar" worker --rank "$r" --workers "$m" --job shaped --peers "$list" \
      --bind "$SUBNET.$((r + 1))" --gossip-port "$port" --metrics-port 0 --run-dir "/tmp/shape-netns/rank$r" "$@" &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  return $rc
}

cmd=${1:-}; shift || true
case "$cmd" in
  up) up "$@" ;;
  down) down ;;
  peers) peers "$@" ;;
  exec) r=${1:?usage: exec R CMD...}; shift; need_root; exec ip netns exec "$PREFIX$r" "$@" ;;
  check) check ;;
  game) game "$@" ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac

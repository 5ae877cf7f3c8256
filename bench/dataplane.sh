#!/usr/bin/env bash
# Dataplane benchmarks (root): isolate/cleanup at 10/100/1000 tasks, and
# task-to-task throughput against two plain namespaces on a plain veth, in
# the same run. Everything happens in namespaces this script creates.
#   bench/dataplane.sh [BUILD_DIR] [LEVELS] [SAMPLES]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
levels=${2:-10,100,1000}
samples=${3:-30}
id="nmb$$"
work=$(mktemp -d /tmp/netmod-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$id-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$id-host"
ip -n "$id-host" link set lo up
ip -n "$id-host" addr add 198.18.0.1/32 dev lo
printf '{"datastore": {"path": "%s/netmod.db"}, "hostname": "bench-host", "release_cooldown_seconds": 0}\n' "$work" > "$work/netmod.conf"

echo "== isolate / cleanup through the binary (host namespace $id-host)"
ip netns exec "$id-host" "$build/bench/dataplane_bench" "$build/netmod" "$work/netmod.conf" "$levels" "$samples"

echo "== throughput, iperf3 TCP 5 s: two netmod tasks (same netgroup) vs two namespaces on a plain veth"
start_task() {  # prints the pid of a process in a new netns inside the host
  ip netns exec "$id-host" unshare -n sleep 600 >/dev/null 2>&1 &
  local p=$!
  for _ in $(seq 200); do [ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ] && break; sleep 0.01; done
  echo "$p"
}
nm() { echo "$1" | ip netns exec "$id-host" "$build/netmod" --config "$work/netmod.conf" netmodules; }
t1=$(start_task); pids+=("$t1"); t2=$(start_task); pids+=("$t2")
for t in 1 2; do
  pid=$([ $t = 1 ] && echo "$t1" || echo "$t2")
  a=$(nm "{\"command\": \"allocate\", \"args\": {\"hostname\": \"bench-host\", \"uid\": \"tp$t\", \"num_ipv4\": 1, \"num_ipv6\": 0}}")
  addr=$(echo "$a" | jq -r '.ipv4[0]')
  nm "{\"command\": \"isolate\", \"args\": {\"hostname\": \"bench-host\", \"container_id\": \"tp$t\", \"pid\": $pid, \"ipv4_addrs\": [\"$addr\"], \"netgroups\": [\"g1\"]}}" >/dev/null
  eval "addr$t=$addr"
done
ip netns add "$id-p1"; ip netns add "$id-p2"
ip -n "$id-p1" link add eth0 type veth peer name eth0 netns "$id-p2"
ip -n "$id-p1" addr add 198.19.0.1/24 dev eth0; ip -n "$id-p1" link set eth0 up; ip -n "$id-p1" link set lo up
ip -n "$id-p2" addr add 198.19.0.2/24 dev eth0; ip -n "$id-p2" link set eth0 up; ip -n "$id-p2" link set lo up

# iperf3 pinned: client on CPU 0, server on CPU 1 (-A 0,1), for both
# setups alike; unpinned, where the scheduler puts the two ends (and the
# softirq work that follows the sender) swings single runs by +-15 % here.
pin=""; [ "$(nproc)" -ge 2 ] && pin="-A 0,1"
iperf() {  # SERVER_CMD_PREFIX CLIENT_CMD_PREFIX ADDR
  # A run that stalls (server not up yet, a lost handshake) is bounded and
  # retried once rather than hanging the whole benchmark.
  local out
  for _ in 1 2; do
    $1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
    sleep 0.3
    if out=$($2 timeout 15 iperf3 -c "$3" -t 5 $pin -J 2>/dev/null); then
      echo "$out" | jq '.end.sum_received.bits_per_second / 1e9'; wait || true; return
    fi
    wait || true
  done
  echo "iperf3 to $3 failed twice" >&2; return 1
}
runs=${RUNS:-5}
for run in $(seq "$runs"); do
  n=$(iperf "nsenter -t $t2 -n" "nsenter -t $t1 -n" "$addr2")
  p=$(iperf "ip netns exec $id-p2" "ip netns exec $id-p1" 198.19.0.2)
  printf 'run %d: netmod %.2f Gbit/s, plain veth %.2f Gbit/s, ratio %.3f\n' "$run" "$n" "$p" "$(echo "$n / $p" | bc -l)"
done | tee "$work/runs"
awk '{print $NF}' "$work/runs" | sort -n | awk '{r[NR]=$1} END {printf "median ratio over %d runs: %.3f\n", NR, r[int((NR+1)/2)]}'

#!/usr/bin/env bash
# Convergence across hosts (root; everything in namespaces this script
# makes and deletes): two simulated hosts joined by a fabric namespace, an
# agent on each, and a task B on host 2 in netgroup g1. For each of N new
# tasks on host 1 in g1: from the moment its net-modules isolate returns on
# host 1 until B opens a TCP connection to it (bench/connect_probe.cpp,
# retrying every 2 ms from B's namespace), and until it opens one to B
# (which needs host 2's agent to have put its address into host 2's set of
# g1). Median and p95 of each; a negative figure: reached before isolate
# had returned (its answer written and its process gone).
#   bench/cluster.sh [BUILD_DIR] [TASKS=50] [STORE=embedded|etcd]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
tasks=${2:-50}
kind=${3:-embedded}
id="nmc$$"
work=$(mktemp -d /tmp/netmod-cluster-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$id-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT
netmod=$build/netmod

ip netns add "$id-fabric"
ip -n "$id-fabric" link set lo up
ip -n "$id-fabric" link add br0 type bridge
ip -n "$id-fabric" link set br0 up
ip -n "$id-fabric" addr add 192.168.79.100/24 dev br0
if [ "$kind" = etcd ]; then
  ip netns exec "$id-fabric" etcd --name e --data-dir "$work/etcd" --listen-client-urls http://192.168.79.100:2379 \
    --advertise-client-urls http://192.168.79.100:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster e=http://127.0.0.1:2380 \
    --logger zap --log-outputs "$work/etcd.log" --log-level error >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do ip netns exec "$id-fabric" curl -sf http://192.168.79.100:2379/health >/dev/null && break; sleep 0.1; done
  store='{"type": "etcd", "endpoints": ["http://192.168.79.100:2379"]}'
else
  store="{\"path\": \"$work/netmod.db\"}"
fi
for i in 1 2; do
  ns="$id-h$i"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$id-fabric" link add f$i type veth peer name fab0 netns "$ns"
  ip -n "$id-fabric" link set f$i master br0 up
  ip -n "$ns" link set fab0 up
  ip -n "$ns" addr add 192.168.79.$i/24 dev fab0
  printf '{"datastore": %s, "hostname": "h%s", "release_cooldown_seconds": 0, "agent": {"lease_ttl_seconds": 5, "metrics_address": "127.0.0.1:9099"}}\n' \
    "$store" "$i" > "$work/h$i.conf"
  ip netns exec "$ns" "$netmod" --config "$work/h$i.conf" agent 2>>"$work/agent-h$i.log" &
  pids+=($!)
done
for i in 1 2; do
  for _ in $(seq 100); do ip netns exec "$id-h$i" curl -sf http://127.0.0.1:9099/healthz >/dev/null && break; sleep 0.1; done
done

nm() { echo "$2" | ip netns exec "$id-$1" "$netmod" --config "$work/$1.conf" netmodules; }
# start_task HOST CMD...: a process in a new namespace inside HOST's; sets TASK.
start_task() {
  local h=$1; shift
  ip netns exec "$id-$h" unshare -n "$@" >/dev/null 2>&1 &
  TASK=$!
  pids+=("$TASK")
  for _ in $(seq 200); do [ "$(readlink /proc/$TASK/ns/net)" != "$(readlink /proc/self/ns/net)" ] && [ "$(cat /proc/$TASK/comm)" != unshare ] && break; sleep 0.01; done
}
wire() {  # HOST NAME PID -> prints the IPv4 address
  local a addr
  a=$(nm "$1" "{\"command\": \"allocate\", \"args\": {\"hostname\": \"$1\", \"uid\": \"$2\", \"num_ipv4\": 1, \"num_ipv6\": 0}}")
  addr=$(echo "$a" | jq -r '.ipv4[0]')
  echo "$addr"
}
isolate() {  # HOST NAME PID ADDR
  nm "$1" "{\"command\": \"isolate\", \"args\": {\"hostname\": \"$1\", \"container_id\": \"$2\", \"pid\": $3, \"ipv4_addrs\": [\"$4\"], \"netgroups\": [\"g1\"]}}" >/dev/null
}
start_task h2 nc -lk 7000
b=$TASK
baddr=$(wire h2 b "$b")
isolate h2 b "$b" "$baddr"

for n in $(seq "$tasks"); do
  start_task h1 nc -lk 7000
  t=$TASK
  addr=$(wire h1 "t$n" "$t")
  nsenter -t "$b" -n "$build/bench/connect_probe" "$addr" 7000 > "$work/to_new" &
  to_new=$!
  nsenter -t "$t" -n "$build/bench/connect_probe" "$baddr" 7000 > "$work/from_new" &
  from_new=$!
  isolate h1 "t$n" "$t" "$addr"
  t0=$(date +%s%N)
  if wait "$to_new"; then echo $(( ($(cat "$work/to_new") - t0) / 1000 )) >> "$work/to_new.us"; else echo "task $n: never reached from B" >&2; fi
  if wait "$from_new"; then echo $(( ($(cat "$work/from_new") - t0) / 1000 )) >> "$work/from_new.us"; else echo "task $n: never reached B" >&2; fi
done
for d in to_new from_new; do
  sort -n "$work/$d.us" | awk -v kind="$kind" -v d="$d" '{v[NR]=$1} END {
    med = v[int((NR+1)/2)]; p95 = v[int(NR*0.95 + 0.999)];
    what = d == "to_new" ? "B (host 2) opens to the new task" : "the new task opens to B (host 2)";
    printf "%s store, %d tasks, %s: median %.1f ms, p95 %.1f ms, min %.1f, max %.1f\n",
           kind, NR, what, med/1000, p95/1000, v[1]/1000, v[NR]/1000 }'
done

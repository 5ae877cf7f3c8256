#!/usr/bin/env bash
# The agent at scale (root; everything in namespaces this script makes and
# deletes), on the embedded store:
#  - REMOTE endpoints of 4 other hosts in the store (bench/fill_cluster.cpp),
#    all in netgroup g1, and LOCAL tasks wired on this host by CNI ADD (in g1,
#    so every remote task is a member the host's sets must hold);
#  - the agent started: time until its first full reconcile is done
#    (healthy), its memory (VmRSS, VmHWM) and its CPU while idle for IDLE s;
#  - the agent stopped and started again: time until healthy (a restarted
#    agent reconciling the host).
#   bench/agent_scale.sh [BUILD_DIR] [REMOTE=10000] [LOCAL=1000] [IDLE=30]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
remote=${2:-10000}
local_tasks=${3:-1000}
idle=${4:-30}
id="nma$$"
work=$(mktemp -d /tmp/netmod-agent-bench-XXXXXX)
agent=""
cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null || true
  ip netns list | awk '{print $1}' | grep "^$id-" | sed 's/^/netns del /' > "$work/del.batch" || true
  ip -force -batch "$work/del.batch" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
netmod=$build/netmod
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

ip netns add "$id-fabric"
ip netns add "$id-h1"
ip -n "$id-h1" link set lo up
ip -n "$id-fabric" link add fab type veth peer name fab0 netns "$id-h1"
ip -n "$id-fabric" link set fab up
ip -n "$id-h1" link set fab0 up
ip -n "$id-h1" addr add 192.168.80.1/24 dev fab0
printf '{"datastore": {"path": "%s/netmod.db"}, "hostname": "h1", "release_cooldown_seconds": 0,
  "default_pools": [{"cidr": "10.80.0.0/14"}],
  "agent": {"resync_seconds": 10, "metrics_address": "127.0.0.1:9099"}}\n' "$work" > "$work/netmod.conf"

t=$(date +%s%N)
"$build/bench/fill_cluster" "$work/netmod.db" 4 "$remote"
echo "store filled with $remote endpoints of 4 other hosts in $(ms "$t") ms"

seq "$local_tasks" | sed "s/^/netns add $id-t/" > "$work/add.batch"
ip -batch "$work/add.batch"
t=$(date +%s%N)
nsenter --net="/run/netns/$id-h1" bash -c '
  export NETMOD_CONFIG='"$work"'/netmod.conf CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_PATH=/x
  for i in $(seq '"$local_tasks"'); do
    CNI_CONTAINERID=t$i CNI_NETNS=/run/netns/'"$id"'-t$i '"$netmod"' <<<"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"netmod\", \"netgroups\": [\"g1\"]}" >/dev/null || echo "ADD $i failed" >&2
  done'
echo "$local_tasks local tasks wired by CNI ADD in $(ms "$t") ms"
sleep 2

healthy() { ip netns exec "$id-h1" curl -sf http://127.0.0.1:9099/healthz >/dev/null 2>&1; }
# Sets TOOK (ms until healthy). Not for $(...): the agent would hold the
# substitution's pipe open.
start_agent() {
  local t0; t0=$(date +%s%N)
  ip netns exec "$id-h1" "$netmod" --config "$work/netmod.conf" agent >/dev/null 2>>"$work/agent.log" &
  agent=$!
  until healthy; do
    kill -0 "$agent" 2>/dev/null || { echo "the agent exited: $(tail -3 "$work/agent.log")" >&2; exit 1; }
    sleep 0.02
  done
  TOOK=$(ms "$t0")
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
start_agent
echo "agent started, first full reconcile done (healthy) in $TOOK ms"
metrics=$(ip netns exec "$id-h1" curl -sf http://127.0.0.1:9099/metrics)
echo "$metrics" | grep -E '^netmod_(endpoints|cluster_endpoints|reconcile_last_duration_seconds)' | sed 's/^/  /'
echo "  elements in h1's netgroup set: $(ip netns exec "$id-h1" nft -j list table inet netmod | jq '[.nftables[] | .set? // empty | select(.name | startswith("g4_")) | .elem? // [] | length] | add')"
c0=$(cpu_ticks); t0=$(date +%s%N)
sleep "$idle"
c1=$(cpu_ticks); el=$(( ($(date +%s%N) - t0) / 1000000 ))
hz=$(getconf CLK_TCK)
echo "idle ${idle} s (a full reconcile every 10 s): CPU $(echo "scale=2; ($c1 - $c0) * 1000 * 100 / $hz / $el" | bc) % of one CPU"
grep -E '^(VmRSS|VmHWM)' "/proc/$agent/status" | sed 's/^/  /'
metrics=$(ip netns exec "$id-h1" curl -sf http://127.0.0.1:9099/metrics)
echo "$metrics" | grep -E '^netmod_reconcile_(runs_total|duration_seconds_sum|last_duration)' | sed 's/^/  /'
kill -TERM "$agent"; wait "$agent" || true
start_agent
echo "agent restarted: healthy (host of $local_tasks tasks reconciled, $remote remote members) in $TOOK ms"

#!/usr/bin/env bash
# netmod at 10,000 tasks on one host (root; everything in namespaces this
# script creates and deletes):
#  - CNI ADD and DEL, and net-modules isolate, at each level of tasks
#    already wired (the tasks: named namespaces without processes, wired
#    by CNI ADD in four netgroups);
#  - the host's kernel memory per task (MemAvailable and Slab, before and
#    after wiring), and the peak RSS of the netmod process (an ADD, a
#    reconcile);
#  - `netmod reconcile` with nothing to do, and with one task's host route,
#    another's nftables element and a third's host veth damaged.
#   bench/scale.sh [BUILD_DIR] [LEVELS=10,1000,10000] [SAMPLES=30]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
levels=${2:-10,1000,10000}
samples=${3:-30}
id="nms$$"
work=$(mktemp -d /tmp/netmod-scale-XXXXXX)
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  ip netns list | awk '{print $1}' | grep "^$id-" | sed 's/^/netns del /' > "$work/del.batch" || true
  ip -force -batch "$work/del.batch" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
netmod=$build/netmod
ip netns add "$id-host"
ip -n "$id-host" link set lo up
ip -n "$id-host" addr add 198.18.0.1/32 dev lo
printf '{"datastore": {"path": "%s/netmod.db"}, "hostname": "h", "release_cooldown_seconds": 0,
  "default_pools": [{"cidr": "10.96.0.0/12", "block_size": 26}, {"cidr": "fd96::/48", "block_size": 122}]}\n' "$work" > "$work/netmod.conf"
conf() { printf '{"cniVersion": "1.0.0", "name": "scale", "type": "netmod", "netgroups": ["%s"], "ipam": {"type": "netmod", "assign_ipv6": true}}' "$1"; }

# Calls from inside the host namespace, as a runtime makes them: one line of
# output per call, its milliseconds.
cat > "$work/calls.sh" <<'INNER'
netmod=$1 work=$2 cmd=$3 prefix=$4 first=$5 last=$6 groups=$7
export NETMOD_CONFIG=$work/netmod.conf CNI_COMMAND=$cmd CNI_IFNAME=eth0 CNI_PATH=/x
IFS=, read -ra g <<<"$groups"
for i in $(seq "$first" "$last"); do
  export CNI_CONTAINERID=$prefix$i CNI_NETNS=/run/netns/$prefix$i
  conf="{\"cniVersion\": \"1.0.0\", \"name\": \"scale\", \"type\": \"netmod\", \"netgroups\": [\"${g[$((i % ${#g[@]}))]}\"], \"ipam\": {\"type\": \"netmod\", \"assign_ipv6\": true}}"
  t0=$EPOCHREALTIME
  "$netmod" <<<"$conf" >/dev/null || echo "FAILED $cmd $i" >&2
  t1=$EPOCHREALTIME
  echo $(( (${t1/./} - ${t0/./}) ))
done
INNER
calls() { nsenter --net="/run/netns/$id-host" bash "$work/calls.sh" "$netmod" "$work" "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'; }
namespaces() {  # PREFIX FIRST LAST
  seq "$2" "$3" | sed "s/^/netns add $1/" > "$work/add.batch"
  ip -batch "$work/add.batch"
}
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }

avail0=$(meminfo MemAvailable); slab0=$(meminfo Slab)
echo "machine: $(nproc) CPUs, $(uname -r), fork+exec of /bin/true: $(
  s=$EPOCHREALTIME; for _ in $(seq 200); do /bin/true; done; e=$EPOCHREALTIME
  echo "scale=3; (${e/./} - ${s/./}) / 200 / 1000" | bc) ms"
printf '%-8s %-10s %-10s %-10s\n' tasks "ADD ms" "DEL ms" "isolate ms"
wired=0
declare -A add_med
for level in ${levels//,/ }; do
  if [ "$wired" -lt "$level" ]; then
    namespaces "$id-bg" $((wired + 1)) "$level"
    calls ADD "$id-bg" $((wired + 1)) "$level" g1,g2,g3,g4 > /dev/null
    wired=$level
  fi
  sleep 3
  namespaces "$id-p$level-" 1 "$samples"
  add=$(calls ADD "$id-p$level-" 1 "$samples" g1 | median)
  del=$(calls DEL "$id-p$level-" 1 "$samples" g1 | median)
  # net-modules isolate needs a process: one per sample.
  iso=()
  for s in $(seq "$samples"); do
    ip netns exec "$id-host" unshare -n sleep 60 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 200); do [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && [ "$(cat /proc/$pid/comm)" = sleep ] && break; sleep 0.005; done
    a=$(echo "{\"command\": \"allocate\", \"args\": {\"hostname\": \"h\", \"uid\": \"iso$s\", \"num_ipv4\": 1, \"num_ipv6\": 1}}" | ip netns exec "$id-host" "$netmod" --config "$work/netmod.conf" netmodules)
    req="{\"command\": \"isolate\", \"args\": {\"hostname\": \"h\", \"container_id\": \"iso$s\", \"pid\": $pid, \"ipv4_addrs\": $(echo "$a" | jq -c .ipv4), \"ipv6_addrs\": $(echo "$a" | jq -c .ipv6), \"netgroups\": [\"g1\"]}}"
    t0=$EPOCHREALTIME
    echo "$req" | nsenter --net="/run/netns/$id-host" "$netmod" --config "$work/netmod.conf" netmodules >/dev/null
    t1=$EPOCHREALTIME
    iso+=($(( (${t1/./} - ${t0/./}) )))
    echo "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"h\", \"container_id\": \"iso$s\"}}" | ip netns exec "$id-host" "$netmod" --config "$work/netmod.conf" netmodules >/dev/null
    echo "{\"command\": \"release\", \"args\": {\"uid\": \"iso$s\"}}" | ip netns exec "$id-host" "$netmod" --config "$work/netmod.conf" netmodules >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  isom=$(printf '%s\n' "${iso[@]}" | median)
  add_med[$level]=$add
  printf '%-8s %-10s %-10s %-10s\n' "$level" "$add" "$del" "$isom"
  iso_med[$level]=$isom
done
first=${levels%%,*}; last=${levels##*,}
echo "ADD at $last / ADD at $first: $(echo "scale=2; ${add_med[$last]} / ${add_med[$first]}" | bc)"
echo "isolate at $last / isolate at $first: $(echo "scale=2; ${iso_med[$last]} / ${iso_med[$first]}" | bc)"
sleep 3
avail1=$(meminfo MemAvailable); slab1=$(meminfo Slab)
echo "kernel memory per task ($wired tasks): MemAvailable $(( (avail0 - avail1) / wired )) KiB, Slab $(( (slab1 - slab0) / wired )) KiB"

rec() { ip netns exec "$id-host" "$netmod" --config "$work/netmod.conf" reconcile "$@"; }
ns_exec() { ip netns exec "$id-host" "$@"; }
times=()
for r in 1 2 3 4 5; do
  t0=$EPOCHREALTIME; out=$(rec); t1=$EPOCHREALTIME
  [ "$out" = "in sync" ] || echo "reconcile not in sync: $out" >&2
  times+=($(( (${t1/./} - ${t0/./}) )))
done
echo "reconcile, $wired tasks, nothing to do: median $(printf '%s\n' "${times[@]}" | median) ms (5 runs)"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS: reconcile $(rss ip netns exec "$id-host" "$netmod" --config "$work/netmod.conf" reconcile) KiB"

# Damage: task 1's host route, task 2's anti-spoofing element, task 3's host veth.
ep() { ns_exec "$netmod" --config "$work/netmod.conf" endpoints --json | jq -r --arg c "$1:eth0" '.[] | select(.container_id == $c) | "\(.interface) \(.addresses[0])"'; }
read -r if1 a1 <<<"$(ep "$id-bg1")"; read -r if2 a2 <<<"$(ep "$id-bg2")"; read -r if3 a3 <<<"$(ep "$id-bg3")"
ns_exec ip route del "$a1/32"
ns_exec nft delete element inet netmod src_v4 "{ \"$if2\" . $a2 }"
ns_exec ip link del "$if3"
t0=$EPOCHREALTIME; report=$(rec --json); t1=$EPOCHREALTIME
echo "reconcile after damage: $(( (${t1/./} - ${t0/./}) / 1000 )) ms; report:"
echo "$report" | jq -c '.created + .removed | .[]'
echo "then: $(rec)"

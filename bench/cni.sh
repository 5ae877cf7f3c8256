#!/usr/bin/env bash
# CNI ADD and DEL, median and p95 over N attachments into existing
# namespaces, for netmod (with netgroup rules) and Debian's reference
# plugins ptp+host-local and bridge+host-local, in the same run (root;
# everything in namespaces this script creates).
#   bench/cni.sh [BUILD_DIR] [N=100] [ROUNDS=3]
# Each round runs N ADDs then N DELs per plugin, the plugins one after the
# other; rounds repeat that, so slow drifts of this noisy machine hit every
# plugin alike. Reports the median and p95 over all calls and the ratio of
# the medians in each round.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
n=${2:-100}
rounds=${3:-3}
id="nmc$$"
work=$(mktemp -d /tmp/netmod-cnibench-XXXXXX)
cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^$id-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$id-host"; ip -n "$id-host" link set lo up; ip -n "$id-host" addr add 198.18.0.1/32 dev lo
mkdir -p "$work/bin"; ln -s "$build/netmod" "$work/bin/netmod"
for p in ptp bridge host-local; do ln -s "/usr/lib/cni/$p" "$work/bin/$p"; done

netmod_conf=$(printf '{"cniVersion": "1.0.0", "name": "bench", "type": "netmod", "netgroups": ["g1"], "datastore": {"path": "%s/netmod.db"}, "hostname": "h"}' "$work")
ptp_conf=$(printf '{"cniVersion": "1.0.0", "name": "bench", "type": "ptp", "ipam": {"type": "host-local", "subnet": "10.201.0.0/16", "dataDir": "%s/hl-ptp"}}' "$work")
bridge_conf=$(printf '{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "nmbench0", "isGateway": true, "ipam": {"type": "host-local", "subnet": "10.202.0.0/16", "dataDir": "%s/hl-br"}}' "$work")

# The timed loop runs inside the host namespace itself, as a runtime calls
# a plugin: a plain fork+exec with the CNI variables in the environment.
# (Wrapping each call in `ip netns exec` and `env` would add ~2 ms to
# every plugin's figure.) Prints one line per call: milliseconds.
cat > "$work/calls.sh" <<'INNER'
plugin=$1 conf=$2 cmd=$3 first=$4 last=$5 work=$6 id=$7
export CNI_COMMAND=$cmd CNI_IFNAME=eth0 CNI_PATH=$work/bin
for i in $(seq "$first" "$last"); do
  export CNI_CONTAINERID=c$i CNI_NETNS=/run/netns/$id-s$i
  t0=$EPOCHREALTIME
  "$work/bin/$plugin" <<<"$conf" >/dev/null || echo "FAILED $plugin $cmd $i" >&2
  t1=$EPOCHREALTIME
  echo $(( (${t1/./} - ${t0/./}) ))
done
INNER
calls() { nsenter --net="/run/netns/$id-host" bash "$work/calls.sh" "$@" "$work" "$id"; }
stats() { sort -n | awk '{a[NR]=$1/1000} END {printf "median %6.2f ms  p95 %6.2f ms", a[int((NR+1)/2)], a[int(NR*0.95)]}'; }

for i in $(seq "$n"); do ip netns add "$id-s$i"; done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for round in $(seq "$rounds"); do
  for p in netmod ptp bridge; do
    conf_var="${p}_conf"; conf=${!conf_var}
    calls "$p" "$conf" ADD 1 "$n" > "$work/add-$p-$round"
    calls "$p" "$conf" DEL 1 "$n" > "$work/del-$p-$round"
    # netmod deletes veths in the background after DEL returns: wait for
    # it (and check that nothing is left) before the next plugin's turn.
    left=1; t=0
    while [ "$t" -lt 100 ]; do
      left=$(ip -n "$id-host" -o link | grep -cE "nm[0-9a-f]{12}|veth" || true)
      [ "$left" = 0 ] && break
      sleep 0.1; t=$((t + 1))
    done
    [ "$left" = 0 ] || echo "$p round $round: $left host interfaces left after 10 s" >&2
  done
  printf 'round %d: ADD median netmod %.2f ms, ptp %.2f ms (ratio %.3f) | DEL median netmod %.2f ms, ptp %.2f ms (ratio %.3f)\n' "$round" \
    "$(median < "$work/add-netmod-$round" | awk '{print $1/1000}')" "$(median < "$work/add-ptp-$round" | awk '{print $1/1000}')" \
    "$(echo "$(median < "$work/add-netmod-$round") / $(median < "$work/add-ptp-$round")" | bc -l)" \
    "$(median < "$work/del-netmod-$round" | awk '{print $1/1000}')" "$(median < "$work/del-ptp-$round" | awk '{print $1/1000}')" \
    "$(echo "$(median < "$work/del-netmod-$round") / $(median < "$work/del-ptp-$round")" | bc -l)"
done
for p in netmod ptp bridge; do
  echo "$p: ADD $(cat "$work"/add-$p-* | stats) | DEL $(cat "$work"/del-$p-* | stats) (all $((n * rounds)) calls)"
done

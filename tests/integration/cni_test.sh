#!/usr/bin/env bash
# netmod as a CNI plugin, invoked as runtimes invoke it: environment
# variables, network config on stdin, namespaces made by the "runtime"
# (this test) with ip netns.
. "$(dirname "$0")/lib.sh"

add_host hA 198.18.0.1
conf() {  # NETGROUPS_JSON [CNI_VERSION] [EXTRA]
  printf '{"cniVersion": "%s", "name": "netmod-net", "type": "netmod", "netgroups": %s, "datastore": {"path": "%s/cni.db"}, "hostname": "hA", "ipam": {"type": "netmod", "assign_ipv6": true}%s}' \
    "${2:-1.0.0}" "$1" "$WORK" "${3:-}"
}
# cni COMMAND CONTAINER NETNS CONF: prints the answer; the exit code is the plugin's.
cni() {
  local netns_env=(); [ -n "$3" ] && netns_env=(CNI_NETNS="/run/netns/$3")
  echo "$4" | ip netns exec "${HOST_NS[hA]}" env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_IFNAME=eth0 \
    CNI_PATH=/usr/lib/cni "${netns_env[@]}" "$NETMOD"
}
sandbox() { ip netns add "${RUN_ID}-$1"; HOST_NS[$1]="${RUN_ID}-$1"; }

sandbox s1; sandbox s2; sandbox s3
r1=$(cni ADD c1 "${RUN_ID}-s1" "$(conf '["web"]')") || fail "ADD c1: $r1"
r2=$(cni ADD c2 "${RUN_ID}-s2" "$(conf '["web"]' 0.4.0)") || fail "ADD c2: $r2"
# (c3's runtime leaks a descriptor to the plugin without close-on-exec:
# the process that finishes the call's follow-up work must not hold it.)
r3=$(cni ADD c3 "${RUN_ID}-s3" "$(conf '["db"]')" 7>"$WORK/leaked") || fail "ADD c3: $r3"
holders() { for fd in /proc/[0-9]*/fd/*; do [ "$(readlink "$fd" 2>/dev/null)" = "$WORK/leaked" ] && echo "$fd"; done; }
check "the follow-up process holds no descriptor the runtime leaked" test -z "$(holders)"
a1=$(echo "$r1" | jq -r '.ips[0].address' | cut -d/ -f1)
a2=$(echo "$r2" | jq -r '.ips[0].address' | cut -d/ -f1)
a3=$(echo "$r3" | jq -r '.ips[0].address' | cut -d/ -f1)
echo "# c1=$a1 c2=$a2 c3=$a3"
check "ADD result lists the host end (no sandbox) and the task end in its sandbox" bash -c "echo '$r1' | jq -e '(.interfaces[0] | has(\"sandbox\") | not) and (.interfaces[0].name | test(\"^nm[0-9a-f]{12}$\")) and .interfaces[1].sandbox == \"/run/netns/${RUN_ID}-s1\" and .ips[0].interface == 1'"
check "each container has its own address" bash -c "[ '$a1' != '$a2' ] && [ '$a2' != '$a3' ] && [ -n '$a1' ]"
check "same netgroup: c1 pings c2" ip netns exec "${RUN_ID}-s1" ping -c1 -W1 "$a2"
check_not "different netgroup: c1 cannot ping c3" ip netns exec "${RUN_ID}-s1" ping -c1 -W1 "$a3"
check "ADD of an existing attachment is an error" bash -c "! echo '$(conf '["web"]')' | ip netns exec ${HOST_NS[hA]} env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/${RUN_ID}-s1 CNI_PATH=/x $NETMOD"

# Mesos: network_info in args, no CNI_ARGS, a static address, the 0.2.0 result.
sandbox m1
mesos_args=', "args": {"org.apache.mesos": {"network_info": {"name": "netmod-net", "groups": ["web"], "labels": {"labels": [{"key": "app", "value": "probe"}]}, "ip_addresses": [{"ip_address": "10.65.0.99"}]}}}'
rm=$(cni ADD m1 "${RUN_ID}-m1" "$(conf '[]' 0.2.0 "$mesos_args")") || fail "Mesos ADD: $rm"
check "Mesos ADD answers ip4 with the static address" bash -c "echo '$rm' | jq -e '.ip4.ip == \"10.65.0.99/32\"'"
check "Mesos task in group web reaches c1" ip netns exec "${RUN_ID}-m1" ping -c1 -W1 "$a1"
check "Mesos DEL without CNI_NETNS (checkpointed config)" cni DEL m1 "" "$(conf '[]' 0.2.0 "$mesos_args")"

# Chaining: what plugins before netmod made is passed on, ahead of netmod's own.
sandbox s6
prev='"prevResult": {"cniVersion": "1.0.0", "interfaces": [{"name": "dummy0", "mac": "02:00:00:00:00:99"}], "ips": [{"address": "192.0.2.99/24", "interface": 0}]}'
r6=$(cni ADD c6 "${RUN_ID}-s6" "$(conf '["web"]' 1.0.0 ", $prev")") || fail "chained ADD: $r6"
check "chained ADD passes prevResult on" bash -c "echo '$r6' | jq -e '.interfaces[0].name == \"dummy0\" and .interfaces[2].name == \"eth0\" and .ips[0].address == \"192.0.2.99/24\" and .ips[1].interface == 2'"
check "CHECK of a chained attachment looks at its own interface only" cni CHECK c6 "${RUN_ID}-s6" "$(conf '["web"]' 1.0.0 ", \"prevResult\": $r6")"
check "DEL c6" cni DEL c6 "${RUN_ID}-s6" "$(conf '["web"]')"

# CHECK verifies what ADD made, and notices what is missing.
check1() { cni CHECK c1 "${RUN_ID}-s1" "$(conf '["web"]' 1.0.0 ", \"prevResult\": $r1")"; }
check "CHECK of a healthy attachment" check1
a1_6=$(echo "$r1" | jq -r '.ips[] | select(.address | contains(":")) | .address' | cut -d/ -f1)
in_s1() { ip netns exec "${RUN_ID}-s1" "$@"; }
# CHECK fails, with code 105 and a message naming it, for each defect.
check_defect() {  # WHAT NEEDLE BREAK... -- REPAIR...
  local what=$1 needle=$2; shift 2
  local brk=() fix=(); while [ "$1" != -- ]; do brk+=("$1"); shift; done; shift; fix=("$@")
  "${brk[@]}" >/dev/null 2>&1
  local out; out=$(check1)
  if [ "$(echo "$out" | jq .code)" = 105 ] && echo "$out" | jq -r .msg | grep -qF -- "$needle"; then
    pass "CHECK notices $what"; else fail "CHECK notices $what: $out"; fi
  "${fix[@]}" >/dev/null 2>&1
  check "CHECK passes again once $what is repaired" check1
}
# Each repaired by `netmod reconcile`, which compares the task's side too.
printf '{"datastore": {"path": "%s/cni.db"}, "hostname": "hA"}\n' "$WORK" > "$WORK/cni.conf"
repair() { ip netns exec "${HOST_NS[hA]}" "$NETMOD" --config "$WORK/cni.conf" reconcile; }
check_defect "the task's address removed" "eth0 lacks address $a1/32" \
  in_s1 ip addr del "$a1/32" dev eth0 -- repair
check_defect "the task's default route deleted" "lacks its route to 0.0.0.0/0" \
  in_s1 ip route del default -- repair
check_defect "the task's IPv6 default route deleted" "lacks its route to ::/0" \
  in_s1 ip -6 route del default -- repair
check_defect "eth0 set down" "eth0 is down" \
  in_s1 ip link set eth0 down -- repair
check_defect "the isolation rule of its IPv6 address deleted" "the isolation rules lack $a1_6" \
  ip netns exec "${HOST_NS[hA]}" nft delete element inet netmod to_v6 "{ $a1_6 }" -- repair
check "reconcile then finds nothing to do" bash -c "[ \"\$(ip netns exec ${HOST_NS[hA]} $NETMOD --config $WORK/cni.conf reconcile)\" = 'in sync' ]"
check "c1 still reaches c2 after the repairs" ip netns exec "${RUN_ID}-s1" ping -c1 -W1 "$a2"
ip netns exec "${HOST_NS[hA]}" ip route del "$a1/32"
check_not "CHECK notices a missing host route" check1
out=$(cni CHECK nobody "${RUN_ID}-s1" "$(conf '["web"]' 1.0.0 ", \"prevResult\": $r1")")
check "CHECK of an unknown attachment is code 3" bash -c "[ \"\$(echo '$out' | jq .code)\" = 3 ]"

# GC frees every attachment of the network that is not listed as valid.
sandbox s4
r4=$(cni ADD c4 "${RUN_ID}-s4" "$(conf '["web"]')") || fail "ADD c4: $r4"
valid=', "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}, {"containerID": "c2", "ifname": "eth0"}, {"containerID": "c3", "ifname": "eth0"}]'
check "GC" bash -c "echo '$(conf '["web"]' 1.1.0 "$valid")' | ip netns exec ${HOST_NS[hA]} env CNI_COMMAND=GC CNI_PATH=/usr/lib/cni $NETMOD"
check "GC removed c4's interface" bash -c "! ip netns exec ${RUN_ID}-s4 ip link show eth0"
check "GC kept c2" ip netns exec "${RUN_ID}-s2" ip link show eth0

# A static address another attachment holds: netmod's code 102, nothing left.
sandbox s5
out=$(cni ADD c5 "${RUN_ID}-s5" "$(conf '["web"]' 1.0.0 ", \"runtimeConfig\": {\"ips\": [\"$a1/32\"]}")")
check "static address in use is code 102" bash -c "[ \"\$(echo '$out' | jq .code)\" = 102 ]"
check "the refused container got no interface" bash -c "! ip netns exec ${RUN_ID}-s5 ip link show eth0"

# A datastore locked by another process: code 11, try again later.
(echo "BEGIN IMMEDIATE;"; sleep 2; echo "ROLLBACK;") | sqlite3 "$WORK/cni.db" &
locker=$!; sleep 0.3
out=$(cni ADD c5 "${RUN_ID}-s5" "$(conf '["web"]' 1.0.0 '' | jq -c '.datastore.busy_timeout_ms = 200')")
check "locked datastore is code 11" bash -c "[ \"\$(echo '$out' | jq .code)\" = 11 ]"
wait "$locker"

# A read-only and a full datastore: I/O failure (5) naming the store, and
# STATUS fails (50); nothing is left behind. Each in a mount namespace of
# its own (a read-only bind mount, a 256 KiB tmpfs).
sandbox s7
mkdir -p "$WORK/ro" "$WORK/full"
cp "$WORK/cni.db" "$WORK/ro/cni.db"
store_conf() { conf '["web"]' 1.0.0 '' | jq -c --arg p "$1" '.datastore.path = $p'; }
ro_out=$(unshare -m bash -c "mount --bind $WORK/ro $WORK/ro && mount -o remount,bind,ro $WORK/ro && \
  echo '$(store_conf "$WORK/ro/cni.db")' | ip netns exec ${HOST_NS[hA]} env CNI_COMMAND=ADD CNI_CONTAINERID=c7 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/${RUN_ID}-s7 CNI_PATH=/x $NETMOD; \
  echo '$(store_conf "$WORK/ro/cni.db")' | ip netns exec ${HOST_NS[hA]} env CNI_COMMAND=STATUS $NETMOD; echo status=\$?")
echo "# read-only: $ro_out"
check "ADD on a read-only datastore is code 5 naming it" bash -c "echo '$ro_out' | head -1 | jq -e '.code == 5 and (.msg | contains(\"$WORK/ro/cni.db\"))'"
check "STATUS of a read-only datastore is code 50" bash -c "echo '$ro_out' | grep -q '\"code\":50' && echo '$ro_out' | grep -q 'status=1'"
check "the refused ADD left no interface" bash -c "! ip netns exec ${RUN_ID}-s7 ip link show eth0"
full_out=$(unshare -m bash -c "mount -t tmpfs -o size=256k tmpfs $WORK/full && \
  head -c 300000 /dev/zero > $WORK/full/filler 2>/dev/null; \
  echo '$(store_conf "$WORK/full/cni.db")' | ip netns exec ${HOST_NS[hA]} env CNI_COMMAND=ADD CNI_CONTAINERID=c7 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/${RUN_ID}-s7 CNI_PATH=/x $NETMOD")
echo "# full: $full_out"
check "ADD on a full filesystem is code 5 naming the store" bash -c "echo '$full_out' | jq -e '.code == 5 and (.msg | contains(\"$WORK/full/cni.db\"))'"
check "the refused ADD on a full store left no interface" bash -c "! ip netns exec ${RUN_ID}-s7 ip link show eth0"

# 16 ADDs at once: all succeed, all addresses distinct; then 16 DELs.
for i in $(seq 16); do sandbox "p$i"; done
for i in $(seq 16); do (cni ADD "p$i" "${RUN_ID}-p$i" "$(conf '["par"]')" > "$WORK/p$i.out"; echo $? > "$WORK/p$i.rc") & done
wait
check "16 concurrent ADDs all succeed" bash -c "[ \"\$(cat $WORK/p*.rc | sort -u)\" = 0 ]"
check "16 concurrent ADDs got 16 distinct addresses" bash -c "[ \$(jq -r '.ips[0].address' $WORK/p*.out | sort -u | wc -l) = 16 ]"
for i in $(seq 16); do cni DEL "p$i" "${RUN_ID}-p$i" "$(conf '["par"]')" & done
wait

check "DEL c1" cni DEL c1 "${RUN_ID}-s1" "$(conf '["web"]')"
check "DEL c1 twice" cni DEL c1 "${RUN_ID}-s1" "$(conf '["web"]')"
check "c1's old interface is deleted in the background" eventually bash -c "! ip netns exec ${RUN_ID}-s1 ip link show eth0"
ip netns del "${RUN_ID}-s2"
check "DEL after the namespace is gone" cni DEL c2 "${RUN_ID}-s2" "$(conf '["web"]' 0.4.0)"
check "DEL c3" cni DEL c3 "${RUN_ID}-s3" "$(conf '["db"]')"
check "nothing left on the host (once background deletion is done)" eventually nothing_left hA
# IPAM plugin mode: Debian's bridge plugin makes the interfaces, netmod
# only the addresses (and the bridge's gateway address).
if [ -x /usr/lib/cni/bridge ]; then
  bconf() { printf '{"cniVersion": "1.0.0", "name": "bridged", "type": "bridge", "bridge": "nmbr0", "isGateway": true, "ipam": {"type": "netmod", "ipv4_pools": ["10.66.0.0/24"], "datastore": {"path": "%s/cni.db"}, "hostname": "hA"}}' "$WORK"; }
  mkdir -p "$WORK/cnibin"; ln -sf "$NETMOD" "$WORK/cnibin/netmod"
  bridged() { echo "$(bconf)" | ip netns exec "${HOST_NS[hA]}" env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_IFNAME=eth0 CNI_PATH="$WORK/cnibin:/usr/lib/cni" CNI_NETNS="/run/netns/${RUN_ID}-$2" /usr/lib/cni/bridge; }
  sandbox b1; sandbox b2
  rb1=$(bridged ADD b1) || fail "bridge ADD b1: $rb1"
  rb2=$(bridged ADD b2) || fail "bridge ADD b2: $rb2"
  ab2=$(echo "$rb2" | jq -r '.ips[0].address' | cut -d/ -f1)
  check "IPAM mode: addresses come from the named pool with its prefix" bash -c "echo '$rb1' | jq -e '.ips[0].address | startswith(\"10.66.0.\") and endswith(\"/24\")'"
  check "IPAM mode: bridged containers talk" ip netns exec "${RUN_ID}-b1" ping -c1 -W1 "$ab2"
  check "IPAM mode DEL" bridged DEL b1
  check "IPAM mode DEL b2" bridged DEL b2
else
  fail "Debian's bridge plugin (containernetworking-plugins) is not installed"
fi

check "every address was released (but the bridge's gateway)" eventually bash -c "[ \"\$($NETMOD --config $WORK/cni.conf ipam show --json | jq '[.[] | select(.handle | startswith(\"netmod-gateway:\") | not)] | length')\" = 0 ]"
finish

#!/usr/bin/env bash
# Bad input to isolate/cleanup, and failures half-way: each is a clear
# error, a non-zero exit, and nothing left behind.
. "$(dirname "$0")/lib.sh"

add_host hA 198.18.0.1

# Everything a failed call could have left: interfaces, routes, nftables
# elements, endpoint records.
state() {
  on_host hA ip -o link show | grep -oE 'nm[0-9a-f]{12}' | sort
  on_host hA ip -o route show proto 78 | grep -v blackhole
  on_host hA nft -j list table inet netmod 2>/dev/null | jq -c '[.nftables[] | select(.set or .map) | (.set // .map) | {name, elem}]'
  netmod_on hA endpoints --json | jq -c .
}

# expect_refused WHAT JSON NEEDLE: exit non-zero, one JSON error naming it, state unchanged.
expect_refused() {
  local what=$1 req=$2 needle=$3 before after out rc
  before=$(state)
  out=$(echo "$req" | netmod_on hA netmodules); rc=$?
  after=$(state)
  if [ "$rc" -ne 0 ] && [ "$(echo "$out" | jq -r .error)" != null ] && [[ $(echo "$out" | jq -r .error) == *"$needle"* ]] && [ "$before" = "$after" ]; then
    pass "$what: $(echo "$out" | jq -r .error)"
  else
    fail "$what (exit $rc): $out"
    [ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after")
  fi
}

isolate_req() {  # CID PID ADDRS_JSON GROUPS_JSON
  echo "{\"command\": \"isolate\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"$1\", \"pid\": $2, \"ipv4_addrs\": $3, \"netgroups\": ${4:-[]}}}"
}

add_task hA t1 g1
start_task hA; P2=$STARTED_PID; TASK_PID[t2]=$P2
a2=$(nm hA '{"command": "allocate", "args": {"hostname": "hA", "uid": "t2", "num_ipv4": 1, "num_ipv6": 1}}')
A2=$(echo "$a2" | jq -r '.ipv4[0]'); A2v6=$(echo "$a2" | jq -r '.ipv6[0]')

gone=4190000; while [ -e /proc/$gone ]; do gone=$((gone + 1)); done
ip netns exec "${HOST_NS[hA]}" sleep 600 >/dev/null 2>&1 &
HOSTPROC=$!; TASK_PID[hostproc]=$HOSTPROC
for _ in $(seq 100); do [ "$(cat /proc/$HOSTPROC/comm 2>/dev/null)" = sleep ] && break; sleep 0.01; done

expect_refused "pid that does not exist" "$(isolate_req t2 $gone "[\"$A2\"]")" "process $gone does not exist"
expect_refused "pid in the host's namespace" "$(isolate_req t2 $HOSTPROC "[\"$A2\"]")" "host's network namespace"
expect_refused "no addresses" "$(isolate_req t2 $P2 "[]")" "at least one address"
expect_refused "address never allocated" "$(isolate_req t2 $P2 '["10.65.0.200"]')" "10.65.0.200 is not allocated"
expect_refused "address of another task" "$(isolate_req t2 $P2 "[\"$A2\", \"${ADDR4[t1]}\"]")" "belongs to container t1"
expect_refused "second isolate of a container" "$(isolate_req t1 $P2 "[\"$A2\"]")" "already attached"
expect_refused "empty netgroup" "$(isolate_req t2 $P2 "[\"$A2\"]" '[""]')" "netgroup name is empty"
expect_refused "netgroup too long" "$(isolate_req t2 $P2 "[\"$A2\"]" "[\"$(printf 'g%.0s' $(seq 64))\"]")" "longer than 63"
expect_refused "netgroup with nft syntax in it" "$(isolate_req t2 $P2 "[\"$A2\"]" '["x } ; flush ruleset ; {"]')" "invalid netgroup"
expect_refused "container id with a slash" "$(isolate_req a/b $P2 "[\"$A2\"]")" "invalid container id"
expect_refused "container id with a space" "$(isolate_req 'a b' $P2 "[\"$A2\"]")" "invalid container id"
check "t1 still reachable after all that" on_host hA ping -c1 -W1 "${ADDR4[t1]}"

# Netlink failure half-way, early: the task's namespace has IPv6 switched
# off, so setting up its IPv6 gateway fails right after the veth was made.
in_task t2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
v6req="{\"command\": \"isolate\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"t2\", \"pid\": $P2, \"ipv4_addrs\": [\"$A2\"], \"ipv6_addrs\": [\"$A2v6\"], \"netgroups\": [\"g1\"]}}"
expect_refused "netlink failure half-way (IPv6 off in the task)" "$v6req" "adding neighbour fe80::ecee:eeff:feee:eeee"
check "the task has no interface left" bash -c "! nsenter -t $P2 -n ip link show eth0"
in_task t2 sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0

# Netlink failure half-way, late: new interfaces on the host come up with
# IPv6 off, so the host's last batch (the task's IPv6 neighbour and route)
# fails after the veth, the task's addresses and its rules are all in.
on_host hA sysctl -qw net.ipv6.conf.default.disable_ipv6=1
expect_refused "netlink failure after the rules (IPv6 off on the host end)" "$v6req" "$A2v6"
check "the task has no interface left after the late failure" bash -c "! nsenter -t $P2 -n ip link show eth0"
on_host hA sysctl -qw net.ipv6.conf.default.disable_ipv6=0

# nftables failure half-way on the common path (the table and chains exist,
# so the task's elements go in as netlink messages): a stale element in the
# destination map with another verdict makes the transaction fail after
# the veth exists.
on_host hA nft add element inet netmod to_v4 "{ $A2 : drop }"
expect_refused "nftables element failure half-way" "$(isolate_req t2 $P2 "[\"$A2\"]" '["g1"]')" "nftables: adding element $A2"
check "the task has no interface left after the nftables failure" bash -c "! nsenter -t $P2 -n ip link show eth0"
on_host hA nft delete element inet netmod to_v4 "{ $A2 }"

# nftables failure half-way: a foreign object in netmod's table with the
# name netmod needs, so the rules transaction fails after the veth exists.
add_host hB 198.18.0.2 storeB
add_task hB b1 g1 || true
on_host hB nft delete table inet netmod
on_host hB nft add table inet netmod
on_host hB nft add map inet netmod to_v4 '{ type ipv4_addr : ipv4_addr; }'
start_task hB; PB=$STARTED_PID; TASK_PID[b2]=$PB
ab=$(nm hB '{"command": "allocate", "args": {"hostname": "hB", "uid": "b2", "num_ipv4": 1, "num_ipv6": 0}}')
out=$(echo "$(isolate_req b2 $PB "[\"$(echo "$ab" | jq -r '.ipv4[0]')\"]" '["g1"]' | sed 's/"hA"/"hB"/')" | netmod_on hB netmodules); rc=$?
check "nftables failure is an error" bash -c "[ $rc -ne 0 ] && [[ '$(echo "$out" | jq -r .error)' == nftables* ]]"
check "no veth of b2 is left (only b1's)" bash -c "[ \$(ip netns exec ${HOST_NS[hB]} ip -o link | grep -c 'nm[0-9a-f]\{12\}') -le 1 ]"
check "no endpoint record of b2" bash -c "[ \$(ip netns exec ${HOST_NS[hB]} $NETMOD --config $WORK/hB.conf endpoints --json | jq '[.[] | select(.container_id == \"b2\")] | length') = 0 ]"
check "b2's namespace has no eth0" bash -c "! nsenter -t $PB -n ip link show eth0"

# A fast-path table the kernel will not let a task's hook use (its chain
# `fast` made, by someone else, as a base chain: nothing may go to one):
# the task is wired all the same, on the routed path alone.
add_host hC 198.18.0.3 storeC
on_host hC nft add table netdev netmod
on_host hC nft add chain netdev netmod fast '{ type filter hook ingress device "lo" priority 0; }'
check "isolate succeeds when the fast-path hook is refused (c1)" add_task hC c1 g1
check "isolate succeeds when the fast-path hook is refused (c2)" add_task hC c2 g1
fwd_before=$(on_host hC awk '/^Ip:/ {getline; print $7; exit}' /proc/net/snmp)
check "c1 reaches c2 over the routed path" pings c1 "${ADDR4[c2]}"
check "the packets were routed (no fast path for these tasks)" \
  test "$(on_host hC awk '/^Ip:/ {getline; print $7; exit}' /proc/net/snmp)" -gt "$fwd_before"
check "the refused hooks were not added" fast_hooks_are hC 0
for t in c1 c2; do nm hC "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"hC\", \"container_id\": \"$t\"}}" >/dev/null; done
check "nothing left on hC" nothing_left hC

# The fast path goes in after isolate returns (follow-up work, guarded by
# the task's fast_pending element): applied after the task's removal, it
# adds nothing, and that is no failure; applied before, it is there.
start_task hA; PROBE_TASK=$STARTED_PID; TASK_PID[probe]=$PROBE_TASK
probe_trace() { on_host hA nft list ruleset | grep -E "$1|10\.99\.0\.5 "; }
out=$(ip netns exec ${HOST_NS[hA]} "$FOLLOW_UP_PROBE" /proc/$PROBE_TASK/ns/net remove-first 2>&1)
check "follow-up of a task removed first: no failure ($out)" test "${out%% *}" = removed
check_not "and nothing of it in the ruleset" probe_trace "${out##* }"
coproc PROBE { ip netns exec ${HOST_NS[hA]} "$FOLLOW_UP_PROBE" /proc/$PROBE_TASK/ns/net apply-first 2>&1; }
read -r -u "${PROBE[0]}" word probe_if
check "follow-up applied before removal ($word $probe_if)" test "$word" = applied
hooked_on() { fast_hooks "$1" | grep -qx "$2"; }
check "its fast path is hooked on $probe_if" hooked_on hA "$probe_if"
echo >&"${PROBE[1]}"
wait "$PROBE_PID" 2>/dev/null
check_not "nothing of it left after its removal" probe_trace "$probe_if"

# Cleanup of what is half gone, of the unknown, and from the store after a
# restart (every call is a new process: state comes from the store).
ep=$(netmod_on hA endpoints --json | jq -c '.[] | select(.container_id == "t1")')
check "an element of t1 deleted behind netmod's back" on_host hA nft delete element inet netmod src_v4 \
  "{ \"$(echo "$ep" | jq -r .interface)\" . $(echo "$ep" | jq -r '.addresses[] | select(contains(".") )' | head -1) }"
check "cleanup of a half-removed task" nm hA '{"command": "cleanup", "args": {"hostname": "hA", "container_id": "t1"}}'
check "cleanup of a container never seen" nm hA '{"command": "cleanup", "args": {"hostname": "hA", "container_id": "never-seen"}}'
check "nothing left on hA" nothing_left hA

finish

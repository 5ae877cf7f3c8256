#!/usr/bin/env bash
# Outbound NAT for nat-outgoing pools, and reconcile repairing drift in both
# directions (what no endpoint owns goes; what an endpoint lacks comes back).
. "$(dirname "$0")/lib.sh"

add_host hA 198.18.0.1
# An "outside" network: a server namespace on a veth from hA, with no route
# back to the task pools, so only masqueraded traffic can get answers.
EXT="${RUN_ID}-ext"; ip netns add "$EXT"; HOST_NS[ext]=$EXT
ip -n "${HOST_NS[hA]}" link add up0 type veth peer name ext0 netns "$EXT"
ip -n "${HOST_NS[hA]}" addr add 198.18.1.1/24 dev up0; ip -n "${HOST_NS[hA]}" link set up0 up
ip -n "$EXT" addr add 198.18.1.2/24 dev ext0; ip -n "$EXT" link set ext0 up; ip -n "$EXT" link set lo up
ip -n "${HOST_NS[hA]}" route add default via 198.18.1.2

check "pool add with --nat-outgoing" netmod_on hA pool add 10.65.0.0/16 --nat-outgoing
check "IPv6 pool add" netmod_on hA pool add fd65:6e6d::/48
add_task hA a1 g1
add_task hA n

# outside_tcp TASK: connects to the outside server; prints the source it saw.
outside_tcp() {
  rm -f "$WORK/ext.log"
  (echo pong | ip netns exec "$EXT" timeout 3 nc -n -v -l -N 198.18.1.2 8443 >/dev/null 2>"$WORK/ext.log") &
  local srv=$!
  sleep 0.15
  local got; got=$(echo ping | in_task "$1" timeout 2 nc -w1 -N 198.18.1.2 8443 2>/dev/null)
  wait "$srv" 2>/dev/null
  [ "$got" = pong ]
}
check "a1 reaches the outside through a nat-outgoing pool" outside_tcp a1
check "the outside saw the host's address" grep -q "198.18.1.1" "$WORK/ext.log"
check_not "a task without netgroup cannot reach the outside" outside_tcp n

check "pool set --nat-outgoing off" netmod_on hA pool set 10.65.0.0/16 --nat-outgoing off
check "reconcile applies the pool change" netmod_on hA reconcile
check_not "without NAT the outside cannot answer a1" outside_tcp a1
netmod_on hA pool set 10.65.0.0/16 --nat-outgoing on >/dev/null
netmod_on hA reconcile >/dev/null
check "NAT back on after reconcile" outside_tcp a1

# report_has FIELD REGEX: the last reconcile report lists a matching change.
report_has() { [ -n "$report" ] && echo "$report" | jq -e --arg re "$2" "[.$1[] | select(test(\$re))] | length == 1" >/dev/null; }

# Drift the kernel away from the store, then reconcile.
IF_A1=$(netmod_on hA endpoints --json | jq -r '.[] | select(.container_id == "a1") | .interface')
on_host hA ip link add nm0123456789ab group 28269 type veth peer name nmorphanpeer
# Netmod's name, not its group: not netmod's, so left alone.
on_host hA ip link add nm00000000beef type veth peer name nmstrangerpeer
on_host hA nft add element inet netmod to_v4 '{ 10.65.77.77 : goto c_public }'
on_host hA ip route del "${ADDR4[a1]}/32"
on_host hA nft delete element inet netmod src_v4 "{ \"$IF_A1\" . ${ADDR4[a1]} }"
on_host hA ip link set "$IF_A1" group default
check_not "drifted: host cannot reach a1 (route gone)" on_host hA ping -c1 -W1 "${ADDR4[a1]}"
report=$(netmod_on hA reconcile --json)
echo "# reconcile: $(echo "$report" | jq -c .)"
check "reconcile removed the orphan interface" report_has removed "^interface nm0123456789ab \\(no endpoint\\)$"
check "reconcile removed the orphan rule element" report_has removed "to_v4: 10.65.77.77 \\(no endpoint\\)$"
check "reconcile re-created a1's route" report_has created "^route to ${ADDR4[a1]}/32 via "
check "reconcile re-created a1's anti-spoof element" report_has created "src_v4: "
check "reconcile put a1's interface back in netmod's group" report_has created "^interface $IF_A1 back in netmod's interface group$"
check "a1's interface is in group 28269 again" bash -c "ip -n ${HOST_NS[hA]} -d link show $IF_A1 | grep -q 'group 28269'"
check "the orphan interface is gone" bash -c "! ip netns exec ${HOST_NS[hA]} ip link show nm0123456789ab"
check "an interface outside netmod's group is left alone" on_host hA ip link show nm00000000beef
on_host hA ip link del nm00000000beef
check "host reaches a1 again" on_host hA ping -c1 -W1 "${ADDR4[a1]}"
check "a1 reaches the outside again (its source is allowed again)" outside_tcp a1

# A lost veth (the task's namespace still exists) is wired again.
on_host hA ip link del "$IF_A1"
check_not "veth gone: host cannot reach a1" on_host hA ping -c1 -W1 "${ADDR4[a1]}"
report=$(netmod_on hA reconcile --json)
check "reconcile re-wired a1" report_has created "^wiring of container a1 "
check "host reaches a1 after re-wiring" on_host hA ping -c1 -W1 "${ADDR4[a1]}"
check "a second reconcile finds nothing to do" bash -c "ip netns exec ${HOST_NS[hA]} $NETMOD --config $WORK/hA.conf reconcile | grep -qx 'in sync'"

for t in a1 n; do nm hA "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"$t\"}}" >/dev/null; done
check "nothing left on hA" nothing_left hA
finish

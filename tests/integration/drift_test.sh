#!/usr/bin/env bash
# Drift of every kind, each made behind netmod's back on a host with tasks
# and found and repaired by `netmod reconcile` (plan + snapshot + diff +
# apply): the change is reported, traffic works again, and a second
# reconcile changes nothing.
. "$(dirname "$0")/lib.sh"

add_host hD 198.18.0.4
check "pools" netmod_on hD pool add 10.65.0.0/16
check "IPv6 pool" netmod_on hD pool add fd65:6e6d::/48
add_task hD d1 web
add_task hD d2 web
add_task hD d3
# The fast path of each task comes after its isolate (follow-up work).
eventually fast_hooks_are hD 2

ifname() { netmod_on hD endpoints --json | jq -r --arg c "$1" '.[] | select(.container_id == $c) | .interface'; }
IF1=$(ifname d1); IF2=$(ifname d2); IF3=$(ifname d3)
works() { pings d1 "${ADDR4[d2]}" && in_task d1 ping -6 -c1 -W1 "${ADDR6[d2]}" && on_host hD ping -c1 -W1 "${ADDR4[d3]}"; }
check "tasks in web reach each other, the host reaches d3" works

# drift WHAT REGEX CMD...: makes the drift, reconciles, expects a change
# matching REGEX in the report, working traffic, and a second reconcile
# in sync.
drift() {
  local what=$1 re=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null) || { fail "$what: could not make the drift: $err"; return; }
  local report; report=$(netmod_on hD reconcile --json)
  if echo "$report" | jq -e --arg re "$re" '[(.created + .removed)[] | select(test($re))] | length >= 1' >/dev/null; then
    pass "$what: reported ($(echo "$report" | jq -c '[(.created + .removed)[]] | .[0:3]'))"
  else
    fail "$what: not reported: $report"
  fi
  eventually works >/dev/null 2>&1
  check "$what: traffic works again" works
  check "$what: a second reconcile changes nothing" bash -c \
    "[ \"\$(ip netns exec ${HOST_NS[hD]} $NETMOD --config $WORK/hD.conf reconcile)\" = 'in sync' ]"
}

drift "a host route deleted" "^route to ${ADDR4[d3]}/32" on_host hD ip route del "${ADDR4[d3]}/32"
drift "a neighbour entry deleted" "^neighbour ${ADDR4[d2]} " on_host hD ip neigh del "${ADDR4[d2]}" dev "$IF2"
drift "a proxy entry deleted" "^proxy entry fe80::ecee:eeff:feee:eeee on $IF1" \
  on_host hD ip -6 neigh del proxy fe80::ecee:eeff:feee:eeee dev "$IF1"
drift "an anti-spoofing element deleted" "src_v4: \"$IF2\" \\. ${ADDR4[d2]}" \
  on_host hD nft delete element inet netmod src_v4 "{ \"$IF2\" . ${ADDR4[d2]} }"
web4=$(on_host hD nft -j list sets inet | jq -r '.nftables[] | .set // empty | select(.name | startswith("g4_")) | .name')
drift "a netgroup set deleted (with its rules' chain)" "nftables (set|chain) " \
  on_host hD bash -c "nft flush map inet netmod to_v4; nft flush map inet netmod to_v6; nft delete chain inet netmod \$(nft -j list chains inet | jq -r '.nftables[] | .chain // empty | select(.name | test(\"^c_[0-9a-f]\")) | .name'); nft delete set inet netmod $web4"
drift "a fast-path hook deleted" "^fast-path hook on $IF1\$" on_host hD nft delete chain netdev netmod "h_$IF1"
drift "a fast-path hook's rule flushed" "^fast-path hook on $IF2 \(its rule" on_host hD nft flush chain netdev netmod "h_$IF2"
drift "the fast-path table deleted" "^nftables chain fast/fast" on_host hD nft delete table netdev netmod
check "both fast-path hooks are back" fast_hooks_are hD 2
drift "a host veth deleted" "^wiring of container d3 " on_host hD ip link del "$IF3"
IF3=$(ifname d3)
drift "the task's address removed inside it" "address ${ADDR4[d2]}" in_task d2 ip addr del "${ADDR4[d2]}/32" dev eth0
drift "the task's default route removed inside it" "0\\.0\\.0\\.0/0" in_task d1 ip route del default
drift "nft flush ruleset (a firewall reload)" "nftables (chain|set|element)" on_host hD nft flush ruleset
drift "a forward chain's rules flushed" "^nftables chain forward rules" on_host hD nft flush chain inet netmod forward
drift "an interface netmod no longer wants" "^interface nm0000feedf00d \\(no endpoint\\)" \
  on_host hD ip link add nm0000feedf00d group 28269 type veth peer name nmdriftpeer
check "the unwanted interface is gone" bash -c "! ip netns exec ${HOST_NS[hD]} ip link show nm0000feedf00d"

# Never anything netmod does not own.
on_host hD ip link add user0 type veth peer name user1
on_host hD ip link set user0 up
on_host hD ip route add 203.0.113.0/24 dev user0
on_host hD nft add table inet user
on_host hD nft add chain inet user c
check "reconcile with others' state around: in sync" bash -c \
  "[ \"\$(ip netns exec ${HOST_NS[hD]} $NETMOD --config $WORK/hD.conf reconcile)\" = 'in sync' ]"
check "their interface, route and table are untouched" bash -c \
  "ip netns exec ${HOST_NS[hD]} ip route show 203.0.113.0/24 | grep -q user0 && ip netns exec ${HOST_NS[hD]} nft list chain inet user c"

for t in d1 d2 d3; do nm hD "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"hD\", \"container_id\": \"$t\"}}" >/dev/null; done
check "nothing left on hD" eventually nothing_left hD
finish

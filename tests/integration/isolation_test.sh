#!/usr/bin/env bash
# Netgroup isolation on one host, with real traffic (README.md, "Isolation", rules 1-8).
. "$(dirname "$0")/lib.sh"

add_host hA 198.18.0.1
add_task hA a1 g1
add_task hA a2 g1
add_task hA b1 g2
add_task hA m g1 g2
add_task hA p public
add_task hA n
echo "# tasks: $(for t in a1 a2 b1 m p n; do printf '%s=%s,%s ' $t ${ADDR4[$t]} ${ADDR6[$t]}; done)"

# Rule 1: same netgroup talks (ICMP, TCP, UDP; IPv4 and IPv6); replies flow (rule 4).
check "a1 pings a2 (same netgroup)" pings a1 "${ADDR4[a2]}"
check "a1 pings a2 over IPv6" pings a1 "${ADDR6[a2]}"
check "a1 <-> a2 TCP both ways" tcp a1 a2 "${ADDR4[a2]}"
check "a1 <-> a2 TCP over IPv6" tcp a1 a2 "${ADDR6[a2]}"
check "a1 -> a2 UDP" udp a1 a2 "${ADDR4[a2]}"
check "a1 -> a2 UDP over IPv6" udp a1 a2 "${ADDR6[a2]}"
# A task that lost its static IPv6 gateway entry gets it answered again, by
# proxy NDP on its host end (which carries no address). (IPv4's proxy ARP
# answers only where the host has a route to 169.254.1.1, a default route,
# which these test hosts lack.)
in_task a2 ip -6 neigh del fe80::ecee:eeff:feee:eeee dev eth0
check "a2 without its IPv6 gateway entry pings a1 (proxy NDP)" pings a2 "${ADDR6[a1]}"
check "a2 learned the IPv6 gateway by NDP" bash -c \
  "nsenter -t ${TASK_PID[a2]} -n ip -6 neigh show fe80::ecee:eeff:feee:eeee dev eth0 | grep -q ee:ee:ee:ee:ee:ee"
# Each task's fast path came after its isolate returned, consuming its
# pending element.
check "the fast path of every task is in" fast_hooks_are hA 5
check "no pending fast path is left" bash -c "! ip netns exec ${HOST_NS[hA]} nft -j list set inet netmod fast_pending | jq -e '.nftables[] | .set // empty | .elem'"
# Different netgroups do not.
check_not "a1 cannot ping b1 (other netgroup)" pings a1 "${ADDR4[b1]}"
check_not "a1 cannot ping b1 over IPv6" pings a1 "${ADDR6[b1]}"
check_not "a1 cannot reach b1 over TCP" tcp a1 b1 "${ADDR4[b1]}"
check_not "b1 cannot send UDP to a1" udp b1 a1 "${ADDR4[a1]}"
check_not "b1 cannot reach a1 over TCP/IPv6" tcp b1 a1 "${ADDR6[a1]}"
# A task in two netgroups reaches and is reached by members of both.
check "m reaches a1 (g1)" tcp m a1 "${ADDR4[a1]}"
check "m reaches b1 (g2)" tcp m b1 "${ADDR4[b1]}"
check "a1 reaches m" tcp a1 m "${ADDR4[m]}"
check "b1 reaches m over IPv6" tcp b1 m "${ADDR6[m]}"
# Rule 2: public members accept from everyone with a netgroup...
check "a1 reaches public p" tcp a1 p "${ADDR4[p]}"
check "b1 reaches public p over IPv6" pings b1 "${ADDR6[p]}"
# ...but that does not let p into other netgroups.
check_not "public p cannot reach a1" tcp p a1 "${ADDR4[a1]}"
# Rule 3: a task without netgroup talks with its own host only.
check_not "n cannot reach public p" pings n "${ADDR4[p]}"
check_not "n cannot reach a1" tcp n a1 "${ADDR4[a1]}"
check_not "a1 cannot reach n" pings a1 "${ADDR4[n]}"
check "host reaches n" on_host hA ping -c1 -W1 "${ADDR4[n]}"
check "n reaches its host" pings n 198.18.0.1
# A task interface whose elements are not in (as in the moment between its
# link coming up and its elements going in) passes nothing: it is known as
# a task's by its interface group (given at its creation), not by an element.
IF_N=$(netmod_on hA endpoints --json | jq -r '.[] | select(.container_id == "n") | .interface')
on_host hA nft delete element inet netmod src_v4 "{ \"$IF_N\" . ${ADDR4[n]} }"
check_not "n without its anti-spoof element does not reach its host" pings n 198.18.0.1
on_host hA nft add element inet netmod src_v4 "{ \"$IF_N\" . ${ADDR4[n]} }"
check "n with it back reaches its host" pings n 198.18.0.1
for t in a1 a2 b1 m p; do
  check "host reaches $t" on_host hA ping -c1 -W1 "${ADDR4[$t]}"
  check "host reaches $t over IPv6" on_host hA ping -6 -c1 -W1 "${ADDR6[$t]}"
done
check "a1 reaches its host over TCP" bash -c "
  (echo pong | ip netns exec ${HOST_NS[hA]} timeout 3 nc -l -N 198.18.0.1 7777 >/dev/null) & sleep 0.15
  [ \"\$(echo ping | nsenter -t ${TASK_PID[a1]} -n timeout 2 nc -w1 -N 198.18.0.1 7777)\" = pong ]"  # a1's pid was checked by start_task

# Rule 5: a spoofed source is dropped before it reaches anyone.
in_task a1 ip addr add 10.65.9.9/32 dev eth0 || exit 1
in_task a1 ip -6 addr add fd65:6e6d::9:9/128 dev eth0 nodad || exit 1
check_not "a1 spoofing 10.65.9.9 does not reach a2" udp a1 a2 "${ADDR4[a2]}" 10.65.9.9
check_not "a1 spoofing fd65:6e6d::9:9 does not reach a2" udp a1 a2 "${ADDR6[a2]}" fd65:6e6d::9:9
check "a1 with its own source still reaches a2" udp a1 a2 "${ADDR4[a2]}" "${ADDR4[a1]}"
check "spoofed packets were counted and dropped" bash -c \
  "ip netns exec ${HOST_NS[hA]} nft list chain inet netmod antispoof | grep -E 'counter packets [1-9]'"
# Spoofing a fellow member's address (m is in g1 too) gets no further: the
# fast path knows each member by its own host end.
in_task a1 ip addr add "${ADDR4[m]}/32" dev eth0 || exit 1
check_not "a1 spoofing m's address does not reach a2" udp a1 a2 "${ADDR4[a2]}" "${ADDR4[m]}"
in_task a1 ip addr del "${ADDR4[m]}/32" dev eth0

# The same-host fast path (ruleset.hpp): traffic between tasks that share
# a netgroup skips the host's IP forwarding; other allowed traffic is routed.
forwarded4() { on_host hA awk '/^Ip:/ {getline; print $7; exit}' /proc/net/snmp; }
forwarded6() { on_host hA awk '$1 == "Ip6OutForwDatagrams" {print $2}' /proc/net/snmp6; }
f4=$(forwarded4); f6=$(forwarded6)
pings a1 "${ADDR4[a2]}" >/dev/null; tcp a1 m "${ADDR4[m]}" >/dev/null; pings a1 "${ADDR6[a2]}" >/dev/null
check "same-netgroup traffic took the fast path (IPv4: nothing forwarded)" test "$(forwarded4)" = "$f4"
check "same-netgroup traffic took the fast path (IPv6: nothing forwarded)" test "$(forwarded6)" = "$f6"
pings b1 "${ADDR4[p]}" >/dev/null
check "traffic allowed by 'public' alone is routed (and tracked)" test "$(forwarded4)" -gt "$f4"

# Rule 6: host-network processes are not touched.
check "two host-network processes talk over TCP" bash -c "
  (echo pong | ip netns exec ${HOST_NS[hA]} timeout 3 nc -l -N 198.18.0.1 7778 >/dev/null) & sleep 0.15
  [ \"\$(echo ping | ip netns exec ${HOST_NS[hA]} timeout 2 nc -w1 -N 198.18.0.1 7778)\" = pong ]"

# Several addresses per task, one of them static (reserve, then allocate, as Mesos does).
start_task hA || exit 1
spid=$STARTED_PID
TASK_PID[s]=$spid
nm hA '{"command": "reserve", "args": {"hostname": "hA", "uid": "s", "ipv4_addrs": ["10.65.0.50"], "netgroups": ["g1"]}}' >/dev/null
multi=$(nm hA '{"command": "allocate", "args": {"hostname": "hA", "uid": "s", "num_ipv4": 2, "num_ipv6": 1, "netgroups": ["g1"]}}')
s4=$(echo "$multi" | jq -r '.ipv4 | join(" ")'); s6=$(echo "$multi" | jq -r '.ipv6[0]')
check "isolate with 3 IPv4 and 1 IPv6 addresses" nm hA "{\"command\": \"isolate\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"s\", \"pid\": $spid,
  \"ipv4_addrs\": [\"10.65.0.50\", $(echo "$multi" | jq -c '.ipv4[]' | paste -sd,)], \"ipv6_addrs\": [\"$s6\"], \"netgroups\": [\"g1\"]}}"
for addr in 10.65.0.50 $s4 $s6; do check "a1 reaches s at $addr" pings a1 "$addr"; done
check_not "b1 cannot reach s at its static address" pings b1 10.65.0.50

# The CLI sees what was wired.
check "netmod endpoints lists 7 endpoints" bash -c "[ \$(ip netns exec ${HOST_NS[hA]} $NETMOD --config $WORK/hA.conf endpoints --json | jq length) = 7 ]"
check "netmod netgroup list shows g1 with 4 members" bash -c \
  "ip netns exec ${HOST_NS[hA]} $NETMOD --config $WORK/hA.conf netgroup list --json | jq -e '.[] | select(.netgroup == \"g1\") | .members | length == 4'"

# Cleanup: the tasks' rules and wiring go, and only theirs.
for t in a1 a2 b1 m p n s; do
  check "cleanup $t" nm hA "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"$t\"}}"
  check "cleanup $t again succeeds" nm hA "{\"command\": \"cleanup\", \"args\": {\"hostname\": \"hA\", \"container_id\": \"$t\"}}"
done
check "nothing of any task is left on the host" nothing_left hA
check "no endpoint is left in the store" bash -c "[ \$(ip netns exec ${HOST_NS[hA]} $NETMOD --config $WORK/hA.conf endpoints --json | jq length) = 0 ]"

finish

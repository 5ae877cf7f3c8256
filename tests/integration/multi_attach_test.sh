#!/usr/bin/env bash
# A task on two netmod networks (CNI_IFNAME eth0 on network A, net1 on
# network B, as Podman's --network a,b or Multus do it), with real traffic:
# the first attachment keeps the task's default routes; the second routes
# to its network's pools, and policy routing sends answers from its
# addresses out through it. Adding or removing one attachment never
# changes the other's addresses, routes or rules.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cni_runtime.sh"

add_host hM 198.18.0.1
cnirt_on hM
network() {  # NAME NETGROUP V4POOL V6POOL
  printf '{"cniVersion": "1.0.0", "name": "%s", "plugins": [{"type": "netmod", "netgroups": ["%s"], "datastore": {"path": "%s/store.db"}, "hostname": "hM", "ipam": {"type": "netmod", "ipv4_pools": ["%s"], "ipv6_pools": ["%s"], "assign_ipv6": true}}]}\n' \
    "$1" "$2" "$WORK" "$3" "$4" > "$WORK/$1.conflist"
}
network netA ga 10.81.0.0/16 fd81::/64
network netB gb 10.82.0.0/16 fd82::/64
addr_of() { echo "$1" | jq -r --arg f "$2" '[.ips[] | select(.address | contains(if $f == "6" then ":" else "." end))][0].address' | cut -d/ -f1; }
routes_of() { in_ns "$1" ip -"$2" route show table main dev "$3" | sort; }

sandbox d; sandbox a1; sandbox b1
ra1=$(cnirt ADD "$WORK/netA.conflist" a1 "$(ns a1)" eth0) || fail "ADD a1: $ra1"
rb1=$(cnirt ADD "$WORK/netB.conflist" b1 "$(ns b1)" eth0) || fail "ADD b1: $rb1"
rda=$(cnirt ADD "$WORK/netA.conflist" d "$(ns d)" eth0) || fail "ADD d on A: $rda"
A1=$(addr_of "$ra1" 4); A1_6=$(addr_of "$ra1" 6); B1=$(addr_of "$rb1" 4); B1_6=$(addr_of "$rb1" 6)
DA=$(addr_of "$rda" 4); DA_6=$(addr_of "$rda" 6)
eth0_v4_before=$(routes_of d 4 eth0); eth0_v6_before=$(routes_of d 6 eth0)

rdb=$(cnirt ADD "$WORK/netB.conflist" d "$(ns d)" net1) || fail "ADD d on B (net1): $rdb"
DB=$(addr_of "$rdb" 4); DB_6=$(addr_of "$rdb" 6)
echo "# a1=$A1 b1=$B1 d: eth0=$DA $DA_6 net1=$DB $DB_6"
check "the second attachment answers its network's pools as routes" bash -c \
  "echo '$rdb' | jq -e '[.routes[].dst] | sort == [\"10.82.0.0/16\", \"fd82::/64\"]'"
check "the first attachment's routes are unchanged by the second" bash -c \
  "[ \"\$(ip netns exec ${RUN_ID}-d ip -4 route show table main dev eth0 | sort)\" = '$eth0_v4_before' ] && [ \"\$(ip netns exec ${RUN_ID}-d ip -6 route show table main dev eth0 | sort)\" = '$eth0_v6_before' ]"
check "the task keeps its default routes via eth0" bash -c "in_ns() { ip netns exec ${RUN_ID}-\$1 \"\${@:2}\"; }; in_ns d ip -4 route show default | grep -q 'dev eth0' && in_ns d ip -6 route show default | grep -q 'dev eth0'"
check "CHECK of the first attachment" cnirt CHECK "$WORK/netA.conflist" d "$(ns d)" eth0
check "CHECK of the second attachment" cnirt CHECK "$WORK/netB.conflist" d "$(ns d)" net1

both_ways() {  # what: the task reaches both networks' members, and they reach it
  check "$1: d reaches a1 (A)" in_ns d ping -c1 -W1 "$A1"
  check "$1: d reaches a1 over IPv6 (A)" in_ns d ping -c1 -W1 "$A1_6"
  check "$1: a1 reaches d's A address" in_ns a1 ping -c1 -W1 "$DA"
  check "$1: d reaches b1 (B)" in_ns d ping -c1 -W1 "$B1"
  check "$1: d reaches b1 over IPv6 (B)" in_ns d ping -c1 -W1 "$B1_6"
  check "$1: b1 reaches d's B address" in_ns b1 ping -c1 -W1 "$DB"
  check "$1: b1 reaches d's B address over IPv6" in_ns b1 ping -c1 -W1 "$DB_6"
  check "$1: the host reaches d's B address (answers leave by net1)" on_host hM ping -c1 -W1 "$DB"
  check "$1: the host reaches d's A address" on_host hM ping -c1 -W1 "$DA"
  check_not "$1: a1 cannot reach d's B address (not in gb)" in_ns a1 ping -c1 -W1 "$DB"
  check_not "$1: b1 cannot reach d's A address (not in ga)" in_ns b1 ping -c1 -W1 "$DA"
}
both_ways "on both networks"
TASK_PID[d]=$(ip netns exec "${RUN_ID}-d" sh -c 'sleep 600 >/dev/null 2>&1 & echo $!'); TASK_PID[b1]=$(ip netns exec "${RUN_ID}-b1" sh -c 'sleep 600 >/dev/null 2>&1 & echo $!')
check "TCP from b1 to d's B address, both ways" tcp b1 d "$DB"

# DEL of B leaves A fully working, and nothing of B in the task.
check "DEL d on B" cnirt DEL "$WORK/netB.conflist" d "$(ns d)" net1
check "after DEL B: eth0's routes are as before" bash -c \
  "[ \"\$(ip netns exec ${RUN_ID}-d ip -4 route show table main dev eth0 | sort)\" = '$eth0_v4_before' ] && [ \"\$(ip netns exec ${RUN_ID}-d ip -6 route show table main dev eth0 | sort)\" = '$eth0_v6_before' ]"
check "after DEL B: no policy rule is left in the task" bash -c "! ip netns exec ${RUN_ID}-d ip rule show | grep -q 'lookup 18'"
check "after DEL B: d reaches a1" in_ns d ping -c1 -W1 "$A1"
check "after DEL B: a1 reaches d" in_ns a1 ping -c1 -W1 "$DA"
check "after DEL B: CHECK of A" cnirt CHECK "$WORK/netA.conflist" d "$(ns d)" eth0

# B again, then DEL of A leaves B fully working.
rdb=$(cnirt ADD "$WORK/netB.conflist" d "$(ns d)" net1) || fail "ADD d on B again: $rdb"
DB=$(addr_of "$rdb" 4); DB_6=$(addr_of "$rdb" 6)
both_ways "B added again"
check "DEL d on A" cnirt DEL "$WORK/netA.conflist" d "$(ns d)" eth0
check "after DEL A: d reaches b1" in_ns d ping -c1 -W1 "$B1"
check "after DEL A: d reaches b1 over IPv6" in_ns d ping -c1 -W1 "$B1_6"
check "after DEL A: b1 reaches d" in_ns b1 ping -c1 -W1 "$DB"
check "after DEL A: the host reaches d's B address" on_host hM ping -c1 -W1 "$DB"
check "after DEL A: CHECK of B" cnirt CHECK "$WORK/netB.conflist" d "$(ns d)" net1
check "DEL d on B" cnirt DEL "$WORK/netB.conflist" d "$(ns d)" net1
check "DEL a1" cnirt DEL "$WORK/netA.conflist" a1 "$(ns a1)" eth0
check "DEL b1" cnirt DEL "$WORK/netB.conflist" b1 "$(ns b1)" eth0
check "nothing left on the host" eventually nothing_left hM
check "no rule left in the task" bash -c "[ -z \"\$(ip netns exec ${RUN_ID}-d ip rule show | grep -v -E 'from all lookup (local|main|default)')\" ]"
finish

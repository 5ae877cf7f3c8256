#!/usr/bin/env bash
# Attachment lifecycles as runtimes and operators really drive them:
# DEL followed at once by ADD of the same container, calls that name
# another hostname than the first, tasks whose namespace vanished, churn
# through many netgroups, and kill -9 at random instants of ADD.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cni_runtime.sh"

add_host hL 198.18.0.1
cnirt_on hL
# netmod.conf under the network configs: the store, the host, and no reuse
# cooldown, so that a released address is handed out again at once.
printf '{"datastore": {"path": "%s/store.db"}, "hostname": "hL", "release_cooldown_seconds": 0}\n' "$WORK" > "$WORK/netmod.conf"
export NETMOD_CONFIG="$WORK/netmod.conf"
cli() { on_host hL "$NETMOD" --config "$WORK/netmod.conf" "$@"; }
network() {  # NAME NETGROUPS_JSON [EXTRA]
  printf '{"cniVersion": "1.0.0", "name": "%s", "plugins": [{"type": "netmod", "netgroups": %s, "ipam": {"type": "netmod", "ipv4_pools": ["10.90.0.0/28"]}%s}]}\n' \
    "$1" "$2" "${3:-}" > "$WORK/$1.conflist"
}
network web '["web"]'
network web-other-host '["web"]' ', "hostname": "hX"'
addr_of() { echo "$1" | jq -r '.ips[0].address' | cut -d/ -f1; }
no_parked_links() { [ -z "$(on_host hL ip -o link show group 28270)" ]; }

# --- DEL then ADD of one container, 100 times in a row (a restart, a
# runtime's retry): the background work of each DEL frees only what that
# DEL deleted, never the new attachment's address.
sandbox c
for i in $(seq 100); do
  cnirt ADD "$WORK/web.conflist" c "$(ns c)" eth0 >/dev/null || { fail "ADD $i"; break; }
  cnirt DEL "$WORK/web.conflist" c "$(ns c)" eth0 >/dev/null || { fail "DEL $i"; break; }
done
r=$(cnirt ADD "$WORK/web.conflist" c "$(ns c)" eth0) || fail "last ADD: $r"
live=$(addr_of "$r")
check "every background deletion has finished" eventually no_parked_links
check "the live attachment still holds its address $live" bash -c \
  "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf ipam show --json | jq -r --arg a '$live' '.[] | select(.address == \$a) | .handle')\" = c:eth0 ]"
sandbox c2
r2=$(cnirt ADD "$WORK/web.conflist" c2 "$(ns c2)" eth0) || fail "ADD c2: $r2"
check "another task gets another address" bash -c "[ '$(addr_of "$r2")' != '$live' ]"
check "the two reach each other" in_ns c2 ping -c1 -W1 "$live"
check "ipam check: consistent" cli ipam check
check "CHECK of the live attachment" cnirt CHECK "$WORK/web.conflist" c "$(ns c)" eth0
check "DEL c" cnirt DEL "$WORK/web.conflist" c "$(ns c)" eth0
check "DEL c2" cnirt DEL "$WORK/web.conflist" c2 "$(ns c2)" eth0

# --- 40 ADDs, then 40 DELs, back to back: each DEL's background work (in
# a child of the call, which opens the datastore anew) loses no other
# call's write: nothing is left in the store or the kernel.
network burst '["web"]'
sed -i 's#10.90.0.0/28#10.90.1.0/24#' "$WORK/burst.conflist"
for i in $(seq 40); do sandbox "b$i"; done
for i in $(seq 40); do cnirt ADD "$WORK/burst.conflist" "b$i" "$(ns "b$i")" eth0 >/dev/null || fail "burst ADD $i"; done
for i in $(seq 40); do cnirt DEL "$WORK/burst.conflist" "b$i" "$(ns "b$i")" eth0 >/dev/null || fail "burst DEL $i"; done
check "after the burst every background deletion has finished" eventually no_parked_links
sleep 1.2  # (the children release their nftables sockets a second later)
check "no endpoint record is left" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf endpoints --json | jq length)\" = 0 ]"
check "no allocation is left" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf ipam show --json | jq length)\" = 0 ]"
check "reconcile then has only the burst's new pool to write" bash -c \
  "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf reconcile --json | jq -c '.created + .removed')\" = '[\"nftables pool sets (written anew)\"]' ]"

# --- Calls naming another hostname than the first: the attachment is found
# by its key; nothing is orphaned.
sandbox h
cnirt ADD "$WORK/web.conflist" h "$(ns h)" eth0 >/dev/null || fail "ADD h"
check "CNI DEL naming another hostname" cnirt DEL "$WORK/web-other-host.conflist" h "$(ns h)" eth0
check "no endpoint record is left" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf endpoints --all-hosts --json | jq length)\" = 0 ]"
start_task hL && TASK_PID[t]=$STARTED_PID
a=$(nm hL '{"command": "allocate", "args": {"hostname": "hL", "uid": "t", "num_ipv4": 1, "num_ipv6": 0, "netgroups": ["web"]}}') || fail "allocate t: $a"
A=$(echo "$a" | jq -r '.ipv4[0]')
nm hL "{\"command\": \"isolate\", \"args\": {\"hostname\": \"hL\", \"container_id\": \"t\", \"pid\": ${TASK_PID[t]}, \"ipv4_addrs\": [\"$A\"], \"netgroups\": [\"web\"]}}" >/dev/null || fail "isolate t"
check "net-modules cleanup naming another hostname" nm hL '{"command": "cleanup", "args": {"hostname": "somewhere-else", "container_id": "t"}}'
check "net-modules release" nm hL '{"command": "release", "args": {"uid": "t"}}'
check "no record, interface or rule of it is left" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf endpoints --all-hosts --json | jq length)\" = 0 ]"
check "reconcile re-wires no orphan" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf reconcile)\" = 'in sync' ]"
check "ipam check: consistent after both" cli ipam check

# --- A task whose namespace vanished (its veth with it): reconcile reports
# a problem, creates nothing, and says the same again the next time.
sandbox z
cnirt ADD "$WORK/web.conflist" z "$(ns z)" eth0 >/dev/null || fail "ADD z"
ip netns del "${RUN_ID}-z"
eventually bash -c "! ip netns exec ${HOST_NS[hL]} ip link show $(ip netns exec "${HOST_NS[hL]}" "$NETMOD" --config "$WORK/netmod.conf" endpoints --json | jq -r '.[0].interface') >/dev/null 2>&1"
cli reconcile --json > "$WORK/rec1.json"; rc1=$?
cli reconcile --json > "$WORK/rec2.json"; rc2=$?
check "reconcile reports the vanished task as a problem (exit 1)" bash -c "[ $rc1 = 1 ] && jq -e '.problems | length == 1' $WORK/rec1.json"
check "reconcile creates nothing for it" jq -e '.created | length == 0' "$WORK/rec1.json"
check "the next reconcile reports the same problem and no change" bash -c \
  "[ $rc2 = 1 ] && jq -e '(.created | length == 0) and (.removed | length == 0)' $WORK/rec2.json && [ \"\$(jq -c .problems $WORK/rec1.json)\" = \"\$(jq -c .problems $WORK/rec2.json)\" ]"
check "DEL of the vanished task frees it" cnirt DEL "$WORK/web.conflist" z "$(ns z)" eth0
check "reconcile is in sync after it" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf reconcile)\" = 'in sync' ]"

# --- 1,000 distinct netgroups churned through: a netgroup's sets and
# chains go with its last member; the ruleset returns to its size.
objects() { on_host hL nft -j list ruleset | jq '[.nftables[] | select(.set or .map or .chain)] | length'; }
sandbox g
base_conf='{"cniVersion": "1.0.0", "name": "churn", "type": "netmod", "netgroups": ["base"], "ipam": {"type": "netmod", "ipv4_pools": ["10.91.0.0/24"]}}'
churn_call() {  # COMMAND NETGROUP
  echo "$base_conf" | jq -c --arg g "$2" '.netgroups = [$g]' | ip netns exec "${HOST_NS[hL]}" env NETMOD_CONFIG="$WORK/netmod.conf" \
    CNI_COMMAND="$1" CNI_CONTAINERID=g CNI_IFNAME=eth0 CNI_NETNS="$(ns g)" CNI_PATH=/x "$NETMOD" >/dev/null
}
churn_call ADD ng0 && churn_call DEL ng0
# The network's pool is new: the pool sets get it from reconcile (wiring
# never rewrites them).
check "reconcile writes the new pool into the pool sets" bash -c \
  "ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf reconcile | grep -q 'pool sets'"
baseline=$(objects)
churned=0
for i in $(seq 1000); do churn_call ADD "ng$i" && churn_call DEL "ng$i" && churned=$((churned + 1)); done
check "1,000 netgroups added and deleted" test "$churned" = 1000
check "the ruleset is back to its $baseline sets and chains" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} nft -j list ruleset | jq '[.nftables[] | select(.set or .map or .chain)] | length')\" = $baseline ]"
# (after the last DEL's follow-up: the deletion of its parked veth, then
# the release of that veth's addresses; reconcile would otherwise find the
# veth gone and release them itself, rightly, and say so)
parked() { ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf ipam show --json | jq -e '[.[] | select(.handle | contains("@released:"))] | length > 0' >/dev/null; }
for _ in $(seq 50); do [ -z "$(on_host hL ip -o link show group 28270)" ] && ! parked && break; sleep 0.1; done
out=$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf reconcile); echo "# reconcile: $out"
check "reconcile finds no leftover netgroup object" test "$out" = "in sync"

# --- kill -9 at random instants of ADD: reconcile then leaves every
# recorded attachment fully wired (CHECK passes) and DEL frees everything.
for i in $(seq 20); do
  sandbox "k$i"
  (echo "$base_conf" | ip netns exec "${HOST_NS[hL]}" env NETMOD_CONFIG="$WORK/netmod.conf" CNI_COMMAND=ADD \
     CNI_CONTAINERID="k$i" CNI_IFNAME=eth0 CNI_NETNS="$(ns "k$i")" CNI_PATH=/x "$NETMOD" > "$WORK/k$i.out" 2>/dev/null) &
  pid=$!
  sleep "0.00$((RANDOM % 6))"
  pkill -9 -P "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done
sleep 0.5
cli reconcile >/dev/null 2>&1
recorded=$(cli endpoints --json | jq -r '.[].container_id' | cut -d: -f1 | sort)
bad=0
for k in $recorded; do
  prev=$(cat "$WORK/$k.out" 2>/dev/null)
  [ -n "$prev" ] || continue  # killed before it answered: no prevResult to CHECK with
  echo "$base_conf" | jq -c --argjson p "$prev" '.prevResult = $p' | ip netns exec "${HOST_NS[hL]}" env NETMOD_CONFIG="$WORK/netmod.conf" \
    CNI_COMMAND=CHECK CNI_CONTAINERID="$k" CNI_IFNAME=eth0 CNI_NETNS="$(ns "$k")" CNI_PATH=/x "$NETMOD" >/dev/null || bad=$((bad + 1))
done
check "after kill -9 and reconcile, every answered attachment passes CHECK" test "$bad" = 0
for i in $(seq 20); do churn_call_k() { :; }; echo "$base_conf" | ip netns exec "${HOST_NS[hL]}" env NETMOD_CONFIG="$WORK/netmod.conf" \
  CNI_COMMAND=DEL CNI_CONTAINERID="k$i" CNI_IFNAME=eth0 CNI_NETNS="$(ns "k$i")" CNI_PATH=/x "$NETMOD" >/dev/null || fail "DEL k$i"; done
check "after DEL of them all: nothing left on the host" eventually nothing_left hL
check "after DEL of them all: no allocation left" bash -c "[ \"\$(ip netns exec ${HOST_NS[hL]} $NETMOD --config $WORK/netmod.conf ipam show --json | jq length)\" = 0 ]"
check "ipam check: consistent at the end" cli ipam check
finish

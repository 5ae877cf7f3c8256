#!/usr/bin/env bash
# Three simulated hosts, each a namespace with an agent, joined by a bridge
# in a "fabric" namespace of its own, sharing one embedded store (as `make
# demo` runs them): routes between hosts, cluster-wide netgroups, borrowed
# addresses, agent restarts and stops, with real traffic (DESIGN.md,
# "Cluster"). Everything lives in namespaces this test makes.
. "$(dirname "$0")/lib.sh"

declare -A AGENT_PID=()
stop_agents() { for p in "${AGENT_PID[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; AGENT_PID=(); }
trap 'stop_agents; teardown' EXIT

FABRIC="${RUN_ID}-fabric"
ip netns add "$FABRIC"
ip -n "$FABRIC" link add br0 type bridge
ip -n "$FABRIC" link set br0 up

# A small pool: two blocks of four IPv4 addresses, so the third host has
# none of its own and borrows (and IPv6 likewise, four blocks of four).
pools='"default_pools": [{"cidr": "10.70.0.0/29", "block_size": 30}, {"cidr": "fd70::/124", "block_size": 126}]'
for i in 1 2 3; do
  h=h$i
  add_host $h 198.18.0.$i cluster
  ip -n "$FABRIC" link add f$i type veth peer name fab0 netns "${HOST_NS[$h]}"
  ip -n "$FABRIC" link set f$i master br0 up
  on_host $h ip link set fab0 up
  on_host $h ip addr add 192.168.77.$i/24 dev fab0
  on_host $h ip addr add fd77::$i/64 dev fab0 nodad
  # The host has two global IPv4 addresses (lo's and the fabric's): its
  # fabric address is set.
  jq -c ". + {$pools, agent: {fabric_address: [\"192.168.77.$i\", \"fd77::$i\"], lease_ttl_seconds: 3,
             resync_seconds: 2, gc_grace_seconds: 2, metrics_address: \"127.0.0.1:9099\"}}" "$WORK/$h.conf" > "$WORK/$h.conf.new"
  mv "$WORK/$h.conf.new" "$WORK/$h.conf"
done

# Started directly, not through a shell function: $! must be the agent
# itself (ip netns exec execs it), for kill -9 and SIGTERM to reach it.
start_agent() {
  ip netns exec "${HOST_NS[$1]}" "$NETMOD" --config "$WORK/$1.conf" agent 2>>"$WORK/agent-$1.log" &
  AGENT_PID[$1]=$!
}
healthy() { on_host "$1" curl -sf http://127.0.0.1:9099/healthz >/dev/null; }

# Bad starts first: each a clear error and a non-zero exit.
jq '.agent.fabric_address = "192.168.99.9"' "$WORK/h1.conf" > "$WORK/bad.conf"
out=$(on_host h1 "$NETMOD" --config "$WORK/bad.conf" agent 2>&1); rc=$?
check "an agent whose fabric address is on no interface exits non-zero" test "$rc" != 0
check "... and says so" grep -q "192.168.99.9 is not an address of any interface" <<<"$out"
jq 'del(.agent.fabric_address)' "$WORK/h1.conf" > "$WORK/bad.conf"
out=$(on_host h1 "$NETMOD" --config "$WORK/bad.conf" agent 2>&1); rc=$?
check "an agent with two candidate fabric addresses exits non-zero" test "$rc" != 0
check "... naming them" grep -q "several IPv4 addresses (.*) and no default route: set agent.fabric_address" <<<"$out"
check "... and registered nothing" bash -c "[ \"\$(ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq length)\" = 0 ]"

for i in 1 2 3; do start_agent h$i; done
for i in 1 2 3; do check "agent on h$i is healthy" eventually healthy h$i; done

add_task h1 a1 g1
add_task h2 a2 g1
add_task h2 b2 g2
add_task h3 a3 g1
add_task h3 p3 public
echo "# tasks: $(for t in a1 a2 b2 a3 p3; do printf '%s=%s,%s ' $t ${ADDR4[$t]} ${ADDR6[$t]}; done)"

# A second agent for a host whose agent lives is refused.
out=$(netmod_on h1 agent 2>&1); rc=$?
check "a second agent on h1 is refused" test "$rc" != 0
check "... naming the live one" grep -q "held by a live agent (pid ${AGENT_PID[h1]}" <<<"$out"

check "netmod hosts lists three live hosts" bash -c \
  "[ \"\$(ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq '[.[] | select(.state == \"live\")] | length')\" = 3 ]"

# Same netgroup across hosts: both families, TCP both ways.
check "a1 (h1) pings a2 (h2), same netgroup" eventually pings a1 "${ADDR4[a2]}"
check "a1 pings a2 over IPv6" eventually pings a1 "${ADDR6[a2]}"
check "a2 <-> a1 TCP both ways" tcp a2 a1 "${ADDR4[a1]}"
check "a1 <-> a2 TCP over IPv6" tcp a1 a2 "${ADDR6[a2]}"
# h3 has no block: its tasks' addresses are borrowed, each routed by a /32.
check "a3's IPv4 address is borrowed (h3 holds no IPv4 block)" bash -c \
  "ip netns exec ${HOST_NS[h3]} $NETMOD --config $WORK/h3.conf hosts --json | jq -e '.[] | select(.host == \"h3\") | [.blocks[] | select(contains(\".\"))] == []'"
check "h1 routes a3's borrowed address via h3" eventually bash -c \
  "ip netns exec ${HOST_NS[h1]} ip route show ${ADDR4[a3]} proto 78 | grep -q 'via 192.168.77.3'"
check "a1 pings a3 (borrowed address, other host)" eventually pings a1 "${ADDR4[a3]}"
check "a3 pings a2 over IPv6 (borrowed)" eventually pings a3 "${ADDR6[a2]}"
# Different netgroups do not talk, across hosts either.
check_not "a1 cannot ping b2 (other netgroup, other host)" pings a1 "${ADDR4[b2]}"
check_not "b2 cannot reach a3 over TCP" tcp b2 a3 "${ADDR4[a3]}"
check_not "b2 cannot ping a1 over IPv6" pings b2 "${ADDR6[a1]}"
# public is reached from every host's tasks.
check "a1 reaches p3 (public) over TCP" tcp a1 p3 "${ADDR4[p3]}"
check "b2 pings p3 (public) over IPv6" pings b2 "${ADDR6[p3]}"
# A host reaches its own tasks; another host's only through public.
check "h2 pings its own task a2" on_host h2 ping -c1 -W1 "${ADDR4[a2]}"
check_not "h2 cannot ping a1 on h1" on_host h2 ping -c1 -W1 "${ADDR4[a1]}"
check "h2 pings p3 on h3 (public)" on_host h2 ping -c1 -W1 "${ADDR4[p3]}"

# The metrics.
metrics=$(on_host h1 curl -sf http://127.0.0.1:9099/metrics)
check "/metrics counts h1's endpoint" grep -q '^netmod_endpoints{host="h1"} 1$' <<<"$metrics"
check "/metrics counts every host's endpoints" grep -q '^netmod_cluster_endpoints{host="h1"} 5$' <<<"$metrics"
check "/metrics counts reconciles" grep -qE '^netmod_reconcile_runs_total\{host="h1"\} [1-9]' <<<"$metrics"

# kill -9 of h2's agent, restart at once: taken over, nothing changes.
routes_before=$(on_host h2 ip -o route show proto 78 | sort)
kill -9 "${AGENT_PID[h2]}"; wait "${AGENT_PID[h2]}" 2>/dev/null
check "a1 still pings a2 with h2's agent dead" pings a1 "${ADDR4[a2]}"
start_agent h2
check "h2's agent restarts at once after kill -9" eventually healthy h2
sleep 2.5  # one resync
check "h2's routes are the same after the restart" bash -c "[ \"\$(ip netns exec ${HOST_NS[h2]} ip -o route show proto 78 | sort)\" = '$routes_before' ]"
check "h2 reconciles in sync after the restart" bash -c "ip netns exec ${HOST_NS[h2]} $NETMOD --config $WORK/h2.conf reconcile | grep -qx 'in sync'"
check "a2 <-> a1 TCP after the restart" tcp a2 a1 "${ADDR4[a1]}"

# A new task on h1 in g1 is reached from h2 soon after its isolate.
add_task h1 c1 g1
check "a2 pings c1, added on h1 after the agents started" eventually pings a2 "${ADDR4[c1]}"

# SIGTERM: a clean stop, the lease revoked, tasks keep their networking.
kill -TERM "${AGENT_PID[h3]}"; wait "${AGENT_PID[h3]}"; rc=$?
unset 'AGENT_PID[h3]'
check "h3's agent stops with 0 on SIGTERM" test "$rc" = 0
check "h3 is no longer live" bash -c \
  "ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq -e '.[] | select(.host == \"h3\") | .state == \"no agent\"'"
check "a1 still pings a3 with h3's agent stopped" pings a1 "${ADDR4[a3]}"
check "h3's log says its tasks keep their networking" grep -q "tasks keep their networking" "$WORK/agent-h3.log"

# Garbage collection, two observations gc_grace_seconds (2 here) apart.
# An allocation never isolated: listed by ipam check, then released.
# (IPv6: the small IPv4 pool is full by now.)
check "allocate an address no task will use" nm h1 '{"command": "allocate", "args": {"hostname": "h1", "uid": "orphan", "num_ipv4": 0, "num_ipv6": 1}}'
check "ipam check lists the unused allocation as garbage" bash -c \
  "ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf ipam check | grep -q '^GARBAGE orphan (host h1): no endpoint uses'"
check "h1's agent releases it after the grace" eventually bash -c \
  "! ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf ipam show --uid orphan --json | jq -e 'length > 0'"
# A task that died without cleanup: unwired and released by its host's agent.
b2_if=$(netmod_on h2 endpoints --json | jq -r '.[] | select(.container_id == "b2") | .host_ifname')
kill "${TASK_PID[b2]}"; wait "${TASK_PID[b2]}" 2>/dev/null; unset 'TASK_PID[b2]'
check "the dead task's host end is removed by h2's agent" eventually bash -c "! ip netns exec ${HOST_NS[h2]} ip link show $b2_if"
check "... and its address released" eventually bash -c "! ip netns exec ${HOST_NS[h2]} $NETMOD --config $WORK/h2.conf ipam show --json | jq -e '.[] | select(.address == \"${ADDR4[b2]}\")'"
check "a1 still pings a2 meanwhile" pings a1 "${ADDR4[a2]}"
# A host that dies (its agent stopped above, its namespace deleted): its
# addresses and blocks are released and its routes gone everywhere.
ip netns del "${HOST_NS[h3]}"; unset 'HOST_NS[h3]'
for h in h1 h2; do
  check "$h drops the route to h3's borrowed address" eventually bash -c \
    "[ -z \"\$(ip netns exec ${HOST_NS[$h]} ip route show ${ADDR4[a3]} proto 78)\" ]"
done
check "h3 is gone from netmod hosts" eventually bash -c \
  "! ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq -e '.[] | select(.host == \"h3\")'"
check "h3's addresses are free again" bash -c \
  "! ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf ipam show --json | jq -e '.[] | select(.address == \"${ADDR4[a3]}\" or .address == \"${ADDR6[p3]}\")'"
metrics=$(on_host h1 curl -sf http://127.0.0.1:9099/metrics)
check "/metrics counts what h1 collected" grep -qE '^netmod_gc_releases_total\{host="h1"\} [1-9]' <<<"$metrics"
check "ipam check finds the store consistent after it all" bash -c \
  "ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf ipam check | grep -qx consistent"

stop_agents
finish

#!/usr/bin/env bash
# The agent's DNS responder (docs/dns.md) on a simulated host: a host
# namespace with an agent on the embedded store, a client namespace beside
# it on a bridge (in a fabric namespace), queries with dig. Task names are
# written into the store the way the launcher files them (records/tasks.hpp):
# straight into the SQLite file, in one transaction that takes the next
# revision and records the event, as SqliteStore::update does. Everything
# lives in namespaces this test makes.
. "$(dirname "$0")/lib.sh"
command -v dig >/dev/null || { echo "skipped: needs dig (Debian package bind9-dnsutils)"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skipped: needs sqlite3"; exit 77; }

AGENT_PID=""
BLOCKER_PID=""
stop_all() {
  [ -n "$AGENT_PID" ] && { kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; }
  [ -n "$BLOCKER_PID" ] && { kill "$BLOCKER_PID" 2>/dev/null; wait "$BLOCKER_PID" 2>/dev/null; }
}
trap 'stop_all; teardown' EXIT

FABRIC="${RUN_ID}-fabric"
CLIENT="${RUN_ID}-client"
ip netns add "$FABRIC"
ip -n "$FABRIC" link add br0 type bridge
ip -n "$FABRIC" link set br0 up
add_host h1 198.18.0.1
ip -n "$FABRIC" link add f1 type veth peer name fab0 netns "${HOST_NS[h1]}"
ip -n "$FABRIC" link set f1 master br0 up
on_host h1 ip link set fab0 up
on_host h1 ip addr add 192.168.77.1/24 dev fab0
on_host h1 ip addr add fd77::1/64 dev fab0 nodad
ip netns add "$CLIENT"
ip -n "$CLIENT" link set lo up
ip -n "$FABRIC" link add fc type veth peer name eth0 netns "$CLIENT"
ip -n "$FABRIC" link set fc master br0 up
ip -n "$CLIENT" link set eth0 up
ip -n "$CLIENT" addr add 192.168.77.100/24 dev eth0
ip -n "$CLIENT" addr add fd77::100/64 dev eth0 nodad

# agent.dns_address is left at its default, "auto": the fabric addresses.
jq -c '. + {agent: {fabric_address: ["192.168.77.1", "fd77::1"], lease_ttl_seconds: 3, resync_seconds: 2,
                    metrics_address: "127.0.0.1:9099"}}' "$WORK/h1.conf" > "$WORK/h1.conf.new"
mv "$WORK/h1.conf.new" "$WORK/h1.conf"
DB="$WORK/store.db"

# put KEY JSON / del KEY: one store transaction each.
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$1" >/dev/null; }
next_rev="INSERT OR REPLACE INTO meta(name, value) VALUES('revision', COALESCE((SELECT value FROM meta WHERE name = 'revision'), 0) + 1);"
rev="(SELECT value FROM meta WHERE name = 'revision')"
put() {
  sql "BEGIN IMMEDIATE; $next_rev
       INSERT OR REPLACE INTO kv(key, value, revision) VALUES('$1', CAST('$2' AS BLOB), $rev);
       INSERT OR REPLACE INTO events(revision, key, value, deleted) VALUES($rev, '$1', CAST('$2' AS BLOB), 0); COMMIT;"
}
del() {
  sql "BEGIN IMMEDIATE; $next_rev DELETE FROM kv WHERE key = '$1';
       INSERT OR REPLACE INTO events(revision, key, value, deleted) VALUES($rev, '$1', CAST('' AS BLOB), 1); COMMIT;"
}
# What `netmod run` files for a running task of app /star-iso/probe-b.
file_task() {
  local task=$1 addrs=$2
  for name in probe-b.star-iso probe-b-star-iso; do put "/netmod/v1/names/$name/$task" "{\"addresses\": $addrs}"; done
}
remove_task() { for name in probe-b.star-iso probe-b-star-iso; do del "/netmod/v1/names/$name/$1"; done; }

# ask [dig options...]: from the client namespace, one try, short timeout.
ask() { ip netns exec "$CLIENT" dig +tries=1 +timeout=1 "$@"; }
short() { ask +short "$@" | sort | paste -sd, -; }
status_is() { local want=$1; shift; ask "$@" | grep -q "status: $want,"; }
nodata() { local out; out=$(ask "$@") && grep -q 'status: NOERROR,' <<<"$out" && grep -q 'ANSWER: 0,' <<<"$out"; }

start_agent() {
  ip netns exec "${HOST_NS[h1]}" "$NETMOD" --config "$WORK/$1" agent 2>>"$WORK/agent.log" &
  AGENT_PID=$!
}
healthy() { on_host h1 curl -sf http://127.0.0.1:9099/healthz >/dev/null; }

# Bad starts: each a clear error and a non-zero exit.
jq '.agent.dns_domain = "my_domain.mesos"' "$WORK/h1.conf" > "$WORK/bad.conf"
out=$(on_host h1 "$NETMOD" --config "$WORK/bad.conf" agent 2>&1); rc=$?
check "an agent with a bad agent.dns_domain exits non-zero" test "$rc" != 0
check "... naming the key" grep -q 'agent.dns_domain: DNS domain "my_domain.mesos"' <<<"$out"
# Something else holds UDP port 53 on the fabric address.
ip netns exec "${HOST_NS[h1]}" nc -u -l 192.168.77.1 53 >/dev/null 2>&1 &
BLOCKER_PID=$!
eventually bash -c "ip netns exec ${HOST_NS[h1]} ss -Hlun 'sport = :53' | grep -q 192.168.77.1"
out=$(on_host h1 "$NETMOD" --config "$WORK/h1.conf" agent 2>&1); rc=$?
check "an agent whose DNS port is taken exits non-zero" test "$rc" != 0
check "... naming agent.dns_address and the address" \
  grep -q 'agent.dns_address "auto" (the fabric addresses at port 53) 192.168.77.1:53,\[fd77::1\]:53: binding UDP to 192.168.77.1:53: Address already in use' <<<"$out"
check "... and leaves no live registration" bash -c \
  "[ \"\$(ip netns exec ${HOST_NS[h1]} $NETMOD --config $WORK/h1.conf hosts --json | jq '[.[] | select(.state == \"live\")] | length')\" = 0 ]"
kill "$BLOCKER_PID"; wait "$BLOCKER_PID" 2>/dev/null; BLOCKER_PID=""

start_agent h1.conf
check "the agent is healthy" eventually healthy
check "it logs where it serves DNS" \
  grep -q 'event=serving dns=192.168.77.1:53,\[fd77::1\]:53 domain=marathon.mesos' "$WORK/agent.log"

file_task star-iso.probe-b.1 '["10.65.0.7", "fd65:6e6d::7"]'
for name in probe-b.star-iso.marathon.mesos probe-b-star-iso.marathon.mesos.; do
  check "A of $name" test "$(short @192.168.77.1 "$name" A)" = 10.65.0.7
  check "AAAA of $name" test "$(short @192.168.77.1 "$name" AAAA)" = fd65:6e6d::7
  check "A of $name over TCP" test "$(short @192.168.77.1 +tcp "$name" A)" = 10.65.0.7
  check "AAAA of $name from the IPv6 fabric address" test "$(short @fd77::1 "$name" AAAA)" = fd65:6e6d::7
done
check "names are case-insensitive" test "$(short @192.168.77.1 PROBE-B.Star-Iso.MARATHON.mesos A)" = 10.65.0.7
answer=$(ask @192.168.77.1 +noall +answer +comments probe-b.star-iso.marathon.mesos A)
check "the answer is authoritative" grep -q 'flags: qr aa' <<<"$answer"
check "... and lives 1 second" grep -qE '^probe-b\.star-iso\.marathon\.mesos\.\s+1\s+IN\s+A\s+10\.65\.0\.7$' <<<"$answer"
file_task star-iso.probe-b.2 '["10.65.0.8"]'
check "a second task of the app: both addresses" test "$(short @192.168.77.1 probe-b-star-iso.marathon.mesos A)" = 10.65.0.7,10.65.0.8
check "a task name, another type: NODATA (NOERROR, no answer)" nodata @192.168.77.1 probe-b.star-iso.marathon.mesos TXT
check "an unknown name: NXDOMAIN" status_is NXDOMAIN @192.168.77.1 nope.marathon.mesos A
check "... with the SOA for negative caching" bash -c \
  "ip netns exec $CLIENT dig +tries=1 +timeout=1 @192.168.77.1 nope.marathon.mesos A | grep -qE '^marathon\.mesos\.\s+1\s+IN\s+SOA'"
check "a name outside the domain: REFUSED" status_is REFUSED @192.168.77.1 example.com A
check "... over TCP too" status_is REFUSED @192.168.77.1 +tcp probe-b.star-iso.mesos A

# A task that stops: its names go in the same transaction; the next query
# no longer finds them (no cache to expire).
remove_task star-iso.probe-b.1
check "a stopped task's address is gone at once" test "$(short @192.168.77.1 probe-b.star-iso.marathon.mesos A)" = 10.65.0.8
check "the task left has no IPv6 address: NODATA" nodata @192.168.77.1 probe-b.star-iso.marathon.mesos AAAA
remove_task star-iso.probe-b.2
check "the last task gone: NXDOMAIN at once" status_is NXDOMAIN @192.168.77.1 probe-b.star-iso.marathon.mesos A
check "... for both forms" status_is NXDOMAIN @192.168.77.1 probe-b-star-iso.marathon.mesos AAAA

metrics=$(on_host h1 curl -sf http://127.0.0.1:9099/metrics)
check "/metrics counts answers by rcode" grep -qE '^netmod_dns_queries_total\{host="h1",rcode="NOERROR"\} [1-9]' <<<"$metrics"
check "... NXDOMAIN" grep -qE '^netmod_dns_queries_total\{host="h1",rcode="NXDOMAIN"\} [1-9]' <<<"$metrics"
check "... REFUSED" grep -qE '^netmod_dns_queries_total\{host="h1",rcode="REFUSED"\} [1-9]' <<<"$metrics"

# SIGTERM: DNS stops with the agent; the port is free for its successor.
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"; rc=$?; AGENT_PID=""
check "the agent stops with 0 on SIGTERM" test "$rc" = 0
check_not "no DNS answer after it stopped" ask @192.168.77.1 marathon.mesos SOA
check "... its port 53 is released" bash -c "[ -z \"\$(ip netns exec ${HOST_NS[h1]} ss -Hlun 'sport = :53')\" ]"

# agent.dns_address "" turns DNS off.
jq '.agent.dns_address = ""' "$WORK/h1.conf" > "$WORK/off.conf"
: > "$WORK/agent.log"
start_agent off.conf
check "an agent with agent.dns_address \"\" is healthy" eventually healthy
check "... and serves no DNS" bash -c "! grep -q 'serving dns=' $WORK/agent.log && [ -z \"\$(ip netns exec ${HOST_NS[h1]} ss -Hlun 'sport = :53')\" ]"

stop_all
finish

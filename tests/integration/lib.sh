# Helpers for the root integration tests: simulated hosts and tasks in
# network namespaces this test creates, and always removes (trap on EXIT).
# Nothing outside those namespaces is addressed or changed.
set -uo pipefail

NETMOD=${NETMOD_BIN:?NETMOD_BIN must name the netmod binary}
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root"; exit 77; fi

RUN_ID="nmt$$"
WORK=$(mktemp -d /tmp/netmod-it-XXXXXX)
declare -A TASK_PID=() HOST_NS=() ADDR4=() ADDR6=()
PASSED=0
FAILED=0

teardown() {
  for pid in "${TASK_PID[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "${HOST_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^${RUN_ID}-" | xargs -r -n1 ip netns del 2>/dev/null
  rm -rf "$WORK"
}
trap teardown EXIT
ROOT_NETNS=$(readlink /proc/self/ns/net)

pass() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }
check_not() { local what=$1; shift; if "$@" >/dev/null 2>&1; then fail "$what"; else pass "$what"; fi; }

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
}

# add_host NAME HOST_ADDR: a namespace standing for an agent host, with its
# own addresses on lo (the host's identity, used as its source address):
# HOST_ADDR and, for IPv6, fdff::HOST_ADDR with colons for dots.
add_host() {
  local ns="${RUN_ID}-$1"
  ip netns add "$ns" || exit 1
  HOST_NS[$1]=$ns
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$2/32" dev lo
  ip -n "$ns" addr add "fdff::${2//./:}/128" dev lo
  printf '{"datastore": {"path": "%s/%s.db"}, "hostname": "%s", "release_cooldown_seconds": 0}\n' \
    "$WORK" "${3:-store}" "$1" > "$WORK/$1.conf"
}

on_host() { local h=$1; shift; ip netns exec "${HOST_NS[$h]}" "$@"; }
netmod_on() { local h=$1; shift; on_host "$h" "$NETMOD" --config "$WORK/$h.conf" "$@"; }

# nm HOST JSON: one net-modules call; prints the answer, fails on error.
nm() { local out; out=$(echo "$2" | netmod_on "$1" netmodules); echo "$out"; [ "$(echo "$out" | jq -r .error)" = null ]; }

# add_task HOST NAME [netgroup...]: a process in a fresh namespace on HOST,
# with one IPv4 and one IPv6 address allocated and isolated.
add_task() {
  local h=$1 name=$2; shift 2
  local groups; groups=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(length > 0))')
  start_task "$h" || { fail "start task $name"; return 1; }
  local pid=$STARTED_PID
  TASK_PID[$name]=$pid
  local a; a=$(nm "$h" "{\"command\": \"allocate\", \"args\": {\"hostname\": \"$h\", \"uid\": \"$name\", \"num_ipv4\": 1, \"num_ipv6\": 1, \"netgroups\": $groups}}") || { fail "allocate $name: $a"; return 1; }
  ADDR4[$name]=$(echo "$a" | jq -r '.ipv4[0]')
  ADDR6[$name]=$(echo "$a" | jq -r '.ipv6[0]')
  local r; r=$(nm "$h" "{\"command\": \"isolate\", \"args\": {\"hostname\": \"$h\", \"container_id\": \"$name\", \"pid\": $pid, \"ipv4_addrs\": [\"${ADDR4[$name]}\"], \"ipv6_addrs\": [\"${ADDR6[$name]}\"], \"netgroups\": $groups}}") || { fail "isolate $name: $r"; return 1; }
}

# Bare task namespaces (for CNI, whose runtime makes the namespace):
# sandbox NAME makes it, ns NAME is its path, in_ns NAME CMD... runs in it.
sandbox() { ip netns add "${RUN_ID}-$1"; }
ns() { echo "/run/netns/${RUN_ID}-$1"; }
in_ns() { local n=$1; shift; ip netns exec "${RUN_ID}-$n" "$@"; }

# start_task HOST: a process in a fresh network namespace inside HOST's;
# sets STARTED_PID. Started directly (not through a shell function) so that
# $! is the process that becomes the task: ip netns exec execs unshare,
# which unshares and execs sleep. (Not meant for $(...): a subshell would
# run the EXIT trap.)
start_task() {
  ip netns exec "${HOST_NS[$1]}" unshare -n sleep 600 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 200); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = sleep ] && break; sleep 0.01; done
  own_namespace "$pid" || { kill "$pid"; return 1; }
  STARTED_PID=$pid
}

# Refuses any pid whose network namespace is the machine's or this
# script's: tests act only in namespaces they made.
own_namespace() {
  local ns; ns=$(readlink "/proc/$1/ns/net") || return 1
  [ -n "$ns" ] && [ "$ns" != "$ROOT_NETNS" ] && [ "$ns" != "$(readlink /proc/1/ns/net 2>/dev/null)" ]
}

in_task() {
  local t=$1; shift
  own_namespace "${TASK_PID[$t]}" || { echo "refusing: task $t is not in a namespace of this test" >&2; return 1; }
  nsenter -t "${TASK_PID[$t]}" -n "$@"
}

pings() { in_task "$1" ping -c1 -W1 "$2"; }

# tcp FROM TO_TASK ADDR: a TCP exchange both ways (the reply proves rule 4).
tcp() {
  local from=$1 to=$2 addr=$3 port=$((20000 + RANDOM % 20000))
  rm -f "$WORK/tcp.in"
  local six=""; [[ $addr == *:* ]] && six=-6
  (echo pong | in_task "$to" timeout 3 nc $six -l -N "$port" > "$WORK/tcp.in") &
  local srv=$!
  sleep 0.15
  local got; got=$(echo ping | in_task "$from" timeout 2 nc -w1 -N "$addr" "$port" 2>/dev/null)
  wait "$srv" 2>/dev/null
  [ "$got" = pong ] && [ "$(cat "$WORK/tcp.in" 2>/dev/null)" = ping ]
}

# udp FROM TO_TASK ADDR [SOURCE]: a datagram arrives.
udp() {
  local from=$1 to=$2 addr=$3 src=${4:-} port=$((20000 + RANDOM % 20000))
  rm -f "$WORK/udp.in"
  local six=""; [[ $addr == *:* ]] && six=-6
  (in_task "$to" timeout 1.5 nc $six -u -l "$port" > "$WORK/udp.in") &
  local srv=$!
  sleep 0.15
  if [ -n "$src" ]; then
    echo datagram | in_task "$from" timeout 1 nc -u -w1 -s "$src" "$addr" "$port" 2>/dev/null
  else
    echo datagram | in_task "$from" timeout 1 nc -u -w1 "$addr" "$port" 2>/dev/null
  fi
  wait "$srv" 2>/dev/null
  grep -q datagram "$WORK/udp.in"
}

# eventually CMD...: CMD succeeds within 10 s (for work netmod finishes in
# the background, such as deleting a veth after CNI DEL).
eventually() {
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@"
}

# Everything netmod wired for tasks on HOST is gone (host-wide blackhole
# routes for its blocks may stay: they belong to the host).
# The host ends the fast path is hooked on (a base chain h_<host end> each), one per line.
# (nft's JSON leaves out the device of a chain hooked on one: its text.)
fast_hooks() {
  on_host "$1" nft list table netdev netmod 2>/dev/null |
    awk '$1 == "chain" { chain = $2 } chain ~ /^h_/ && /type filter hook ingress device/ { split($0, q, "\""); print q[2] }'
}
# How many host ends of HOST have a fast-path hook is N.
fast_hooks_are() { [ "$(fast_hooks "$1" | grep -cE '^nm[0-9a-f]{12}$')" = "$2" ]; }

nothing_left() {
  local h=$1
  [ -z "$(on_host "$h" ip -o link show | grep -E ': nm[0-9a-f]{12}[@:]')" ] || return 1
  [ -z "$(on_host "$h" ip -o route show proto 78 | grep -v blackhole)" ] || return 1
  [ -z "$(on_host "$h" ip -o -6 route show proto 78 | grep -v blackhole)" ] || return 1
  local json
  if json=$(on_host "$h" nft -j list table inet netmod 2>/dev/null); then
    [ "$(echo "$json" | jq '[.nftables[] | (.set // .map // empty) | select(.elem) | select(.name | test("^(pools|nat)_") | not)] | length')" = 0 ] || return 1
  fi
  # The fast-path table: no element, and no hook chain of a task's interface.
  if json=$(on_host "$h" nft -j list table netdev netmod 2>/dev/null); then
    [ "$(echo "$json" | jq '[.nftables[] | (.set // .map // empty) | select(.elem)] | length')" = 0 ] || return 1
    [ -z "$(fast_hooks "$h")" ] || return 1
  fi
  return 0
}

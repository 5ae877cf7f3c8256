#!/usr/bin/env bash
# The launcher (netmod run, stop, ps; run --app) on two simulated hosts,
# lt-h1 and lt-h2: network namespaces named as the hosts (how --host finds
# a simulated host), joined by a bridge in a fabric namespace, each with an
# agent, all on one embedded store. The launchers run in the machine's own
# namespace with --host. Proves exit codes, signals passed on, kill -9 of a
# launcher and the agent's garbage collection of what it left, host port
# conflicts, names through the agent's DNS, and clear errors that leave
# nothing behind. Everything lives in namespaces this test makes.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: needs sqlite3"; exit 77; }
command -v dig >/dev/null || { echo "skipped: needs dig (Debian package bind9-dnsutils)"; exit 77; }

FABRIC=lt-fabric
# Names of our own: a namespace left by an earlier run would be another
# run's (or a crash's) to remove, not this one's.
for ns in lt-h1 lt-h2 "$FABRIC"; do
  if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
    echo "FAIL - namespace $ns exists already (left by an earlier run?): remove it with ip netns del $ns"
    exit 1
  fi
done

declare -A AGENT_PID=()
LAUNCHERS=()   # launchers started in the background and not yet reaped
BLOCKER_PID=""
# reaped PID: waited for, so never signalled again (its pid may be reused).
reaped() {
  local keep=() p
  for p in "${LAUNCHERS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  LAUNCHERS=("${keep[@]}")
}
# ours PID: a process of this run (its command line names $WORK), so that
# a pid reused meanwhile is never signalled.
ours() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$WORK/"; }
stop_all() {
  for p in "${LAUNCHERS[@]}"; do ours "$p" && kill -TERM "$p"; done
  for p in "${LAUNCHERS[@]}"; do
    for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
    ours "$p" && kill -KILL "$p"
    wait "$p" 2>/dev/null
  done
  LAUNCHERS=()
  [ -n "$BLOCKER_PID" ] && { kill "$BLOCKER_PID" 2>/dev/null; wait "$BLOCKER_PID" 2>/dev/null; }
  for p in "${AGENT_PID[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  AGENT_PID=()
  # Whatever of this run is left (a supervisor a broken launcher left
  # behind would hold ctest's output open): its command line names $WORK,
  # a directory of this run alone.
  local pid
  for pid in $(grep -lF "$WORK/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$pid" != "$$" ] && ours "$pid" && kill -KILL "$pid" 2>/dev/null
  done
}
trap 'stop_all; teardown' EXIT

# alive PID: runs (a zombie not yet waited for has ended).
alive() { local st; st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }
dead() { ! alive "$1"; }
# wait_ended PID: its exit code once it has ended; one still running after
# 10 s is killed (137), so that a launcher that ignores what it was sent
# fails its checks instead of hanging the test.
wait_ended() {
  local p=$1
  for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
  alive "$p" && { echo "# $p still runs after 10 s: killed" >&2; kill -KILL "$p"; }
  wait "$p" 2>/dev/null; local rc=$?
  reaped "$p"
  return "$rc"
}

ip netns add "$FABRIC" || exit 1
HOST_NS[fabric]=$FABRIC
ip -n "$FABRIC" link add br0 type bridge
ip -n "$FABRIC" link set br0 up
for i in 1 2; do
  h=lt-h$i
  ip netns add "$h" || exit 1
  HOST_NS[$h]=$h
  ip -n "$h" link set lo up
  ip -n "$h" addr add "198.18.0.$i/32" dev lo
  ip -n "$FABRIC" link add "f$i" type veth peer name fab0 netns "$h"
  ip -n "$FABRIC" link set "f$i" master br0 up
  ip -n "$h" link set fab0 up
  ip -n "$h" addr add "192.168.77.$i/24" dev fab0
  ip -n "$h" addr add "fd77::$i/64" dev fab0 nodad
  # GC and resync every second, so that what a kill -9 leaves is gone
  # within a few seconds.
  jq -n --arg db "$WORK/store.db" --arg h "$h" --arg i "$i" '{
    datastore: {path: $db}, hostname: $h, release_cooldown_seconds: 0,
    default_pools: [{cidr: "10.72.0.0/24", block_size: 28}, {cidr: "fd72::/120", block_size: 124}],
    agent: {fabric_address: ["192.168.77.\($i)", "fd77::\($i)"], lease_ttl_seconds: 3, resync_seconds: 1,
            gc_grace_seconds: 1, metrics_address: "127.0.0.1:9099"}}' > "$WORK/$h.conf"
done

# The launcher and the other commands run in the machine's namespace.
nm_cli() { "$NETMOD" --config "$WORK/lt-h1.conf" "$@"; }
start_agent() {
  ip netns exec "$1" "$NETMOD" --config "$WORK/$1.conf" agent 2>>"$WORK/agent-$1.log" &
  AGENT_PID[$1]=$!
}
healthy() { on_host "$1" curl -sf http://127.0.0.1:9099/healthz >/dev/null; }

tasks_are() { [ "$(nm_cli ps --json | jq -c '[.[].id] | sort')" = "$1" ]; }
no_tasks() { tasks_are '[]'; }
task_state() { nm_cli ps --json | jq -r --arg id "$1" '.[] | select(.id == $id) | .state'; }
running() { [ "$(task_state "$1")" = running ]; }
task_addr() { nm_cli ps --json | jq -r --arg id "$1" '.[] | select(.id == $id) | .addresses[0]'; }
store_count() { sqlite3 -cmd '.timeout 5000' "$WORK/store.db" "SELECT count(*) FROM kv WHERE key LIKE '$1%'"; }
# Nothing of any task: records, names, port claims, endpoints, allocations.
# What is left is shown (on fd 3: check silences the rest).
exec 3>&2
nothing_left_of_tasks() {
  local left
  left=$(sqlite3 -cmd '.timeout 5000' "$WORK/store.db" "SELECT key FROM kv WHERE key LIKE '/netmod/v1/tasks/%'
    OR key LIKE '/netmod/v1/names/%' OR key LIKE '/netmod/v1/ports/%' OR key LIKE '/netmod/v1/endpoints/%'
    OR key LIKE '/netmod/v1/ipam/handles/%'") || return 1
  [ -z "$left" ] && no_tasks && [ "$(nm_cli ipam show --json | jq length)" = 0 ] && return 0
  echo "# left: ${left//$'\n'/ }" >&3
  return 1
}
# settles CMD...: as eventually (lib.sh), without CMD's diagnostics on fd 3
# but for the last try.
settles() {
  for _ in $(seq 100); do "$@" 3>/dev/null && return 0; sleep 0.1; done
  "$@"
}
sandbox_gone() { [ ! -e "/run/netmod/tasks/$1" ]; }
nxdomain() { on_host lt-h1 dig +tries=1 +timeout=1 @192.168.77.1 "$1" A | grep -q 'status: NXDOMAIN,'; }

for h in lt-h1 lt-h2; do start_agent "$h"; done
for h in lt-h1 lt-h2; do check "the agent of $h is healthy" eventually healthy "$h"; done

# 1. An exit code comes back; the task has an address of its own; nothing
#    is left afterwards.
out=$(nm_cli run --host lt-h1 -- sh -c 'ip -br addr; exit 7' 2>"$WORK/run1.err"); rc=$?
check "a task's exit code is the launcher's (7)" test "$rc" = 7
check "the task sees an address of its own in the pool" grep -qE '\b10\.72\.0\.[0-9]+/32\b' <<<"$out"
check_not "... and not the host's fabric address" grep -q 192.168.77.1 <<<"$out"
check "the launcher says where it ran" grep -qE 'running on lt-h1: 10\.72\.0\.[0-9]+' "$WORK/run1.err"
check "nothing of the task is left (record, endpoint, allocation)" nothing_left_of_tasks
consistent() { nm_cli ipam check | grep -qx consistent; }
check "ipam check finds the store consistent" consistent

# 2. Signals: SIGTERM and SIGINT reach the task, whose code is the
#    launcher's; everything is cleaned up.
signal_case() {
  local sig=$1 code=$2 flag="$WORK/trapped-$1"
  "$NETMOD" --config "$WORK/lt-h1.conf" run --host lt-h1 -- \
    sh -c "trap 'echo $sig > $flag; exit $code' $sig; touch $flag.ready; while :; do sleep 0.1; done" 2>>"$WORK/signals.err" &
  local pid=$!
  LAUNCHERS+=("$pid")
  check "the $sig task runs" eventually test -e "$flag.ready"
  check "... filed running" eventually running "run-$pid"
  kill "-$sig" "$pid"
  wait_ended "$pid"; local rc=$?
  check "$sig to the launcher reaches the task (its trap ran)" grep -qx "$sig" "$flag"
  check "... and the launcher exits with the task's code ($code)" test "$rc" = "$code"
  check "... leaving nothing" nothing_left_of_tasks
  check "... nor its sandbox" sandbox_gone "run-$pid"
}
signal_case TERM 143
signal_case INT 130

# 3. kill -9 of a launcher: its task dies with it; the agent of its host
#    removes the endpoint, the allocation, the record and the names.
"$NETMOD" --config "$WORK/lt-h1.conf" run --name k9 --host lt-h1 --netgroup public -- sleep 600 2>>"$WORK/k9.err" &
k9=$!
LAUNCHERS+=("$k9")
check "the k9 task runs" eventually running k9.0
k9_task=$(pgrep -P "$k9" | head -1)
check "its process is the launcher's child" test -n "$k9_task"
check "its name resolves" test "$(on_host lt-h1 dig +short +tries=1 +timeout=1 @192.168.77.1 k9.marathon.mesos A)" = "$(task_addr k9.0)"
{ kill -9 "$k9"; wait_ended "$k9"; } 2>/dev/null  # (bash's "Killed" notice)
check "after kill -9 of the launcher its task dies too" eventually dead "$k9_task"
listed_as_garbage() { nm_cli ipam check | grep -qF "GARBAGE $1"; }
check "ipam check lists the task record as garbage of a dead launcher" \
  eventually listed_as_garbage "k9.0 (host lt-h1): its launcher (pid $k9) is gone"
check "the agent removes the task record" eventually no_tasks
check "... its name (NXDOMAIN)" eventually nxdomain k9.marathon.mesos
check "... its endpoint and allocation" settles nothing_left_of_tasks
check "the agent logged it" grep -qF "event=gc \"task k9.0 (/k9) of a dead launcher (pid $k9): removed its record, names k9" "$WORK/agent-lt-h1.log"
check_not "lt-h2's agent left it to lt-h1's" grep -q 'task k9.0' "$WORK/agent-lt-h2.log"
metrics=$(on_host lt-h1 curl -sf http://127.0.0.1:9099/metrics)
check "/metrics counts the collected task" grep -qx 'netmod_gc_tasks_total{host="lt-h1"} 1' <<<"$metrics"

# 4. Host ports: a second task claiming a port a task holds on the host is
#    refused, naming the port and its holder; so is a port something
#    outside netmod listens on.
"$NETMOD" --config "$WORK/lt-h1.conf" run --host-network --port 9100 --host lt-h1 -- sleep 600 2>>"$WORK/port.err" &
holder=$!
LAUNCHERS+=("$holder")
check "a host-network task holds port 9100 on lt-h1" eventually running "run-$holder"
out=$(nm_cli run --host-network --port 9100 --host lt-h1 -- true 2>&1); rc=$?
check "a second task for port 9100 on lt-h1 fails" test "$rc" != 0
check "... naming the port and its holder" grep -qF "host port 9100 is taken on every host (lt-h1: 9100 (run-$holder))" <<<"$out"
check "... leaving only the holder" tasks_are "[\"run-$holder\"]"
check "netmod stop ends the holder" nm_cli stop "run-$holder"
wait_ended "$holder"; rc=$?
check "... its launcher exits with 143 (SIGTERM passed on)" test "$rc" = 143
check "... and nothing is left" nothing_left_of_tasks
ip netns exec lt-h1 nc -l 9100 >/dev/null 2>&1 &
BLOCKER_PID=$!
listening() { on_host lt-h1 ss -Hltn "sport = :$1" | grep -q LISTEN; }
check "a process outside netmod listens on 9100 in lt-h1" eventually listening 9100
out=$(nm_cli run --host-network --port 9100 --host lt-h1 -- true 2>&1); rc=$?
check "a task for port 9100 then fails" test "$rc" != 0
check "... saying a process outside netmod holds it" grep -qF "9100 (a process outside netmod)" <<<"$out"
check "... leaving nothing" nothing_left_of_tasks
kill "$BLOCKER_PID"; wait "$BLOCKER_PID" 2>/dev/null; BLOCKER_PID=""

# 5. Names: a named task resolves inside another task (its resolv.conf
#    points at its host's agent); once stopped it is gone at once.
"$NETMOD" --config "$WORK/lt-h1.conf" run --name web --host lt-h1 --netgroup public -- sleep 600 2>>"$WORK/web.err" &
web=$!
LAUNCHERS+=("$web")
check "the web task runs" eventually running web.0
web_addr=$(task_addr web.0)
out=$(nm_cli run --host lt-h1 --netgroup public -- \
  sh -c 'getent hosts web.marathon.mesos; echo ---; getent ahostsv4 web.marathon.mesos' 2>>"$WORK/web.err")
first_address() { sed -n '1,/^---$/p' <<<"$1" | awk 'NR == 1 {print $1}'; }
ahosts_addresses() { sed -n '/^---$/,$p' <<<"$1" | awk 'NR > 1 {print $1}' | sort -u; }
check "getent hosts web.marathon.mesos in another task finds web's address ($web_addr)" \
  test "$(first_address "$out")" = "$web_addr"
check "getent ahostsv4 web.marathon.mesos too" test "$(ahosts_addresses "$out")" = "$web_addr"
check "netmod stop web" nm_cli stop web
wait_ended "$web"
check "web's name is NXDOMAIN right after" nxdomain web.marathon.mesos
out=$(nm_cli run --host lt-h1 --netgroup public -- getent hosts web.marathon.mesos 2>/dev/null); rc=$?
check "getent in a task no longer finds web" test "$rc" != 0
check "nothing is left" nothing_left_of_tasks

# 6. Bad command lines: a clear error, a non-zero exit, nothing left.
refused() {  # refused WHAT EXPECTED-MESSAGE ARGS...
  local what=$1 want=$2; shift 2
  local out rc
  out=$(nm_cli run "$@" 2>&1); rc=$?
  check "$what: non-zero exit" test "$rc" != 0
  check "$what: says $want" grep -qF -- "$want" <<<"$out"
  check "$what: leaves nothing" nothing_left_of_tasks
}
refused "no command" "no command given" --host lt-h1
refused "--port without --host-network" "--port claims a host port: it needs --host-network" --port 9100 --host lt-h1 -- true
refused "a bad netgroup" "--netgroup:" --netgroup 'bad group!' --host lt-h1 -- true
refused "an unknown host" "host nosuchhost is neither this machine" --host nosuchhost -- true

# 7. Bad app definitions, and one app run twice.
app() { printf '%s\n' "$2" > "$WORK/$1.json"; echo "$WORK/$1.json"; }
refused "--app not JSON" "not-json.json" --app "$(app not-json '{"id": "x", ')"
refused "--app without id" "id is required" --app "$(app no-id '{"cmd": "true"}')"
refused "--app without cmd" "cmd is required (app /x)" --app "$(app no-cmd '{"id": "x"}')"
refused "--app with instances of the wrong type" "instances" --app "$(app bad-type '{"id": "x", "cmd": "true", "instances": "two"}')"
refused "--app with a bad netgroup" "ipAddress.groups" \
  --app "$(app bad-group '{"id": "x", "cmd": "true", "ipAddress": {"groups": ["bad group!"]}}')"
refused "--app with two apps of one id" "two apps have the id /g/a" \
  --app "$(app two-ids '{"id": "/g", "apps": [{"id": "a", "cmd": "true"}, {"id": "a", "cmd": "true"}]}')"
once=$(app once '{"id": "/lt-once", "cmd": "sleep 600", "ipAddress": {"groups": ["public"]}}')
"$NETMOD" --config "$WORK/lt-h1.conf" run --app "$once" 2>>"$WORK/once.err" &
first=$!
LAUNCHERS+=("$first")
check "app /lt-once runs" eventually running lt-once.0
out=$(nm_cli run --app "$once" 2>&1); rc=$?
check "the same app again is refused" test "$rc" != 0
check "... naming the app" grep -qF "app /lt-once is already running" <<<"$out"
check "... leaving the first alone" tasks_are '["lt-once.0"]'
check "netmod stop /lt-once" nm_cli stop /lt-once
wait_ended "$first"; rc=$?
check "... its launcher exits 0 (stopped as asked)" test "$rc" = 0
check "... and nothing is left" nothing_left_of_tasks

# 8. A host-network group whose port is taken on every host: the extra
#    task waits, visibly; netmod stop of the group ends them all.
hn=$(app hn '{"id": "/lt-hn", "apps": [{"id": "srv", "cmd": "sleep 600", "instances": 3, "ports": [9100], "requirePorts": true}]}')
"$NETMOD" --config "$WORK/lt-h1.conf" run --app "$hn" 2>"$WORK/hn.err" &
group=$!
LAUNCHERS+=("$group")
states_are() { [ "$(nm_cli ps --json | jq -c '[.[] | select(.app == "/lt-hn/srv") | .state] | sort')" = "$1" ]; }
check "two tasks of /lt-hn/srv run (one per host), the third waits" eventually states_are '["running","running","waiting"]'
ps_shows_waiting() { nm_cli ps | grep -qE '^/lt-hn/srv +lt-hn\.srv\.[0-9] +- +waiting '; }
check "... netmod ps shows it waiting, on no host yet" ps_shows_waiting
check "... and the launcher says why" eventually grep -q "waiting: host port 9100 is taken on every host" "$WORK/hn.err"
check "netmod stop /lt-hn" nm_cli stop /lt-hn
wait_ended "$group"; rc=$?
check "... the group's launcher exits 0" test "$rc" = 0
check "... and nothing is left" nothing_left_of_tasks

# 9. kill -9 of a group's launcher: each task's supervisor ends with it,
#    and its task with that (cleaned up as after netmod stop).
g9=$(app g9 '{"id": "/lt-g9", "apps": [{"id": "a", "cmd": "sleep 601", "instances": 2, "ipAddress": {"groups": ["public"]}}]}')
"$NETMOD" --config "$WORK/lt-h1.conf" run --app "$g9" 2>>"$WORK/g9.err" &
g9pid=$!
LAUNCHERS+=("$g9pid")
both_running() { running lt-g9.a.0 && running lt-g9.a.1; }
check "the two tasks of /lt-g9/a run" eventually both_running
supervisors=$(pgrep -P "$g9pid")
LAUNCHERS+=($supervisors)  # signalled at the end if they outlive it (ours)
{ kill -9 "$g9pid"; wait_ended "$g9pid"; } 2>/dev/null
no_sleeper() { ! pgrep -f 'sleep 601' >/dev/null; }
check "after kill -9 of their group's launcher the tasks end" eventually no_sleeper
check "... and nothing of them is left" settles nothing_left_of_tasks

check "ipam check finds the store consistent after it all" consistent
stop_all
finish

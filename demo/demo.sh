#!/usr/bin/env bash
# The seed's demo on one machine (`make demo`): two simulated agents —
# network namespaces joined by a "fabric" namespace, an agent in each, one
# embedded store — and the star probes and collector in three scenarios:
#
#   before    host networking: every probe wants host port 9000, so only
#             one probe per host starts, and nothing is isolated;
#   after     an address per probe, all in netgroup public: all four start
#             and every probe reaches every other;
#   isolated  netgroups star-1 = A, B and star-2 = C, D: only probes of one
#             netgroup reach each other; the collector (star-1, star-2 and
#             public) reaches all four.
#
# Each scenario is a Marathon app group (demo/apps/*.json) that
# `netmod run --app` places and launches. The collector's page of the
# current scenario is forwarded to http://127.0.0.1:9001/ of this machine.
#
#   demo/demo.sh [--keep] [--hold SECONDS] [--netmod PATH] [--results FILE]
#     --keep     keep the last scenario running until Ctrl-C
#     --hold     seconds each scenario stays up once it has converged (5)
#     --results  append one JSON line per scenario (for tests)
#     --scenarios  which scenarios, in order (before,after,isolated)
#
# Everything it makes lives in namespaces it creates; on any exit (the end,
# an error, Ctrl-C) it stops every task, agent and forwarder, deletes the
# namespaces and its state directory, and leaves nothing behind.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
NETMOD=${NETMOD:-$HERE/../build/netmod}
KEEP=0
HOLD=5
RESULTS=""
SCENARIOS="before,after,isolated"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=1 ;;
    --hold) HOLD=$2; shift ;;
    --netmod) NETMOD=$2; shift ;;
    --results) RESULTS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "netmod demo: unknown argument $1 (see $0 --help)" >&2; exit 2 ;;
  esac
  shift
done

STATE=/run/netmod-demo
LOCK=/run/netmod-demo.lock
FABRIC=demo-fabric
HOSTS=(demo-agent-1 demo-agent-2)
PAGE=127.0.0.1:9001

TTY=false
if [ -t 1 ]; then
  TTY=true
  B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' C=$'\e[36m' N=$'\e[0m'
else
  B="" D="" G="" R="" Y="" C="" N=""
fi
say() { printf '%s\n' "$*"; }
die() { printf 'netmod demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it makes network namespaces): sudo make demo"
[ -x "$NETMOD" ] || die "no netmod binary at $NETMOD (make build)"
NETMOD=$(cd "$(dirname "$NETMOD")" && pwd)/$(basename "$NETMOD")
for tool in ip jq curl flock; do command -v $tool >/dev/null || die "needs $tool (make deps installs it)"; done

# Every process the demo starts holds its lock file open (fd 9 is
# inherited): agents, launchers, tasks and what the tasks started.
kill_lock_holders() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    if ls -l "/proc/$p/fd" 2>/dev/null | grep -q " -> $LOCK\$"; then kill -9 "$p" 2>/dev/null; fi
  done
}

# One demo at a time: the second says who runs the first. Processes left
# by a demo that was killed -9 hold the lock without it: they go.
exec 9>"$LOCK"
if ! flock -n 9; then
  owner=$(cat "$LOCK.pid" 2>/dev/null)
  if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then
    die "another demo is running (pid $owner); stop it first (Ctrl-C in its terminal)"
  fi
  kill_lock_holders
  sleep 0.2
  flock -n 9 || die "another demo is running; stop it first (Ctrl-C in its terminal)"
fi
echo $$ > "$LOCK.pid"

# A leftover of a demo that was killed -9 (the lock was free): cleared.
cleanup_leftovers() {
  for ns in "${HOSTS[@]}" "$FABRIC"; do
    if ip netns list | grep -qw "^$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
      ip netns delete "$ns" 2>/dev/null
    fi
  done
  kill_lock_holders
  rm -rf "$STATE"
}

LAUNCHER=""
FORWARDER=""
declare -A AGENT=()
TORN=0
teardown() {
  [ "$TORN" = 1 ] && return
  TORN=1
  trap '' INT TERM
  printf '\n%s\n' "${D}tearing down: tasks, agents, namespaces, state${N}"
  if [ -n "$LAUNCHER" ]; then
    kill -TERM "$LAUNCHER" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$LAUNCHER" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$LAUNCHER" 2>/dev/null
    wait "$LAUNCHER" 2>/dev/null
  fi
  [ -n "$FORWARDER" ] && { kill "$FORWARDER" 2>/dev/null; wait "$FORWARDER" 2>/dev/null; }
  for h in "${!AGENT[@]}"; do kill -TERM "${AGENT[$h]}" 2>/dev/null; done
  for h in "${!AGENT[@]}"; do wait "${AGENT[$h]}" 2>/dev/null; done
  # The logs outlive the demo, for when something went wrong.
  mkdir -p /tmp/netmod-demo-logs && cp "$STATE"/*.log /tmp/netmod-demo-logs/ 2>/dev/null
  cleanup_leftovers
  rm -f "$LOCK.pid"
  say "${D}done: nothing left behind${N}"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup_leftovers
mkdir -p "$STATE"
export PATH="$(dirname "$NETMOD"):$PATH"

say "${B}netmod demo${N}: the seed's star demo on two simulated agents"
# The fabric: one bridge in a namespace of its own, a veth to each host.
ip netns add "$FABRIC" || die "cannot make network namespaces"
ip -n "$FABRIC" link add br0 type bridge
ip -n "$FABRIC" link set br0 up
i=0
for h in "${HOSTS[@]}"; do
  i=$((i + 1))
  ip netns add "$h"
  ip -n "$h" link set lo up
  ip -n "$FABRIC" link add "f$i" type veth peer name fab0 netns "$h"
  ip -n "$FABRIC" link set "f$i" master br0 up
  ip -n "$h" link set fab0 up
  ip -n "$h" addr add "192.168.50.$i/24" dev fab0
  ip -n "$h" addr add "fd50::$i/64" dev fab0 nodad
  jq -n --arg store "$STATE/store.db" --arg host "$h" --arg v4 "192.168.50.$i" --arg v6 "fd50::$i" '{
      datastore: {path: $store}, hostname: $host, release_cooldown_seconds: 0,
      agent: {fabric_address: [$v4, $v6], lease_ttl_seconds: 6, resync_seconds: 5,
              gc_grace_seconds: 5, metrics_address: "127.0.0.1:9099"}}' > "$STATE/$h.conf"
  ip netns exec "$h" "$NETMOD" --config "$STATE/$h.conf" agent 2>>"$STATE/agent-$h.log" &
  AGENT[$h]=$!
done
CONF=$STATE/${HOSTS[0]}.conf
for h in "${HOSTS[@]}"; do
  for _ in $(seq 100); do
    ip netns exec "$h" curl -sf http://127.0.0.1:9099/healthz >/dev/null && break
    kill -0 "${AGENT[$h]}" 2>/dev/null || { cat "$STATE/agent-$h.log" >&2; die "the agent of $h did not start"; }
    sleep 0.1
  done
  ip netns exec "$h" curl -sf http://127.0.0.1:9099/healthz >/dev/null || die "the agent of $h is not healthy"
done
say "  agents: ${HOSTS[*]} (fabric 192.168.50.0/24, one embedded store, DNS for *.marathon.mesos on each)"

nm() { "$NETMOD" --config "$CONF" "$@"; }

# probe-a -> A: the resource ids of the seed's resources files.
rid() { local n=${1##*/}; n=${n#probe-}; echo "${n^^}"; }

# The connections a scenario should show, from what started (netmod ps)
# and the isolation rules: "A>B" when A's probe should reach B's.
expected_edges() {
  local scenario=$1 ps=$2
  jq -r --arg s "$scenario" '
    [.[] | select(.state == "running" and (.app | test("/probe-")))] as $p
    | [$p[] as $a | $p[] as $b | select($a.id != $b.id)
       | select($s == "before"
                or ($b.netgroups | index("public"))
                or ([$a.netgroups[] as $g | $b.netgroups | index($g)] | any))
       | "\($a.app | sub(".*/probe-"; "") | ascii_upcase)>\($b.app | sub(".*/probe-"; "") | ascii_upcase)"]
    | sort | .[]' <<<"$ps"
}
matrix_edges() { jq -r 'to_entries[] | .key as $a | .value | to_entries[] | select(.value) | "\($a)>\(.key)"' <<<"$1" | sort; }

print_tasks() {
  jq -r '.[] | [(.app | split("/") | last), .host, .state,
                (if .host_network then "host network " + (.addresses | map(select(contains(".")))[0] // "") + ":" + (.ports | map(tostring) | join(","))
                 else (.addresses | join(", ")) end),
                (.netgroups | join(","))] | @tsv' <<<"$1" |
  while IFS=$'\t' read -r app host state addr groups; do
    local mark="${G}●${N}"
    [ "$state" = running ] || mark="${Y}○${N}"
    printf '    %s %-8s %-13s %-8s %-28s %s\n' "$mark" "$app" "${host:--}" "$state" "$addr" "${groups:+netgroups $groups}"
  done
}

print_matrix() {
  local m=$1 ids
  ids=$(jq -r 'keys[]' <<<"$m")
  printf '    %-6s' "from\\to"
  for b in $ids; do printf ' %s ' "$b"; done
  printf '\n'
  for a in $ids; do
    printf '    %-6s' "$a"
    for b in $ids; do
      if [ "$a" = "$b" ]; then printf ' %s ' "${D}·${N}"
      elif [ "$(jq -r --arg a "$a" --arg b "$b" '.[$a][$b]' <<<"$m")" = true ]; then printf ' %s ' "${G}✔${N}"
      else printf ' %s ' "${R}✘${N}"; fi
    done
    printf '\n'
  done
}

run_scenario() {
  local scenario=$1 file=$2 group=$3 story=$4 last=$5
  printf '\n%s\n' "${B}${C}━━ scenario: $scenario ━━${N}"
  say "  $story"
  local t0; t0=$(date +%s.%N)
  # Started directly, not through nm(): $! must be netmod itself.
  "$NETMOD" --config "$CONF" run --app "$HERE/apps/$file" >>"$STATE/run-$scenario.log" 2>&1 &
  LAUNCHER=$!
  # The collector first: the page follows it.
  local ps="" collector=""
  for _ in $(seq 100); do
    ps=$(nm ps --json 2>/dev/null) || ps="[]"
    collector=$(jq -c --arg g "$group/collect" '.[] | select(.app == $g and .state == "running")' <<<"$ps")
    [ -n "$collector" ] && break
    kill -0 "$LAUNCHER" 2>/dev/null || { cat "$STATE/run-$scenario.log" >&2; die "netmod run --app $file ended"; }
    sleep 0.1
  done
  [ -n "$collector" ] || die "the collector of $group did not start"
  local chost caddr
  chost=$(jq -r .host <<<"$collector")
  caddr=$(jq -r '.addresses | map(select(contains(".")))[0]' <<<"$collector")
  "$NETMOD" --config "$CONF" forward --listen "$PAGE" --netns "/run/netns/$chost" --to "$caddr:9001" 2>>"$STATE/forward.log" &
  FORWARDER=$!
  # Converging: until the matrix shows exactly what should be.
  local matrix="{}" want got n_ok n_want elapsed settled converged=false
  for _ in $(seq 300); do
    ps=$(nm ps --json 2>/dev/null) || ps="[]"
    want=$(expected_edges "$scenario" "$ps")
    matrix=$(curl -sf --max-time 1 "http://$PAGE/matrix" 2>/dev/null) || matrix="{}"
    got=$(matrix_edges "$matrix")
    n_want=$(grep -c . <<<"$want")
    n_ok=$(comm -12 <(echo "$want") <(echo "$got") | grep -c .)
    elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
    $TTY && printf '\r  %s converging: %d of %d expected connections, %d extra  %5.1f s ' "${Y}⟳${N}" "$n_ok" "$n_want" \
      "$(comm -13 <(echo "$want") <(echo "$got") | grep -c .)" "$elapsed"
    # Settled: every probe running, or (before) running or waiting for
    # its port; none still starting.
    settled=$(jq --arg s "$scenario" '[.[] | select(.app | test("/probe-"))] as $p
      | ($p | length) == 4 and ($p | all(.state == "running" or ($s == "before" and .state == "waiting")))' <<<"$ps")
    if [ "$settled" = true ] && [ "$n_want" -gt 0 ] && [ "$want" = "$got" ]; then converged=true; break; fi
    sleep 0.1
  done
  $TTY && printf '\r\e[K'
  if $converged; then
    printf '  %s converged in %.1f s: the matrix is what netgroups allow\n' "${G}✔${N}" "$elapsed"
  else
    printf '  %s not converged after %.1f s\n' "${R}✘${N}" "$elapsed"
  fi
  say "  tasks (netmod ps):"
  print_tasks "$ps"
  say "  who reaches whom (the collector's /matrix; row reaches column):"
  print_matrix "$matrix"
  local answered
  answered=$(curl -sf --max-time 2 "http://$PAGE/responses" | jq -r '[.responses | to_entries[] | select(.value != null) | .key] | join(", ")' 2>/dev/null)
  say "  the collector hears from: ${answered:-none}"
  say "  live page: ${B}http://$PAGE/${N}"
  if [ -n "$RESULTS" ]; then
    jq -cn --arg s "$scenario" --argjson ps "$ps" --argjson m "$matrix" --argjson c "$converged" --arg t "$elapsed" \
      --arg heard "$answered" '{scenario: $s, converged: $c, collector_hears: ($heard | split(", ") | map(select(length > 0))), seconds: ($t | tonumber), matrix: $m,
        started: [$ps[] | select(.state == "running") | {app, host, addresses, netgroups}],
        waiting: [$ps[] | select(.state != "running") | .app]}' >> "$RESULTS"
  fi
  if [ "$last" = 1 ] && [ "$KEEP" = 1 ]; then
    say "  ${B}kept running${N}: open http://$PAGE/ — Ctrl-C ends the demo"
    while kill -0 "$LAUNCHER" 2>/dev/null; do sleep 0.5; done
    return
  fi
  sleep "$HOLD"
  nm stop "$group" >/dev/null || die "netmod stop $group failed"
  wait "$LAUNCHER" 2>/dev/null
  LAUNCHER=""
  kill "$FORWARDER" 2>/dev/null; wait "$FORWARDER" 2>/dev/null
  FORWARDER=""
}

story_before="Host networking, as before netmod: four probes and a collector all want host ports. Port 9000 is free once per host, so only two probes start; the other two wait. Nothing is isolated."
story_after="Every probe gets its own address in netgroup public: all four start (no port conflicts), and every probe reaches every other, across both hosts."
story_isolated="Netgroups star-1 (A, B) and star-2 (C, D): a probe reaches only the probes of its netgroup, on either host. The collector is in star-1, star-2 and public, so it reaches all four."
IFS=, read -ra chosen <<<"$SCENARIOS"
for i in "${!chosen[@]}"; do
  last=0; [ "$i" = $((${#chosen[@]} - 1)) ] && last=1
  case "${chosen[$i]}" in
    before) run_scenario before stars-before.json /star-before "$story_before" $last ;;
    after) run_scenario after stars.json /star "$story_after" $last ;;
    isolated) run_scenario isolated stars-isolated.json /star-iso "$story_isolated" $last ;;
    *) die "unknown scenario ${chosen[$i]} (before, after, isolated)" ;;
  esac
done

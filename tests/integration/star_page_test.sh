#!/usr/bin/env bash
# The star collector's page in a real browser: four `netmod star probe`s
# and a collector in a network namespace of the test's own, the page
# loaded by headless Chromium, the arrows it draws compared with /matrix
# (tests/support/check_page_graph.sh); then one probe is stopped and the
# page must lose its arrows. Leaves a screenshot of each state in the build
# directory (star_page.png, star_page_after.png). Skipped (77) without root
# or without chromium. Everything it starts is stopped, and the namespace
# removed, however it ends.
set -uo pipefail

NETMOD=${NETMOD_BIN:?NETMOD_BIN must name the netmod binary}
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root"; exit 77; fi
if ! command -v chromium >/dev/null; then echo "skipped: chromium is not installed"; exit 77; fi
for tool in jq curl; do command -v $tool >/dev/null || { echo "FAIL - $tool is not installed"; exit 1; }; done

BUILD=$(cd "$(dirname "$NETMOD")" && pwd)
CHECK=$(cd "$(dirname "$0")/../support" && pwd)/check_page_graph.sh
NS=star-test-$$
WORK=$(mktemp -d /tmp/star-page-test-XXXXXX)
COLLECTOR=http://127.0.0.1:9001
declare -A PID=()
PASSED=0
FAILED=0

teardown() {
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PID[@]}"; do wait "$p" 2>/dev/null; done
  # Anything else still in the namespace (a browser the test was stopped in).
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap teardown EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

ip netns add "$NS" || { echo "FAIL - cannot make namespace $NS"; exit 1; }
ip -n "$NS" link set lo up

# probe ID PORT NETGROUP TARGET_PORT...: a probe on 127.0.0.1:PORT, with
# the task environment the launcher gives, targeting the other ports.
probe() {
  local id=$1 port=$2 group=$3; shift 3
  local urls="" p
  for p in "$@"; do urls+="${urls:+,}http://127.0.0.1:$p/status"; done
  ip netns exec "$NS" env NETMOD_TASK_NAME="probe-${id,,}" NETMOD_APP_ID="/star-test/probe-${id,,}" \
    NETMOD_HOST=test-host NETMOD_TASK_ADDRESSES="10.65.0.$((port - 9099)),fd65:6e6d::$((port - 9099))" NETMOD_NETGROUPS="$group" \
    "$NETMOD" star probe --listen "127.0.0.1:$port" --urls="$urls" --interval 0.5 2>"$WORK/probe-$id.log" &
  PID[$id]=$!
}

# Port 9199 is closed: C's second target never answers.
probe A 9101 star-1 9102 9103 9104
probe B 9102 star-1 9101 9103
probe C 9103 star-2 9101 9199
probe D 9104 public 9103 9102
cat >"$WORK/resources.json" <<'EOF'
[
  {"id": "A", "url": "http://127.0.0.1:9101/status"},
  {"id": "B", "url": "http://127.0.0.1:9102/status"},
  {"id": "C", "url": "http://127.0.0.1:9103/status"},
  {"id": "D", "url": "http://127.0.0.1:9104/status"}
]
EOF
ip netns exec "$NS" "$NETMOD" star collect --listen 127.0.0.1:9001 --resources "$WORK/resources.json" \
  --interval 0.5 --title "star page test: four probes, three netgroups" 2>"$WORK/collector.log" &
PID[collector]=$!

# The true entries of /matrix, "A->B" a line, on one line.
true_edges() {
  ip netns exec "$NS" curl -sf --max-time 2 "$COLLECTOR/matrix" |
    jq -r 'to_entries[] | .key as $f | .value | to_entries[] | select(.value) | "\($f)->\(.key)"' |
    LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# wait_for_matrix WANT: until /matrix's arrows are WANT and stay so for a
# second (two of the collector's polls); 20 s at most.
wait_for_matrix() {
  local want=$1 got="" since=""
  for _ in $(seq 1 100); do
    got=$(true_edges)
    if [ "$got" = "$want" ]; then
      [ -n "$since" ] && [ $(($(date +%s%N) - since)) -ge 1000000000 ] && return 0
      [ -z "$since" ] && since=$(date +%s%N)
    else
      since=""
    fi
    sleep 0.2
  done
  echo "  /matrix has: $got"
  echo "  expected:    $want"
  return 1
}

screenshot() {
  ip netns exec "$NS" chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$WORK/profile" --virtual-time-budget=4000 --window-size=1280,800 \
    --screenshot="$1" "$COLLECTOR/" >/dev/null 2>"$WORK/screenshot.log"
}

all="A->B A->C A->D B->A B->C C->A D->B D->C"
if wait_for_matrix "$all"; then pass "/matrix settles on the probes' connections: $all"; else fail "/matrix settles"; fi
if DOM_OUT="$WORK/dom-before.html" bash "$CHECK" "$NS" "$COLLECTOR/"; then
  pass "the page draws every probe and exactly the arrows of /matrix"
else
  fail "the page draws /matrix"
fi
grep -q 'data-revision="[1-9][0-9]*"' "$WORK/dom-before.html" && pass "the svg carries the graph's revision" ||
  fail "svg data-revision"
grep -q '>probe-a<' "$WORK/dom-before.html" && grep -q '>10.65.0.2<' "$WORK/dom-before.html" &&
  grep -q '>star page test: four probes, three netgroups<' "$WORK/dom-before.html" &&
  pass "names, addresses and the title are shown" || fail "names, addresses and the title"
if screenshot "$BUILD/star_page.png" && [ -s "$BUILD/star_page.png" ]; then
  pass "screenshot: $BUILD/star_page.png"
else
  fail "screenshot: $(tail -3 "$WORK/screenshot.log")"
fi

# B stops (SIGTERM: it exits 0): its arrows go, and the arrows to it.
kill -TERM "${PID[B]}"
wait "${PID[B]}"
rc=$?
unset 'PID[B]'
[ $rc = 0 ] && pass "a probe exits 0 on SIGTERM" || fail "probe exit code on SIGTERM: $rc"
after="A->C A->D C->A D->C"
if wait_for_matrix "$after"; then pass "/matrix loses B's arrows: $after"; else fail "/matrix after B stopped"; fi
if DOM_OUT="$WORK/dom-after.html" bash "$CHECK" "$NS" "$COLLECTOR/"; then
  pass "the page follows: B's arrows are gone, B is still drawn"
else
  fail "the page after B stopped"
fi
grep -q 'class="node down" data-node="B"' "$WORK/dom-after.html" && pass "B is drawn as not answering" ||
  fail "B drawn as not answering"
if screenshot "$BUILD/star_page_after.png" && [ -s "$BUILD/star_page_after.png" ]; then
  pass "screenshot: $BUILD/star_page_after.png"
else
  fail "screenshot after: $(tail -3 "$WORK/screenshot.log")"
fi

kill -TERM "${PID[collector]}"
wait "${PID[collector]}"
rc=$?
unset 'PID[collector]'
[ $rc = 0 ] && pass "the collector exits 0 on SIGTERM" || fail "collector exit code on SIGTERM: $rc"

if [ "$FAILED" != 0 ]; then
  for f in "$WORK"/*.log; do echo "== $f"; tail -5 "$f"; done
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]

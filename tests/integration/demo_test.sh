#!/usr/bin/env bash
# `make demo` end to end (demo/demo.sh), non-interactively:
#   1. the whole demo: before (exactly two probes started, one per host,
#      reaching each other), after (four, all 12 pairs), isolated (A<->B and
#      C<->D only, the collector hears all four), ended by itself, nothing
#      left behind;
#   2. the isolated scenario kept (--keep): a second demo refuses clearly;
#      headless Chromium draws what /matrix says at http://127.0.0.1:9001/,
#      and follows when a probe is stopped (screenshot in the build
#      directory); Ctrl-C (SIGINT) ends it with everything torn down;
#   3. Ctrl-C half-way through the demo: teardown still complete.
# The demo makes its own namespaces (demo-fabric, demo-agent-1/2) and
# removes them; this test checks that it did.
. "$(dirname "$0")/lib.sh"

DEMO=$(cd "$(dirname "$0")/../.." && pwd)/demo/demo.sh
BUILD_DIR=$(dirname "$NETMOD")
CHECK=$(cd "$(dirname "$0")/../support" && pwd)/check_page_graph.sh
LOCK=/run/netmod-demo.lock
PAGE=http://127.0.0.1:9001

if ip netns list | grep -qE '^demo-(fabric|agent-)'; then echo "skipped: a demo is running on this machine"; exit 77; fi
DEMO_PID=""
stop_demo() { [ -n "$DEMO_PID" ] && { kill -TERM "$DEMO_PID" 2>/dev/null; wait "$DEMO_PID" 2>/dev/null; }; DEMO_PID=""; }
trap 'stop_demo; teardown' EXIT

# Nothing of the demo is left: namespaces, processes (every one holds the
# lock file), its state, its tasks' sandboxes, the forwarded port.
nothing_left() {
  local why=""
  ip netns list | grep -qE '^demo-(fabric|agent-)' && why="$why namespaces"
  for p in /proc/[0-9]*; do
    ls -l "$p/fd" 2>/dev/null | grep -q " -> $LOCK\$" && { why="$why process:${p#/proc/}"; break; }
  done
  [ -e /run/netmod-demo ] && why="$why state"
  ls -d /run/netmod/tasks/star* >/dev/null 2>&1 && why="$why sandboxes"
  ss -ltn 2>/dev/null | grep -q '127.0.0.1:9001 ' && why="$why port-9001"
  [ -z "$why" ] || { echo "left behind:$why"; return 1; }
}

scenario() { jq -c --arg s "$1" 'select(.scenario == $s)' "$WORK/results.jsonl"; }
edges() { jq -r '.matrix | to_entries[] | .key as $a | .value | to_entries[] | select(.value) | "\($a)>\(.key)"' | sort | tr '\n' ' '; }

# 1. The whole demo, as `make demo` runs it.
start=$(date +%s)
bash "$DEMO" --netmod "$NETMOD" --hold 1 --results "$WORK/results.jsonl" > "$WORK/demo.log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
cat "$WORK/demo.log" | sed 's/^/# /'
check "the demo ends by itself with exit 0" test "$rc" = 0
check "... in under two minutes (${took} s)" test "$took" -lt 120
check "it prints each scenario's matrix" bash -c "[ \$(grep -c 'who reaches whom' '$WORK/demo.log') = 3 ]"
check "it says where the page is" grep -q "live page: http://127.0.0.1:9001/" "$WORK/demo.log"

before=$(scenario before)
check "before: converged" jq -e '.converged' <<<"$before"
check "before: exactly two probes started" jq -e '[.started[] | select(.app | test("/probe-"))] | length == 2' <<<"$before"
check "before: one on each host" jq -e '[.started[] | select(.app | test("/probe-")) | .host] | unique | length == 2' <<<"$before"
check "before: the other two wait for port 9000" jq -e '[.waiting[] | select(test("/probe-"))] | length == 2' <<<"$before"
started=$(jq -r '[.started[] | select(.app | test("/probe-")) | .app | sub(".*/probe-"; "") | ascii_upcase] | sort | join("")' <<<"$before")
want_before="${started:0:1}>${started:1:1} ${started:1:1}>${started:0:1} "
check "before: the started probes reach each other and nothing else ($want_before)" test "$(edges <<<"$before")" = "$want_before"

after=$(scenario after)
check "after: converged" jq -e '.converged' <<<"$after"
check "after: four probes started" jq -e '[.started[] | select(.app | test("/probe-"))] | length == 4' <<<"$after"
check "after: on both hosts" jq -e '[.started[] | .host] | unique | length == 2' <<<"$after"
check "after: all 12 probe pairs connected" jq -e '[.matrix[][] | select(.)] | length == 12' <<<"$after"

iso=$(scenario isolated)
check "isolated: converged" jq -e '.converged' <<<"$iso"
check "isolated: four probes started" jq -e '[.started[] | select(.app | test("/probe-"))] | length == 4' <<<"$iso"
check "isolated: exactly A<->B and C<->D" test "$(edges <<<"$iso")" = "A>B B>A C>D D>C "
check "isolated: the 8 cross-group pairs are not connected" jq -e '[.matrix.A.C, .matrix.A.D, .matrix.B.C, .matrix.B.D, .matrix.C.A, .matrix.C.B, .matrix.D.A, .matrix.D.B] | all(. == false)' <<<"$iso"
check "isolated: the collector hears all four" jq -e '.collector_hears == ["A", "B", "C", "D"]' <<<"$iso"
check "after the demo: nothing left" nothing_left

# 2. The isolated scenario kept; a real browser; Ctrl-C.
rm -f "$WORK/results.jsonl"
# A background job of a script starts with SIGINT ignored; the demo is
# given it back, as a terminal's Ctrl-C would find it.
env --default-signal=INT bash "$DEMO" --netmod "$NETMOD" --keep --scenarios isolated --results "$WORK/results.jsonl" \
  > "$WORK/keep.log" 2>&1 &
DEMO_PID=$!
for _ in $(seq 300); do [ -s "$WORK/results.jsonl" ] && break; sleep 0.1; done
check "--keep: the isolated scenario converged" jq -e '.converged' "$WORK/results.jsonl"
check "--keep: it says it keeps running" eventually grep -q "kept running" "$WORK/keep.log"

out=$(bash "$DEMO" --netmod "$NETMOD" 2>&1); rc=$?
check "a second demo refuses" test "$rc" != 0
check "... clearly, naming the first" grep -q "another demo is running (pid $DEMO_PID)" <<<"$out"
check "... and the first still serves its page" curl -sf --max-time 2 "$PAGE/matrix"

if command -v chromium >/dev/null; then
  if DOM_OUT="$WORK/dom.html" bash "$CHECK" - "$PAGE/"; then
    pass "Chromium draws the nodes and exactly the arrows of /matrix"
  else
    fail "Chromium draws /matrix"
  fi
  check "the page names the scenario" grep -q "isolated: star-1 = A, B" "$WORK/dom.html"
  "$NETMOD" --config /run/netmod-demo/demo-agent-1.conf stop /star-iso/probe-a > "$WORK/stop.log" 2>&1
  check "netmod stop of probe A" grep -q "stopped 1 task" "$WORK/stop.log"
  check "/matrix drops A's arrows" eventually bash -c "curl -sf '$PAGE/matrix' | jq -e '.A.B == false and .B.A == false'"
  if DOM_OUT="$WORK/dom2.html" bash "$CHECK" - "$PAGE/"; then
    pass "the page follows: it draws the new /matrix (A's arrows gone)"
  else
    fail "the page follows the stopped probe"
  fi
  check "... with no arrow from or to A" bash -c "! grep -qE 'data-edge=\"(A-(&gt;|>)|[A-D]-(&gt;|>)A\")' '$WORK/dom2.html'"
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$WORK/profile" \
    --virtual-time-budget=4000 --window-size=1280,800 --screenshot="$BUILD_DIR/demo_page.png" "$PAGE/" >/dev/null 2>&1
  check "a screenshot of the page is saved ($BUILD_DIR/demo_page.png)" test -s "$BUILD_DIR/demo_page.png"
else
  echo "# chromium is not installed: the browser checks are skipped"
fi

kill -INT "$DEMO_PID"
wait "$DEMO_PID"; rc=$?
DEMO_PID=""
check "Ctrl-C ends the kept demo (exit 130)" test "$rc" = 130
check "... tearing everything down" grep -q "nothing left behind" "$WORK/keep.log"
check "after Ctrl-C: nothing left" nothing_left

# 3. Ctrl-C half-way: during the second scenario.
rm -f "$WORK/results.jsonl"
env --default-signal=INT bash "$DEMO" --netmod "$NETMOD" --hold 30 --results "$WORK/results.jsonl" > "$WORK/half.log" 2>&1 &
DEMO_PID=$!
for _ in $(seq 600); do grep -q "scenario: after" "$WORK/half.log" && break; sleep 0.1; done
sleep 1
kill -INT "$DEMO_PID"
wait "$DEMO_PID"; rc=$?
DEMO_PID=""
check "Ctrl-C half-way ends the demo (exit 130)" test "$rc" = 130
check "... after it reached the second scenario" grep -q "scenario: after" "$WORK/half.log"
check "after Ctrl-C half-way: nothing left" nothing_left

finish

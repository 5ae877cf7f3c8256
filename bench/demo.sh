#!/usr/bin/env bash
# The demo's figures (docs/benchmarks.md, "The demo"), as root:
#   1. time from `netmod run --app stars-isolated.json` to the collector's
#      /matrix being complete and correct (demo/demo.sh measures it: every
#      probe running, exactly A<->B and C<->D), RUNS runs, median;
#   2. time from `netmod run` of a named task to its name resolving at the
#      agent's DNS (dig against the host's fabric address), and from its
#      record showing "running" to the name resolving, RUNS runs, median.
#   bench/demo.sh [RUNS]   (default 5; NETMOD=path/to/netmod)
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
NETMOD=${NETMOD:-$PWD/build/netmod}
[ "$(id -u)" = 0 ] || { echo "bench/demo.sh: run as root" >&2; exit 1; }
command -v dig >/dev/null || { echo "bench/demo.sh: needs dig (bind9-dnsutils)" >&2; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

echo "== 1. run --app of the isolated group -> /matrix complete and correct ($RUNS runs)"
res=$(mktemp)
for i in $(seq "$RUNS"); do
  demo/demo.sh --netmod "$NETMOD" --scenarios isolated --hold 0 --results "$res" >/dev/null 2>&1 || echo "run $i failed"
done
jq -r '"  run: \(.seconds) s (converged: \(.converged))"' "$res"
echo "  median: $(jq -r .seconds "$res" | median) s"
rm -f "$res"

echo "== 2. netmod run of a named task -> its name resolves ($RUNS runs)"
out=$(mktemp)
demo/demo.sh --netmod "$NETMOD" --scenarios after --keep > "$out" 2>&1 &
DEMO=$!
trap 'kill -TERM $DEMO 2>/dev/null; wait $DEMO 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 300); do grep -q "kept running" "$out" && break; sleep 0.1; done
CONF=/run/netmod-demo/demo-agent-1.conf
from_start=() from_running=()
for i in $(seq "$RUNS"); do
  name=bench-$i
  t0=$(now)
  "$NETMOD" --config "$CONF" run --name "$name" --host demo-agent-1 --netgroup public -- sleep 30 2>/dev/null &
  pid=$!
  t_run="" t_dns=""
  while [ -z "$t_dns" ]; do
    if [ -z "$t_run" ] && "$NETMOD" --config "$CONF" ps --json | jq -e --arg a "/$name" '.[] | select(.app == $a and .state == "running")' >/dev/null; then
      t_run=$(now)
    fi
    if ip netns exec demo-agent-1 dig +short +time=1 +tries=1 @192.168.50.1 "$name.marathon.mesos" | grep -q .; then
      t_dns=$(now)
    fi
  done
  [ -z "$t_run" ] && t_run=$t_dns
  from_start+=("$(echo "($t_dns - $t0) * 1000" | bc)")
  from_running+=("$(echo "($t_dns - $t_run) * 1000" | bc)")
  "$NETMOD" --config "$CONF" stop "/$name" >/dev/null
  wait "$pid" 2>/dev/null
  printf '  run %d: resolves %.0f ms after netmod run started, %.0f ms after ps shows it running\n' "$i" "${from_start[-1]}" "${from_running[-1]}"
done
echo "  median from start: $(printf '%s\n' "${from_start[@]}" | median) ms"
echo "  median from running: $(printf '%s\n' "${from_running[@]}" | median) ms"

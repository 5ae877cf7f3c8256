#!/usr/bin/env bash
# Runs a command on a loaded machine: two CPU-bound processes and one that
# maps, touches and unmaps memory without pause (page faults and page-table
# work, which makes every fork and exec on the machine slower), stopped when
# the command ends. Prints what starting a process costs before and under
# the load.
#   bench/load.sh COMMAND [ARGS...]      e.g. bench/load.sh bench/cni.sh build 100 2
set -euo pipefail
spawn_ms() {
  local s=$EPOCHREALTIME
  for _ in $(seq 200); do /bin/true; done
  local e=$EPOCHREALTIME
  echo "scale=3; (${e/./} - ${s/./}) / 200 / 1000" | bc
}
echo "fork+exec of /bin/true, quiet: $(spawn_ms) ms"
loads=()
for _ in 1 2; do (while :; do :; done) & loads+=($!); done
python3 -c '
import mmap
while True:
    m = mmap.mmap(-1, 64 << 20)
    for i in range(0, 64 << 20, 4096):
        m[i] = 1
    m.close()
' & loads+=($!)
trap 'kill "${loads[@]}" 2>/dev/null || true' EXIT
sleep 1
echo "fork+exec of /bin/true, loaded: $(spawn_ms) ms"
"$@"

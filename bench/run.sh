#!/usr/bin/env bash
# Runs every benchmark and prints the figures docs/benchmarks.md records.
#   bench/run.sh [BUILD_DIR] [REPETITIONS]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "== in-process IPAM (Google Benchmark, $reps repetitions, medians)"
"$build/bench/ipam_bench" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_filter='.*' 2>/dev/null | grep -E 'Benchmark|median'
for i in $(seq 1 "$reps"); do
  echo "== whole netmod netmodules calls, run $i of $reps"
  "$build/bench/netmodules_bench" "$build/netmod" 1000 8 250
done

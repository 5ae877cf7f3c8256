#!/usr/bin/env bash
# make fuzz: builds the fuzz targets with clang and libFuzzer (ASan, UBSan)
# and runs each for SECONDS seconds, starting from its seed corpus.
#   fuzz/run.sh [SECONDS] [TARGET...]
# A crash stops the run: its input is in build-fuzz/crashes/<target>/;
# copy it to fuzz/regressions/<target>/ with the fix, so `make test` runs
# it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(netmodules_request cni_request cni_result config handoff etcd_answer dns_query star_resources star_status app_definition)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNETMOD_FUZZ=ON -DNETMOD_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

status=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  cp -n fuzz/corpus/"$t"/* fuzz/regressions/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "== fuzzing $t for ${seconds}s"
  if ! build-fuzz/fuzz/fuzz_"$t" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 2> "build-fuzz/$t.log"; then
    echo "FAIL: $t crashed; input in $crashes/ (log: build-fuzz/$t.log)"
    tail -30 "build-fuzz/$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "build-fuzz/$t.log" | tail -2
  fi
done
exit $status

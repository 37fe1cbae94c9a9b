#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a bounded time; fails on any crash.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, every fuzz/fuzz_*.c)
# The committed seeds in fuzz/corpus/<target>/ are replayed first and never written to; new inputs go to
# $FUZZ_BUILD/corpus/<target>/, crashes to $FUZZ_BUILD/artifacts/. A summary table (executions, corpus
# size, coverage per target) is printed and written to $FUZZ_BUILD/fuzz-summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
jobs=${JOBS:-2}

scripts/deps.sh
scripts/deps-extra.sh clang libclang-rt-14-dev
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_FUZZ=ON >/dev/null
cmake --build "$build" --target fuzzers -j "$jobs"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi

mkdir -p "$build/artifacts"
summary="$build/fuzz-summary.txt"
printf '%-14s %12s %10s %8s %8s %6s\n' target executions exec/s seeds corpus cov >"$summary"
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  seeds="fuzz/corpus/$t"
  work="$build/corpus/$t"
  log="$build/fuzz-$t.log"
  mkdir -p "$work" "$seeds"
  echo "== fuzz_$t: ${secs}s" >&2
  rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$build/artifacts/$t-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  nseeds=$(find "$seeds" -type f | wc -l)
  ncorp=$(find "$work" -type f | wc -l)
  printf '%-14s %12s %10s %8s %8s %6s\n' "$t" "${execs:-?}" "${rate:-?}" "$nseeds" "$((nseeds + ncorp))" "${cov:-?}" >>"$summary"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz_$t FAILED (exit $rc); log: $log" >&2
    grep -E 'ERROR|SUMMARY|invariant|runtime error|Test unit written' "$log" | head -20 >&2 || true
  fi
done
cat "$summary"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi

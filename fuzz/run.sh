#!/usr/bin/env bash
# Runs the fuzz targets built in BUILD (make fuzz / make fuzz-replay), one at a time.
#
#   fuzz/run.sh fuzz BUILD SECONDS   each target for SECONDS, starting from its committed seeds
#                                    (fuzz/corpus/<name>/, never written) plus what earlier runs
#                                    found (BUILD/fuzz-corpus/<name>/, where new inputs go)
#   fuzz/run.sh replay BUILD         each target once over fuzz/corpus/<name>/ (regression mode:
#                                    no mutation; CI runs this)
#
# FUZZ_TARGETS="url manifest" limits the run to those targets. A crash leaves its input in
# BUILD/fuzz-artifacts/<name>/ and makes the script exit 1 after the other targets have run.
# Per target it prints the executions, coverage (cov: edges, ft: features) and corpus size from
# libFuzzer's final stats (-print_final_stats=1); full logs are in BUILD/fuzz-logs/.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: fuzz/run.sh fuzz|replay BUILD [SECONDS]}
build=${2:?usage: fuzz/run.sh fuzz|replay BUILD [SECONDS]}
seconds=${3:-30}

targets=${FUZZ_TARGETS:-$(ls fuzz/*_fuzzer.cc | sed 's|fuzz/\(.*\)_fuzzer.cc|\1|')}
mkdir -p "$build/fuzz-logs"
failed=()
printf '%-15s %12s %9s %7s %7s %10s  %s\n' target execs exec/s cov ft corpus result
for name in $targets; do
  bin="$build/${name}_fuzzer"
  seeds="fuzz/corpus/$name"
  log="$build/fuzz-logs/$name.$mode.log"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$artifacts" "$seeds"
  args=(-print_final_stats=1 -artifact_prefix="$artifacts/" -rss_limit_mb=2048 -timeout=10)
  [ -f "fuzz/dict/$name.dict" ] && args+=(-dict="fuzz/dict/$name.dict")
  if [ "$mode" = replay ]; then
    timeout 300 "$bin" "${args[@]}" -runs=0 "$seeds" >"$log" 2>&1
  else
    work="$build/fuzz-corpus/$name"
    mkdir -p "$work"
    # The timeout only guards against a hang libFuzzer itself would not notice.
    timeout $((seconds + 120)) "$bin" "${args[@]}" -max_total_time="$seconds" \
      "$work" "$seeds" >"$log" 2>&1
  fi
  rc=$?
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  # The last status line: "#123 DONE cov: 456 ft: 789 corp: 12/3456b ..." (or INITED).
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (exit $rc; log $log; inputs in $artifacts/)"
    failed+=("$name")
  fi
  printf '%-15s %12s %9s %7s %7s %10s  %s\n' "$name" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:--}" "${ft:--}" "${corp:--}" "$result"
  if [ "$rc" -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|FUZZ_CHECK|runtime error|Test unit written' "$log" | head -8 | sed 's/^/    /'
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; reproduce with $build/<name>_fuzzer <input>" >&2
  exit 1
fi

#!/usr/bin/env bash
# Benchmark (not a test) for `ferry sync`, issue 12's figures on two copies of a tree of
# 100,000 files of 4 KiB (400 MB each, 1,000 directories), all in one run so they share the
# machine's load:
#   1. no-op sync <= 0.8 s, >= 2.5x faster than a Unison no-op and >= 50x faster than an
#      `rclone bisync` no-op on the same trees;
#   2. first sync of the two identical trees without a baseline <= 2x the time to hash both
#      trees once;
#   3. peak memory <= 300 bytes per file.
# ferry's figures come from the disabled gtest cases SyncBench.* (src/sync/sync_bench_test.cc),
# one process per phase so each peak RSS is that phase's own; they print wall time, peak RSS
# and the time of each phase. Unison and rclone run with a private HOME (archives, config).
#
# Usage: bench/sync_bench.sh [path/to/ferry]   (ferry_sync_tests is taken from the same dir)
#   FERRY_BENCH_DIR: where the trees go (default $TMPDIR or /tmp; needs ~1 GB).
#   FERRY_BENCH_RUNS: no-op runs of each tool (default 3). FERRY_SYNC_BENCH_NO_RCLONE=1 skips
#   rclone (minutes). FERRY_BENCH_PRIORITY=1 (root only): as bench/hash_bench.sh, a session
#   whose autogroup gets nice -19, so parallel builds do not steal the measured cores.
set -euo pipefail

if [[ ${FERRY_BENCH_PRIORITY:-} == 1 && -z ${FERRY_BENCH_REEXEC:-} ]]; then
  exec setsid -w env FERRY_BENCH_REEXEC=1 bash "$0" "$@"
fi
if [[ -n ${FERRY_BENCH_REEXEC:-} ]]; then
  echo -19 >"/proc/$$/autogroup" && renice -n -19 -p $$ >/dev/null ||
    echo "sync_bench: could not raise priority; measuring anyway" >&2
fi

FERRY=${1:-build/ferry}
TESTS=$(dirname "$FERRY")/ferry_sync_tests
RUNS=${FERRY_BENCH_RUNS:-3}
[[ -x $TESTS ]] || { echo "sync_bench: no $TESTS; build it first (target ferry_sync_tests)" >&2; exit 2; }

DIR=$(mktemp -d "${FERRY_BENCH_DIR:-${TMPDIR:-/tmp}}/ferry-sync-bench-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
export FERRY_SYNC_BENCH_DIR=$DIR/trees
mkdir -p "$DIR/home"

load() { echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
bench_case() {  # runs one SyncBench case, prints its lines
  timeout 900 "$TESTS" --gtest_also_run_disabled_tests --gtest_filter="*SyncBench.DISABLED_$1" |
    grep -E '^(hash|first|no-op|  )' || true
}
timed() {  # label, command...: prints wall seconds and peak RSS of the command
  local label=$1
  shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
    timeout 900 env HOME="$DIR/home" "$@" >/dev/null 2>"$DIR/time.err" || true
  tail -1 "$DIR/time.err"
}

echo "== machine: $(nproc) cores; $(unison -version 2>/dev/null | head -1); $(rclone version 2>/dev/null | head -1)"
echo "== making the trees (a/ and b/, identical, mtimes kept)"
bench_case MakeTrees
echo "== hash both trees once"; load
bench_case HashBothTrees
echo "== ferry first sync (no baseline)"; load
bench_case FirstSync
echo "== ferry no-op sync x $RUNS"
for _ in $(seq "$RUNS"); do load; bench_case NoOpSync; done

if command -v unison >/dev/null; then
  echo "== unison (first run builds its archive, then no-op x $RUNS)"; load
  timed "unison first" unison "$FERRY_SYNC_BENCH_DIR/a" "$FERRY_SYNC_BENCH_DIR/b" -batch -auto -silent
  for _ in $(seq "$RUNS"); do
    load
    timed "unison no-op" unison "$FERRY_SYNC_BENCH_DIR/a" "$FERRY_SYNC_BENCH_DIR/b" -batch -auto -silent
  done
fi
if command -v rclone >/dev/null && [[ -z ${FERRY_SYNC_BENCH_NO_RCLONE:-} ]]; then
  echo "== rclone bisync (--resync first, then one no-op)"; load
  timed "rclone resync" rclone bisync "$FERRY_SYNC_BENCH_DIR/a" "$FERRY_SYNC_BENCH_DIR/b" \
    --resync --workdir "$DIR/rclone"
  load
  timed "rclone bisync no-op" rclone bisync "$FERRY_SYNC_BENCH_DIR/a" "$FERRY_SYNC_BENCH_DIR/b" \
    --workdir "$DIR/rclone"
fi

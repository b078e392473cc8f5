#!/usr/bin/env bash
# Benchmark (not a test) for `ferry hash`: issue 2 asks that
#   1. `ferry hash --algo sha256 F` be >= 3x faster than coreutils `sha256sum F` on 1 GiB, and
#   2. `ferry hash --jobs 2 F1 F2` hash two files at >= 1.7x the speed of one
#      (i.e. time(--jobs 1 F1) * 2 / time(--jobs 2 F1 F2) >= 1.7),
# and reports peak RSS. Files are hot in the page cache, so this measures hashing, not the disk.
#
# Usage: bench/hash_bench.sh [path/to/ferry] [size_mib]
#   FERRY_BENCH_DIR: where to put the two test files (default: $TMPDIR or /tmp); needs
#   2 x size free. FERRY_BENCH_RUNS: runs per measurement (default 5). Uses hyperfine when
#   installed (unless FERRY_BENCH_NO_HYPERFINE=1), else /usr/bin/time in a loop.
#   FERRY_BENCH_PRIORITY=1 (root only): run in a session of its own whose scheduler autogroup
#   gets nice -19, so that other sessions' work (parallel builds) does not steal the cores
#   being measured; plain `nice` does not help across autogroups.
set -euo pipefail

if [[ ${FERRY_BENCH_PRIORITY:-} == 1 && -z ${FERRY_BENCH_REEXEC:-} ]]; then
  exec setsid -w env FERRY_BENCH_REEXEC=1 bash "$0" "$@"
fi
if [[ -n ${FERRY_BENCH_REEXEC:-} ]]; then
  echo -19 >"/proc/$$/autogroup" && renice -n -19 -p $$ >/dev/null ||
    echo "hash_bench: could not raise priority; measuring anyway" >&2
fi

FERRY=${1:-build/ferry}
SIZE_MIB=${2:-1024}
RUNS=${FERRY_BENCH_RUNS:-5}
[[ -x $FERRY ]] || { echo "hash_bench: no ferry binary at $FERRY; build first (make build)" >&2; exit 2; }
FERRY=$(cd "$(dirname "$FERRY")" && pwd)/$(basename "$FERRY")

DIR=$(mktemp -d "${FERRY_BENCH_DIR:-${TMPDIR:-/tmp}}/ferry-hash-bench-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
F1=$DIR/f1.bin
F2=$DIR/f2.bin

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
if grep -qw sha_ni /proc/cpuinfo; then echo "sha_ni: yes"; else echo "sha_ni: NO (OpenSSL falls back to AVX2/SSSE3 code)"; fi
echo "sha256sum: $(sha256sum --version | head -1); links libcrypto: $(ldd "$(command -v sha256sum)" | grep -c libcrypto || true)"
echo "ferry: $("$FERRY" --version)"
read -r load1 _ </proc/loadavg
echo "load average: $load1"
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "WARNING: the machine is busy (load $load1 on $(nproc) cores): wall-clock ratios, the"
  echo "         parallel one above all, will be understated; the CPU-time columns are not."
fi

echo "== creating 2 x ${SIZE_MIB} MiB in $DIR"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$F1"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$F2"
cat "$F1" "$F2" >/dev/null  # warm the page cache

# measure NAME COMMAND...: prints "<mean wall s> <mean cpu s>" over $RUNS runs (after one
# warm-up); cpu = user + system, which a busy machine does not inflate.
measure() {
  local name=$1; shift
  if [[ -z ${FERRY_BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    local csv=$DIR/$name.csv
    hyperfine --style none --warmup 1 --runs "$RUNS" -N --export-csv "$csv" -- "$(printf '%q ' "$@")" >/dev/null
    awk -F, 'NR == 2 { print $2, $5 + $6 }' "$csv"
  else
    "$@" >/dev/null
    local wall=0 cpu=0 line
    for ((i = 0; i < RUNS; i++)); do
      line=$(/usr/bin/time -f '%e %U %S' "$@" 2>&1 >/dev/null | tail -1)
      read -r wall cpu <<<"$(awk -v w="$wall" -v c="$cpu" -v l="$line" 'BEGIN { split(l, a, " "); print w + a[1], c + a[2] + a[3] }')"
    done
    awk -v w="$wall" -v c="$cpu" -v n="$RUNS" 'BEGIN { print w / n, c / n }'
  fi
}

peak_rss_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

echo "== timing ($RUNS runs each; mean seconds)"
read -r t_gnu c_gnu <<<"$(measure gnu sha256sum "$F1")"
read -r t_ferry c_ferry <<<"$(measure ferry "$FERRY" hash --algo sha256 "$F1")"
read -r t_one c_one <<<"$(measure one "$FERRY" hash --algo sha256 --jobs 1 "$F1")"
read -r t_two c_two <<<"$(measure two "$FERRY" hash --algo sha256 --jobs 2 "$F1" "$F2")"
read -r t_gnumd5 c_gnumd5 <<<"$(measure gnumd5 md5sum "$F1")"
read -r t_md5 c_md5 <<<"$(measure md5 "$FERRY" hash --algo md5 "$F1")"

row() {  # label wall cpu mib
  awk -v l="$1" -v w="$2" -v c="$3" -v m="$4" \
    'BEGIN { printf "%-28s wall %7.3f s (%5.0f MiB/s)   cpu %7.3f s\n", l, w, m / w, c }'
}
echo "                                                            (user + system)"
row "sha256sum F1" "$t_gnu" "$c_gnu" "$SIZE_MIB"
row "ferry hash F1" "$t_ferry" "$c_ferry" "$SIZE_MIB"
row "ferry hash --jobs 1 F1" "$t_one" "$c_one" "$SIZE_MIB"
row "ferry hash --jobs 2 F1 F2" "$t_two" "$c_two" "$((2 * SIZE_MIB))"
row "md5sum F1" "$t_gnumd5" "$c_gnumd5" "$SIZE_MIB"
row "ferry hash --algo md5 F1" "$t_md5" "$c_md5" "$SIZE_MIB"

echo "== peak RSS (KiB)"
echo "sha256sum F1:              $(peak_rss_kib sha256sum "$F1")"
echo "ferry hash --jobs 1 F1:    $(peak_rss_kib "$FERRY" hash --jobs 1 "$F1")"
echo "ferry hash --jobs 2 F1 F2: $(peak_rss_kib "$FERRY" hash --jobs 2 "$F1" "$F2")"

echo "== ratios"
awk -v g="$t_gnu" -v f="$t_ferry" -v cg="$c_gnu" -v cf="$c_ferry" -v one="$t_one" -v two="$t_two" \
    -v gm="$t_gnumd5" -v fm="$t_md5" 'BEGIN {
  speed = g / f; par = 2 * one / two;
  printf "sha256: ferry vs sha256sum (wall):  %.2fx  (target >= 3.00x) %s\n", speed, (speed >= 3 ? "PASS" : "MISS");
  printf "sha256: ferry vs sha256sum (cpu):   %.2fx\n", cg / cf;
  printf "parallel: 2 files --jobs 2 vs one:  %.2fx  (target >= 1.70x) %s\n", par, (par >= 1.7 ? "PASS" : "MISS");
  printf "md5: ferry vs md5sum (wall):        %.2fx  (no target: MD5 has no SIMD speed-up)\n", gm / fm;
}'

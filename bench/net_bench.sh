#!/usr/bin/env bash
# Pull over a real network (issue 14), in one run, against `ferry serve` on loopback and
# through a delay proxy (25 ms each way = 50 ms RTT; netem is not available): the C++ one,
# bench/delay_proxy.cc (built as delay_proxy beside ferry), else bench/delay_proxy.py, whose
# CPU on a 2-core machine is taken from the pull it measures (docs/DESIGN.md):
#   - cold pull of 2,000 x 64 KiB tables (50 packages, ~6,000 references): on loopback, and
#     through the proxy with default settings;
#   - `curl --parallel --parallel-max 32` and `4` on the same 2,000 URLs through the proxy;
#   - no-op re-pull on loopback and through the proxy: time, and bytes on the wire (the
#     proxy's counters, both directions);
#   - cold pull of 200 x 8 MiB on loopback.
# Each is repeated ROUNDS times (default 3); medians are printed with the ratios the issue
# asks for, and `uptime`. Every command runs under `timeout`; every process started here is
# killed by its pid at exit.
#
# usage: bench/net_bench.sh [FERRY_BINARY]   (default build/ferry)
# env:   BENCH_DIR (default /tmp/ferry-net-bench), ROUNDS (3), DELAY_MS (25), NOOP_RUNS (3:
#        no-op pulls per round, the median kept), SKIP_BIG=1 (no 200 x 8 MiB part),
#        HANDSHAKE_RTT (1: round trips a new connection costs before its first request,
#        as TCP's handshake does; 0 leaves only the request's own round trip),
#        NOOP_ONLY=1 (the cold pulls only once, to set up, then no-op rounds: no curl, no big
#        part), BENCH_KEEP=1 (keep BENCH_DIR), DELAY_PROXY (the proxy binary; default
#        delay_proxy next to FERRY_BINARY, the Python one when that is missing;
#        DELAY_PROXY=python forces the Python one).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
ferry="$(realpath "${1:-$root/build/ferry}")"
[[ -x "$ferry" ]] || { echo "net_bench: no ferry binary at $ferry; pass its path" >&2; exit 2; }
dir="${BENCH_DIR:-/tmp/ferry-net-bench}"
rounds="${ROUNDS:-3}"
if [[ -n "${NOOP_ONLY:-}" ]]; then SKIP_BIG=1; fi
delay_ms="${DELAY_MS:-25}"
noop_runs="${NOOP_RUNS:-3}"
token="bench-token"
proxy_bin="${DELAY_PROXY:-$(dirname "$ferry")/delay_proxy}"
if [[ "$proxy_bin" == python ]] || [[ -z "${DELAY_PROXY:-}" && ! -x "$proxy_bin" ]]; then
  proxy_cmd=(python3 "$here/delay_proxy.py"); proxy_kind="Python ($here/delay_proxy.py)"
elif [[ -x "$proxy_bin" ]]; then
  proxy_cmd=("$proxy_bin"); proxy_kind="C++ ($(realpath "$proxy_bin"))"
else
  echo "net_bench: DELAY_PROXY=$proxy_bin is not an executable" >&2; exit 2
fi
export FERRY_TOKEN="$token"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
secs() { python3 -c "print('%.3f' % (($2 - $1) / 1e9))"; }  # secs START_NS END_NS

rm -rf "$dir"; mkdir -p "$dir"
echo "net_bench: generating the catalogs in $dir"
timeout 600 python3 "$here/net_bench_gen.py" "$dir/small" 2000 65536 50 3 "$token"
if [[ -z "${SKIP_BIG:-}" ]]; then
  timeout 600 python3 "$here/net_bench_gen.py" "$dir/big" 200 $((8 << 20)) 4 1 "$token"
fi

# start_serve NAME: ferry serve on a free port for $dir/NAME; sets serve_url.
start_serve() {
  local name="$1" log="$dir/$1/serve.log"
  timeout 3600 "$ferry" serve --catalog "$dir/$name/catalog.yaml" --listen 127.0.0.1:0 \
    --state "$dir/$name/stack.sqlite" 2>"$log" &
  pids+=("$!")
  serve_url=""
  for _ in $(seq 1200); do  # start-up hashes the files
    serve_url="$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null |
      sed 's/^listening on //' || true)"
    [[ -n "$serve_url" ]] && return 0
    sleep 0.1
  done
  echo "net_bench: ferry serve for $name did not start; $log:" >&2; tail -n 20 "$log" >&2
  exit 1
}

start_serve small; small_url="$serve_url"
if [[ -z "${SKIP_BIG:-}" ]]; then start_serve big; big_url="$serve_url"; fi
timeout 3600 "${proxy_cmd[@]}" --listen 127.0.0.1:0 --upstream "${small_url#http://}" \
  --delay-ms "$delay_ms" --handshake-rtt "${HANDSHAKE_RTT:-1}" --status "$dir/proxy.json" --port-file "$dir/proxy.port" \
  2>"$dir/proxy.log" &
pids+=("$!"); proxy_timeout_pid="$!"
for _ in $(seq 100); do [[ -s "$dir/proxy.port" ]] && break; sleep 0.1; done
proxy_url="http://127.0.0.1:$(cat "$dir/proxy.port")"
sed "s|@BASE@|$proxy_url|" "$dir/small/urls.txt" >"$dir/small/urls_proxy.txt"
echo "net_bench: serve $small_url, proxy $proxy_url (${delay_ms} ms each way): $proxy_kind"

proxy_cpu() {  # seconds of CPU the proxy (the child of its `timeout`) has used so far
  local pid; pid="$(pgrep -P "$proxy_timeout_pid" | head -n 1)"
  [[ -n "$pid" ]] || { echo "?"; return; }
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat"
}

proxy_bytes() {  # up+down bytes so far
  python3 -c "import json; d=json.load(open('$dir/proxy.json')); print(d['up_bytes'] + d['down_bytes'])"
}

# pull SERVER WORKSPACE: one ferry pull, prints seconds; fails the bench on a non-zero exit.
pull() {
  local t0 t1
  t0=$(now_ns)
  timeout 600 "$ferry" --json pull --server "$1" --workspace "$2" >"$dir/last_pull.json" 2>"$dir/last_pull.err" || {
    echo "net_bench: ferry pull --server $1 failed:" >&2; tail -n 5 "$dir/last_pull.err" >&2; exit 1; }
  t1=$(now_ns)
  secs "$t0" "$t1"
}

# curl_parallel MAX: the 2,000 downloads through the proxy, prints seconds.
curl_parallel() {
  local t0 t1
  rm -rf "$dir/small/curl"; mkdir -p "$dir/small/curl"
  t0=$(now_ns)
  timeout 600 curl -sS --no-progress-meter --fail --parallel --parallel-max "$1" -H "Authorization: Bearer $token" \
    -K "$dir/small/urls_proxy.txt"
  t1=$(now_ns)
  secs "$t0" "$t1"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cold_lo=(); cold_px=(); curl32=(); curl4=(); noop_lo=(); noop_px=(); noop_bytes=(); big_lo=()
for r in $(seq "$rounds"); do
  echo "net_bench: round $r of $rounds"
  if [[ -z "${NOOP_ONLY:-}" || "$r" == 1 ]]; then
    rm -rf "$dir/ws_lo" "$dir/ws_px" "$dir/ws_big"
    cold_lo+=("$(pull "$small_url" "$dir/ws_lo")")
    cold_px+=("$(pull "$proxy_url" "$dir/ws_px")")
  fi
  if [[ -z "${NOOP_ONLY:-}" ]]; then
    curl32+=("$(curl_parallel 32)")
    curl4+=("$(curl_parallel 4)")
  else
    curl32+=(0); curl4+=(0)
  fi
  runs_lo=(); runs_px=(); runs_b=()
  for _ in $(seq "$noop_runs"); do
    runs_lo+=("$(pull "$small_url" "$dir/ws_lo")")
    before=$(proxy_bytes)
    runs_px+=("$(pull "$proxy_url" "$dir/ws_px")")
    python3 -c "import json,sys; j=json.load(open('$dir/last_pull.json')); sys.exit(0 if j['manifest']=='unchanged' else 1)" ||
      echo "net_bench: warning: the no-op pull through the proxy downloaded the manifest" >&2
    sleep 0.2  # the proxy rewrites its counters when the pull's connection closes
    runs_b+=($(( $(proxy_bytes) - before )))
  done
  noop_lo+=("$(median "${runs_lo[@]}")")
  noop_px+=("$(median "${runs_px[@]}")")
  noop_bytes+=("$(median "${runs_b[@]}")")
  if [[ -z "${SKIP_BIG:-}" ]]; then
    big_lo+=("$(pull "$big_url" "$dir/ws_big")")
    rm -rf "$dir/ws_big"
  fi
  echo "  cold (round 1 when NOOP_ONLY): loopback ${cold_lo[-1]} s, proxy ${cold_px[-1]} s; curl -Z 32 ${curl32[-1]} s, 4 ${curl4[-1]} s;" \
       "no-op: loopback ${noop_lo[-1]} s, proxy ${noop_px[-1]} s, ${noop_bytes[-1]} bytes;" \
       "200 x 8 MiB $([[ ${#big_lo[@]} -gt 0 ]] && echo "${big_lo[-1]}" || echo skipped) s"
done

m_cold_lo=$(median "${cold_lo[@]}"); m_cold_px=$(median "${cold_px[@]}")
m_curl32=$(median "${curl32[@]}"); m_curl4=$(median "${curl4[@]}")
m_noop_lo=$(median "${noop_lo[@]}"); m_noop_px=$(median "${noop_px[@]}")
m_noop_b=$(median "${noop_bytes[@]}")
python3 - "$m_cold_lo" "$m_cold_px" "$m_curl32" "$m_curl4" "$m_noop_lo" "$m_noop_px" "$m_noop_b" <<'PY'
import sys
lo, px, c32, c4, nlo, npx, nb = map(float, sys.argv[1:])
ok = lambda b: "ok" if b else "MISSED"
print("medians over the rounds (seconds):")
print("  cold 2,000 x 64 KiB  loopback %.3f  proxy %.3f  (x%.2f of loopback; target <= 1.5: %s)"
      % (lo, px, px / lo, ok(px <= 1.5 * lo)))
if c32 > 0:
    print("  curl --parallel-max 32 %.3f, 4 %.3f  (ferry/curl32 = %.2f; target <= 1: %s)"
          % (c32, c4, px / c32, ok(px <= c32)))
print("  no-op  loopback %.3f  proxy %.3f  (+%.0f ms; target <= +100 ms: %s)"
      % (nlo, npx, (npx - nlo) * 1000, ok(npx - nlo <= 0.100)))
print("  no-op bytes on the wire through the proxy: %d (target < 2048: %s)" % (nb, ok(nb < 2048)))
PY
if [[ -z "${SKIP_BIG:-}" ]]; then
  echo "  cold 200 x 8 MiB loopback: $(median "${big_lo[@]}") s (runs: ${big_lo[*]})"
fi
echo "  cold runs (loopback / proxy / curl32): $(for i in "${!cold_lo[@]}"; do
  printf '%s / %s / %s; ' "${cold_lo[$i]}" "${cold_px[$i]}" "${curl32[$i]}"; done)"
echo "  delay proxy: $proxy_kind, $(proxy_cpu) s of CPU over the whole bench"
uptime

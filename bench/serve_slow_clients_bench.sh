#!/usr/bin/env bash
# Benchmarks `ferry serve` under slow clients (issue 9, item 4), on loopback, in one run:
#   p99 of GET /api/sync/manifest (4 clients, wrk) on its own, then while 1,000 connections
#   each drip one header byte every 3 s (bench/serve_slow_clients_drip.py; the server's
#   header deadline drops them, the dripper reconnects at once, as an attacker would).
# The server runs with --max-connections-per-address 0: every client here is 127.0.0.1, and
# the test is whether a thousand slow sockets slow the others down, not the cap (which
# tests/serve/serve_slow_clients_test.cc checks).
# Usage: bench/serve_slow_clients_bench.sh path/to/ferry   (bench/run_all.sh). Environment:
# BENCH_SECONDS (wrk duration per phase, default 10), BENCH_SLOW (slow connections, default
# 1000), BENCH_DRIP_S (seconds between one connection's bytes, default 3), BENCH_TABLES
# (catalog size, default 200). Exits 1 when a phase fails or a normal request gets an error.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bench/serve_slow_clients_bench.sh path/to/ferry" >&2
  exit 2
fi
ferry="$(realpath "$1")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${BENCH_SECONDS:-10}"
slow="${BENCH_SLOW:-1000}"
drip_s="${BENCH_DRIP_S:-3}"
tables="${BENCH_TABLES:-200}"
token="bench-token"
token_sha="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"

for tool in wrk python3 sha256sum timeout; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "serve_slow_clients_bench: '$tool' is not installed; run 'make setup'" >&2
    exit 1
  }
done
# 1,000 sockets on each side, plus the server's files: more than the usual soft limit of 1,024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ferry-slow-bench.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/data"
(cd "$tmp/data" && head -c $((tables * 1024)) /dev/urandom |
  split -b 1024 -d -a 4 --additional-suffix=.parquet - m)
{
  echo "root: ./data"
  echo "tables:"
  for i in $(seq -f '%04g' 0 $((tables - 1))); do
    echo "  - {id: m$i, name: m$i, file: m$i.parquet, query_mode: local, server_only: false}"
  done
  ids="$(seq -f 'm%04g' 0 $((tables - 1)) | paste -sd, -)"
  echo "packages:"
  echo "  - {slug: p, name: P, description: bench, requirement: available, tables: [$ids]}"
  echo "memory_domains: []"
  echo "users:"
  echo "  - name: bench"
  echo "    token_sha256: \"$token_sha\""
  echo "    grants: {packages: [p], memory_domains: [], tables: []}"
  echo "    stack: {packages: [p], memory_domains: [], direct_tables: []}"
} >"$tmp/catalog.yaml"

cap=()  # a binary from before the cap (to compare with the old server) runs without it
if "$ferry" serve --help 2>&1 | grep -q -- --max-connections-per-address; then
  cap=(--max-connections-per-address 0)
fi
timeout $((seconds * 2 + 120)) "$ferry" serve --catalog "$tmp/catalog.yaml" \
  --listen 127.0.0.1:0 "${cap[@]}" 2>"$tmp/serve.log" &
timeout_pid=$!
pids+=("$timeout_pid")
url=""
for _ in $(seq 600); do
  url="$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/serve.log" 2>/dev/null | sed 's/^listening on //' || true)"
  [ -n "$url" ] && break
  kill -0 "$timeout_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "serve_slow_clients_bench: the server did not listen" >&2; exit 1; }
port="${url##*:}"
server_pid="$(pgrep -P "$timeout_pid" | head -n 1)"  # ferry itself, under timeout

cat >"$tmp/wrk.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $token"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%d %.1f %.1f %.1f %d %d\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
# phase NAME: wrk on the manifest; prints "requests p50_ms p99_ms max_ms non2xx errors".
phase() {
  timeout $((seconds + 60)) wrk -t 2 -c 4 -d "${seconds}s" --timeout 30s -s "$tmp/wrk.lua" \
    "$url/api/sync/manifest" >"$tmp/wrk.$1" 2>&1 || { cat "$tmp/wrk.$1" >&2; return 1; }
  tail -n 1 "$tmp/wrk.$1"
}

quiet="$(phase quiet)"
timeout $((seconds + 120)) python3 "$here/serve_slow_clients_drip.py" "$port" "$slow" "$drip_s" \
  $((seconds + 30)) "$tmp/ready" >"$tmp/drip.out" 2>&1 &
drip_pid=$!
pids+=("$drip_pid")
for _ in $(seq 600); do
  [ -f "$tmp/ready" ] && break
  kill -0 "$drip_pid" 2>/dev/null || { cat "$tmp/drip.out" >&2; exit 1; }
  sleep 0.1
done
held="$(ls /proc/"$server_pid"/fd | wc -l)"
threads="$(ls /proc/"$server_pid"/task | wc -l)"
loaded="$(phase slow)"
wait "$drip_pid" || true
drip="$(tail -n 1 "$tmp/drip.out")"

read -r q_req q_p50 q_p99 q_max q_non2xx q_err <<<"$quiet"
read -r s_req s_p50 s_p99 s_max s_non2xx s_err <<<"$loaded"
printf '%-34s %10s %10s %10s %10s %8s\n' "GET /api/sync/manifest ($tables tables)" requests p50_ms p99_ms max_ms errors
printf '%-34s %10s %10s %10s %10s %8s\n' "alone" "$q_req" "$q_p50" "$q_p99" "$q_max" $((q_non2xx + q_err))
printf '%-34s %10s %10s %10s %10s %8s\n' "with $slow slow clients" "$s_req" "$s_p50" "$s_p99" "$s_max" $((s_non2xx + s_err))
echo "server during the slow phase: $held descriptors, $threads threads; dripper: $drip"
echo "load: $(uptime)"
if [ "$q_req" -eq 0 ] || [ "$s_req" -eq 0 ]; then
  echo "serve_slow_clients_bench: no normal request was answered in a phase" >&2
  exit 1
fi
if [ $((q_non2xx + q_err + s_non2xx + s_err)) -ne 0 ]; then
  echo "serve_slow_clients_bench: normal requests got errors" >&2
  exit 1
fi

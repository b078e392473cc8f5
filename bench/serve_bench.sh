#!/usr/bin/env bash
# Benchmarks `ferry serve` against the targets of issue 4, on loopback:
#   (a) download throughput, 16 concurrent clients (wrk), vs nginx (Debian nginx-light, sendfile)
#       serving the same files:                                      target >= 0.8x nginx
#   (b) GET /api/sync/manifest of a 2,000-table catalog (50 packages), 16 concurrent clients:
#       p95 latency                                                  target <= 50 ms
#   (c) server peak RSS (VmHWM) after serving 8 GiB of downloads      target <= 100 MB
# The catalogs and files are generated in a temp dir (random bytes: the server does not parse
# parquet). Usage: bench/serve_bench.sh path/to/ferry   (make bench). Environment knobs:
# BENCH_SECONDS (wrk duration, default 10), BENCH_ROUNDS (throughput rounds per server, median
# taken, default 3), BENCH_FILE_MIB (size of each of the 16 throughput
# files, default 64), BENCH_KEEP=1 (keep the temp dir). Exits 1 when a server fails or answers
# an error; a missed target is reported in the table, not as a failure.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bench/serve_bench.sh path/to/ferry" >&2
  exit 2
fi
ferry="$(realpath "$1")"
seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-3}"
file_mib="${BENCH_FILE_MIB:-64}"
readonly kFiles=16 kClients=16 kManifestTables=2000 kManifestPackages=50
readonly kTotalGiB=8
token="bench-token"
token_sha="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"

for tool in wrk nginx curl sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "serve_bench: '$tool' is not installed; run 'make setup'" >&2
    exit 1
  }
done
nginx_bin="$(command -v nginx)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ferry-serve-bench.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "serve_bench: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# free_port: a loopback port nobody listens on right now (probing with bash's /dev/tcp).
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "serve_bench: found no free loopback port" >&2
  return 1
}

# start_ferry CATALOG LOG: starts ferry serve on a free port; sets ferry_pid and ferry_url.
start_ferry() {
  local catalog="$1" log="$2"
  "$ferry" serve --catalog "$catalog" --listen 127.0.0.1:0 --state "${catalog%.yaml}.sqlite" \
    2>"$log" &
  ferry_pid=$!
  pids+=("$ferry_pid")
  ferry_url=""
  for _ in $(seq 1200); do  # start-up hashes the files: up to 120 s
    ferry_url="$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null | sed 's/^listening on //' || true)"
    [ -n "$ferry_url" ] && return 0
    if ! kill -0 "$ferry_pid" 2>/dev/null; then
      echo "serve_bench: ferry serve exited before listening; log $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "serve_bench: ferry serve did not listen within 120 s; log $log" >&2
  return 1
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# rss_kib PID FIELD: VmHWM (peak) or VmRSS of a process, in KiB.
rss_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# wrk_run URL LUA: runs wrk with 16 connections; the Lua script's done() prints
# "bytes requests seconds p50_us p95_us p99_us non2xx errors" on the last line.
wrk_run() {
  wrk -t "$(nproc)" -c "$kClients" -d "${seconds}s" --timeout 10s -s "$2" "$1" >"$tmp/wrk.out" 2>&1 || {
    echo "serve_bench: wrk failed on $1:" >&2
    cat "$tmp/wrk.out" >&2
    return 1
  }
  tail -n 1 "$tmp/wrk.out"
}

# A wrk script: rotates over the given paths, sends the token, reports in done().
write_wrk_script() {  # OUT PATH...
  local out="$1"
  shift
  {
    echo 'local paths = {'
    printf '  "%s",\n' "$@"
    echo '}'
    cat <<EOF
local i = math.random(#paths)
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%.0f %d %.3f %d %d %d %d %d\n", summary.bytes, summary.requests,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
  } >"$out"
}

check_wrk_errors() {  # NAME RESULT-LINE
  local non2xx errors
  read -r _ _ _ _ _ _ non2xx errors <<<"$2"
  if [ "$non2xx" -ne 0 ] || [ "$errors" -ne 0 ]; then
    echo "serve_bench: $1: $non2xx non-2xx answers and $errors socket errors; wrk output:" >&2
    cat "$tmp/wrk.out" >&2
    return 1
  fi
}

echo "serve_bench: generating $kFiles files of $file_mib MiB and a $kManifestTables-table catalog in $tmp"
# --- catalog A: the throughput files ----------------------------------------------------------
mkdir -p "$tmp/a/data/files"
for i in $(seq -w 0 $((kFiles - 1))); do
  head -c "$((file_mib << 20))" /dev/urandom >"$tmp/a/data/files/t$i.parquet"
done
{
  echo "root: ./data"
  echo "tables:"
  for i in $(seq -w 0 $((kFiles - 1))); do
    echo "  - {id: t$i, name: t$i, file: files/t$i.parquet, query_mode: local, server_only: false}"
  done
  echo "packages:"
  echo "  - {slug: big, name: Big, description: throughput files, requirement: available, tables: [$(seq -w -s ', t' 0 $((kFiles - 1)) | sed 's/^/t/')]}"
  echo "memory_domains: []"
  echo "users:"
  echo "  - name: bench"
  echo "    token_sha256: \"$token_sha\""
  echo "    grants: {packages: [big], memory_domains: [], tables: [$(seq -w -s ', t' 0 $((kFiles - 1)) | sed 's/^/t/')]}"
  echo "    stack: {packages: [big], memory_domains: [], direct_tables: []}"
} >"$tmp/a/catalog.yaml"

# --- catalog B: 2,000 small tables in 50 packages ---------------------------------------------
mkdir -p "$tmp/b/data"
(cd "$tmp/b/data" && head -c $((kManifestTables * 1024)) /dev/urandom |
  split -b 1024 -d -a 4 --additional-suffix=.parquet - m)
per_package=$((kManifestTables / kManifestPackages))
{
  echo "root: ./data"
  echo "tables:"
  for i in $(seq -f '%04g' 0 $((kManifestTables - 1))); do
    echo "  - {id: m$i, name: m$i, file: m$i.parquet, query_mode: local, server_only: false}"
  done
  echo "packages:"
  for p in $(seq 0 $((kManifestPackages - 1))); do
    tables="$(seq -f 'm%04g' $((p * per_package)) $(((p + 1) * per_package - 1)) | paste -sd, -)"
    echo "  - {slug: p$p, name: P$p, description: bench, requirement: available, tables: [$tables]}"
  done
  slugs="$(seq -f 'p%g' 0 $((kManifestPackages - 1)) | paste -sd, -)"
  echo "memory_domains: []"
  echo "users:"
  echo "  - name: bench"
  echo "    token_sha256: \"$token_sha\""
  echo "    grants: {packages: [$slugs], memory_domains: [], tables: [$(seq -f 'm%04g' 0 $((kManifestTables - 1)) | paste -sd, -)]}"
  echo "    stack: {packages: [$slugs], memory_domains: [], direct_tables: []}"
} >"$tmp/b/catalog.yaml"

# --- nginx serving the same files -------------------------------------------------------------
nginx_port="$(free_port)"
mkdir -p "$tmp/nginx/tmp"
# As root, nginx's workers would switch to an unprivileged user that cannot read the 0700 temp
# dir; keep them as root (as non-root, nginx cannot switch and ignores the question).
nginx_user=""
[ "$(id -u)" -eq 0 ] && nginx_user="user root root;"
cat >"$tmp/nginx/nginx.conf" <<EOF
$nginx_user
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/tmp/body;
  proxy_temp_path $tmp/nginx/tmp/proxy;
  fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
  scgi_temp_path $tmp/nginx/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/a/data;
  }
}
EOF
"$nginx_bin" -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
nginx_ready=0
for _ in $(seq 100); do
  if curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/files/t00.parquet" -r 0-0; then
    nginx_ready=1
    break
  fi
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.1
done
if [ "$nginx_ready" -ne 1 ]; then
  echo "serve_bench: nginx did not serve /files/t00.parquet within 10 s; $tmp/nginx/error.log:" >&2
  tail -n 5 "$tmp/nginx/error.log" >&2
  exit 1
fi

# --- (a) throughput: nginx, then ferry --------------------------------------------------------
mapfile -t nginx_paths < <(for i in $(seq -w 0 $((kFiles - 1))); do echo "/files/t$i.parquet"; done)
mapfile -t ferry_paths < <(for i in $(seq -w 0 $((kFiles - 1))); do echo "/api/data/t$i/download"; done)
write_wrk_script "$tmp/nginx.lua" "${nginx_paths[@]}"
write_wrk_script "$tmp/ferry.lua" "${ferry_paths[@]}"

echo "serve_bench: starting ferry serve on $kFiles x $file_mib MiB"
start_ferry "$tmp/a/catalog.yaml" "$tmp/a/serve.log"
a_pid="$ferry_pid"
a_url="$ferry_url"
# The server must serve the bytes it advertises: one full download, checked against md5sum.
got="$(curl -sf -H "Authorization: Bearer $token" "$a_url/api/data/t00/download" | md5sum | cut -d' ' -f1)"
want="$(md5sum <"$tmp/a/data/files/t00.parquet" | cut -d' ' -f1)"
if [ "$got" != "$want" ]; then
  echo "serve_bench: ferry served t00 with md5 $got, the file has $want" >&2
  exit 1
fi
# Loopback throughput on a small machine is noisy (wrk competes for the same CPUs), so the two
# servers take turns, BENCH_ROUNDS times each, and each is credited with its median round.
: >"$tmp/nginx.rounds"
: >"$tmp/ferry.rounds"
for round in $(seq "$rounds"); do
  echo "serve_bench: (a) round $round/$rounds: nginx, then ferry serve; $kClients clients, ${seconds} s each"
  line="$(wrk_run "http://127.0.0.1:$nginx_port" "$tmp/nginx.lua")"
  check_wrk_errors nginx "$line"
  echo "$line" >>"$tmp/nginx.rounds"
  line="$(wrk_run "$a_url" "$tmp/ferry.lua")"
  check_wrk_errors "ferry serve downloads" "$line"
  echo "$line" >>"$tmp/ferry.rounds"
done
# median_round FILE: the round (a wrk result line) with the median bytes per second.
median_round() {
  awk '{print $1 / $3, $0}' "$1" | sort -g | awk '{a[NR] = $0} END {print a[int((NR + 1) / 2)]}' |
    cut -d' ' -f2-
}
rounds_text() { awk '{printf "%s%.0f", (NR > 1 ? " " : ""), $1 / $3 / 1048576}' "$1"; }
echo "serve_bench: (a) MiB/s per round: nginx $(rounds_text "$tmp/nginx.rounds"); ferry serve $(rounds_text "$tmp/ferry.rounds")"
nginx_line="$(median_round "$tmp/nginx.rounds")"
ferry_line="$(median_round "$tmp/ferry.rounds")"
rss_after_wrk="$(rss_kib "$a_pid" VmRSS)"

# --- (c) 8 GiB of downloads by 16 parallel curls, then the peak RSS ---------------------------
# curl_total URL_FORMAT: downloads 8 GiB (the 16 files in turn, URL_FORMAT's %02d is the file
# number) with 16 curls in parallel, checks every byte arrived, prints "bytes seconds".
downloads=$(((kTotalGiB << 10) / file_mib))
curl_total() {
  local start_ns end_ns bytes
  start_ns="$(date +%s%N)"
  for n in $(seq 0 $((downloads - 1))); do
    # shellcheck disable=SC2059  # the format is ours
    printf "$1\n" $((n % kFiles))
  done | xargs -P "$kClients" -n 1 curl -sf -o /dev/null -w '%{size_download}\n' \
    -H "Authorization: Bearer $token" >"$tmp/curl.sizes" || {
    echo "serve_bench: a curl download of ${1%%/*}... failed" >&2
    return 1
  }
  end_ns="$(date +%s%N)"
  bytes="$(awk '{s += $1} END {printf "%.0f", s}' "$tmp/curl.sizes")"
  if [ "$bytes" -ne $((downloads * (file_mib << 20))) ]; then
    echo "serve_bench: curl received $bytes bytes, expected $((downloads * (file_mib << 20)))" >&2
    return 1
  fi
  awk -v b="$bytes" -v s="$start_ns" -v e="$end_ns" 'BEGIN {printf "%.0f %.3f\n", b, (e - s) / 1e9}'
}
echo "serve_bench: (c) $downloads downloads of $file_mib MiB ($kTotalGiB GiB) by $kClients parallel curls from nginx, then from ferry serve"
result="$(curl_total "http://127.0.0.1:$nginx_port/files/t%02d.parquet")"
read -r nc_bytes nc_seconds <<<"$result"
stop_pid "$nginx_pid"
result="$(curl_total "$a_url/api/data/t%02d/download")"
read -r c_bytes c_seconds <<<"$result"
hwm_kib="$(rss_kib "$a_pid" VmHWM)"
stop_pid "$a_pid"

# --- (b) manifest latency ---------------------------------------------------------------------
echo "serve_bench: starting ferry serve on the $kManifestTables-table catalog"
start_ferry "$tmp/b/catalog.yaml" "$tmp/b/serve.log"
b_pid="$ferry_pid"
manifest_bytes="$(curl -sf -H "Authorization: Bearer $token" "$ferry_url/api/sync/manifest" | wc -c)"
manifest_tables="$(curl -sf -H "Authorization: Bearer $token" "$ferry_url/api/sync/manifest" |
  grep -o '"parquet_url"' | wc -l || true)"
write_wrk_script "$tmp/manifest.lua" "/api/sync/manifest"
echo "serve_bench: (b) manifest, $kClients clients, ${seconds} s"
manifest_line="$(wrk_run "$ferry_url" "$tmp/manifest.lua")"
check_wrk_errors "ferry serve manifest" "$manifest_line"
manifest_hwm_kib="$(rss_kib "$b_pid" VmHWM)"
stop_pid "$b_pid"

# --- the table --------------------------------------------------------------------------------
read -r n_bytes _ n_secs _ _ _ _ _ <<<"$nginx_line"
read -r f_bytes _ f_secs _ _ _ _ _ <<<"$ferry_line"
read -r _ m_reqs m_secs m_p50 m_p95 m_p99 _ _ <<<"$manifest_line"
awk -v nb="$n_bytes" -v ns="$n_secs" -v fb="$f_bytes" -v fs="$f_secs" \
    -v cb="$c_bytes" -v cs="$c_seconds" -v ncb="$nc_bytes" -v ncs="$nc_seconds" -v hwm="$hwm_kib" -v rss="$rss_after_wrk" \
    -v mr="$m_reqs" -v ms="$m_secs" -v p50="$m_p50" -v p95="$m_p95" -v p99="$m_p99" \
    -v mb="$manifest_bytes" -v mt="$manifest_tables" -v mhwm="$manifest_hwm_kib" \
    -v clients="$kClients" -v rounds="$rounds" -v cpus="$(nproc)" 'BEGIN {
  n = nb / ns / 1048576; f = fb / fs / 1048576; ratio = f / n
  printf "\nferry serve benchmark (%d clients, loopback, %d CPUs)\n", clients, cpus
  printf "%-52s %14s %12s %s\n", "measure", "figure", "target", "verdict"
  printf "%-52s %10.0f MiB/s\n", sprintf("(a) nginx download throughput (median of %d)", rounds), n
  printf "%-52s %10.0f MiB/s\n", sprintf("(a) ferry serve download throughput (median of %d)", rounds), f
  printf "%-52s %13.2fx %12s %s\n", "(a) ferry / nginx", ratio, ">= 0.80x", (ratio >= 0.8 ? "ok" : "MISSED")
  printf "%-52s %11.1f ms %12s %s\n", sprintf("(b) manifest p95 (%d tables in manifest, %d KiB)", mt, mb / 1024), p95 / 1000, "<= 50 ms", (p95 <= 50000 ? "ok" : "MISSED")
  printf "%-52s %11.1f ms\n", "(b) manifest p50", p50 / 1000
  printf "%-52s %11.1f ms\n", "(b) manifest p99", p99 / 1000
  printf "%-52s %10.0f req/s\n", "(b) manifest throughput", mr / ms
  printf "%-52s %11.1f MB\n", "(b) server peak RSS, 2,000-table catalog", mhwm * 1024 / 1e6
  printf "%-52s %11.1f MB %12s %s\n", sprintf("(c) server peak RSS after %.1f GiB served by curl", cb / 1073741824), hwm * 1024 / 1e6, "<= 100 MB", (hwm * 1024 <= 100e6 ? "ok" : "MISSED")
  printf "%-52s %10.0f MiB/s\n", "(c) 8 GiB by 16 parallel curls from nginx", ncb / ncs / 1048576
  printf "%-52s %10.0f MiB/s\n", "(c) 8 GiB by 16 parallel curls from ferry serve", cb / cs / 1048576
  printf "%-52s %13.2fx %12s %s\n", "(c) ferry / nginx, curl clients", (cb / cs) / (ncb / ncs), ">= 0.80x", ((cb / cs) / (ncb / ncs) >= 0.8 ? "ok" : "MISSED")
}'

#!/usr/bin/env bash
# ferry push vs. by hand: a run of FILES files totalling SIZE_MB MiB (default 1,000 files,
# 1 GiB) pushed to an rsync/ssh "NAS" on loopback (an sshd started here, with generated keys,
# on a free port), REPEAT times (default 3):
#   ferry:   ferry push enqueue RUN && ferry push worker --once   (push + one verify pass)
#   by hand: rsync -a over the same ssh, sha256sum of every file on both sides, compare
# Each repetition starts from an empty NAS dir. Prints both times, the ratio ferry / by hand
# (target <= 0.75), the worker's peak RSS from /usr/bin/time -v (target <= 64 MB) and the
# load average. Usage: bench/push_bench.sh path/to/ferry   (FILES=, SIZE_MB=, REPEAT= override)
set -euo pipefail

ferry="$(realpath "$1")"
FILES="${FILES:-1000}"
SIZE_MB="${SIZE_MB:-1024}"
REPEAT="${REPEAT:-3}"
work="$(mktemp -d /tmp/ferry-push-bench.XXXXXX)"
sshd_pid=""
cleanup() {
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The sshd.
mkdir -p "$work/sshd" /run/sshd 2>/dev/null || mkdir -p "$work/sshd"
ssh-keygen -q -t ed25519 -N "" -f "$work/sshd/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$work/sshd/client_key"
cp "$work/sshd/client_key.pub" "$work/sshd/authorized_keys"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/sshd/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/sshd/host_key
AuthorizedKeysFile $work/sshd/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $work/sshd/sshd.pid
CFG
timeout 3600 /usr/sbin/sshd -D -e -f "$work/sshd/sshd_config" 2>"$work/sshd/log" &
sshd_pid=$!
for _ in $(seq 1 100); do
  if ssh-keyscan -p "$port" 127.0.0.1 >/dev/null 2>&1; then break; fi
  sleep 0.1
done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/sshd/host_key.pub")" > "$work/known_hosts"
user="$(id -un)"
ssh_cmd="ssh -i $work/sshd/client_key -o BatchMode=yes -p $port -o UserKnownHostsFile=$work/known_hosts"

# The run: FILES files of SIZE_MB/FILES MiB each, random bytes.
run="$work/lab/EQ/P1/Runs/Run_1"
mkdir -p "$run"
per_file_kb=$(( SIZE_MB * 1024 / FILES ))
python3 - "$run" "$FILES" "$per_file_kb" <<'PY'
import os, sys
run, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(kb * 1024)
for i in range(n):
    d = os.path.join(run, "d%02d" % (i % 20))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(block[i % 97:] + block[:i % 97])  # distinct contents, same size
PY

cat > "$work/push.yaml" <<CFG
state_dir: $work/state
equipment:
  - id: EQ
    local_root: $work/lab
    transport:
      type: rsync_ssh
      ssh_target: $user@127.0.0.1
      ssh_key_path: $work/sshd/client_key
      ssh_port: $port
      ssh_known_hosts: $work/known_hosts
      remote_path: $work/nas
CFG

by_hand() {
  local dest="$work/hand"
  rm -rf "$dest"
  timeout 1800 rsync -a --mkpath -e "$ssh_cmd" "$run/" "$user@127.0.0.1:$dest/"
  (cd "$run" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/local.sums"
  timeout 1800 $ssh_cmd "$user@127.0.0.1" \
    "cd '$dest' && find . -type f -print0 | sort -z | xargs -0 sha256sum" > "$work/remote.sums"
  cmp -s "$work/local.sums" "$work/remote.sums"
}

with_ferry() {
  rm -rf "$work/nas" "$work/state" "$run/.ferry"
  timeout 1800 "$ferry" push enqueue "$run" --config "$work/push.yaml" >/dev/null
  /usr/bin/time -v -o "$work/time.txt" timeout 1800 \
    "$ferry" push worker --once --config "$work/push.yaml" 2>"$work/worker.log"
  grep -q '"state": "verified"' <("$ferry" push status "$run" --json --config "$work/push.yaml")
}

now() { date +%s.%N; }
printf "%-4s %10s %10s %7s %12s\n" rep ferry_s hand_s ratio worker_rss_mb
total_f=0; total_h=0; peak=0
for rep in $(seq 1 "$REPEAT"); do
  sync
  t0=$(now); with_ferry; t1=$(now)
  sync
  t2=$(now); by_hand; t3=$(now)
  f=$(echo "$t1 - $t0" | bc -l); h=$(echo "$t3 - $t2" | bc -l)
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time.txt")
  rss_mb=$(echo "$rss_kb / 1024" | bc -l)
  printf "%-4s %10.2f %10.2f %7.3f %12.1f\n" "$rep" "$f" "$h" "$(echo "$f / $h" | bc -l)" "$rss_mb"
  total_f=$(echo "$total_f + $f" | bc -l); total_h=$(echo "$total_h + $h" | bc -l)
  if [ "$(echo "$rss_mb > $peak" | bc -l)" = 1 ]; then peak=$rss_mb; fi
done
printf "total: ferry %.2f s, by hand %.2f s, ratio %.3f (target <= 0.75); peak worker RSS %.1f MB (target <= 64)\n" \
  "$total_f" "$total_h" "$(echo "$total_f / $total_h" | bc -l)" "$peak"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

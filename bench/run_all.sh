#!/usr/bin/env bash
# `make bench`: runs every bench/*_bench.sh in turn with the ferry binary as its argument,
# keeps going when one fails, and exits non-zero if any did. Each script prints its own table.
# Usage: bench/run_all.sh path/to/ferry [NAME...]   (NAME: e.g. serve for serve_bench.sh only)
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: bench/run_all.sh path/to/ferry [NAME...]" >&2
  exit 2
fi
ferry="$(realpath "$1")"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

failed=()
shopt -s nullglob
if [ $# -eq 0 ]; then
  scripts=("$here"/*_bench.sh)
else
  scripts=()
  for name in "$@"; do
    if [ ! -f "$here/${name}_bench.sh" ]; then
      echo "bench: no bench/${name}_bench.sh" >&2
      exit 2
    fi
    scripts+=("$here/${name}_bench.sh")
  done
fi
if [ ${#scripts[@]} -eq 0 ]; then
  echo "bench: no bench/*_bench.sh found" >&2
  exit 1
fi
for script in "${scripts[@]}"; do
  name="$(basename "$script")"
  echo "=== $name"
  if ! bash "$script" "$ferry"; then
    echo "bench: $name failed" >&2
    failed+=("$name")
  fi
  echo
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "bench: failed: ${failed[*]}" >&2
  exit 1
fi

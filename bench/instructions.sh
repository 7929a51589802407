#!/bin/bash
# Instructions per operation for each workload, with and without --trace,
# under valgrind's callgrind: the count for 2N operations minus the count for
# N, divided by N, so that setup and teardown cancel out. Deterministic, so
# it shows the effect of a change where wall-clock runs are too noisy.
# usage: bench/instructions.sh [OTPSIM]   (default: the release binary)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$here/../target}/release/otpsim}
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind not found" >&2; exit 2; }
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" bench "$@" 2>&1 | awk '/refs:/ {gsub(",", "", $4); print $4}'; }
per_op() { # workload option n trace
  local a b
  a=$(count "$1" "$2" "$3" $4)
  b=$(count "$1" "$2" $(($3 * 2)) $4)
  echo "$1${4:+ $4}: $(((b - a) / $5)) instructions per op"
}
for t in "" "--trace"; do
  per_op ring --rounds 20 "$t" 20000     # 20 rounds of 1000 hops more
  per_op call --calls 20000 "$t" 20000
  per_op spawn --procs 20000 "$t" 20000
  per_op restart --restarts 1000 "$t" 1000
done

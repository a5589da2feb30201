#!/usr/bin/env bash
# Instructions the server executes per request, counted exactly: the server runs under
# valgrind's callgrind (cache off, CPU backend) with counting switched on only while one
# scenario is sent (loadgen for 15 s at the connections given, or `layers`: 100 layer
# inspector requests, see scripts/under-valgrind.sh), so start-up is not counted, and the
# total is divided by the answered requests. Slow (valgrind), but free of the machine's
# noise: what `thread-cpu.sh` cannot tell apart on two shared cores, this can. With
# CG3_CACHE_BYTES set (say 67108864) the result cache answers repeats (`cached:4`).
#
#   scripts/instr-count.sh target/release/renderer catgen:4    # CatGenerator's POST /render
#   scripts/instr-count.sh target/release/renderer varied:4    # GET /render.png
#   scripts/instr-count.sh target/release/renderer layers      # its layer inspector
#   scripts/instr-count.sh target/release/renderer health:4    # the floor
#
# The profile stays in /tmp/instr-count.callgrind (callgrind_annotate reads it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/under-valgrind.sh
bin=${1:?usage: instr-count.sh BINARY [SCENARIO]}
scenario=${2:-varied:4}
port=${PORT:-18681}
out=/tmp/instr-count.callgrind
rm -f "$out"*
start_under_valgrind "$bin" "$port" /tmp/instr-count.log \
  --tool=callgrind --instr-atstart=no --callgrind-out-file="$out"
callgrind_control -i on "$pid" >/dev/null 2>&1
answered=$(drive "$port" "$scenario")
callgrind_control -i off "$pid" >/dev/null 2>&1
stop_under_valgrind
total=$(grep -h '^totals:' "$out"* | awk '{s += $2} END {print s}')
awk -v t="$total" -v n="$answered" -v s="$scenario" \
  'BEGIN {printf "%s: %d answered; %.0f instructions per request\n", s, n, t / n}'

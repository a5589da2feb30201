#!/usr/bin/env bash
# Instructions the server executes per request, counted exactly: the server runs under
# valgrind's callgrind (cache off, CPU backend) with counting switched on only while
# loadgen sends 15 s of one scenario at 4 connections (so start-up is not counted), and the
# total is divided by the answered requests. Slow (valgrind), but free of the machine's
# noise: what `thread-cpu.sh` cannot tell apart on two shared cores, this can. With
# CG3_CACHE_BYTES set (say 67108864) the result cache answers repeats (`cached:4`).
#
#   scripts/instr-count.sh target/release/renderer catgen:4    # CatGenerator's POST /render
#   scripts/instr-count.sh target/release/renderer varied:4    # GET /render.png
#   scripts/instr-count.sh target/release/renderer health:4    # the floor
#
# The profile stays in /tmp/instr-count.callgrind (callgrind_annotate reads it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: instr-count.sh BINARY [SCENARIO]}
scenario=${2:-varied:4}
port=${PORT:-18681}
out=/tmp/instr-count.callgrind
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 77; }
[ -x target/release/loadgen ] || cargo build --release --locked -p loadgen
rm -f "$out"*
CG3_CACHE_BYTES=${CG3_CACHE_BYTES:-0} CG3_PORT=$port CG3_BACKEND=cpu \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$bin" \
  >/tmp/instr-count.log 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 1; done
callgrind_control -i on "$pid" >/dev/null 2>&1
answered=$(target/release/loadgen --url "http://127.0.0.1:$port" --duration 15 --scenario "$scenario" 2>&1 |
  awk '$3 == "200" {print $4}')
callgrind_control -i off "$pid" >/dev/null 2>&1
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
total=$(grep -h '^totals:' "$out"* | awk '{s += $2} END {print s}')
awk -v t="$total" -v n="$answered" -v s="$scenario" \
  'BEGIN {printf "%s: %d answered; %.0f instructions per request\n", s, n, t / n}'

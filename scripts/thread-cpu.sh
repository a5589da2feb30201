#!/usr/bin/env bash
# Where a request's server CPU goes, by thread kind: one release server (result cache off),
# one 4 s loadgen run, and for each kind of thread (the render workers, tokio's async
# threads) its CPU (utime + stime from /proc/<pid>/task/*/stat) and its voluntary and
# involuntary context switches, each divided by the requests answered.
#
#   scripts/thread-cpu.sh target/release/renderer varied:64     # uncached cats
#   scripts/thread-cpu.sh target/release/renderer health:64     # the floor: /health
#
# Any CG3_* in the environment reaches the server (CG3_WORKER_COUNT=2 …).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: thread-cpu.sh BINARY [SCENARIO]}
scenario=${2:-varied:64}
port=${PORT:-18650}
[ -x target/release/loadgen ] || cargo build --release --locked -p loadgen
CG3_CACHE_BYTES=0 CG3_PORT=$port "$bin" >/tmp/thread-cpu.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 0.2; done
# "kind voluntary involuntary ticks" per kind of thread (the name without its -N suffix).
snapshot() {
  for t in /proc/$pid/task/*; do
    printf '%s %s %s %s\n' "$(cat "$t/comm")" \
      "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")" \
      "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status")" \
      "$(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{k = $1; sub(/-[0-9]+$/, "", k); v[k] += $2; i[k] += $3; c[k] += $4}
              END {for (k in v) print k, v[k], i[k], c[k]}' | sort
}
before=$(snapshot)
answered=$(target/release/loadgen --url "http://127.0.0.1:$port" --duration 4 --scenario "$scenario" 2>&1 |
  awk '$3 == "200" {print $4}')
after=$(snapshot)
hz=$(getconf CLK_TCK)
echo "$scenario: $answered answered in 4 s"
join <(echo "$before") <(echo "$after") | awk -v n="$answered" -v hz="$hz" '
  $7 > $4 {printf "  %-16s CPU %5.1f µs, switches %.3f voluntary, %.3f involuntary per request\n",
           $1, ($7 - $4) / hz * 1e6 / n, ($5 - $2) / n, ($6 - $3) / n}'

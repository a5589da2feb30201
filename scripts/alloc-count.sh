#!/usr/bin/env bash
# Heap allocations per request, counted exactly: the server runs under valgrind's DHAT
# (cache off, CPU backend), loadgen sends 15 s of one scenario at 4 connections, and every
# allocation site reached at least 0.3 times per answered request is summed (start-up's
# sites fall below that). Slow (valgrind), but free of the machine's noise.
#
#   scripts/alloc-count.sh target/release/renderer varied:4    # uncached cats
#   scripts/alloc-count.sh target/release/renderer health:4    # the floor
#
# The profile stays in /tmp/alloc-count.dhat (open it with valgrind's dh_view.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: alloc-count.sh BINARY [SCENARIO]}
scenario=${2:-varied:4}
port=${PORT:-18680}
out=/tmp/alloc-count.dhat
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 77; }
[ -x target/release/loadgen ] || cargo build --release --locked -p loadgen
rm -f "$out"
CG3_CACHE_BYTES=0 CG3_PORT=$port CG3_BACKEND=cpu \
  valgrind --tool=dhat --dhat-out-file="$out" "$bin" >/tmp/alloc-count.log 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 1; done
answered=$(target/release/loadgen --url "http://127.0.0.1:$port" --duration 15 --scenario "$scenario" 2>&1 |
  awk '$3 == "200" {print $4}')
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
python3 - "$out" "$answered" "$scenario" <<'PY'
import json, sys
profile, n, scenario = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
sites = [p for p in profile["pps"] if p["tbk"] >= 0.3 * n]
blocks = sum(p["tbk"] for p in sites) / n
size = sum(p["tb"] for p in sites) / n
print(f"{scenario}: {n} answered; {blocks:.1f} allocations, {size:.0f} bytes per request")
PY

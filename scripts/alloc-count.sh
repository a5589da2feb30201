#!/usr/bin/env bash
# Heap allocations per request, counted exactly: the server runs under valgrind's DHAT
# (cache off, CPU backend), one scenario is sent (loadgen for 15 s, or `layers`: see
# scripts/under-valgrind.sh), and every allocation site reached at least 0.3 times per
# answered request is summed (start-up's sites fall below that). Slow (valgrind), but free
# of the machine's noise.
#
#   scripts/alloc-count.sh target/release/renderer varied:4    # uncached cats
#   scripts/alloc-count.sh target/release/renderer health:4    # the floor
#
# The profile stays in /tmp/alloc-count.dhat (open it with valgrind's dh_view.html).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/under-valgrind.sh
bin=${1:?usage: alloc-count.sh BINARY [SCENARIO]}
scenario=${2:-varied:4}
port=${PORT:-18680}
out=/tmp/alloc-count.dhat
rm -f "$out"
start_under_valgrind "$bin" "$port" /tmp/alloc-count.log --tool=dhat --dhat-out-file="$out"
answered=$(drive "$port" "$scenario")
stop_under_valgrind
python3 - "$out" "$answered" "$scenario" <<'PY'
import json, sys
profile, n, scenario = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
sites = [p for p in profile["pps"] if p["tbk"] >= 0.3 * n]
blocks = sum(p["tbk"] for p in sites) / n
size = sum(p["tb"] for p in sites) / n
print(f"{scenario}: {n} answered; {blocks:.1f} allocations, {size:.0f} bytes per request")
PY

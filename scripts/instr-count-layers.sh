#!/usr/bin/env bash
# Instructions per layer-inspector request, counted exactly: like `instr-count.sh`, but the
# requests are CatGenerator's layer inspector's (`POST /render` with `collectLayers` and
# `includeLayerImages`: about 13 stage images as data URLs in a 33 KB answer), 100 of them
# on one keep-alive connection, which the load generator has no scenario for. Cache off,
# CPU backend, counting on only around the requests.
#
#   scripts/instr-count-layers.sh target/release/renderer
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: instr-count-layers.sh BINARY}
port=${PORT:-18695}
out=/tmp/instr-count-layers.callgrind
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 77; }
rm -f "$out"*
CG3_CACHE_BYTES=0 CG3_PORT=$port CG3_BACKEND=cpu \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$bin" \
  >/tmp/instr-count-layers.log 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 1; done
callgrind_control -i on "$pid" >/dev/null 2>&1
answered=$(python3 - "$port" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
ok = 0
for i in range(100):
    params = {"peltName": "Tabby", "colour": "GINGER", "eyeColour": "BLUE", "shading": True,
              "whitePatches": "LITTLE" if i % 2 else None}
    body = json.dumps({"payload": {"spriteNumber": i % 21, "params": params},
                       "options": {"collectLayers": True, "includeLayerImages": True}})
    c.request("POST", "/render", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    ok += r.status == 200
print(ok)
PY
)
callgrind_control -i off "$pid" >/dev/null 2>&1
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
total=$(grep -h '^totals:' "$out"* | awk '{s += $2} END {print s}')
awk -v t="$total" -v n="$answered" \
  'BEGIN {printf "layers: %d answered; %.0f instructions per request\n", n, t / n}'

#!/usr/bin/env bash
# Soak test: mixed traffic (scripts/soak/soak.js: cats, /render.png, batches, chunks, texture
# fetches, bad requests, health) for SECONDS against a throwaway server whose caches are
# small enough to fill during the warm-up; resident memory, peak, threads and open file
# descriptors sampled every INTERVAL seconds; then scripts/soak/judge.py checks that both are
# flat after the warm-up and that no descriptor outlives the load.
#
#   scripts/soak.sh                 2 minutes at a quarter of the rate, the debug build (CI)
#   BIN=target/release/renderer RATE_SCALE=1 INTERVAL=10 scripts/soak.sh 1800 docs/soak.png
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
plot=${2:-}
INTERVAL=${INTERVAL:-5}
BIN=${BIN:-target/debug/renderer}
[ -x "$BIN" ] || cargo build --locked -p renderer --all-features
# Budgets that fill within the warm-up (the first quarter), so later growth would be a leak,
# not a cache: 1 MiB each for a short run, 8 MiB of cats and 16 MiB of textures for 30 min.
mib=$(( seconds >= 900 ? 8 : 1 ))
export CG3_CACHE_BYTES=${CG3_CACHE_BYTES:-$((mib << 20))}
export CG3_TEXTURE_CACHE_BYTES=${CG3_TEXTURE_CACHE_BYTES:-$((2 * mib << 20))}
export CG3_TEXTURE_RECIPE_BYTES=${CG3_TEXTURE_RECIPE_BYTES:-$((mib << 19))}
# shellcheck source=scripts/local-server.sh
. scripts/local-server.sh
start_local_server "$BIN"
csv=/tmp/cg3-soak-samples.csv
python3 scripts/soak/sample.py --pid "$server" --port "$port" --interval "$INTERVAL" --out "$csv" &
sampler=$!
sleep "$INTERVAL"
start=$(date +%s.%N)
k6 run -q -e BASE_URL="http://127.0.0.1:$port" -e DURATION="${seconds}s" \
  -e RATE_SCALE="${RATE_SCALE:-0.25}" scripts/soak/soak.js
end=$(date +%s.%N)
sleep $((INTERVAL * 3))
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
cp "$csv" "/tmp/cg3-soak-${seconds}s.csv"
python3 scripts/soak/judge.py "$csv" --load-start "$start" --load-end "$end" \
  ${plot:+--plot "$plot"} --title "soak ${seconds} s, RATE_SCALE=${RATE_SCALE:-0.25}, $(basename "$BIN")"

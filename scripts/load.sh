#!/usr/bin/env bash
# Load test of the renderer on loopback: cached, uncached and 4× overload.
# Bounded: each phase runs DURATION seconds (default 10) with fixed connection counts.
# Needs `wrk` (apt-get install wrk); falls back to `oha` (cargo install oha) for the
# cached/uncached phases if wrk is missing.
# Usage: scripts/load.sh            (builds release, starts its own servers on 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
PORT=${PORT:-18001}
OVER_PORT=$((PORT + 1))
BIN=target/release/renderer
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p renderer --bin renderer >&2

start() { # port, extra env...
  local port=$1; shift
  env "$@" RUST_LOG=warn CG3_PORT="$port" CG3_HOST=127.0.0.1 "$BIN" serve >"$WORK/server-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && return 0; sleep 0.1; done
  echo "server on $port did not become ready" >&2; cat "$WORK/server-$port.log" >&2; exit 1
}
peak_rss() { awk '/VmHWM/ {print $2 " kB"}' "/proc/$1/status"; }

# Rotates over many different cats: pose × colour × pelt × shading (21*19*6*2 = 4788 URLs).
cat >"$WORK/varied.lua" <<'LUA'
local colours = {"WHITE","PALEGREY","SILVER","GREY","DARKGREY","GHOST","BLACK","CREAM","PALEGINGER","GOLDEN","GINGER","DARKGINGER","SIENNA","LIGHTBROWN","LILAC","BROWN","GOLDEN-BROWN","DARKBROWN","CHOCOLATE"}
local pelts = {"Tabby","SingleColour","Marbled","Speckled","Mackerel","Classic"}
local n = 0
request = function()
  n = n + 1
  local i = n
  local pose = i % 21; i = math.floor(i / 21)
  local c = colours[(i % #colours) + 1]; i = math.floor(i / #colours)
  local p = pelts[(i % #pelts) + 1]; i = math.floor(i / #pelts)
  local shading = (i % 2 == 0) and "true" or "false"
  return wrk.format("GET", "/render.png?peltName=" .. p .. "&colour=" .. c .. "&spriteNumber=" .. pose .. "&shading=" .. shading)
end
LUA
# Counts statuses and prints latency percentiles per status class.
cat >"$WORK/report.lua" <<'LUA'
local threads = {}
setup = function(t) table.insert(threads, t) end
init = function() ok = 0; r503 = 0; other = 0 end
response = function(status)
  if status == 200 then ok = ok + 1 elseif status == 503 then r503 = r503 + 1 else other = other + 1 end
end
done = function(summary, latency)
  local o, s, x = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); s = s + t:get("r503"); x = x + t:get("other") end
  local secs = summary.duration / 1e6
  io.write(string.format("  200: %d (%.0f/s)  503: %d (%.0f/s, %.1f%%)  other: %d\n", o, o / secs, s, s / secs, 100 * s / math.max(1, o + s + x), x))
  io.write(string.format("  latency p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
cat "$WORK/varied.lua" "$WORK/report.lua" >"$WORK/varied-report.lua"

echo "== renderer load test ($(nproc) cores, ${DURATION}s per phase, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'))"
start "$PORT"
SPID=${PIDS[-1]}
CAT="http://127.0.0.1:$PORT/render.png?peltName=Tabby&colour=GINGER&spriteNumber=8&shading=true"

echo "-- cached: same cat, 2 threads × 64 connections"
wrk -t2 -c64 -d"${DURATION}s" -s "$WORK/report.lua" "$CAT" | grep -E 'Requests/sec|200:|latency'

echo "-- uncached: 4788 varied cats rotating (cache 0 bytes: every request renders)"
kill "$SPID"; wait "$SPID" 2>/dev/null || true
start "$PORT" CG3_CACHE_BYTES=0
SPID=${PIDS[-1]}
wrk -t2 -c64 -d"${DURATION}s" -s "$WORK/varied-report.lua" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|200:|latency'
echo "   peak RSS: $(peak_rss "$SPID")"

echo "-- overload: queue 8, 1 worker, cache off, 4× the connections the queue holds (32) + /health probe"
start "$OVER_PORT" CG3_CACHE_BYTES=0 CG3_MAX_QUEUE_SIZE=8 CG3_WORKER_COUNT=1
OPID=${PIDS[-1]}
wrk -t1 -c32 -d"${DURATION}s" -s "$WORK/varied-report.lua" "http://127.0.0.1:$OVER_PORT" >"$WORK/over.txt" &
WRK=$!
sleep 1
wrk -t1 -c1 -d"$((DURATION - 2))s" --latency "http://127.0.0.1:$OVER_PORT/health" >"$WORK/health.txt"
wait "$WRK"
grep -E 'Requests/sec|200:|latency' "$WORK/over.txt"
echo "   /health under overload: $(grep -E '^ +99%' "$WORK/health.txt" | awk '{print "p99 " $2}'), $(grep Requests/sec "$WORK/health.txt" | awk '{print $2 " req/s"}')"
echo "   peak RSS: $(peak_rss "$OPID")"
echo "   server counters: $(curl -s "http://127.0.0.1:$OVER_PORT/health")"

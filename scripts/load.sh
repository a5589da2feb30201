#!/usr/bin/env bash
# Load test of the renderer on loopback with `loadgen` (scripts/loadgen): closed-loop
# keep-alive HTTP/1 connections, latency per status class (200s and 503s apart).
#
# Phases (each WARMUP s unmeasured, then DURATION s measured; fixed connection counts):
#   cached    the same cat, 64 connections
#   uncached  4,788 different cats rotating, result cache off, 64 connections
#   chunk     POST /render/chunk, a different 512² chunk each request (16×16 tiles of 32 px,
#             two layers, 20 entities), CG3_BACKEND=cpu, CHUNK_CONNS connections;
#             with CG3_LOAD_GPU=1 also CG3_BACKEND=auto CG3_GPU_CHUNK_MIN_PIXELS=0
#   capacity  queue 8, 1 worker, cache off, CAP_CONNS connections (enough to keep the
#             worker busy, too few to fill the queue: no 503s expected)
#   overload  the same server, 32 connections (4× what the queue holds) + a /health probe;
#             prints renders/s at overload ÷ renders/s at capacity and the p99 of 503s and
#             of 200s separately
#
# Usage: scripts/load.sh                      builds release renderer + loadgen, runs all
#        DURATION=8 scripts/load.sh           seconds per phase (default 10)
#        SKIP_BUILD=1 scripts/load.sh         use target/release as it is
#        BIN_DIR=/path scripts/load.sh        prebuilt `renderer` and `loadgen` there; no
#                                             cargo needed (run from a repo checkout: the
#                                             server loads ./sprites and ./data)
#        CG3_LOAD_GPU=1 scripts/load.sh       adds the GPU chunk phase (needs an adapter)
#        JSON_DIR=/path scripts/load.sh       keeps each phase's loadgen JSON there
# Other knobs: PORT (18001; the 1-worker server uses PORT+1), WARMUP (1), CHUNK_CONNS (4),
# CHUNK_TILES (16), CAP_CONNS (4), LOADGEN_THREADS (default: cores, at most 4).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
PORT=${PORT:-18001}
OVER_PORT=$((PORT + 1))
CHUNK_CONNS=${CHUNK_CONNS:-4}
CHUNK_TILES=${CHUNK_TILES:-16}
CAP_CONNS=${CAP_CONNS:-4}
if [ -n "${BIN_DIR:-}" ]; then
  SKIP_BUILD=1
else
  BIN_DIR=target/release
fi
BIN="$BIN_DIR/renderer"
LOADGEN="$BIN_DIR/loadgen"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p loadgen -p renderer >&2
for b in "$BIN" "$LOADGEN"; do
  [ -x "$b" ] || { echo "missing $b (build it, or set BIN_DIR to a folder holding renderer and loadgen)" >&2; exit 1; }
done

start() { # port, extra env...
  local port=$1; shift
  env "$@" RUST_LOG=warn CG3_PORT="$port" CG3_HOST=127.0.0.1 "$BIN" serve >"$WORK/server-$port.log" 2>&1 &
  PIDS+=($!)
  SPID=$!
  if ! "$LOADGEN" get "http://127.0.0.1:$port/ready" --wait 60 >/dev/null; then
    echo "server on $port did not become ready" >&2; cat "$WORK/server-$port.log" >&2; exit 1
  fi
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
peak_rss() { awk '/VmHWM/ {printf "%.0f MB\n", $2 / 1024}' "/proc/$1/status"; }
THREADS=()
[ -z "${LOADGEN_THREADS:-}" ] || THREADS=(--threads "$LOADGEN_THREADS")
phase() { # name, port, loadgen args... → prints the table, keeps it in $WORK/name.txt
  local name=$1 port=$2; shift 2
  "$LOADGEN" --url "http://127.0.0.1:$port" --duration "$DURATION" --warmup "$WARMUP" \
    "${THREADS[@]}" --json "$WORK/$name.json" "$@" | tee "$WORK/$name.txt" | sed 's/^/   /'
  [ -z "${JSON_DIR:-}" ] || { mkdir -p "$JSON_DIR"; cp "$WORK/$name.json" "$JSON_DIR/"; }
}
col() { # phase, scenario, class, column (count rate p50 p90 p99 max)
  local i
  case $4 in count) i=4 ;; rate) i=5 ;; p50) i=6 ;; p90) i=7 ;; p99) i=8 ;; max) i=9 ;; esac
  awk -v s="$2" -v c="$3" -v i="$i" '$1 == s && $3 == c {print $i}' "$WORK/$1.txt"
}

echo "== renderer load test ($(nproc) cores, ${WARMUP}s warm-up + ${DURATION}s per phase, loadgen)"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "-- cached: same cat, 64 connections"
start "$PORT"
phase cached "$PORT" --scenario cached:64
stop "$SPID"

echo "-- uncached: 4,788 varied cats rotating, result cache off (every request renders), 64 connections"
start "$PORT" CG3_CACHE_BYTES=0
phase uncached "$PORT" --scenario varied:64
echo "   peak RSS: $(peak_rss "$SPID")"
stop "$SPID"

CHUNK_PX=$((CHUNK_TILES * 32))
echo "-- chunk, CPU: ${CHUNK_PX}² (${CHUNK_TILES}×${CHUNK_TILES} tiles of 32 px, 2 layers, ~20 entities per 512²), every chunk distinct, CG3_BACKEND=cpu, $CHUNK_CONNS connections"
start "$PORT" CG3_BACKEND=cpu
phase chunk-cpu "$PORT" --scenario "chunk:$CHUNK_CONNS" --tiles "$CHUNK_TILES"
echo "   peak RSS: $(peak_rss "$SPID")"
stop "$SPID"

if [ "${CG3_LOAD_GPU:-0}" = 1 ]; then
  echo "-- chunk, GPU: the same, CG3_BACKEND=auto CG3_GPU_CHUNK_MIN_PIXELS=0 (every worker composes every chunk on the device)"
  start "$PORT" CG3_BACKEND=auto CG3_GPU_CHUNK_MIN_PIXELS=0
  phase chunk-gpu "$PORT" --scenario "chunk:$CHUNK_CONNS" --tiles "$CHUNK_TILES"
  echo "   peak RSS: $(peak_rss "$SPID")"
  stop "$SPID"
fi

echo "-- capacity: queue 8, 1 worker, cache off, varied cats, $CAP_CONNS connections"
start "$OVER_PORT" CG3_CACHE_BYTES=0 CG3_MAX_QUEUE_SIZE=8 CG3_WORKER_COUNT=1
phase capacity "$OVER_PORT" --scenario "varied:$CAP_CONNS"
cap_503=$(col capacity varied 503 count)
[ "$cap_503" = 0 ] || echo "   WARNING: $cap_503 503s at capacity: lower CAP_CONNS"

echo "-- 4× overload: the same server, 32 connections (the queue holds 8) + 1 on /health"
phase overload "$OVER_PORT" --scenario varied:32 --scenario health:1
cap=$(col capacity varied 200 rate)
over=$(col overload varied 200 rate)
awk -v o="$over" -v c="$cap" 'BEGIN {
  printf "   renders/s at overload ÷ at capacity: %.0f / %.0f = %.0f%% (DESIGN: ≥ 80%%)\n", o, c, (c > 0 ? 100 * o / c : 0) }'
echo "   p99 of 503s $(col overload varied 503 p99) ms (DESIGN: rejections < 5 ms), of 200s $(col overload varied 200 p99) ms; /health p99 $(col overload health 200 p99) ms"
echo "   peak RSS: $(peak_rss "$SPID")"
"$LOADGEN" get "http://127.0.0.1:$OVER_PORT/health" >"$WORK/health.json" || true
echo "   server counters: $(head -c 800 "$WORK/health.json")"
stop "$SPID"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

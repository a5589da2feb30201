#!/usr/bin/env bash
# Chunk throughput by canvas size, through HTTP: for each backend setting, one server on
# loopback and one `loadgen` run per size (256², 512², 1024², 2048²), every chunk distinct.
# Bounded: DURATION (5) s measured + 1 s warm-up per size.
#
# Usage: scripts/chunk-sweep.sh                  CPU backend only (builds release binaries)
#        CG3_LOAD_GPU=1 scripts/chunk-sweep.sh   also auto with every chunk on the GPU, and
#                                                auto with the default threshold
#        BIN_DIR=/path, SKIP_BUILD=1, CONNS (4), TILES ("8 16 32 64"), PORT (19001)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNS=${CONNS:-4}
TILES=${TILES:-8 16 32 64}
PORT=${PORT:-19001}
if [ -z "${BIN_DIR:-}" ]; then
  BIN_DIR=target/release
  [ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p renderer -p loadgen >&2
fi
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT

sweep() { # label, server env...
  local label=$1; shift
  env "$@" RUST_LOG=warn CG3_PORT="$PORT" CG3_HOST=127.0.0.1 "$BIN_DIR/renderer" serve \
    >"/tmp/chunk-sweep-$PORT.log" 2>&1 &
  PID=$!
  "$BIN_DIR/loadgen" get --wait 30 "http://127.0.0.1:$PORT/ready" >/dev/null
  for t in $TILES; do
    echo "== $label: $((t * 32))² ($t×$t tiles), $CONNS connections"
    "$BIN_DIR/loadgen" --url "http://127.0.0.1:$PORT" --scenario "chunk:$CONNS" --tiles "$t" \
      --duration "$DURATION" --warmup 1 | grep -E "^chunk +[0-9]+ +200|renderMs"
  done
  "$BIN_DIR/loadgen" get "http://127.0.0.1:$PORT/metrics" | grep -E "^renderer_gpu_(chunks|failures)_total" || true
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}

sweep "cpu" CG3_BACKEND=cpu
if [ "${CG3_LOAD_GPU:-0}" = 1 ]; then
  sweep "auto, every chunk on the GPU" CG3_BACKEND=auto CG3_GPU_CHUNK_MIN_PIXELS=0
  sweep "auto, default threshold" CG3_BACKEND=auto
fi

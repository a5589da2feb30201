#!/usr/bin/env bash
# Issue 11's overload measurement, both setups, one line each (loadgen, closed-loop
# zero-backoff keep-alive connections, on the same machine as the server):
#
#   small    one worker, queue 4, cache off: capacity at 4 connections, then 256 connections
#            plus one /health probe
#   default  the default config, cache off: capacity at 64 connections, then 1,024 plus one
#            /health probe
#
# Each line: capacity renders/s, renders/s under overload and their ratio (target ≥ 0.8),
# 503s/s and their p99 (target < 5 ms), /health p99 (target < 10 ms), transport errors, and
# how many lines the server logged (at the default RUST_LOG).
#
# Usage: scripts/overload.sh                         builds release renderer + loadgen
#        SKIP_BUILD=1 scripts/overload.sh            uses target/release as it is
#        BIN=/tmp/renderer-old scripts/overload.sh   another server binary (A/B)
#        BIN_DIR=/path scripts/overload.sh           prebuilt `renderer` and `loadgen` there
#                                                    (no cargo; run from a checkout)
#        CG3_SHED_DELAY_MS=0 scripts/overload.sh     any CG3_* setting passes through
#        LOADGEN_NICE=19 scripts/overload.sh         the load generator takes only the CPU
#                                                    the server leaves
#        SERVER_CPUS=0 LOADGEN_CPUS=1 scripts/overload.sh
#                                                    each pinned to its own cores (taskset
#                                                    lists): the server on one core here
# Knobs: DURATION (8 s per run), PORT (18701), SETUPS ("small default"), LOADGEN_NICE (0),
# SERVER_CPUS and LOADGEN_CPUS (unset: anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-8}
PORT=${PORT:-18701}
SETUPS=${SETUPS:-small default}
if [ -n "${BIN_DIR:-}" ]; then SKIP_BUILD=1; fi
BIN_DIR=${BIN_DIR:-target/release}
BIN=${BIN:-$BIN_DIR/renderer}
LOADGEN=(nice -n "${LOADGEN_NICE:-0}" ${LOADGEN_CPUS:+taskset -c "$LOADGEN_CPUS"} "$BIN_DIR/loadgen")
SERVER=(${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$BIN")
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release --locked -p renderer -p loadgen
fi
log=/tmp/cg3-overload-server.log

run() { # setup capacity-conns overload-conns env...
  local name=$1 cap=$2 over=$3
  shift 3
  env "$@" CG3_CACHE_BYTES=0 CG3_PORT="$PORT" "${SERVER[@]}" >"$log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do "$BIN" probe --port "$PORT" --path /ready >/dev/null 2>&1 && break; sleep 0.1; done
  local url=http://127.0.0.1:$PORT
  "${LOADGEN[@]}" --url "$url" --duration "$DURATION" --scenario "varied:$cap" >/tmp/cg3-overload-cap.txt
  "${LOADGEN[@]}" --url "$url" --duration "$DURATION" --scenario "varied:$over" --scenario health:1 \
    >/tmp/cg3-overload-over.txt
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  awk -v name="$name" -v over="$over" -v lines="$(wc -l <"$log")" '
    FNR == 1 { file++ }
    file == 1 && $1 == "varied" && $3 == "200" { cap = $5 }
    file == 2 && $1 == "varied" && $3 == "200" { ok = $5 }
    file == 2 && $1 == "varied" && $3 == "503" { shed = $5; shed99 = $8 }
    file == 2 && $1 == "health" && $3 == "200" { health99 = $8 }
    file == 2 && $3 == "errors" { errors += $4 }
    END {
      printf "%-8s %5d conns: capacity %.0f/s, renders %.0f/s = %.2fx, 503s %.0f/s p99 %s ms, /health p99 %s ms, transport errors %d, log lines %d\n",
        name, over, cap, ok, (cap > 0 ? ok / cap : 0), shed, shed99, health99, errors, lines
    }' /tmp/cg3-overload-cap.txt /tmp/cg3-overload-over.txt
}

for setup in $SETUPS; do
  case $setup in
    small) run small 4 256 CG3_WORKER_COUNT=1 CG3_MAX_QUEUE_SIZE=4 ;;
    default) run default 64 1024 ;;
    *) echo "unknown setup $setup (small, default)" >&2; exit 2 ;;
  esac
done

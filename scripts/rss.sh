#!/usr/bin/env bash
# Resident memory under varied cats: issue 11's memory target as a load script. Starts the
# release server (default config, `auto` backend), reads its RSS after start, drives
# DURATION seconds of varied uncached-then-cached cats at 64 connections in two halves, and
# reads RSS after each half and the peak (VmHWM) from /metrics. Fails when the peak exceeds
# 100 MB plus the configured cache budgets, or when RSS grew by more than 5 % from the first
# half to the second (not flat after warm-up).
#
# Runs over the bundled art, then over CatGenerator's real atlases when
# CG3_REAL_SPRITE_ROOT and CG3_REAL_DATA_ROOT name them (SKIPPED otherwise).
#
# Usage: scripts/rss.sh                 builds release renderer + loadgen first
#        SKIP_BUILD=1 DURATION=30 PORT=18660 scripts/rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30}
PORT=${PORT:-18660}
CACHE_BYTES=${CG3_CACHE_BYTES:-67108864}
TEXTURE_BYTES=${CG3_TEXTURE_CACHE_BYTES:-268435456}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -p loadgen -p renderer >&2
BIN=target/release/renderer
LOADGEN=target/release/loadgen
WORK=$(mktemp -d)
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

metric() { curl -s "localhost:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

measure() { # label, env...
  local label=$1; shift
  env "$@" RUST_LOG=warn CG3_PORT="$PORT" CG3_HOST=127.0.0.1 CG3_CACHE_BYTES="$CACHE_BYTES" \
    CG3_TEXTURE_CACHE_BYTES="$TEXTURE_BYTES" "$BIN" serve >"$WORK/server.log" 2>&1 &
  SPID=$!
  for _ in $(seq 100); do curl -sf "localhost:$PORT/ready" >/dev/null && break; sleep 0.2; done
  curl -sf "localhost:$PORT/ready" >/dev/null || { cat "$WORK/server.log"; exit 1; }
  local start half end peak store limit
  start=$(metric renderer_process_resident_bytes)
  store=$(metric renderer_atlas_store_bytes)
  "$LOADGEN" --url "http://127.0.0.1:$PORT" --duration $((DURATION / 2)) --scenario varied:64 >"$WORK/half1.txt" 2>&1
  half=$(metric renderer_process_resident_bytes)
  "$LOADGEN" --url "http://127.0.0.1:$PORT" --duration $((DURATION / 2)) --scenario varied:64 >"$WORK/half2.txt" 2>&1
  end=$(metric renderer_process_resident_bytes)
  peak=$(metric renderer_process_peak_resident_bytes)
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
  limit=$((100000000 + CACHE_BYTES + TEXTURE_BYTES))
  echo "$label: atlas store $(mb "$store") MB; RSS after start $(mb "$start") MB, after $((DURATION / 2)) s $(mb "$half") MB, after $DURATION s $(mb "$end") MB; peak $(mb "$peak") MB (limit $(mb "$limit") MB)"
  awk '$2 == "64" && $3 == "200" {print "  renders: " $4 " answered 200, " $5 " per s"}' "$WORK/half2.txt"
  if [ "$peak" -gt "$limit" ]; then echo "FAIL: $label: peak above 100 MB + the cache budgets"; return 1; fi
  if [ "$end" -gt $((half + half / 20)) ]; then echo "FAIL: $label: RSS still growing after warm-up"; return 1; fi
}

measure bundled
if [ -n "${CG3_REAL_SPRITE_ROOT:-}" ] && [ -n "${CG3_REAL_DATA_ROOT:-}" ]; then
  measure real CG3_SPRITE_ROOT="$CG3_REAL_SPRITE_ROOT" CG3_DATA_ROOT="$CG3_REAL_DATA_ROOT"
else
  echo "SKIPPED: real atlases (set CG3_REAL_SPRITE_ROOT and CG3_REAL_DATA_ROOT to measure them)"
fi

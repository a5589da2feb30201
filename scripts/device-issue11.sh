#!/usr/bin/env bash
# Issue 11's figures on a machine with more cores (and a GPU, when it has one), from
# prebuilt binaries: no cargo there. Make them here with scripts/device-bins.sh, carry
# target/devbins, then run this from the repository root over there. About 3 minutes:
#
#   1. overload with the server on two cores (SERVER_CPUS, default 0-1) and the load
#      generator on all the others: the 2-core server with a load machine of its own, so
#      the 503 p99 and the renders' share are the server's, not the shared cores'
#   2. overload on every core, CPU backend and `auto` (the GPU when there is one)
#   3. uncached /render.png and POST /render against /health on every core, with the
#      server's CPU per request and its peak RSS
#   4. 2048² chunks through HTTP one at a time (`renderMs`: the 15 ms target on 16 cores),
#      CPU and GPU
#
#   BIN_DIR=target/devbins scripts/device-issue11.sh
#
# Knobs: BIN_DIR (target/devbins), SERVER_CPUS (0-1), DURATION (5 s per overload run).
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN_DIR=${BIN_DIR:-target/devbins}
DURATION=${DURATION:-5}
SERVER_CPUS=${SERVER_CPUS:-0-1}
cores=$(nproc)
[ -x "$BIN_DIR/renderer" ] && [ -x "$BIN_DIR/loadgen" ] || {
  echo "no renderer/loadgen in $BIN_DIR (scripts/device-bins.sh makes them)" >&2
  exit 2
}
# The Vulkan loader, unpacked from the .deb device-bins.sh carried, where the system has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  for deb in "$BIN_DIR"/libvulkan1_*.deb; do
    [ -e "$deb" ] || continue
    dpkg -x "$deb" /tmp/cg3-vulkan
    export LD_LIBRARY_PATH=/tmp/cg3-vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  done
fi
echo "== machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
command -v nvidia-smi >/dev/null && nvidia-smi -L || true
"$BIN_DIR/renderer" gpu-probe 2>&1 | tail -1 || true

echo "== 1. overload, the server on cores $SERVER_CPUS, the load generator on the rest"
last=$((cores - 1))
first_free=$((${SERVER_CPUS##*-} + 1))
if [ "$first_free" -le "$last" ]; then
  for round in 1 2; do
    echo "-- round $round"
    CG3_BACKEND=cpu SERVER_CPUS=$SERVER_CPUS LOADGEN_CPUS=$first_free-$last \
      DURATION=$DURATION scripts/overload.sh
  done
else
  echo "SKIPPED: $cores cores leave none for the load generator"
fi

echo "== 2. overload on every core"
for backend in cpu auto; do
  echo "-- CG3_BACKEND=$backend"
  CG3_BACKEND=$backend DURATION=$DURATION scripts/overload.sh
done

echo "== 3. uncached renders against /health, every core, result cache off"
port=18941
for backend in cpu auto; do
  CG3_BACKEND=$backend CG3_CACHE_BYTES=0 CG3_PORT=$port RUST_LOG=warn "$BIN_DIR/renderer" \
    >/tmp/cg3-device-uncached.log 2>&1 &
  pid=$!
  "$BIN_DIR/loadgen" get --wait 30 "http://127.0.0.1:$port/ready" >/dev/null
  hz=$(getconf CLK_TCK)
  line="-- CG3_BACKEND=$backend:"
  for scenario in health:64 varied:64 catgen:64; do
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$("$BIN_DIR/loadgen" --url "http://127.0.0.1:$port" --duration 4 --warmup 1 \
      --scenario "$scenario" | awk '$3 == "200" {print $4, $5}')
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    line+=$(awk -v s="${scenario%%:*}" -v o="$out" -v d="$((t1 - t0))" -v hz="$hz" \
      'BEGIN {split(o, a, " "); printf " %s %s/s (%.1f µs server CPU each)", s, a[2], d / hz * 1e6 / a[1]}')
  done
  peak=$("$BIN_DIR/loadgen" get "http://127.0.0.1:$port/metrics" |
    awk '/^renderer_process_peak_resident_bytes/ {printf "%.1f", $2 / 1048576}')
  echo "$line, peak RSS $peak MiB"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done

echo "== 4. 2048² chunks through HTTP, one at a time (renderMs: request to stored PNG)"
CONNS=1 TILES=64 DURATION=5 CG3_LOAD_GPU=1 scripts/chunk-sweep.sh

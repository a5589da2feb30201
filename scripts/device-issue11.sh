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
for backend in cpu auto; do
  echo "-- CG3_BACKEND=$backend"
  CG3_BACKEND=$backend ROUNDS=1 scripts/ab-uncached.sh "$BIN_DIR/renderer"
done

echo "== 4. 2048² chunks through HTTP, one at a time (renderMs: request to stored PNG)"
CONNS=1 TILES=64 DURATION=5 CG3_LOAD_GPU=1 scripts/chunk-sweep.sh

#!/usr/bin/env bash
# Memory and rate of CatGenerator's own Python renderer (the service cg3 replaces) against
# cg3, on this machine, under the same load: each server alone on CatGenerator's real sprite
# folder, 2 × 15 s of loadgen's `catgen:64` (the 4,788 cats posted as CatGenerator's frontend
# posts them); RSS after start, after each half and the peak; renders/s per half.
#
#   CATGENERATOR=/tmp/beastypage scripts/catgen/versus_python_load.sh peer   # uvicorn, its defaults
#   CATGENERATOR=/tmp/beastypage scripts/catgen/versus_python_load.sh ours   # cg3, default config
#   CG3_CACHE_BYTES=0 CATGENERATOR=… scripts/catgen/versus_python_load.sh ours   # uncached
#
# The peer needs its own Python dependencies (fastapi, uvicorn, pydantic-settings, numpy,
# Pillow, pygame-ce); its PNG disk cache goes to $XDG_CACHE_HOME (default here: /tmp/peer-cache).
set -euo pipefail
cd "$(dirname "$0")/../.."
service=${CATGENERATOR:?set CATGENERATOR to a checkout of beastyrabbit/beastypage}/backend/renderer_service
port=${PORT:-18798}
[ -x target/release/loadgen ] || cargo build --release --locked -p loadgen -p renderer
case ${1:?usage: versus_python_load.sh peer|ours} in
  peer)
    (cd "$service" && CG3_SPRITE_ROOT="$service/sprites" XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/peer-cache} \
      exec uvicorn renderer_service.app.main:app --host 127.0.0.1 --port "$port" --log-level warning) \
      >/tmp/versus-python-server.log 2>&1 &
    ;;
  ours)
    CG3_SPRITE_ROOT="$service/sprites" CG3_DATA_ROOT="$service/renderer_service/data" CG3_PORT=$port \
      target/release/renderer >/tmp/versus-python-server.log 2>&1 &
    ;;
  *) echo "peer or ours" >&2; exit 2 ;;
esac
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.1; done
sleep 1
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
start=$(rss)
rates=()
for half in 1 2; do
  rates+=("$(target/release/loadgen --url "http://127.0.0.1:$port" --duration 15 --scenario catgen:64 2>&1 |
    awk '$1 == "catgen" && $3 == "200" {print $5 "/s (p99 " $8 " ms)"}')")
  after[$half]=$(rss)
done
peak=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
echo "$1: RSS after start $start MiB, after 15 s ${after[1]}, after 30 s ${after[2]}, peak $peak MiB; renders ${rates[0]} then ${rates[1]}"

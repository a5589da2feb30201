#!/usr/bin/env bash
# A/B of release binaries on this machine: each is started in turn with the result cache off,
# then loadgen runs 4 s of /health, 4 s of uncached /render.png cats and 4 s of uncached
# cats as CatGenerator asks for them (POST /render, JSON answer; 64 connections each);
# rounds are interleaved so the machine's drift hits every binary alike. Prints one line
# per binary and round; compare medians. Besides the rates, each run's server CPU per
# answered request (utime + stime from /proc, in µs): the server's own cost, which the load
# generator's share of the two cores does not move.
#
#   cp target/release/renderer /tmp/renderer-new     # and an older build as /tmp/renderer-old
#   ROUNDS=4 scripts/ab-uncached.sh old new
#   ROUNDS=1 BIN_DIR=target/devbins scripts/ab-uncached.sh target/devbins/renderer
#
# An argument with a `/` is a binary's path, any other names /tmp/renderer-NAME. BIN_DIR
# holds a prebuilt `loadgen` (no cargo needed). Any CG3_* in the environment reaches the
# server (CG3_BACKEND=auto …).
set -euo pipefail
cd "$(dirname "$0")/.."
loadgen=${BIN_DIR:-target/release}/loadgen
[ -x "$loadgen" ] || cargo build --release --locked -p loadgen
port=${PORT:-18632}
for round in $(seq "${ROUNDS:-4}"); do
  for which in "$@"; do
    case $which in */*) bin=$which ;; *) bin=/tmp/renderer-$which ;; esac
    CG3_CACHE_BYTES=0 CG3_PORT=$port "$bin" >"/tmp/ab-${which##*/}.log" 2>&1 &
    pid=$!
    "$loadgen" get --wait 30 "http://127.0.0.1:$port/ready" >/dev/null
    ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
    hz=$(getconf CLK_TCK)
    # "rate/s µs-per-request" of one 4 s run.
    rate() {
      local t0 t1 out
      t0=$(ticks)
      out=$("$loadgen" --url "http://127.0.0.1:$port" --duration 4 --scenario "$1" 2>&1 | awk '$3=="200" {print $4, $5}')
      t1=$(ticks)
      awk -v o="$out" -v d="$((t1 - t0))" -v hz="$hz" 'BEGIN {split(o, a, " "); printf "%s/s %.1f µs", a[2], d / hz * 1e6 / a[1]}'
    }
    h=$(rate health:64)
    v=$(rate varied:64)
    c=$(rate catgen:64)
    rss=$("$loadgen" get "http://127.0.0.1:$port/metrics" | awk '/^renderer_process_peak_resident_bytes/ {print $2/1048576}')
    echo "$which round $round: health $h, uncached $v, catgen $c, peak RSS ${rss} MiB"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done

#!/usr/bin/env bash
# The k6 smoke run CI makes: scripts/render-load-test.js, PROFILE=smoke (15 s, thresholds
# enforced), against a throwaway server on loopback.
#   scripts/k6-smoke.sh                       the debug build
#   BIN=target/release/renderer scripts/k6-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/renderer}
[ -x "$BIN" ] || cargo build --locked -p renderer --all-features
# shellcheck source=scripts/local-server.sh
. scripts/local-server.sh
start_local_server "$BIN"
k6 run -q -e BASE_URL="http://127.0.0.1:$port" -e PROFILE=smoke scripts/render-load-test.js

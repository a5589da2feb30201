#!/usr/bin/env bash
# The three-replica cluster test (scripts/cluster/cluster_test.py): Redis, three renderers
# and nginx running deploy/nginx.conf, all on loopback. Installs redis-server and nginx from
# Debian when missing; builds the renderer unless BIN names one.
#   scripts/cluster-test.sh                 debug build (what CI runs)
#   BIN=target/release/renderer scripts/cluster-test.sh
#   KEEP=1 scripts/cluster-test.sh          keep the logs folder
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
if [ -z "${BIN:-}" ]; then
  cargo build --locked -p renderer
  BIN=target/debug/renderer
fi
exec python3 scripts/cluster/cluster_test.py --bin "$BIN" ${KEEP:+--keep}

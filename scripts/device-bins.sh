#!/usr/bin/env bash
# Builds what scripts/device-issue11.sh runs on a machine without cargo or network: release
# `renderer` and `loadgen`, stripped, in target/devbins (ignored by git; carried to the
# device machine, well under its 64 MiB), plus the Vulkan loader's .deb when apt can fetch
# it (the GPU machine may have the NVIDIA driver without the loader).
#
#   scripts/device-bins.sh && du -sh target/devbins
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/devbins
cargo build --release --locked -p renderer -p loadgen
rm -rf "$out"
mkdir -p "$out"
for bin in renderer loadgen; do
  strip -o "$out/$bin" "target/release/$bin"
done
(cd "$out" && apt-get download libvulkan1 >/dev/null 2>&1) ||
  echo "device-bins: no libvulkan1 .deb (apt-get download failed); the device needs its own loader" >&2
ls -la "$out"

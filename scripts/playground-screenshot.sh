#!/usr/bin/env bash
# Regenerates the README's screenshot of the playground (docs/playground.png): starts the
# service on a free loopback port with the bundled sprites, opens `/` with a fixed cat in
# headless chromium (Debian's `chromium`), and saves the page.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p renderer
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/release/renderer --port "$port" --backend cpu >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
cat='{"peltName":"Tabby","colour":"GINGER","spriteNumber":8,"eyeColour":"GREEN","skinColour":"PINK","whitePatches":"TUXEDO","shading":true,"tortie":[{"pattern":"Smoke","colour":"MOSS","mask":"ONE"}],"isTortie":true}'
hash=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$cat")
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,720 \
  --virtual-time-budget=8000 --screenshot=docs/playground.png "http://127.0.0.1:$port/#$hash" 2>/dev/null
echo "wrote docs/playground.png"

# Sourced by scripts that need a throwaway server on loopback: start_local_server BIN
# starts BIN on a free port, waits until /ready answers, sets $port and $server, and stops
# the server when the calling script exits. Its log goes to /tmp/cg3-<script>-server.log.
start_local_server() {
  local bin=$1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  CG3_PORT=$port RUST_LOG=warn "$bin" >"/tmp/cg3-$(basename "$0" .sh)-server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do "$bin" probe --port "$port" --path /ready >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the server on port $port did not become ready" >&2
  return 1
}

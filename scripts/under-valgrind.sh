# Sourced by the per-request counters (alloc-count.sh, instr-count.sh): the server under a
# valgrind tool, driven by one scenario, stopped.
#
#   start_under_valgrind BIN PORT LOG VALGRIND-ARGS...   result cache off unless
#       CG3_CACHE_BYTES is set, CPU backend; waits for /ready; sets $pid
#   drive PORT SCENARIO    prints how many requests were answered 200: a loadgen scenario
#       (`varied:4`, `catgen:4`, …) for 15 s, or `layers`: 100 requests of CatGenerator's
#       layer inspector (`POST /render` with `collectLayers` and `includeLayerImages`, about
#       13 stage images in a 33 KB answer), which loadgen has no scenario for
#   stop_under_valgrind    SIGINT, so the tool writes its profile, and waits
start_under_valgrind() {
  local bin=$1 port=$2 log=$3
  shift 3
  command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 77; }
  [ -x target/release/loadgen ] || cargo build --release --locked -p loadgen
  CG3_CACHE_BYTES=${CG3_CACHE_BYTES:-0} CG3_PORT=$port CG3_BACKEND=cpu \
    valgrind "$@" "$bin" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 150); do curl -sf "localhost:$port/ready" >/dev/null && return 0; sleep 1; done
  echo "the server under valgrind did not become ready (log: $log)" >&2
  exit 1
}

drive() {
  local port=$1 scenario=$2
  if [ "$scenario" != layers ]; then
    target/release/loadgen --url "http://127.0.0.1:$port" --duration 15 --scenario "$scenario" 2>&1 |
      awk '$3 == "200" {print $4}'
    return
  fi
  python3 - "$port" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
ok = 0
for i in range(100):
    params = {"peltName": "Tabby", "colour": "GINGER", "eyeColour": "BLUE", "shading": True,
              "whitePatches": "LITTLE" if i % 2 else None}
    body = json.dumps({"payload": {"spriteNumber": i % 21, "params": params},
                       "options": {"collectLayers": True, "includeLayerImages": True}})
    c.request("POST", "/render", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    ok += r.status == 200
print(ok)
PY
}

stop_under_valgrind() {
  kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

#!/usr/bin/env bash
# Who gets the cores during issue 11's overload run: for every thread of the server and of
# the load generator, the share of a 3 s window it spent running, waiting on a run queue
# while runnable, and asleep (from /proc/<pid>/task/<tid>/schedstat), plus the core it was
# last on. A render thread that waits while runnable is short of CPU; one that sleeps is
# short of admitted work.
#
#   scripts/sched-share.sh                 one worker, queue 4: 256 connections + /health
#   MODE=capacity scripts/sched-share.sh   the same server at 4 connections
#   BIN=/tmp/renderer-old scripts/sched-share.sh
#   SERVER_CPUS=0 LOADGEN_CPUS=1 scripts/sched-share.sh   each on its own cores (taskset)
#   HOOK='…' scripts/sched-share.sh        a command run once the server is ready ($pid is
#                                          the server), e.g. to change a thread's scheduling
#
# Any CG3_* in the environment reaches the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/renderer}
port=${PORT:-18777}
[ -x target/release/loadgen ] || cargo build --release --locked -p loadgen
CG3_CACHE_BYTES=0 CG3_WORKER_COUNT=${CG3_WORKER_COUNT:-1} CG3_MAX_QUEUE_SIZE=${CG3_MAX_QUEUE_SIZE:-4} \
  CG3_PORT=$port ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$BIN" >/tmp/sched-share-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 0.1; done
if [ -n "${HOOK:-}" ]; then eval "$HOOK"; fi
# "tid:name run-ns wait-ns last-cpu" for every thread of a process.
snapshot() {
  for t in /proc/"$1"/task/*; do
    read -r run wait _ <"$t/schedstat"
    echo "${t##*/}:$(cat "$t/comm") $run $wait $(awk '{print $39}' "$t/stat")"
  done
}
case ${MODE:-overload} in
  capacity) scenarios=(--scenario varied:4) ;;
  overload) scenarios=(--scenario varied:256 --scenario health:1) ;;
  *) echo "MODE is capacity or overload" >&2; exit 2 ;;
esac
${LOADGEN_CPUS:+taskset -c "$LOADGEN_CPUS"} target/release/loadgen --url "http://127.0.0.1:$port" --duration 5 "${scenarios[@]}" \
  >/tmp/sched-share-load.txt 2>&1 &
load=$!
sleep 1.5
before=$( (snapshot $pid; snapshot $load) | sort)
sleep 3
after=$( (snapshot $pid; snapshot $load) | sort)
wait $load
echo "thread                   running  runnable, waiting  asleep  (of 3 s)  last core"
join <(echo "$before") <(echo "$after") | awk '{
  r = ($5 - $2) / 3e7; w = ($6 - $3) / 3e7
  if (r + w > 1) printf "  %-22s %6.1f %%  %6.1f %%          %6.1f %%            %s\n", $1, r, w, 100 - r - w, $7 }'
awk '$3 == "200" || $3 == "503" {printf "  %s %s: %s/s\n", $1, $3, $5}' /tmp/sched-share-load.txt

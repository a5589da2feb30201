#!/usr/bin/env bash
# The project's whole check, as the README's test command and CI run it:
# formatting, clippy with warnings denied, every test (GPU tests included when an adapter
# exists; CI sets CG3_REQUIRE_GPU=1 so a missing adapter fails instead of skipping), and,
# where pygame-ce is installed, a re-run of the pygame oracle proving the goldens are its
# output; then the playground's browser tests, the deploy files' linters, the three-replica
# cluster test and a short k6 run (each skipped visibly when its tools are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Each step's start, in seconds since the run began, so a slow step shows in CI's log.
step() { printf '\n==> [%ds] %s\n' "$SECONDS" "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "checkers' self-tests (import cycles, soak judge); no import cycles between modules (pipeline, renderer, client), no import up a layer (renderer)"
python3 scripts/import_cycles.py --self-test
python3 scripts/soak/judge.py --self-test
python3 scripts/import_cycles.py pipeline/src renderer/src client/src
# The renderer's layers, top to bottom: each may use its own and those below, never above.
python3 scripts/import_cycles.py --layers renderer/src \
  "serve, cli > select > http, connections, connection_threads > state > render_path, textures, shared > queue, worker > backend, gpu_backend, gpu_probe > job"

step "cargo test"
cargo test --workspace --all-features --locked 2>&1 | tee /tmp/cg3-test.log
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

step "goldens reproduce from the pygame oracle"
if python3 -c 'import pygame' >/dev/null 2>&1; then
  scripts/golden/make_goldens.sh --check
else
  echo "SKIPPED: pygame-ce is not installed (pip install -r scripts/golden/requirements.txt)"
fi

step "browser tests of the playground (chromium + playwright-core)"
: > /tmp/cg3-browser.log
if command -v chromium >/dev/null 2>&1 && [ -d scripts/browser/node_modules/playwright-core ]; then
  cargo build --locked -p renderer --all-features  # the test build's binary: no rebuild
  set +e
  (cd scripts/browser && CG3_BIN="$PWD/../../target/debug/renderer" node --test) 2>&1 \
    | tee /tmp/cg3-browser.log | grep -E '^(not )?ok |^# (pass|fail)'
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || { echo "browser tests failed; screenshots in target/browser-failures/"; exit "$status"; }
else
  echo "SKIPPED: browser tests need chromium and scripts/browser/node_modules (npm ci --prefix scripts/browser)" \
    | tee /tmp/cg3-browser.log
fi

# Operations checks, each skipped visibly when a tool it needs is missing; each passing one
# counts as one passed test below. They use the renderer binary of the test build.
: > /tmp/cg3-ops.log
ops() { # title, "tools it needs", command...
  local title=$1 tools=$2 t missing=""
  shift 2
  step "$title"
  for t in $tools; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing="$missing $t"
  done
  if [ -n "$missing" ]; then
    echo "SKIPPED: $title needs$missing (.ci/run installs them)" | tee -a /tmp/cg3-ops.log
    return 0
  fi
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -eq 77 ]; then # the check's own word that it cannot run here
    echo "SKIPPED: $title (see its message above)" | tee -a /tmp/cg3-ops.log
    return 0
  fi
  [ "$rc" -eq 0 ] || exit "$rc"
  echo "OPS-PASSED: $title" | tee -a /tmp/cg3-ops.log
}
export PATH="$PATH:/usr/sbin"
cargo build --locked -p renderer --all-features  # the test build's binary: no rebuild
ops "deploy files: hadolint, kubernetes-validate, compose structure" \
  "hadolint kubernetes-validate" scripts/deploy-check.sh
ops "cluster test: Redis, three replicas, nginx (deploy/nginx.conf)" \
  "redis-server nginx" env BIN=target/debug/renderer scripts/cluster-test.sh
ops "schemathesis against /openapi.json (no 5xx, responses as documented)" \
  "schemathesis" scripts/api-fuzz.sh
ops "k6 smoke run against one server (thresholds enforced)" "k6" scripts/k6-smoke.sh
ops "soak: 2 minutes of mixed load, memory and file descriptors flat after warm-up" \
  "k6" scripts/soak.sh 120
ops "fuzz: every target for 5 s from the seeds and regression inputs" \
  "cargo-fuzz" scripts/fuzz.sh 5

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' /tmp/cg3-test.log | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' /tmp/cg3-test.log | awk '{s+=$1} END {print s+0}')
skipped=$(grep -c '^SKIPPED' /tmp/cg3-test.log || true)
passed=$((passed + $(grep -Eo '^# pass [0-9]+' /tmp/cg3-browser.log | awk '{s+=$3} END {print s+0}')))
failed=$((failed + $(grep -Eo '^# fail [0-9]+' /tmp/cg3-browser.log | awk '{s+=$3} END {print s+0}')))
skipped=$((skipped + $(grep -c '^SKIPPED' /tmp/cg3-browser.log || true)))
passed=$((passed + $(grep -c '^OPS-PASSED' /tmp/cg3-ops.log || true)))
skipped=$((skipped + $(grep -c '^SKIPPED' /tmp/cg3-ops.log || true)))
echo
echo "ci: ${passed} passed, ${failed} failed, ${skipped} skipped (${SECONDS} s)"

#!/usr/bin/env bash
# Coverage-guided fuzzing of everything the service parses from outside, and of the PNG writer (fuzz/, cargo-fuzz
# with libFuzzer). Builds the targets, seeds each corpus from the repository's own tests and
# data, runs each target for SECONDS, and fails on the first crash (its input is kept under
# fuzz/artifacts/<target>/; add it to the target's regression seeds in fuzz/seeds/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 10 s each, every target
#   FUZZ_JOBS=2 scripts/fuzz.sh 1800 cat_params   # a long local run, two processes
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and `cargo install
# cargo-fuzz`; without them it says so and exits 77 (scripts/ci.sh counts that as skipped),
# so a machine without nightly still runs the rest of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cat_params chunk_request render_png_query palette_tileset sprite_folder png_encode)

if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzzing needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
  exit 77
fi

# Seeds: the tests' cats and chunks, their /render.png queries, the bundled palettes,
# tilesets and data files, every committed regression input.
python3 scripts/fuzz_seeds.py fuzz/corpus

cd fuzz
# No sanitizer (the code under test has no unsafe of its own; this doubles executions), but
# debug assertions and overflow checks on: an arithmetic overflow is a crash here.
cargo +nightly fuzz build -s none
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t"
  echo "fuzz $t for ${seconds} s"
  cargo +nightly fuzz run -s none "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} -print_final_stats=1 \
    2>"/tmp/cg3-fuzz-$t.log" || {
      tail -40 "/tmp/cg3-fuzz-$t.log"
      echo "FUZZ-FAILED: $t (input under fuzz/artifacts/$t/)"
      exit 1
    }
  # With FUZZ_JOBS, libFuzzer writes each job's log to fuzz-<n>.log.
  grep -hE "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|DONE +cov:" \
    "/tmp/cg3-fuzz-$t.log" ${FUZZ_JOBS:+fuzz-*.log} 2>/dev/null | tail -4 || true
  rm -f fuzz-*.log
  echo "FUZZ-PASSED: $t"
done

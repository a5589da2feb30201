#!/usr/bin/env bash
# Regenerates the README's picture from scripts/readme-cats.jsonl with the project itself,
# so the picture always shows what the current code renders.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p pipeline --example sample_sheet -- scripts/readme-cats.jsonl docs/sample-cats.png 8 4

#!/usr/bin/env bash
# Schema-driven API testing: schemathesis generates requests for every operation of a real
# server's /openapi.json (valid ones from its enums and ranges, and invalid ones) and checks
# that none gets a 5xx and every response matches the document (status code, content type,
# body schema, headers). Stateful links are followed where the document has them.
#   scripts/api-fuzz.sh                     debug build, MAX_EXAMPLES=25 per operation (CI)
#   MAX_EXAMPLES=500 BIN=target/release/renderer scripts/api-fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/renderer}
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
[ -x "$BIN" ] || cargo build --locked -p renderer --all-features
# shellcheck source=scripts/local-server.sh
. scripts/local-server.sh
start_local_server "$BIN"
schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --max-examples "$MAX_EXAMPLES" --seed 1 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance

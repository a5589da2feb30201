#!/usr/bin/env bash
# Regenerate the golden set from the repo's bundled art:
#   tests/golden/cats.jsonl  (>= 320 cat parameter objects, deterministic)
#   tests/golden/cats.png    (pygame-ce renders, cat i at column i % 20, row i / 20, 50x50 each)
# and cross-check every golden against the pygame-free spec model.
#
#   scripts/golden/make_goldens.sh            # write the goldens
#   scripts/golden/make_goldens.sh --check    # regenerate into a temp dir, compare with the committed ones
#
# Needs python3 with pygame-ce==2.5.3 (pip install -r scripts/golden/requirements.txt).
# DATA_ROOT / SPRITE_ROOT override data/ and sprites/.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${DATA_ROOT:-data}"
SPRITES="${SPRITE_ROOT:-sprites}"
PY="${PYTHON:-python3}"

"$PY" - <<'PYEOF'
import importlib.metadata as m, sys
try:
    v = m.version("pygame-ce")
except m.PackageNotFoundError:
    sys.exit("pygame-ce is not installed: pip install -r scripts/golden/requirements.txt")
if v != "2.5.3":
    sys.exit(f"pygame-ce {v} installed, the goldens are defined with 2.5.3")
PYEOF

OUT=tests/golden
if [[ "${1:-}" == "--check" ]]; then
  OUT="$(mktemp -d)"
  trap 'rm -rf "$OUT"' EXIT
fi
mkdir -p "$OUT"

"$PY" scripts/golden/make_params.py --data-root "$DATA" --sprite-root "$SPRITES" --out "$OUT/cats.jsonl"
"$PY" scripts/golden/oracle.py render --data-root "$DATA" --sprite-root "$SPRITES" \
  --params "$OUT/cats.jsonl" --sheet "$OUT/cats.png" --columns 20
"$PY" scripts/golden/spec_model.py --data-root "$DATA" --sprite-root "$SPRITES" \
  --params "$OUT/cats.jsonl" --sheet "$OUT/cats.png" --columns 20

if [[ "${1:-}" == "--check" ]]; then
  cmp "$OUT/cats.jsonl" tests/golden/cats.jsonl
  "$PY" - "$OUT/cats.png" tests/golden/cats.png <<'PYEOF'
import sys
sys.path.insert(0, "scripts/golden")
import pngio
a, b = pngio.read_png(sys.argv[1]), pngio.read_png(sys.argv[2])
sys.exit(0 if a == b else "cats.png differs from a fresh render")
PYEOF
  echo "goldens are up to date"
fi

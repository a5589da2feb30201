#!/usr/bin/env bash
# Self-test of the golden tooling (needs pygame-ce==2.5.3; ~1 min, ~200 MB under $TMPDIR):
#  1. pygame's blend modes equal spec §3 (quick sweep), and the checker fails on wrong formulas;
#  2. a synthetic fixture (random RGBA, odd sheet sizes, palette/grey/16-bit/interlaced PNGs,
#     gAMA/iCCP chunks) decodes exactly, with pngio and with pygame.image.load;
#  3. pygame renders of the golden parameter set on that fixture equal the pygame-free spec
#     model, and the comparison fails when one pixel is changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-python3}"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT

echo "== blend formulas"
"$PY" scripts/golden/check_formulas.py --quick | tail -1
if "$PY" scripts/golden/check_formulas.py --quick --sabotage >/dev/null; then
  echo "FAIL: check_formulas accepted wrong formulas"; exit 1
fi
echo "negative control ok (wrong formulas rejected)"

echo "== fixture"
"$PY" scripts/golden/make_fixture.py --reference "${REFERENCE:-../shared/reference/catgenerator}" --out "$T/fx" >/dev/null
"$PY" - "$T/fx" <<'PYEOF'
import os, sys
sys.path.insert(0, "scripts/golden")
import pngio
root = sys.argv[1]
bad = [f for f in sorted(os.listdir(f"{root}/sprites"))
       if pngio.read_png(f"{root}/sprites/{f}")[2] != open(f"{root}/expected/{f[:-4]}.rgba", "rb").read()]
sys.exit(f"pngio decodes wrongly: {bad}" if bad else 0)
PYEOF
"$PY" scripts/golden/oracle.py check-sheets --data-root "$T/fx/data" --sprite-root "$T/fx/sprites" 2>/dev/null | tail -1

echo "== oracle vs spec model"
"$PY" scripts/golden/make_params.py --data-root "$T/fx/data" --out "$T/cats.jsonl" | tail -1
"$PY" scripts/golden/oracle.py render --data-root "$T/fx/data" --sprite-root "$T/fx/sprites" \
  --params "$T/cats.jsonl" --sheet "$T/cats.png"
"$PY" scripts/golden/spec_model.py --data-root "$T/fx/data" --sprite-root "$T/fx/sprites" \
  --params "$T/cats.jsonl" --sheet "$T/cats.png"
if "$PY" scripts/golden/spec_model.py --data-root "$T/fx/data" --sprite-root "$T/fx/sprites" \
  --params "$T/cats.jsonl" --sabotage >/dev/null; then
  echo "FAIL: spec_model accepted a changed pixel"; exit 1
fi
echo "negative control ok (changed pixel rejected)"
echo "selftest passed"

#!/usr/bin/env python3
"""Convert CatGenerator's SVG-drawn palette patterns into cg3 `svg` patterns.

CatGenerator V3 draws 36 of its pattern types (emblem flags, most world motifs) by building
an SVG document in its `patterns.py` and rasterising it with cairosvg. Their geometry is
CatGenerator's code, so cg3 does not ship it. This script runs *your* CatGenerator checkout
to produce, for each such palette colour, the SVG document CatGenerator itself would draw,
and writes a copy of the palette folder where those patterns read

    {"type": "svg", "tileSize": <size CatGenerator rasterises at>, "svg": "<svg ...>"}

which cg3 rasterises with resvg. Every other colour is copied unchanged. Point cg3 at the
result with CG3_PALETTE_ROOT.

Usage:
  export_svg_patterns.py --catgenerator PATH --palettes IN_DIR --out OUT_DIR
    PATH is a beastypage checkout (or any folder holding renderer_service/renderer/patterns.py).
Needs python3 with numpy (CatGenerator's patterns.py imports it); cairosvg is not needed.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import sys


def load_patterns(root):
    hits = glob.glob(os.path.join(root, "**", "renderer_service", "renderer", "patterns.py"), recursive=True)
    if not hits:
        sys.exit(f"no renderer_service/renderer/patterns.py under {root}")
    spec = importlib.util.spec_from_file_location("catgen_patterns", hits[0])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catgenerator", required=True)
    ap.add_argument("--palettes", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    patterns = load_patterns(args.catgenerator)
    captured = []

    def capture(svg, width, height):
        captured.append((svg, width, height))
        import numpy as np

        return np.zeros((height, width, 3), dtype=np.float32)

    patterns._svg_to_array = capture
    os.makedirs(args.out, exist_ok=True)
    converted = 0
    for path in sorted(glob.glob(os.path.join(args.palettes, "*.json"))):
        with open(path, encoding="utf-8") as f:
            palette = json.load(f)
        for name, colour in palette.get("colors", {}).items():
            p = colour.get("pattern")
            if not p:
                continue
            captured.clear()
            try:
                defn = patterns.PatternDefinition.from_dict(p)
                patterns._GENERATORS[defn.type](defn)
            except Exception as e:  # CatGenerator skips a pattern it cannot build; so do we.
                print(f"{name}: left as is ({e})", file=sys.stderr)
                continue
            if len(captured) == 1:
                svg, width, height = captured[0]
                if width != height:
                    sys.exit(f"{name}: a {width}x{height} SVG tile; cg3 draws square tiles")
                colour["pattern"] = {"type": "svg", "tileSize": width, "svg": svg}
                converted += 1
        with open(os.path.join(args.out, os.path.basename(path)), "w", encoding="utf-8") as f:
            json.dump(palette, f, indent=1)
    print(f"{converted} SVG patterns converted into {args.out}")


if __name__ == "__main__":
    main()

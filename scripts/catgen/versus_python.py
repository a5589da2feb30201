#!/usr/bin/env python3
"""What a CatGenerator user sees change when the frontend's renderer URL points at cg3:
every cat of a JSON-lines file rendered by CatGenerator's own Python renderer
(`backend/renderer_service` in a checkout of beastyrabbit/beastypage, imported from there,
never copied) and by a running cg3 server (`POST /render` as the frontend sends it), then
compared pixel for pixel.

Pixels transparent in both images are equal whatever their RGB (cg3 keeps the game's RGB
under zero alpha, CatGenerator zeroes it). Each cat falls in one class:

  identical      every visible pixel equal
  rounding       at most one level apart: float alpha-over (CatGenerator) against the
                 game's integer blits (cg3, pygame-exact)
  differs        more than one level somewhere; the worst are listed with their parameters

First it checks the two things cg3 takes from CatGenerator rather than the game, the Dark
Forest multiply and the palette colours: our NumPy reference (palette_reference.py, which
the Rust side equals byte for byte in tests/tests/palette_reference.rs) against
CatGenerator's own functions, at every channel value and alpha. Then the answers' shapes:
`GET /palettes`, `POST /render` with and without layers, and the metadata of a few
`POST /render/batch` requests, against CatGenerator's app run in process.

Usage (the cats from scripts/golden/make_params.py, the server on CatGenerator's folder):
  python3 scripts/golden/make_params.py --data-root $CG3_REAL_DATA_ROOT \\
      --sprite-root $CG3_REAL_SPRITE_ROOT --out /tmp/cats.jsonl
  CG3_SPRITE_ROOT=$CG3_REAL_SPRITE_ROOT CG3_DATA_ROOT=$CG3_REAL_DATA_ROOT \\
      cargo run --release -p renderer &
  python3 scripts/catgen/versus_python.py --catgenerator /tmp/beastypage \\
      --cats /tmp/cats.jsonl --url http://127.0.0.1:8001

Needs numpy, Pillow, pygame-ce, pydantic-settings, fastapi and httpx (what CatGenerator's
renderer and its app import).
"""

from __future__ import annotations

import argparse
import base64
import collections
import io
import json
import os
import sys
import urllib.request


def load_catgenerator(checkout: str):
    service = os.path.join(checkout, "backend", "renderer_service")
    os.environ.setdefault("CG3_SPRITE_ROOT", os.path.join(service, "sprites"))
    os.environ.setdefault("CG3_ENABLE_CACHE", "false")
    sys.path.insert(0, service)
    from renderer_service.renderer.pipeline import RenderPipeline  # noqa: PLC0415
    from renderer_service.renderer.repository import SpriteRepository  # noqa: PLC0415

    return RenderPipeline(repository=SpriteRepository())


def check_dark_forest_reference() -> str:
    """The Dark Forest multiply, checked at its source: `palette_reference.dark_forest` (what
    the Rust side is tested against byte for byte) against CatGenerator's own
    `image_ops.multiply` and `fill_with_colour`, over `probe_cells`."""
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415
    from renderer_service.renderer.image_ops import fill_with_colour, multiply  # noqa: PLC0415

    import palette_reference  # noqa: PLC0415

    cells = probe_cells()
    image = Image.fromarray(cells, "RGBA")
    theirs = np.asarray(multiply(image, fill_with_colour(image.size, (120, 30, 30, 200), image)))
    ours = palette_reference.dark_forest(cells)
    differing = int((ours != theirs).sum())
    return "equal" if differing == 0 else f"{differing} bytes differ"


def check_palette_reference(pipeline, checkout: str) -> str:
    """Every colour of CatGenerator's palettes: our reference's `recolour` against
    CatGenerator's own `_apply_experimental_tint`, over `probe_cells` (flat colours on the
    whole 256 × 256 probe and on a 50 × 50 corner, patterns on the corner: they tile at the
    cell's size). Colours whose pattern type the reference does not draw (CatGenerator's SVG
    patterns, which cg3 refuses with 422 until `export_svg_patterns.py` converts them) are
    counted apart."""
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    import palette_reference  # noqa: PLC0415

    whole = probe_cells()
    corner = whole[:50, :50].copy()
    probes = {size: (arr, Image.fromarray(arr, "RGBA")) for size, arr in (("whole", whole), ("corner", corner))}
    palettes = os.path.join(checkout, "backend/renderer_service/renderer_service/data/palettes")
    counts: collections.Counter[str] = collections.Counter()
    for name, d in palette_reference.load_colours(palettes).items():
        pattern = d.get("pattern")
        if pattern and pattern.get("type") not in palette_reference.DRAWN:
            counts["not drawn by the reference (SVG patterns)"] += 1
            continue
        definition = pipeline.mapper.get_experimental_definition(name)
        same = True
        for arr, image in (probes[s] for s in (("corner",) if pattern else ("whole", "corner"))):
            theirs = np.asarray(pipeline.renderer._apply_experimental_tint(image, definition))
            same &= bool(np.array_equal(palette_reference.recolour(arr, d), theirs))
        counts["equal" if same else "DIFFERENT"] += 1
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))


def probe_cells():
    """Every channel value (along x) at every alpha (along y), the three colour channels in
    different orders."""
    import numpy as np  # noqa: PLC0415

    v = np.arange(256, dtype=np.uint16)
    cells = np.zeros((256, 256, 4), np.uint8)
    cells[..., 0] = v[None, :]
    cells[..., 1] = v[::-1][None, :]
    cells[..., 2] = ((v * 7) % 256)[None, :]
    cells[..., 3] = v[:, None]
    return cells


# Batch requests as CatGenerator's frontend sends them (`frontend/lib/cat-v3/api.ts`):
# overrides, full params, pose overrides, tile sizes, columns, sources, layer frames.
BATCH_BASE = {
    "spriteNumber": 8,
    "params": {"spriteNumber": 8, "peltName": "Tabby", "colour": "GINGER",
               "skinColour": "PINK", "eyeColour": "BLUE"},
}
BATCH_CASES = [
    {"payload": BATCH_BASE,
     "variants": [{"id": "a", "overrides": {"colour": "BLACK"}},
                  {"id": "b", "label": "B", "group": "g", "spriteNumber": 3},
                  {"id": "c", "params": {"peltName": "Speckled", "colour": "WHITE"}}],
     "options": {"columns": 2, "includeSources": True}},
    {"payload": BATCH_BASE, "variants": [{"id": "x", "overrides": {"tint": "blue"}}],
     "options": {"tileSize": 120, "includeBase": False}},
    {"payload": BATCH_BASE,
     "variants": [{"id": "e1", "overrides": {"eyeColour": "GREEN"}},
                  {"id": "e2", "overrides": {"eyeColour": "COPPER"}}],
     "options": {"frameMode": "layer", "layerId": "eyes", "columns": 5}},
]


def check_api_shapes(url: str) -> list[str]:
    """`GET /palettes` and the metadata of `POST /render/batch` (every field CatGenerator's
    service answers, images aside) from CatGenerator's app, in process, against cg3's."""
    from fastapi.testclient import TestClient  # noqa: PLC0415
    from renderer_service.app import create_app  # noqa: PLC0415

    # Entered as a context, so that the app's start-up runs (it starts the render workers).
    with TestClient(create_app()) as peer:
        return compare_api_shapes(url, peer)


def compare_api_shapes(url: str, peer) -> list[str]:
    def ours(method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{url}{path}", data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    lines = []
    same = ours("GET", "/palettes") == peer.get("/palettes").json()
    lines.append(f"GET /palettes: {'equal' if same else 'DIFFERENT'} as JSON")
    for layered in (False, True):
        params = {**BATCH_BASE["params"], "whitePatches": "HONEY", "scars": ["ONE"]}
        body = {
            "payload": {"spriteNumber": 8, "params": params},
            "options": {"collectLayers": layered, "includeLayerImages": layered},
        }
        a, b = ours("POST", "/render", body), peer.post("/render", json=body).json()
        missing = sorted(set(b) - set(a))
        lines.append(
            f"POST /render (layers {'on' if layered else 'off'}): "
            + (f"fields absent from ours: {missing}" if missing else f"all of {sorted(b)} present")
        )
        if layered:
            # Reported, not judged: cg3 names its own stages (finer than CatGenerator's) with
            # pygame's blend names, and each layer image is the cat after that stage.
            for name, answer in (("ours", a), ("CatGenerator's", b)):
                stages = [(x.get("id"), x.get("blend_mode")) for x in answer.get("layers") or []]
                lines.append(f"  {name} layers: " + ", ".join(f"{i} ({m})" for i, m in stages))
    for i, case in enumerate(BATCH_CASES):
        a, b = ours("POST", "/render/batch", case), peer.post("/render/batch", json=case).json()
        fields = [k for k in b if k not in ("sheet", "sources")]
        wrong = [k for k in fields if a.get(k) != b.get(k)]
        ids = [x.get("id") for x in a.get("sources") or []] == [x.get("id") for x in b.get("sources") or []]
        lines.append(
            f"POST /render/batch case {i}: "
            + (f"DIFFERENT in {wrong}" if wrong else f"{', '.join(fields)} equal")
            + ("" if ids else "; source ids DIFFERENT")
        )
    return lines


def render_ours(url: str, params: dict) -> bytes:
    from PIL import Image  # noqa: PLC0415

    body = json.dumps(
        {"payload": {"spriteNumber": params.get("spriteNumber", 0), "params": params}}
    ).encode()
    request = urllib.request.Request(
        f"{url}/render", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        image = json.load(answer)["image"]
    png = base64.b64decode(image.split(",", 1)[1])
    return Image.open(io.BytesIO(png)).convert("RGBA").tobytes()


def visible_difference(ours: bytes, theirs: bytes) -> tuple[int, int]:
    """(pixels that differ, largest channel difference), ignoring pixels transparent in both."""
    pixels, worst = 0, 0
    for k in range(0, len(ours), 4):
        if ours[k + 3] == 0 and theirs[k + 3] == 0:
            continue
        d = max(abs(ours[k + c] - theirs[k + c]) for c in range(4))
        if d:
            pixels += 1
            worst = max(worst, d)
    return pixels, worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catgenerator", required=True, help="a checkout of beastyrabbit/beastypage")
    ap.add_argument("--cats", required=True, help="JSON lines of CatGenerator parameters")
    ap.add_argument("--url", default="http://127.0.0.1:8001", help="the cg3 server")
    ap.add_argument("--show", type=int, default=10, help="how many of the worst to list")
    args = ap.parse_args()

    # The comparator must see a one-level change in one pixel, and ignore RGB under zero alpha.
    probe = bytes([10, 20, 30, 255, 1, 2, 3, 0])
    assert visible_difference(probe, bytes([10, 20, 31, 255, 1, 2, 3, 0])) == (1, 1)
    assert visible_difference(probe, bytes([10, 20, 30, 255, 9, 9, 9, 0])) == (0, 0)
    pipeline = load_catgenerator(args.catgenerator)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print(f"Dark Forest stage, our reference against CatGenerator's image_ops: {check_dark_forest_reference()}")
    print(f"palette colours, our reference against CatGenerator's recolouring: "
          f"{check_palette_reference(pipeline, args.catgenerator)}")
    for line in check_api_shapes(args.url.rstrip("/")):
        print(line)
    cats = [json.loads(line) for line in open(args.cats, encoding="utf-8") if line.strip()]
    classes: collections.Counter[str] = collections.Counter()
    by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    worst = []
    for i, params in enumerate(cats):
        theirs = pipeline.render(dict(params)).composed.convert("RGBA").tobytes()
        ours = render_ours(args.url.rstrip("/"), params)
        pixels, most = visible_difference(ours, theirs)
        cls = "identical" if pixels == 0 else "rounding" if most <= 1 else "differs"
        classes[cls] += 1
        by_kind["dead" if params.get("dead") else "alive"][cls] += 1
        if cls == "differs":
            worst.append((most, pixels, i, params))
    print(f"{len(cats)} cats: " + ", ".join(f"{classes[c]} {c}" for c in ("identical", "rounding", "differs")))
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind}: " + ", ".join(f"{counts[c]} {c}" for c in ("identical", "rounding", "differs")))
    for most, pixels, i, params in sorted(worst, key=lambda w: (-w[0], -w[1]))[: args.show]:
        print(f"cat {i}: {pixels} pixels differ, by up to {most}: {json.dumps(params)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

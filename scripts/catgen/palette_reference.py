#!/usr/bin/env python3
"""Reference for the two things only CatGenerator V3 draws: palette colours and its Dark
Forest multiply, computed with NumPy the way CatGenerator V3's renderer computes them
(float32 arrays, NumPy >= 2 type promotion, `np.rint`).

Written for cg3 from a reading of CatGenerator's `_apply_experimental_tint`,
`image_ops.multiply`/`fill_with_colour` and `patterns.py`; it shares no code with it. The
Rust side (`pipeline::palette`) must equal this output byte for byte:
`tests/tests/palette_reference.rs` runs it.

Usage:
  palette_reference.py --palettes DIR --cells IN.rgba --out OUT.rgba --names OUT.json
    IN.rgba holds N 50x50 RGBA8 cells back to back. For every drawable colour (sorted by
    name) and every cell, OUT.rgba gets the recoloured cell; then, once per cell, the cell
    after the Dark Forest multiply. OUT.json lists the colours drawn and those skipped.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import numpy as np

if int(np.__version__.split(".")[0]) < 2:
    sys.exit("numpy >= 2 is needed: CatGenerator runs NumPy 2 and its type promotion")

SIZE = 50
DRAWN = {
    "tartan", "gingham", "houndstooth", "pinstripe", "chevron", "polkadot", "argyle",
    "buffalo", "checkerboard", "windowpane", "diagonal", "basketweave", "flag",
    "uroko", "eight_point_star", "kente", "shweshwe", "chinese_coin", "dancheong",
    "same_komon", "kanoko", "hishi", "nordic_snowflake", "nordic_diamond", "native_step",
    "camouflage",
}


class Invalid(Exception):
    """A malformed pattern: CatGenerator skips its multiply."""


def unit(rgb):
    return np.array(rgb, dtype=np.float32) / 255.0


def pattern_tile(p):
    """The (50, 50, 3) float32 multiplier of a pattern definition."""
    kind = p.get("type")
    if kind is None:
        raise Invalid("no type")
    ts = p.get("tileSize", 8)
    if isinstance(ts, bool) or not isinstance(ts, int) or not 1 <= ts <= 256:
        raise Invalid("tileSize")
    bg = unit(tuple(p.get("background", [128, 128, 128])))
    fg_raw = p.get("foreground")
    fg = unit(tuple(fg_raw)) if fg_raw else unit((255, 255, 255))
    stripes = [
        (unit(tuple(s["color"])), s.get("width", 1), s.get("offset", 0))
        for s in p.get("stripes", [])
    ]
    spacing = p.get("spacing", 6)
    yy, xx = np.mgrid[:ts, :ts]

    if kind == "tartan":
        tile = np.full((ts, ts, 3), bg, dtype=np.float32)
        for colour, width, offset in stripes:
            for i in range(width):
                k = (offset + i) % ts
                tile[k, :] = 0.5 * tile[k, :] + 0.5 * colour
                tile[:, k] = 0.5 * tile[:, k] + 0.5 * colour
        tile = np.clip(tile, 0.0, 1.0)
    elif kind == "gingham":
        half = ts // 2
        mid = 0.5 * bg + 0.5 * fg
        tile = np.empty((ts, ts, 3), dtype=np.float32)
        tile[:half, :half] = bg
        tile[:half, half:] = mid
        tile[half:, :half] = mid
        tile[half:, half:] = fg
    elif kind == "houndstooth":
        half = max(ts // 2, 2)
        step = max(half // 4, 1)
        dark = (xx % half // step) * step <= yy % half
        quadrant = (yy // half % 2) * 2 + (xx // half % 2)
        flip = (quadrant == 1) | (quadrant == 2)
        tile = np.where((dark ^ flip)[..., None], fg, bg)
    elif kind == "pinstripe":
        tile = np.full((ts, ts, 3), bg, dtype=np.float32)
        tile[:, :: max(spacing, 2)] = fg
    elif kind in ("chevron", "diagonal"):
        yy, xx = np.mgrid[:SIZE, :SIZE]
        w = max(spacing, 2)
        if kind == "chevron":
            mx = np.where(xx < SIZE // 2, xx, SIZE - 1 - xx)
            on = (yy + mx) % w < w // 2
        else:
            on = (xx + yy) % (w * 2) < w
        tile = np.full((SIZE, SIZE, 3), bg, dtype=np.float32)
        tile[on] = fg
    elif kind == "polkadot":
        d = np.sqrt((xx + 0.5 - ts / 2.0) ** 2 + (yy + 0.5 - ts / 2.0) ** 2)
        t = np.clip((ts / 3.0 - d) / 0.8, 0.0, 1.0)[..., None]
        tile = ((1 - t) * bg + t * fg).astype(np.float32)
    elif kind == "argyle":
        c = ts / 2.0
        inside = (np.abs(xx + 0.5 - c) / c + np.abs(yy + 0.5 - c) / c) <= 1.0
        tile = np.where(inside[..., None], fg, bg)
        lines = ((xx + yy) % ts == 0) | ((xx - yy) % ts == 0)
        if stripes:
            for colour, _, _ in stripes:
                tile[lines] = 0.5 * tile[lines] + 0.5 * colour
        else:
            tile[lines] = 0.5 * bg + 0.5 * fg
        tile = np.clip(tile, 0.0, 1.0).astype(np.float32)
    elif kind == "buffalo":
        half = ts // 2
        tile = np.empty((ts, ts, 3), dtype=np.float32)
        tile[:half, :half] = bg
        tile[:half, half:] = fg
        tile[half:, :half] = fg
        tile[half:, half:] = 0.3 * bg + 0.15 * fg
        tile = np.clip(tile, 0.0, 1.0)
    elif kind == "checkerboard":
        half = max(ts // 2, 1)
        tile = np.where(((yy // half + xx // half) % 2 == 0)[..., None], bg, fg).astype(np.float32)
    elif kind == "windowpane":
        tile = np.full((ts, ts, 3), bg, dtype=np.float32)
        tile[0, :] = fg
        tile[:, 0] = fg
    elif kind == "basketweave":
        half = max(ts // 2, 1)
        across = ((yy // half + xx // half) % 2 == 0)[..., None]
        th = ((xx % half) / max(half - 1, 1) * 0.15)[..., None]
        tv = ((yy % half) / max(half - 1, 1) * 0.15)[..., None]
        tile = np.where(across, (1 - th) * bg + th * fg, (1 - tv) * fg + tv * bg)
        tile = np.clip(tile, 0.0, 1.0).astype(np.float32)
    elif kind == "flag":
        tile = np.full((ts, ts, 3), bg, dtype=np.float32)
        if not stripes:
            tile[ts // 2:] = fg
        else:
            total = sum(w for _, w, _ in stripes)
            if total == 0:
                raise Invalid("flag weights sum to 0")
            y = 0
            for i, (colour, width, _) in enumerate(stripes):
                h = ts - y if i == len(stripes) - 1 else max(round(ts * width / total), 1)
                end = min(y + h, ts)
                tile[y:end, :] = colour
                y = end
                if y >= ts:
                    break
    elif kind == "svg":
        tile = svg_tile(p.get("svg"), ts)
    else:
        tile = motif(kind, ts, bg, fg, xx, yy)
    th_, tw_ = tile.shape[:2]
    reps = ((SIZE + th_ - 1) // th_, (SIZE + tw_ - 1) // tw_, 1)
    return np.tile(tile, reps)[:SIZE, :SIZE, :]


def svg_tile(svg, ts):
    """cg3's `svg` pattern, rasterised as CatGenerator rasterises its SVG patterns:
    cairosvg at ts x ts, PIL `convert("RGB")`, a 0.5 grey tile when that fails."""
    import io

    import cairosvg
    from PIL import Image

    try:
        png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=ts, output_height=ts)
    except Exception:
        return np.full((ts, ts, 3), 0.5, dtype=np.float32)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return np.asarray(img, dtype=np.float32) / 255.0


def has_cairosvg():
    try:
        import cairosvg  # noqa: F401
        import PIL  # noqa: F401
    except Exception:
        return False
    return True


def motif(kind, ts, bg, fg, xx, yy):
    """The geometric world motifs: a mask chosen per pixel between fg and bg."""
    c = ts / 2.0
    dx = np.abs(xx + 0.5 - c)
    dy = np.abs(yy + 0.5 - c)
    if kind == "uroko":
        half = max(ts // 2, 2)
        cy = (yy % half).astype(np.float32) / half
        cx = (xx % half).astype(np.float32) / half
        up = cy < (1.0 - np.abs(2.0 * cx - 1.0))
        mask = up ^ ((yy // half + xx // half) % 2 == 1)
    elif kind == "eight_point_star":
        mask = ((dx <= ts * 0.22) & (dy <= ts * 0.22)) | ((dx + dy) <= ts * 0.4)
    elif kind == "kente":
        half = max(ts // 2, 2)
        sw = max(half // 3, 2)
        across = (yy // half + xx // half) % 2 == 0
        on = np.where(across, (yy % sw) < (sw // 2), (xx % sw) < (sw // 2))
        return np.clip(np.where(on[..., None], fg, 0.5 * bg + 0.5 * fg), 0.0, 1.0)
    elif kind == "shweshwe":
        sp = max(ts // 4, 3)
        h = sp // 2
        mask = ((np.abs(yy % sp - h) + np.abs(xx % sp - h)) <= h * 0.7) | (
            (np.abs((yy + h) % sp - h) + np.abs((xx + h) % sp - h)) <= h * 0.5)
    elif kind == "chinese_coin":
        sx, sy = xx + 0.5 - c, yy + 0.5 - c
        hole = (np.abs(sx) <= ts * 0.12) & (np.abs(sy) <= ts * 0.12)
        mask = (np.sqrt(sx**2 + sy**2) <= ts * 0.42) & ~hole
    elif kind == "dancheong":
        mask = (np.maximum(dx, dy) / max(ts / 6, 1.5)).astype(int) % 2 == 0
    elif kind in ("same_komon", "kanoko"):
        sp = max(ts // 4, 2) if kind == "same_komon" else max(ts // 3, 2)
        h = sp // 2
        shift = (yy // sp % 2) * h
        if kind == "same_komon":
            cy = (yy % sp).astype(np.float32)
            cx = ((xx + shift) % sp).astype(np.float32)
            mask = np.sqrt((cx - h) ** 2 + (cy - h) ** 2) < h * 0.6
        else:
            cy = (yy % sp).astype(np.float32) - h
            cx = ((xx + shift) % sp).astype(np.float32) - h
            d = np.sqrt(cx**2 + cy**2)
            mask = (d > h * 0.25) & (d < h * 0.7)
    elif kind == "hishi":
        d = dx / c + dy / c
        mask = (np.abs(d - 0.6) < 0.08) | (np.abs(d - 0.85) < 0.06)
    elif kind == "nordic_snowflake":
        arm, s = ts * 0.08, dx + dy
        mask = (((dx < arm) | (dy < arm)) & (s < c * 0.9)) | (
            (np.abs(dx - dy) < ts * 0.06) & (s < c * 0.85)) | (
            (s > c * 0.6) & (s < c * 0.75) & ((dx < arm * 2) | (dy < arm * 2)))
    elif kind == "nordic_diamond":
        arm = ts * 0.06
        mask = (np.abs(dx / c + dy / c - 0.7) < 0.1) | ((dx < arm) & (dy < arm))
    elif kind == "native_step":
        st = max(ts // 6, 1)
        mask = ((dx // st) * st + (dy // st) * st) <= c * 0.7
    elif kind == "camouflage":
        f1, f2, f3 = 2 * np.pi / ts, 2 * np.pi * 2 / ts, 2 * np.pi * 3 / ts
        v1 = np.sin(xx * f1) + np.sin(yy * f2)
        v2 = np.sin((xx + yy) * f1) + np.cos((xx - yy) * f2)
        v3 = np.sin(xx * f3 + 1) + np.cos(yy * f2 + 2)
        mask = (v1 + v2 * 0.7 + v3 * 0.5) > 0.5
    else:
        raise Invalid(kind)
    return np.where(mask[..., None], fg, bg)


def step(values):
    colour = np.array(values[:3], dtype=np.float32) / 255.0
    alpha = values[3] if len(values) >= 4 else 1.0
    alpha = alpha / 255.0 if alpha > 1 else alpha
    return colour, np.clip(alpha, 0.0, 1.0)  # a NumPy float64: it promotes what it meets


def recolour(cell, d):
    """A palette colour applied to an RGBA8 cell, as CatGenerator recolours a pelt."""
    arr = np.asarray(cell, dtype=np.float32) / 255.0
    rgb, alpha = arr[..., :3], arr[..., 3:4]
    pattern = d.get("pattern")
    if pattern:
        try:
            rgb = rgb * pattern_tile(pattern)
        except (Invalid, KeyError, TypeError, ValueError):
            pass
    elif d.get("multiply"):
        colour, a = step(d["multiply"])
        rgb = (1.0 - a) * rgb + a * (rgb * colour)
    if d.get("screen"):
        colour, a = step(d["screen"])
        rgb = (1.0 - a) * rgb + a * (1.0 - (1.0 - rgb) * (1.0 - colour))
    if d.get("overlay"):
        colour, a = step(d["overlay"])
        lit = np.where(rgb <= 0.5, 2.0 * rgb * colour, 1.0 - 2.0 * (1.0 - rgb) * (1.0 - colour))
        rgb = (1.0 - a) * rgb + a * lit
    arr[..., :3] = np.clip(rgb, 0.0, 1.0)
    arr[..., 3:4] = alpha
    return np.clip(np.rint(arr * 255.0), 0, 255).astype(np.uint8)


def dark_forest(cell):
    """CatGenerator's Dark Forest stage: a (120, 30, 30) fill at the cell's alpha x 200/255,
    multiplied onto the cell."""
    base = np.asarray(cell, dtype=np.float32) / 255.0
    fill_alpha = base[..., 3] * (200 / 255.0)
    fill_alpha = np.clip(np.rint(fill_alpha * 255.0), 0, 255).astype(np.uint8)
    oa = (fill_alpha.astype(np.float32) / 255.0)[..., None]
    fill = np.array([120, 30, 30], dtype=np.float32) / 255.0
    rgb = oa * (base[..., :3] * fill) + (1.0 - oa) * base[..., :3]
    a = base[..., 3:4]
    rgb = np.where(a > 0, rgb, 0.0)
    out = np.concatenate([rgb, a], axis=-1)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def load_colours(palettes):
    """Every colour of the palette files in `palettes`, by upper-case name (a later file's
    colour of the same name wins, as in CatGenerator)."""
    colours = {}
    for path in sorted(glob.glob(os.path.join(palettes, "*.json"))):
        with open(path, encoding="utf-8") as f:
            for name, d in json.load(f).get("colors", {}).items():
                colours[name.upper()] = d
    return colours


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--palettes", required=True)
    ap.add_argument("--cells", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--names", required=True)
    args = ap.parse_args()

    raw = np.fromfile(args.cells, dtype=np.uint8)
    cells = raw.reshape(-1, SIZE, SIZE, 4)
    colours = load_colours(args.palettes)
    drawn, skipped = [], {}
    drawable = DRAWN | ({"svg"} if has_cairosvg() else set())
    with open(args.out, "wb") as out:
        for name in sorted(colours):
            d = colours[name]
            kind = (d.get("pattern") or {}).get("type")
            if d.get("pattern") and kind not in drawable:
                skipped[name] = kind
                continue
            drawn.append(name)
            for cell in cells:
                out.write(recolour(cell, d).tobytes())
        for cell in cells:
            out.write(dark_forest(cell).tobytes())
    with open(args.names, "w", encoding="utf-8") as f:
        svg = [n for n in drawn if (colours[n].get("pattern") or {}).get("type") == "svg"]
        json.dump({"drawn": drawn, "skipped": skipped, "svg": svg}, f)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A synthetic sprite fixture for developing and testing the oracle (and the Rust side)
without the real art: the reference CatGenerator layout (919 groups on 61 sheets) filled
with seeded random RGBA that is hard on compositing code: partial alpha everywhere, alpha 0
pixels with non-zero RGB, fully opaque pixels.

It also exercises PNG decoding: most sheets are RGBA8 with every filter type and carry
gAMA / sRGB / iCCP / cHRM chunks that must be ignored; some sheets are palette (8- and 2-bit,
tRNS), grey (tRNS key), grey+alpha (8- and 16-bit), RGB (tRNS key), RGBA 16-bit or Adam7
interlaced; some sheets are smaller than the layout needs (cells partly outside the sheet)
or larger.

    python3 scripts/golden/make_fixture.py --reference ../shared/reference/catgenerator --out /tmp/fixture
    -> /tmp/fixture/data/{spritesIndex,spritesOffsetMap,peltInfo}.json, data/tints/*.json,
       /tmp/fixture/sprites/*.png, /tmp/fixture/expected/<sheet>.rgba (raw RGBA the PNG holds)
"""
import argparse
import json
import os
import random
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIG = b"\x89PNG\r\n\x1a\n"

# sheet -> (width, height) overriding the size the layout needs
SIZE_OVERRIDE = {
    "whitepatches": (2070, 3420),  # last column / last row of groups partly outside
    "fadestarclan": (430, 350),
    "collars": (904, 1068),  # bigger than needed
    "tail2_accessories": (274, 384),
    "skin": (880, 1030),
    "eyes": (1790, 700),
}
# sheet -> PNG flavour
FLAVOUR = {
    "lineart": "pal8",
    "lineartdf": "pal2",
    "shadersnewwhite": "rgb8",
    "missingscars": "rgb8_trns",
    "lightingnew": "ga8",
    "fademask": "ga16",
    "lineartdead": "grey8_trns",
    "skin": "rgba16",
    "eyes2": "rgba8_adam7",
}


def chunk(tag, body):
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def filter_rows(rows, bpp, rng, all_filters):
    out = []
    prev = bytes(len(rows[0]))
    for row in rows:
        ft = rng.randrange(5) if all_filters else rng.randrange(3)
        if ft == 0:
            f = row
        elif ft == 1:
            f = bytes((row[i] - (row[i - bpp] if i >= bpp else 0)) & 255 for i in range(len(row)))
        elif ft == 2:
            f = bytes((row[i] - prev[i]) & 255 for i in range(len(row)))
        elif ft == 3:
            f = bytes(
                (row[i] - (((row[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255 for i in range(len(row))
            )
        else:
            f = bytes(
                (row[i] - _paeth(row[i - bpp] if i >= bpp else 0, prev[i], prev[i - bpp] if i >= bpp else 0)) & 255
                for i in range(len(row))
            )
        out.append(bytes([ft]) + f)
        prev = row
    return out


def png(width, height, depth, ctype, rows_raw, bpp, rng, extra=b"", plte=None, trns=None, interlace=False,
        all_filters=False):
    """rows_raw: list of unfiltered packed rows (or, for Adam7, list of passes of rows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, 1 if interlace else 0)
    if interlace:
        data = b"".join(b"".join(filter_rows(p, bpp, rng, all_filters)) for p in rows_raw if p)
    else:
        data = b"".join(filter_rows(rows_raw, bpp, rng, all_filters))
    out = SIG + chunk(b"IHDR", ihdr) + extra
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    comp = zlib.compress(data, 6)
    # split IDAT in a few chunks
    step = max(1, len(comp) // 3 + 1)
    for i in range(0, len(comp), step):
        out += chunk(b"IDAT", comp[i : i + step])
    return out + chunk(b"IEND", b"")


COLOUR_CHUNKS = (
    chunk(b"gAMA", struct.pack(">I", 100000))  # gamma 1.0: a gamma-correcting decoder changes values
    + chunk(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000))
    + chunk(b"iCCP", b"fake\x00\x00" + zlib.compress(b"not a real ICC profile" * 4))
)
SRGB_CHUNK = chunk(b"sRGB", b"\x00") + chunk(b"gAMA", struct.pack(">I", 45455))


def random_rgba(rng, n):
    """n pixels: ~40% alpha 0 (random RGB kept), ~25% alpha 255, rest partial alpha."""
    px = bytearray(rng.randbytes(4 * n))
    amap = bytes(0 if b < 102 else (255 if b < 166 else b) for b in range(256))
    px[3::4] = bytes(px[3::4]).translate(amap)
    return bytes(px)


def make_sheet(name, w, h, rng):
    """-> (png bytes, raw RGBA bytes a correct decoder must produce)."""
    flav = FLAVOUR.get(name, "rgba8")
    n = w * h
    small = n <= 450 * 350
    if flav == "rgba8":
        px = random_rgba(rng, n)
        rows = [px[4 * w * y : 4 * w * (y + 1)] for y in range(h)]
        extra = COLOUR_CHUNKS if rng.random() < 0.5 else SRGB_CHUNK
        return png(w, h, 8, 6, rows, 4, rng, extra=extra, all_filters=small), px
    if flav == "rgba8_adam7":
        px = random_rgba(rng, n)
        passes = []
        for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                               (0, 1, 1, 2)):
            prow = []
            for y in range(y0, h, dy):
                prow.append(b"".join(px[4 * (y * w + x) : 4 * (y * w + x) + 4] for x in range(x0, w, dx)))
            passes.append(prow if prow and prow[0] else [])
        return png(w, h, 8, 6, passes, 4, rng, interlace=True), px
    if flav == "rgba16":
        px = random_rgba(rng, n)
        lo = rng.randbytes(4 * n)
        raw16 = bytearray(8 * n)
        raw16[0::2], raw16[1::2] = px, lo
        rows = [bytes(raw16[8 * w * y : 8 * w * (y + 1)]) for y in range(h)]
        return png(w, h, 16, 6, rows, 8, rng, all_filters=False), px
    if flav in ("pal8", "pal2"):
        depth = 8 if flav == "pal8" else 2
        ncol = 200 if depth == 8 else 4
        pal = [rng.randbytes(3) for _ in range(ncol)]
        alphas = bytes(rng.choice((0, 255, rng.randrange(256))) for _ in range(ncol - 20 if depth == 8 else 3))
        idx = [rng.randrange(ncol) for _ in range(n)]
        px = b"".join(pal[i] + bytes([alphas[i] if i < len(alphas) else 255]) for i in idx)
        rows = []
        for y in range(h):
            r = idx[w * y : w * (y + 1)]
            if depth == 8:
                rows.append(bytes(r))
            else:
                b = bytearray((w * 2 + 7) // 8)
                for x, v in enumerate(r):
                    b[x // 4] |= v << (6 - 2 * (x % 4))
                rows.append(bytes(b))
        return png(w, h, depth, 3, rows, 1, rng, plte=b"".join(pal), trns=alphas, all_filters=small), px
    if flav in ("rgb8", "rgb8_trns"):
        rgb = rng.randbytes(3 * n)
        key = (7, 77, 177)
        if flav == "rgb8_trns":  # make ~10% of the pixels the key colour
            b = bytearray(rgb)
            for i in range(0, n, 10):
                b[3 * i : 3 * i + 3] = bytes(key)
            rgb = bytes(b)
        a = bytearray(b"\xff" * n)
        if flav == "rgb8_trns":
            for i in range(n):
                if tuple(rgb[3 * i : 3 * i + 3]) == key:
                    a[i] = 0
        px = bytearray(4 * n)
        px[0::4], px[1::4], px[2::4], px[3::4] = rgb[0::3], rgb[1::3], rgb[2::3], a
        rows = [rgb[3 * w * y : 3 * w * (y + 1)] for y in range(h)]
        trns = struct.pack(">HHH", *key) if flav == "rgb8_trns" else None
        return png(w, h, 8, 2, rows, 3, rng, trns=trns, all_filters=small), bytes(px)
    if flav == "grey8_trns":
        g = rng.randbytes(n)
        a = bytes(0 if v == 40 else 255 for v in g)
        px = bytearray(4 * n)
        px[0::4], px[1::4], px[2::4], px[3::4] = g, g, g, a
        rows = [g[w * y : w * (y + 1)] for y in range(h)]
        return png(w, h, 8, 0, rows, 1, rng, trns=struct.pack(">H", 40), all_filters=small), bytes(px)
    if flav in ("ga8", "ga16"):
        rgba = random_rgba(rng, n)
        g, a = rgba[0::4], rgba[3::4]
        px = bytearray(4 * n)
        px[0::4], px[1::4], px[2::4], px[3::4] = g, g, g, a
        if flav == "ga8":
            raw = bytearray(2 * n)
            raw[0::2], raw[1::2] = g, a
            rows = [bytes(raw[2 * w * y : 2 * w * (y + 1)]) for y in range(h)]
            return png(w, h, 8, 4, rows, 2, rng, all_filters=small), bytes(px)
        raw = bytearray(4 * n)
        raw[0::4], raw[1::4], raw[2::4], raw[3::4] = g, rng.randbytes(n), a, rng.randbytes(n)
        rows = [bytes(raw[4 * w * y : 4 * w * (y + 1)]) for y in range(h)]
        return png(w, h, 16, 4, rows, 4, rng, all_filters=small), bytes(px)
    raise AssertionError(flav)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="folder with spritesIndex.json etc. (CatGenerator layout)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", nargs="*", help="only these sheets (default: all)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    data = os.path.join(args.out, "data")
    sprites = os.path.join(args.out, "sprites")
    expected = os.path.join(args.out, "expected")
    for d in (data, os.path.join(data, "tints"), sprites, expected):
        os.makedirs(d, exist_ok=True)
    for f in ("spritesIndex.json", "spritesOffsetMap.json", "peltInfo.json"):
        shutil.copy(os.path.join(args.reference, f), os.path.join(data, f))
    for f in ("tint.json", "white_patches_tint.json"):
        shutil.copy(os.path.join(args.reference, "tints", f), os.path.join(data, "tints", f))
    with open(os.path.join(args.reference, "spritesIndex.json")) as f:
        index = json.load(f)
    sizes = {}
    for e in index.values():
        w, h = sizes.get(e["spritesheet"], (0, 0))
        sizes[e["spritesheet"]] = (max(w, int(e["xOffset"]) + 150), max(h, int(e["yOffset"]) + 350))
    sizes.update({k: v for k, v in SIZE_OVERRIDE.items() if k in sizes})
    for name in sorted(sizes):
        if args.only and name not in args.only:
            continue
        w, h = sizes[name]
        blob, px = make_sheet(name, w, h, random.Random(f"{args.seed}:{name}"))
        with open(os.path.join(sprites, name + ".png"), "wb") as f:
            f.write(blob)
        with open(os.path.join(expected, name + ".rgba"), "wb") as f:
            f.write(px)
        print(f"{name}.png {w}x{h} {FLAVOUR.get(name, 'rgba8')}", flush=True)


if __name__ == "__main__":
    main()

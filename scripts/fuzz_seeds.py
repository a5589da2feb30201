#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/, scripts/fuzz.sh) from the repository's own
tests and data, plus every committed regression input under fuzz/seeds/<target>/.

Usage: fuzz_seeds.py OUT_DIR   (one folder per target; existing files are kept)
"""
import hashlib
import json
import pathlib
import shutil
import sys
import struct
import urllib.parse
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def put(out, target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def png(width, height, colour_type, depth, plte=b"", trns=b""):
    """A small PNG of every colour type the loader expands (grey, RGB, palette, grey+alpha,
    RGBA; 8 and 16 bits), so the decoder's paths are all in the seeds."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = bytes((x * 37) & 0xFF for x in range((width * channels * depth + 7) // 8))
    raw = b"".join(b"\x00" + row for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    head = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    body = chunk(b"IHDR", head)
    if plte:
        body += chunk(b"PLTE", plte)
    if trns:
        body += chunk(b"tRNS", trns)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main(out):
    out = pathlib.Path(out)
    cats = [json.loads(l) for l in (ROOT / "tests/golden/cats.jsonl").read_text().splitlines() if l.strip()]
    for cat in cats:
        put(out, "cat_params", json.dumps(cat).encode())
        pairs = [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in cat.items()
                 if not isinstance(v, (list, dict))]
        put(out, "render_png_query", urllib.parse.urlencode(pairs).encode())
    put(out, "render_png_query", b"params=" + urllib.parse.quote(json.dumps(cats[0])).encode() + b"&scale=4")
    for chunk in sorted((ROOT / "tests/golden/chunks").glob("*.json")):
        put(out, "chunk_request", chunk.read_bytes())
    for palette in sorted((ROOT / "data/palettes").glob("*.json")):
        put(out, "palette_tileset", b"\x00" + palette.read_bytes())
    for tileset in sorted((ROOT / "data/tilesets").glob("*.json")):
        put(out, "palette_tileset", b"\x01\xff\xff" + tileset.read_bytes())
    put(out, "sprite_folder", b"\x01" + (ROOT / "data/spritesIndex.json").read_bytes()[:16000])
    put(out, "sprite_folder", b"\x02" + (ROOT / "data/spritesOffsetMap.json").read_bytes())
    for image in [png(8, 8, 6, 8), png(5, 3, 2, 16), png(4, 4, 0, 1), png(6, 2, 4, 8),
                  png(7, 7, 3, 8, plte=bytes(range(48)), trns=b"\x00\x80"), png(3, 3, 0, 16)]:
        put(out, "sprite_folder", b"\x00" + image)
    # png_encode: a 50-wide sprite-like image (clear border, flat body, shaded rows) on one
    # thread, and a 1-wide column of 4,000 rows compressed in two strips.
    sprite = bytearray()
    for y in range(50):
        for x in range(50):
            inside = 10 <= x < 40 and 8 <= y < 45
            sprite += bytes([200 - y, 120 + (x // 7) * 3, 60, 255]) if inside else bytes(4)
    put(out, "png_encode", bytes([49]) + bytes(sprite))
    put(out, "png_encode", bytes([128]) + bytes((i * 7 // 64) % 256 for i in range(16000)))
    seeds = ROOT / "fuzz/seeds"
    if seeds.is_dir():
        for target in seeds.iterdir():
            for f in target.iterdir():
                (out / target.name).mkdir(parents=True, exist_ok=True)
                shutil.copy(f, out / target.name / f.name)


main(sys.argv[1])

#!/usr/bin/env python3
"""A second, pygame-free implementation of the spec §3 arithmetic, used to cross-check the
oracle: it executes the same plans (oracle.build_plan) with plain integer formulas on RGBA
bytes, and must give exactly the pygame oracle's pixels.

    python3 scripts/golden/spec_model.py --data-root D --sprite-root S --params cats.jsonl [--sheet golden.png]

With --sheet it also checks an existing golden sheet against the model (cat i at column
i % columns, row i // columns). Exit 0 when every cat matches.
A negative control (--sabotage) perturbs one pixel of every model render; the run must fail.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
import pngio  # noqa: E402

N = oracle.CELL * oracle.CELL


def normal(d: bytearray, s: bytes):
    for i in range(0, 4 * N, 4):
        sa = s[i + 3]
        da = d[i + 3]
        if da == 0:
            d[i : i + 4] = s[i : i + 4]
            continue
        k1, k2 = 256 - sa, sa + 1
        d[i] = (d[i] * k1 + s[i] * k2) >> 8
        d[i + 1] = (d[i + 1] * k1 + s[i + 1] * k2) >> 8
        d[i + 2] = (d[i + 2] * k1 + s[i + 2] * k2) >> 8
        d[i + 3] = sa + da - (sa * da) // 255


def rgb_mult(d: bytearray, s: bytes):
    for i in range(0, 4 * N, 4):
        d[i] = (d[i] * s[i] + 255) >> 8
        d[i + 1] = (d[i + 1] * s[i + 1] + 255) >> 8
        d[i + 2] = (d[i + 2] * s[i + 2] + 255) >> 8


def rgb_add(d: bytearray, s: bytes):
    for i in range(0, 4 * N, 4):
        d[i] = min(255, d[i] + s[i])
        d[i + 1] = min(255, d[i + 1] + s[i + 1])
        d[i + 2] = min(255, d[i + 2] + s[i + 2])


def rgba_mult(d: bytearray, s: bytes):
    for i in range(4 * N):
        d[i] = (d[i] * s[i] + 255) >> 8


def rgba_min(d: bytearray, s: bytes):
    for i in range(4 * N):
        if s[i] < d[i]:
            d[i] = s[i]


def fill(rgb):
    return bytes((rgb[0], rgb[1], rgb[2], 255)) * N


def flip(d: bytes) -> bytearray:
    c = oracle.CELL
    out = bytearray(4 * N)
    for y in range(c):
        for x in range(c):
            o = 4 * (y * c + x)
            i = 4 * (y * c + (c - 1 - x))
            out[o : o + 4] = d[i : i + 4]
    return out


def render_plan_model(atlas, pose, steps) -> bytes:
    cell = lambda g: atlas.cell_rgba(g, pose)  # noqa: E731
    cat = bytearray(4 * N)
    for st in steps:
        op = st[0]
        if op == "blit":
            normal(cat, cell(st[1]))
        elif op == "tortie":
            patches = bytearray(cell(st[1]))
            rgba_mult(patches, cell(st[2]))
            normal(cat, patches)
        elif op == "rgb_mult_fill":
            rgb_mult(cat, fill(st[1]))
        elif op == "rgb_add_fill":
            rgb_add(cat, fill(st[1]))
        elif op == "white":
            wp = bytearray(cell(st[1]))
            if st[2] is not None:
                rgb_mult(wp, fill(st[2]))
            normal(cat, wp)
        elif op == "eyes":
            eyes = bytearray(cell(st[1]))
            if st[2] is not None:
                normal(eyes, cell(st[2]))
            normal(cat, eyes)
        elif op == "rgb_mult":
            rgb_mult(cat, cell(st[1]))
        elif op == "rgba_min":
            rgba_min(cat, cell(st[1]))
        elif op == "fade":
            rgba_mult(cat, cell(st[1]))
            fog = bytearray(cell(st[2]))
            normal(fog, cat)
            cat = fog
        elif op == "flip":
            cat = flip(cat)
        else:
            raise AssertionError(op)
    return bytes(cat)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--sprite-root", required=True)
    ap.add_argument("--params", required=True)
    ap.add_argument("--sheet", help="also compare this golden sheet PNG with the model")
    ap.add_argument("--columns", type=int, default=20)
    ap.add_argument("--sabotage", action="store_true", help="negative control: flip one bit per model render")
    args = ap.parse_args()
    atlas = oracle.Atlas(args.data_root, args.sprite_root)
    cats = oracle.read_jsonl(args.params)
    sheet = pngio.read_png(args.sheet) if args.sheet else None
    bad = 0
    for i, params in enumerate(cats):
        pose, steps = oracle.build_plan(atlas, params)
        oracle.check_groups(atlas, steps)
        model = bytearray(render_plan_model(atlas, pose, steps))
        if args.sabotage:
            model[(i * 997) % len(model)] ^= 1
        got = oracle.rgba_of(oracle.render_plan(atlas, pose, steps))
        problems = []
        if got != model:
            n = sum(1 for k in range(0, len(got), 4) if got[k : k + 4] != model[k : k + 4])
            problems.append(f"pygame != model on {n} px")
        if sheet is not None:
            w, h, px = sheet
            cx, cy = (i % args.columns) * oracle.CELL, (i // args.columns) * oracle.CELL
            if cy + oracle.CELL > h or cx + oracle.CELL > w:
                problems.append("not in the sheet")
            else:
                cellpx = b"".join(
                    px[4 * ((cy + y) * w + cx) : 4 * ((cy + y) * w + cx + oracle.CELL)] for y in range(oracle.CELL)
                )
                if cellpx != bytes(model):
                    problems.append("sheet != model")
        if problems:
            bad += 1
            if bad <= 20:
                print(f"cat {i}: {'; '.join(problems)}")
    print(f"{len(cats)} cats checked, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check that pygame-ce's blitters compute exactly the integer formulas of
shared/spec/compositing.md §3, on this machine, on every code path we can reach.

    python3 scripts/golden/check_formulas.py            # exhaustive, ~1-2 min
    python3 scripts/golden/check_formulas.py --quick    # fewer source alphas for `normal`

Paths exercised (pygame-ce picks the blitter from the two surfaces' pixel formats):
  * "simd":   source and destination both ARGB8888 (what the game and oracle.py use)
              -> AVX2 blitters on a CPU with AVX2 (SSE2 otherwise);
  * "scalar": source ABGR8888 ("RGBA" bytes), destination ARGB8888 -> pygame's generic C
              blitters (no SIMD: the masks differ).
Each at widths 256, 50 and 7 so that the 8-pixel SIMD body and the 1-7 pixel tails run.

Coverage:
  * normal:     every (sC, dC, sA) triple with dA != 0 and every one with dA == 0 (in the
                red channel; green/blue see the same triples permuted), every (sA, dA) pair;
  * RGB mult / RGB add / RGBA mult / RGBA min: every (s, d) pair on every channel incl.
                alpha, twice with differently correlated alphas.
To exercise the SSE2 blitters on an AVX2 machine, run it under qemu-user with a CPU model
without AVX (apt-get install qemu-user; ~4-5 min):
    qemu-x86_64 -cpu Nehalem "$(command -v python3)" scripts/golden/check_formulas.py
Exit status 0 when pygame matches the spec everywhere, 1 otherwise (mismatches listed).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _pgenv import pygame  # noqa: E402

N = 65536  # pixels per test image (a 256 x 256 grid of (x, y))


# ---- spec §3 formulas ---------------------------------------------------------------
def spec_normal(s, d):
    sr, sg, sb, sa = s
    dr, dg, db, da = d
    if da == 0:
        return (sr, sg, sb, sa)
    return (
        (dr * (256 - sa) + sr * (sa + 1)) >> 8,
        (dg * (256 - sa) + sg * (sa + 1)) >> 8,
        (db * (256 - sa) + sb * (sa + 1)) >> 8,
        sa + da - (sa * da) // 255,
    )


def spec_rgb_mult(s, d):
    return tuple((d[i] * s[i] + 255) >> 8 for i in range(3)) + (d[3],)


def spec_rgb_add(s, d):
    return tuple(min(255, d[i] + s[i]) for i in range(3)) + (d[3],)


def spec_rgba_mult(s, d):
    return tuple((d[i] * s[i] + 255) >> 8 for i in range(4))


def spec_rgba_min(s, d):
    return tuple(min(d[i], s[i]) for i in range(4))


MODES = {
    "normal": (0, spec_normal),
    "rgb_mult": (pygame.BLEND_RGB_MULT, spec_rgb_mult),
    "rgb_add": (pygame.BLEND_RGB_ADD, spec_rgb_add),
    "rgba_mult": (pygame.BLEND_RGBA_MULT, spec_rgba_mult),
    "rgba_min": (pygame.BLEND_RGBA_MIN, spec_rgba_min),
}


# ---- surfaces -----------------------------------------------------------------------
def to_bgra(rgba: bytes) -> bytes:
    b = bytearray(rgba)
    b[0::4], b[2::4] = rgba[2::4], rgba[0::4]
    return bytes(b)


def make_surface(rgba: bytes, width: int, fmt: str):
    """Surface of `width` columns holding the pixels of `rgba` row-major, padded with
    zero pixels; fmt "argb" -> ARGB8888 (masks R=0xff0000), "abgr" -> ABGR8888."""
    npx = len(rgba) // 4
    height = -(-npx // width)
    pad = bytes(4 * (width * height - npx))
    if fmt == "argb":
        surf = pygame.image.frombuffer(to_bgra(rgba) + pad, (width, height), "BGRA").copy()
        assert surf.get_masks() == (0xFF0000, 0xFF00, 0xFF, 0xFF000000), surf.get_masks()
    else:
        surf = pygame.image.frombuffer(rgba + pad, (width, height), "RGBA").copy()
        assert surf.get_masks() == (0xFF, 0xFF00, 0xFF0000, 0xFF000000), surf.get_masks()
    assert surf.get_flags() & pygame.SRCALPHA and surf.get_bitsize() == 32
    back = pygame.image.tobytes(surf, "RGBA")[: len(rgba)]
    assert back == rgba, "pixel round trip through a pygame surface is not exact"
    return surf


def run_blit(src_rgba, dst_rgba, flags, width, src_fmt):
    dst = make_surface(dst_rgba, width, "argb")
    src = make_surface(src_rgba, width, src_fmt)
    dst.blit(src, (0, 0), special_flags=flags)
    return pygame.image.tobytes(dst, "RGBA")[: len(dst_rgba)]


def interleave(r, g, b, a) -> bytes:
    out = bytearray(4 * len(r))
    out[0::4], out[1::4], out[2::4], out[3::4] = r, g, b, a
    return bytes(out)


# ---- reporting ----------------------------------------------------------------------
class Report:
    def __init__(self):
        self.failures = {}  # (mode, path) -> list of examples
        self.counts = {}
        self.checked = {}

    def add_checked(self, key, n):
        self.checked[key] = self.checked.get(key, 0) + n

    def compare(self, key, src, dst, got, expected, fn):
        self.add_checked(key, len(got) // 4)
        if got == expected:
            return
        ex = self.failures.setdefault(key, [])
        for i in range(0, len(got), 4):
            if got[i : i + 4] != expected[i : i + 4]:
                self.counts[key] = self.counts.get(key, 0) + 1
                if len(ex) < 12:
                    s, d = tuple(src[i : i + 4]), tuple(dst[i : i + 4])
                    ex.append((s, d, tuple(got[i : i + 4]), fn(s, d)))


# ---- the checks ---------------------------------------------------------------------
XS = bytes(range(256)) * 256  # x of pixel i = i % 256
YS = b"".join(bytes([y]) * 256 for y in range(256))  # y of pixel i = i // 256


_TABLES = {}


def normal_tables(sa):
    """Per-channel tables of the `normal` formula for source alpha sa, built by calling
    the formula function itself: T[s*256+d] for dA != 0 (dA = 1 stands for every nonzero
    dA: the spec's RGB depends on dA only through dA == 0), T0 for dA == 0, and the alpha
    results TA[dA]."""
    if sa not in _TABLES:
        fn = MODES["normal"][1]
        t = bytes(fn((s, s, s, sa), (d, d, d, 1))[0] for s in range(256) for d in range(256))
        t0 = bytes(fn((s, s, s, sa), (d, d, d, 0))[0] for s in range(256) for d in range(256))
        ta = bytes(fn((0, 0, 0, sa), (0, 0, 0, da))[3] for da in range(256))
        _TABLES[sa] = (t, t0, ta)
    return _TABLES[sa]


def check_normal(report, path, src_fmt, width, alphas):
    fn = MODES["normal"][1]
    key = ("normal", f"{path} w={width}")
    # pixel (x, y): src R=x G=y B=255-x; dst R=y G=x B=y^0xA5; dA in 1..255 (set A) or 0 (set B)
    s_r, s_g, s_b = XS, YS, bytes(255 - v for v in XS)
    d_r, d_g, d_b = YS, XS, bytes(v ^ 0xA5 for v in YS)
    d_a_nonzero = bytes(1 + ((x + 3 * y) % 255) for y in range(256) for x in range(256))
    zero = bytes(N)
    for sa in alphas:
        s_a = bytes([sa]) * N
        src = interleave(s_r, s_g, s_b, s_a)
        t, t0, ta = normal_tables(sa)
        for d_a, tt in ((d_a_nonzero, t), (zero, t0)):
            dst = interleave(d_r, d_g, d_b, d_a)
            e_r = b"".join(tt[y::256] for y in range(256))  # s=x, d=y
            e_g = tt  # s=y, d=x
            e_b = b"".join(tt[(y ^ 0xA5) :: 256][::-1] for y in range(256))  # s=255-x, d=y^A5
            e_a = d_a.translate(ta)
            got = run_blit(src, dst, 0, width, src_fmt)
            report.compare(key, src, dst, got, interleave(e_r, e_g, e_b, e_a), fn)


def check_pairwise(report, mode, path, src_fmt, width):
    flags, fn = MODES[mode]
    key = (mode, f"{path} w={width}")
    # every (s, d) pair on R, G, B and A; alphas correlated two different ways
    for s_a, d_a in ((XS, YS), (bytes(v ^ 0x5A for v in YS), XS)):
        src = interleave(XS, YS, bytes(255 - v for v in XS), s_a)
        dst = interleave(YS, XS, bytes(v ^ 0xA5 for v in YS), d_a)
        exp = bytearray(4 * N)
        for i in range(0, 4 * N, 4):
            exp[i : i + 4] = bytes(fn(src[i : i + 4], dst[i : i + 4]))
        got = run_blit(src, dst, flags, width, src_fmt)
        report.compare(key, src, dst, got, bytes(exp), fn)


def sabotage():
    """Swap in wrong formulas so that a checker that cannot fail is noticed."""
    def wrong_normal(s, d):  # the spec without the dA == 0 rule and with /256 alpha
        return tuple((d[i] * (256 - s[3]) + s[i] * (s[3] + 1)) >> 8 for i in range(3)) + (
            min(255, s[3] + d[3] - (s[3] * d[3]) // 256),
        )

    def wrong_mult(s, d):  # rounding variant (d*s)/255
        return tuple((d[i] * s[i]) // 255 for i in range(3)) + (d[3],)

    def wrong_rgba_mult(s, d):
        return tuple((d[i] * s[i]) // 255 for i in range(4))

    def wrong_add(s, d):  # alpha added too
        return tuple(min(255, d[i] + s[i]) for i in range(4))

    def wrong_min(s, d):  # alpha untouched
        return tuple(min(d[i], s[i]) for i in range(3)) + (d[3],)

    MODES["normal"] = (0, wrong_normal)
    MODES["rgb_mult"] = (pygame.BLEND_RGB_MULT, wrong_mult)
    MODES["rgba_mult"] = (pygame.BLEND_RGBA_MULT, wrong_rgba_mult)
    MODES["rgb_add"] = (pygame.BLEND_RGB_ADD, wrong_add)
    MODES["rgba_min"] = (pygame.BLEND_RGBA_MIN, wrong_min)


def check_flip(report):
    import random

    rng = random.Random(7)
    for w, h in ((50, 50), (7, 3), (256, 5)):
        data = bytes(rng.randrange(256) for _ in range(4 * w * h))
        surf = make_surface(data, w, "argb")
        got = pygame.image.tobytes(pygame.transform.flip(surf, True, False), "RGBA")
        exp = b"".join(
            data[4 * (y * w + x) : 4 * (y * w + x) + 4] for y in range(h) for x in range(w - 1, -1, -1)
        )
        key = ("flip_x", f"{w}x{h}")
        report.add_checked(key, w * h)
        if got != exp:
            report.failures.setdefault(key, []).append("flip differs")
            report.counts[key] = sum(got[i] != exp[i] for i in range(len(got)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="normal mode: 32 source alphas instead of 256")
    ap.add_argument(
        "--sabotage",
        action="store_true",
        help="negative control: compare against deliberately wrong formulas (off-by-one "
        "rounding, no dA==0 rule, /256 alpha); the run must then FAIL on every mode",
    )
    args = ap.parse_args()
    if args.sabotage:
        sabotage()
    isets = pygame.system.get_cpu_instruction_sets() if hasattr(pygame, "system") else {}
    print(f"pygame-ce {pygame.version.ver}, SDL {'.'.join(map(str, pygame.get_sdl_version()))}")
    print("CPU: " + " ".join(k for k, v in isets.items() if v))
    alphas = list(range(256))
    if args.quick:
        alphas = sorted({0, 1, 2, 127, 128, 129, 254, 255} | set(range(3, 255, 11)))
    report = Report()
    t0 = time.time()
    simd = "simd-avx2" if isets.get("AVX2") else ("simd-sse2" if isets.get("SSE2") else "simd?")
    paths = ((simd, "argb"), ("scalar", "abgr"))
    for path, src_fmt in paths:
        for width in (256, 50, 7):
            check_normal(report, path, src_fmt, width, alphas)
            for mode in ("rgb_mult", "rgb_add", "rgba_mult", "rgba_min"):
                check_pairwise(report, mode, path, src_fmt, width)
            print(f"  {path} w={width}: done ({time.time() - t0:.1f}s)", flush=True)
    check_flip(report)

    print()
    print(f"{'mode':10} {'path':18} {'pixels checked':>15} {'mismatches':>11}")
    for key in sorted(report.checked):
        print(f"{key[0]:10} {key[1]:18} {report.checked[key]:>15,} {report.counts.get(key, 0):>11,}")
    if report.failures:
        print("\nMISMATCHES (src, dst, pygame, spec):")
        for key, ex in report.failures.items():
            print(f"  {key[0]} {key[1]}: {report.counts.get(key, 0)} pixels")
            for e in ex:
                print(f"    {e}")
        return 1
    print("\nOK: pygame-ce's blitters equal the spec §3 formulas on every pixel checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

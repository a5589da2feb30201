#!/usr/bin/env python3
"""Independent oracle: composes cats with REAL pygame-ce blits, in the exact order and
grouping of shared/spec/compositing.md §4. Its PNGs are the golden files that the Rust CPU
and GPU backends must reproduce bit for bit.

    # one sheet, cat i at column i % 20, row i // 20 (50 x 50 each)
    python3 scripts/golden/oracle.py render --data-root data --sprite-root sprites \\
        --params tests/golden/cats.jsonl --sheet out.png --columns 20
    # or one PNG per JSONL line (0000.png, 0001.png, ...)
    python3 scripts/golden/oracle.py render ... --out-dir out/
    # speed of pygame on one typical ~12-layer cat
    python3 scripts/golden/oracle.py bench --data-root data --sprite-root sprites --iterations 20000
    # decode every sheet with pngio and with pygame.image.load and compare
    python3 scripts/golden/oracle.py check-sheets --data-root data --sprite-root sprites

Data root: spritesIndex.json, spritesOffsetMap.json, peltInfo.json, tint.json,
white_patches_tint.json, each directly in the data root or under tints/ (or the sprite root).
Sprite root: <spritesheet>.png.

Pixels: sheets are decoded by pngio (raw 8-bit RGBA, no gamma/ICC/sRGB handling) and copied
byte-exactly into 32-bit ARGB8888 SRCALPHA surfaces (the layout of
pygame.Surface((50, 50), SRCALPHA, 32) and of .convert_alpha() on a usual display, so pygame
takes the same SIMD blitters as the game). Every copy is verified by a raw round trip.
"""
import argparse
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _pgenv import pygame  # noqa: E402
import pngio  # noqa: E402

CELL = 50

PELT_PREFIX = {
    "SingleColour": "single",
    "TwoColour": "single",
    "Tabby": "tabby",
    "Marbled": "marbled",
    "Rosette": "rosette",
    "Smoke": "smoke",
    "Ticked": "ticked",
    "Speckled": "speckled",
    "Bengal": "bengal",
    "Mackerel": "mackerel",
    "Classic": "classic",
    "Sokoke": "sokoke",
    "Agouti": "agouti",
    "Singlestripe": "singlestripe",
    "Masked": "masked",
}
TORTIE_PELTS = ("Tortie", "Calico")
PELT_NAMES = tuple(PELT_PREFIX) + TORTIE_PELTS

# (category, peltInfo list, sprite prefix), in precedence order (spec §4 step 12)
ACCESSORY_CATEGORIES = (
    ("plant", "plant_accessories", "acc_herbs"),
    ("wild", "wild_accessories", "acc_wild"),
    ("collars", "collars", "collars"),
    ("flower", "flower_accessories", "acc_flower"),
    ("plant2", "plant2_accessories", "acc_plant2"),
    ("snake", "snake_accessories", "acc_snake"),
    ("smallAnimal", "smallAnimal_accessories", "acc_smallAnimal"),
    ("deadInsect", "deadInsect_accessories", "acc_deadInsect"),
    ("aliveInsect", "aliveInsect_accessories", "acc_aliveInsect"),
    ("fruit", "fruit_accessories", "acc_fruit"),
    ("crafted", "crafted_accessories", "acc_crafted"),
    ("tail2", "tail2_accessories", "acc_tail2"),
)


class ParamError(ValueError):
    """Bad cat parameters (unknown name, wrong type, missing field)."""


# ---------------------------------------------------------------------------------------
# data + sprites
# ---------------------------------------------------------------------------------------
def _find_json(roots, name):
    for root in roots:
        for cand in (os.path.join(root, name), os.path.join(root, "tints", name)):
            if os.path.isfile(cand):
                with open(cand, encoding="utf-8") as f:
                    return json.load(f)
    raise FileNotFoundError(f"{name} not found in {' or '.join(roots)} (nor under tints/)")


def to_bgra(rgba: bytes) -> bytes:
    """RGBA bytes -> the memory layout of ARGB8888 on a little-endian machine (B,G,R,A)."""
    b = bytearray(rgba)
    b[0::4], b[2::4] = rgba[2::4], rgba[0::4]
    return bytes(b)


def surface_from_rgba(rgba: bytes, w: int, h: int):
    """A new 32-bit ARGB8888 SRCALPHA surface holding exactly these RGBA bytes."""
    if sys.byteorder != "little":  # pragma: no cover - every machine we run on is LE
        raise RuntimeError("oracle assumes a little-endian machine")
    surf = pygame.image.frombuffer(to_bgra(rgba), (w, h), "BGRA").copy()
    if surf.get_masks() != (0xFF0000, 0xFF00, 0xFF, 0xFF000000) or not surf.get_flags() & pygame.SRCALPHA:
        raise RuntimeError(f"unexpected surface format {surf.get_masks()} flags {surf.get_flags():#x}")
    if pygame.image.tobytes(surf, "RGBA") != rgba:
        raise RuntimeError("pixel copy into a pygame surface is not exact")
    return surf


def rgba_of(surf) -> bytes:
    return pygame.image.tobytes(surf, "RGBA")


def new_canvas():
    """Spec §4 step 0: a 50x50 surface of (0,0,0,0)."""
    s = pygame.Surface((CELL, CELL), pygame.SRCALPHA, 32)
    s.fill((0, 0, 0, 0))
    return s


def fill_surface(rgb):
    s = pygame.Surface((CELL, CELL), pygame.SRCALPHA, 32)
    s.fill((rgb[0], rgb[1], rgb[2], 255))
    return s


class Atlas:
    def __init__(self, data_root, sprite_root):
        roots = [data_root, sprite_root]
        self.index = _find_json(roots, "spritesIndex.json")
        self.offsets = _find_json(roots, "spritesOffsetMap.json")
        self.pelt_info = _find_json(roots, "peltInfo.json")
        self.tint = _find_json(roots, "tint.json")
        self.wp_tint = _find_json(roots, "white_patches_tint.json")
        self.sprite_root = sprite_root
        if len(self.offsets) != 21:
            raise ValueError(f"spritesOffsetMap.json: expected 21 poses, found {len(self.offsets)}")
        self._sheets = {}
        self._cells = {}
        self._fills = {}
        scars = self.pelt_info
        self.scars_first = set(scars.get("scars1", [])) | set(scars.get("scars3", []))
        self.scars_missing = set(scars.get("scars2", []))

    # -- sheets and cells -------------------------------------------------------------
    def sheet(self, name):
        if name not in self._sheets:
            path = os.path.join(self.sprite_root, name + ".png")
            if not os.path.isfile(path):
                raise FileNotFoundError(f"sprite sheet {path} is missing")
            self._sheets[name] = pngio.read_png(path)
        return self._sheets[name]

    def cell_rgba(self, group, pose) -> bytes:
        """Raw RGBA of group/pose; the part of the rectangle outside the sheet is (0,0,0,0)."""
        entry = self.index.get(group)
        if entry is None:
            raise ParamError(f"sprite group {group!r} is not in spritesIndex.json")
        w, h, px = self.sheet(entry["spritesheet"])
        off = self.offsets[pose]
        x0 = int(entry["xOffset"]) + CELL * int(off["x"])
        y0 = int(entry["yOffset"]) + CELL * int(off["y"])
        out = bytearray(4 * CELL * CELL)
        xa, xb = max(x0, 0), min(x0 + CELL, w)
        if xa < xb:
            for y in range(max(y0, 0), min(y0 + CELL, h)):
                dst = 4 * ((y - y0) * CELL + (xa - x0))
                src = 4 * (y * w + xa)
                out[dst : dst + 4 * (xb - xa)] = px[src : src + 4 * (xb - xa)]
        return bytes(out)

    def cell(self, group, pose):
        """The cell as a pygame surface (cached; callers must .copy() before drawing on it)."""
        key = (group, pose)
        s = self._cells.get(key)
        if s is None:
            s = surface_from_rgba(self.cell_rgba(group, pose), CELL, CELL)
            self._cells[key] = s
        return s

    def fill(self, rgb):
        key = tuple(rgb)
        s = self._fills.get(key)
        if s is None:
            s = self._fills[key] = fill_surface(key)
        return s

    # -- vocabulary -------------------------------------------------------------------
    def accessory_prefix(self, name):
        for _cat, list_name, prefix in ACCESSORY_CATEGORIES:
            if name in self.pelt_info.get(list_name, ()) or (prefix + name) in self.index:
                return prefix
        return None

    def accessory_category(self, name):
        for cat, list_name, prefix in ACCESSORY_CATEGORIES:
            if name in self.pelt_info.get(list_name, ()) or (prefix + name) in self.index:
                return cat
        return None


# ---------------------------------------------------------------------------------------
# parameters -> plan
# ---------------------------------------------------------------------------------------
def _opt_name(params, key):
    v = params.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ParamError(f"{key}: expected a string, got {v!r}")
    if v == "" or v == "none":
        return None
    return v


def _req_name(params, key):
    v = _opt_name(params, key)
    if v is None:
        raise ParamError(f"{key} is required")
    return v


def _bool(params, key):
    v = params.get(key, False)
    if v is None:
        return False
    if not isinstance(v, bool):
        raise ParamError(f"{key}: expected true/false, got {v!r}")
    return v


def _int(params, key, default, lo, hi):
    v = params.get(key, default)
    if v is None:
        v = default
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        else:
            raise ParamError(f"{key}: expected an integer, got {v!r}")
    if not lo <= v <= hi:
        raise ParamError(f"{key}: {v} is outside {lo}..{hi}")
    return v


def _name_list(params, list_key, single_key):
    """`list_key` (a list) followed by `single_key` if not already in it; "" / "none" dropped."""
    out = []
    lst = params.get(list_key)
    if lst is not None:
        if not isinstance(lst, list):
            raise ParamError(f"{list_key}: expected a list")
        for v in lst:
            if not isinstance(v, str):
                raise ParamError(f"{list_key}: expected strings, got {v!r}")
            if v == "" or v == "none":
                continue
            out.append(v)
    single = _opt_name(params, single_key)
    if single is not None and single not in out:
        out.append(single)
    return out


def _pelt_prefix(name, key):
    if name not in PELT_PREFIX:
        raise ParamError(f"{key}: {name!r} is not a non-tortie pelt name ({', '.join(PELT_PREFIX)})")
    return PELT_PREFIX[name]


def build_plan(atlas: Atlas, params: dict):
    """Parameters -> (pose, ordered list of steps). A step is a tuple; see render_plan."""
    if not isinstance(params, dict):
        raise ParamError("parameters must be a JSON object")
    pose = _int(params, "spriteNumber", 8, 0, 20)
    pelt = _req_name(params, "peltName")
    colour = _req_name(params, "colour")
    if pelt not in PELT_NAMES:
        raise ParamError(f"peltName: {pelt!r} is not one of {', '.join(PELT_NAMES)}")
    steps = []

    # 1. base (+ tortie patches)
    if pelt in TORTIE_PELTS:
        base = _pelt_prefix(_req_name(params, "tortieBase"), "tortieBase") + colour
        is_tortie = True
    else:
        base = PELT_PREFIX[pelt] + colour
        is_tortie = _bool(params, "isTortie")
    steps.append(("blit", base))
    if is_tortie:
        layers = params.get("tortie")
        if layers is not None and not isinstance(layers, list):
            raise ParamError("tortie: expected a list of {pattern, colour, mask}")
        if layers:
            norm = []
            for i, layer in enumerate(layers):
                if not isinstance(layer, dict):
                    raise ParamError(f"tortie[{i}]: expected an object")
                norm.append(
                    (
                        _req_name(layer, "pattern"),
                        _req_name(layer, "colour"),
                        _req_name(layer, "mask"),
                    )
                )
        else:
            norm = [
                (
                    _req_name(params, "tortiePattern"),
                    _req_name(params, "tortieColour"),
                    _req_name(params, "tortieMask"),
                )
            ]
        for pattern, pcolour, mask in norm:
            steps.append(("tortie", _pelt_prefix(pattern, "tortie pattern") + pcolour, "tortiemask" + mask))

    # 2. tint
    tint = _opt_name(params, "tint")
    if tint is not None:
        if tint in atlas.tint.get("tint_colours", {}):
            rgb = atlas.tint["tint_colours"][tint]
            if rgb is not None:
                steps.append(("rgb_mult_fill", tuple(rgb)))
        elif tint in atlas.tint.get("dilute_tint_colours", {}):
            rgb = atlas.tint["dilute_tint_colours"][tint]
            if rgb is not None:
                steps.append(("rgb_add_fill", tuple(rgb)))
        else:
            raise ParamError(f"tint: unknown tint {tint!r}")

    # 3-5. white patches, points, vitiligo
    wp_tint = _opt_name(params, "whitePatchesTint")
    wp_rgb = None
    if wp_tint is not None:
        table = atlas.wp_tint.get("tint_colours", {})
        if wp_tint not in table:
            raise ParamError(f"whitePatchesTint: unknown tint {wp_tint!r}")
        wp_rgb = tuple(table[wp_tint]) if table[wp_tint] is not None else None
    for key in ("whitePatches", "points"):
        name = _opt_name(params, key)
        if name is not None:
            steps.append(("white", "white" + name, wp_rgb))
    vit = _opt_name(params, "vitiligo")
    if vit is not None:
        steps.append(("blit", "white" + vit))

    # 6. eyes
    eye = _opt_name(params, "eyeColour") or "YELLOW"
    eye2 = _opt_name(params, "eyeColour2")
    steps.append(("eyes", "eyes" + eye, None if eye2 is None else "eyes2" + eye2))

    # 7. scars (first layer)
    scars = _name_list(params, "scars", "scar")
    for s in scars:
        if s not in atlas.scars_first and s not in atlas.scars_missing:
            raise ParamError(f"scars: unknown scar {s!r}")
    for s in scars:
        if s in atlas.scars_first:
            steps.append(("blit", "scars" + s))

    # 8. shading
    dead = _bool(params, "dead")
    dark_forest = _bool(params, "darkForest")
    if _bool(params, "shading") and not dead:
        steps.append(("rgb_mult", "shaders"))
        steps.append(("blit", "lighting"))

    # 9. lineart
    if not dead:
        steps.append(("blit", "lines"))
    elif dark_forest:
        steps.append(("blit", "lineartdf"))
    else:
        steps.append(("blit", "lineartdead"))

    # 10. skin
    steps.append(("blit", "skin" + (_opt_name(params, "skinColour") or "PINK")))

    # 11. missing parts
    for s in scars:
        if s in atlas.scars_missing:
            steps.append(("rgba_min", "scars" + s))

    # 12. accessories
    for acc in _name_list(params, "accessories", "accessory"):
        prefix = atlas.accessory_prefix(acc)
        if prefix is None:
            raise ParamError(f"accessories: unknown accessory {acc!r}")
        steps.append(("blit", prefix + acc))

    # 13. fading
    opacity = _int(params, "opacity", 100, 0, 100)
    if dead and opacity <= 97:
        stage = 0 if opacity > 80 else (1 if opacity > 45 else 2)
        fog = ("fadedf" if dark_forest else "fadestarclan") + str(stage)
        steps.append(("fade", "fademask" + str(stage), fog))

    # 14. reverse
    if _bool(params, "reverse"):
        steps.append(("flip",))
    return pose, steps


def check_groups(atlas, steps):
    """Every sprite group a plan uses must be in the index (clear error before drawing)."""
    for st in steps:
        for v in st[1:]:
            if isinstance(v, str) and v not in atlas.index:
                raise ParamError(f"sprite group {v!r} is not in spritesIndex.json")


# ---------------------------------------------------------------------------------------
# rendering with pygame
# ---------------------------------------------------------------------------------------
def render_plan(atlas: Atlas, pose: int, steps):
    cat = new_canvas()  # step 0
    for st in steps:
        op = st[0]
        if op == "blit":  # normal alpha blit
            cat.blit(atlas.cell(st[1], pose), (0, 0))
        elif op == "tortie":  # patches = copy(pattern); patches *= mask (RGBA); cat <- patches
            patches = atlas.cell(st[1], pose).copy()
            patches.blit(atlas.cell(st[2], pose), (0, 0), special_flags=pygame.BLEND_RGBA_MULT)
            cat.blit(patches, (0, 0))
        elif op == "rgb_mult_fill":
            cat.blit(atlas.fill(st[1]), (0, 0), special_flags=pygame.BLEND_RGB_MULT)
        elif op == "rgb_add_fill":
            cat.blit(atlas.fill(st[1]), (0, 0), special_flags=pygame.BLEND_RGB_ADD)
        elif op == "white":  # wp = copy(white); wp *= tint fill (RGB) if tinted; cat <- wp
            wp = atlas.cell(st[1], pose).copy()
            if st[2] is not None:
                wp.blit(atlas.fill(st[2]), (0, 0), special_flags=pygame.BLEND_RGB_MULT)
            cat.blit(wp, (0, 0))
        elif op == "eyes":  # eyes = copy(eyes); eyes <- eyes2; cat <- eyes
            eyes = atlas.cell(st[1], pose).copy()
            if st[2] is not None:
                eyes.blit(atlas.cell(st[2], pose), (0, 0))
            cat.blit(eyes, (0, 0))
        elif op == "rgb_mult":
            cat.blit(atlas.cell(st[1], pose), (0, 0), special_flags=pygame.BLEND_RGB_MULT)
        elif op == "rgba_min":
            cat.blit(atlas.cell(st[1], pose), (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
        elif op == "fade":  # cat *= fademask (RGBA); fog = copy(fog); fog <- cat; cat = fog
            cat.blit(atlas.cell(st[1], pose), (0, 0), special_flags=pygame.BLEND_RGBA_MULT)
            fog = atlas.cell(st[2], pose).copy()
            fog.blit(cat, (0, 0))
            cat = fog
        elif op == "flip":
            cat = pygame.transform.flip(cat, True, False)
        else:  # pragma: no cover
            raise AssertionError(op)
    return cat


def render(atlas: Atlas, params: dict):
    """Parameters -> 50x50 pygame surface."""
    pose, steps = build_plan(atlas, params)
    check_groups(atlas, steps)
    return render_plan(atlas, pose, steps)


def render_rgba(atlas: Atlas, params: dict) -> bytes:
    return rgba_of(render(atlas, params))


def read_jsonl(path):
    cats = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                cats.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: {e}")
    return cats


def compose_sheet(images, columns):
    rows = max(1, -(-len(images) // columns))
    w, h = columns * CELL, rows * CELL
    out = bytearray(4 * w * h)
    for i, px in enumerate(images):
        cx, cy = (i % columns) * CELL, (i // columns) * CELL
        for y in range(CELL):
            o = 4 * ((cy + y) * w + cx)
            out[o : o + 4 * CELL] = px[4 * CELL * y : 4 * CELL * (y + 1)]
    return w, h, bytes(out)


# ---------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------
def cmd_render(args):
    atlas = Atlas(args.data_root, args.sprite_root)
    cats = read_jsonl(args.params)
    images = []
    for i, params in enumerate(cats):
        try:
            images.append(render_rgba(atlas, params))
        except ParamError as e:
            raise SystemExit(f"{args.params}: cat {i}: {e}")
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        for i, px in enumerate(images):
            pngio.write_png(os.path.join(args.out_dir, f"{i:04d}.png"), CELL, CELL, px)
    if args.sheet:
        w, h, px = compose_sheet(images, args.columns)
        pngio.write_png(args.sheet, w, h, px)
        # the file must read back as exactly these bytes
        if pngio.read_png(args.sheet) != (w, h, px):
            raise SystemExit("sheet PNG does not read back exactly")
    print(
        f"rendered {len(images)} cats"
        + (f" -> {args.sheet} ({args.columns} columns)" if args.sheet else "")
        + (f" -> {args.out_dir}/" if args.out_dir else "")
    )


TYPICAL_CAT = {
    "spriteNumber": 8,
    "peltName": "Tabby",
    "colour": "GINGER",
    "isTortie": True,
    "tortiePattern": "Mackerel",
    "tortieColour": "BLACK",
    "tortieMask": "ONE",
    "tint": "pink",
    "whitePatches": "LITTLE",
    "whitePatchesTint": "cream",
    "eyeColour": "GREEN",
    "eyeColour2": "BLUE",
    "scars": ["ONE"],
    "shading": True,
    "skinColour": "PINK",
    "accessory": "MAPLE LEAF",
}


def typical_cat(atlas):
    """TYPICAL_CAT, with names swapped for ones this data root has where needed."""
    p = dict(TYPICAL_CAT)
    idx = atlas.index

    def first(prefix, want):
        if prefix + want in idx:
            return want
        names = sorted(k[len(prefix) :] for k in idx if k.startswith(prefix) and not k.startswith(prefix + "2"))
        return names[0] if names else want

    p["tortieMask"] = first("tortiemask", p["tortieMask"])
    p["whitePatches"] = first("white", p["whitePatches"])
    first_scars = sorted(atlas.scars_first)
    if "ONE" not in atlas.scars_first and first_scars:
        p["scars"] = [first_scars[0]]
    if atlas.accessory_prefix(p["accessory"]) is None or atlas.accessory_prefix(p["accessory"]) + p["accessory"] not in idx:
        for _c, _l, prefix in ACCESSORY_CATEGORIES:
            names = sorted(k[len(prefix) :] for k in idx if k.startswith(prefix))
            if names:
                p["accessory"] = names[0]
                break
    return p


def cmd_bench(args):
    atlas = Atlas(args.data_root, args.sprite_root)
    params = json.loads(args.params_json) if args.params_json else typical_cat(atlas)
    pose, steps = build_plan(atlas, params)
    check_groups(atlas, steps)
    render_plan(atlas, pose, steps)  # warm the cell cache (decoding is not measured)
    n = args.iterations
    print(f"pygame-ce {pygame.version.ver}; cat: {json.dumps(params, sort_keys=True)}")
    print(f"layers (plan steps): {len(steps)}: {[s[0] + ':' + str(s[1]) if len(s) > 1 else s[0] for s in steps]}")

    def timeit(fn):
        best = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            dt = (time.perf_counter() - t0) / n * 1e6
            best = dt if best is None else min(best, dt)
        return best

    t_plan_render = timeit(lambda: render(atlas, params))
    t_render = timeit(lambda: render_plan(atlas, pose, steps))

    def with_png():
        buf = io.BytesIO()
        pygame.image.save(render_plan(atlas, pose, steps), buf, "cat.png")
        return buf

    t_png = timeit(with_png)
    print(f"iterations: {n} x {args.repeats} repeats (best repeat reported)")
    print(f"render only (prebuilt plan, blits):          {t_render:8.2f} us/cat")
    print(f"params -> plan -> render:                    {t_plan_render:8.2f} us/cat")
    print(f"render + pygame.image.save PNG to BytesIO:   {t_png:8.2f} us/cat")


def cmd_check_sheets(args):
    """Compare pngio's decoding of every sheet with pygame.image.load (SDL_image)."""
    atlas = Atlas(args.data_root, args.sprite_root)
    sheets = sorted({e["spritesheet"] for e in atlas.index.values()})
    bad = 0
    for name in sheets:
        path = os.path.join(args.sprite_root, name + ".png")
        if not os.path.isfile(path):
            print(f"MISSING {name}.png")
            bad += 1
            continue
        w, h, px = atlas.sheet(name)
        surf = pygame.image.load(path)
        ref = pygame.image.tobytes(surf, "RGBA")
        same = surf.get_size() == (w, h) and ref == px
        diff = "" if same else f" ({sum(1 for i in range(0, len(px), 4) if px[i:i+4] != ref[i:i+4])} px differ)"
        print(f"{'ok  ' if same else 'DIFF'} {name}.png {w}x{h} pygame bitsize={surf.get_bitsize()}{diff}")
        bad += not same
    # groups whose rectangle leaves the sheet (transparent there)
    outside = []
    for g, e in atlas.index.items():
        w, h, _ = atlas.sheet(e["spritesheet"]) if os.path.isfile(
            os.path.join(args.sprite_root, e["spritesheet"] + ".png")
        ) else (None, None, None)
        if w is None:
            continue
        x0, y0 = int(e["xOffset"]), int(e["yOffset"])
        if x0 + 3 * CELL > w or y0 + 7 * CELL > h:
            outside.append(g)
    print(f"{len(sheets)} sheets, {bad} differ or missing; {len(outside)} groups reach outside their sheet")
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def roots(p):
        p.add_argument("--data-root", required=True)
        p.add_argument("--sprite-root", required=True)

    r = sub.add_parser("render", help="render cats from a JSONL file")
    roots(r)
    r.add_argument("--params", required=True, help="JSONL, one parameter object per line")
    r.add_argument("--sheet", help="write one sheet PNG")
    r.add_argument("--columns", type=int, default=20)
    r.add_argument("--out-dir", help="write one PNG per line (0000.png ...)")
    b = sub.add_parser("bench", help="time pygame on one typical cat")
    roots(b)
    b.add_argument("--iterations", type=int, default=10000)
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--params-json", help="cat parameters (default: a typical ~12-layer cat)")
    c = sub.add_parser("check-sheets", help="compare pngio with pygame.image.load on every sheet")
    roots(c)
    args = ap.parse_args(argv)
    if args.cmd == "render":
        if not args.sheet and not args.out_dir:
            ap.error("render: give --sheet and/or --out-dir")
        return cmd_render(args)
    if args.cmd == "bench":
        return cmd_bench(args)
    return cmd_check_sheets(args)


if __name__ == "__main__":
    sys.exit(main())

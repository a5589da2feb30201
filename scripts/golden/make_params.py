#!/usr/bin/env python3
"""Deterministic golden-set parameters: >= 320 varied cats, one JSON object per line, in
CatGenerator's parameter names, drawn from the data root's own vocabulary (index keys,
peltInfo, tint tables) with a seeded random.Random.

    python3 scripts/golden/make_params.py --data-root data --out tests/golden/cats.jsonl

Prints a coverage summary and fails (exit 1) if a required feature is not covered.
"""
import argparse
import collections
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import (  # noqa: E402
    ACCESSORY_CATEGORIES,
    PELT_NAMES,
    PELT_PREFIX,
    Atlas,
    build_plan,
    check_groups,
)

SEED = 0x5CA7
POINTS = ("COLOURPOINT", "RAGDOLL", "SEPIAPOINT", "MINKPOINT", "SEALPOINT")
VITILIGO = ("VITILIGO", "VITILIGOTWO", "MOON", "PHANTOM", "KARPATI", "POWDER", "BLEACHED", "SMOKEY")
COLOURS = (
    "WHITE PALEGREY SILVER GREY DARKGREY GHOST BLACK CREAM PALEGINGER GOLDEN GINGER DARKGINGER "
    "SIENNA LIGHTBROWN LILAC BROWN GOLDEN-BROWN DARKBROWN CHOCOLATE"
).split()


class Vocab:
    def __init__(self, atlas: Atlas):
        idx = atlas.index
        self.atlas = atlas

        def names(prefix, exclude=()):
            return sorted(
                k[len(prefix) :] for k in idx if k.startswith(prefix) and not any(k.startswith(e) for e in exclude)
            )

        # colours: those every non-tortie pelt prefix has (fall back to the spec's list order)
        sets = [set(names(p)) for p in set(PELT_PREFIX.values())]
        common = set.intersection(*sets) if sets else set()
        self.colours = [c for c in COLOURS if c in common] + sorted(common - set(COLOURS))
        self.pelts = [p for p in PELT_NAMES if p in ("Tortie", "Calico") or PELT_PREFIX[p] + self.colours[0] in idx]
        self.plain_pelts = [p for p in self.pelts if p in PELT_PREFIX]
        self.masks = names("tortiemask")
        self.eyes = names("eyes", exclude=("eyes2",))
        self.eyes2 = names("eyes2")
        self.skins = names("skin")
        whites = names("white")
        self.points = [p for p in POINTS if p in whites]
        self.vitiligo = [v for v in VITILIGO if v in whites]
        self.white = [w for w in whites if w not in self.points and w not in self.vitiligo]
        pi = atlas.pelt_info
        self.scars1 = [s for s in pi.get("scars1", []) if "scars" + s in idx]
        self.scars3 = [s for s in pi.get("scars3", []) if "scars" + s in idx]
        self.scars2 = [s for s in pi.get("scars2", []) if "scars" + s in idx]
        self.tints_mult = [k for k, v in atlas.tint.get("tint_colours", {}).items() if v is not None]
        self.tints_add = [k for k, v in atlas.tint.get("dilute_tint_colours", {}).items() if v is not None]
        self.wp_tints = [k for k, v in atlas.wp_tint.get("tint_colours", {}).items() if v is not None]
        # accessories by the category the oracle resolves them to
        self.acc = collections.defaultdict(list)
        seen = set()
        for _cat, list_name, prefix in ACCESSORY_CATEGORIES:
            cands = set(names(prefix)) | {a for a in pi.get(list_name, []) if prefix + a in idx}
            for a in sorted(cands):
                if a in seen:
                    continue
                p = atlas.accessory_prefix(a)
                if p is not None and p + a in idx:
                    self.acc[atlas.accessory_category(a)].append(a)
                    seen.add(a)
        self.all_acc = sorted(seen)


class Gen:
    def __init__(self, vocab: Vocab, seed: int):
        self.v = vocab
        self.rng = random.Random(seed)
        self.cats = []
        self.tags = []  # why each cat is there (printed with --list, not written)

    def base(self, **kw):
        """A plain random cat; features are added by the caller."""
        v, r = self.v, self.rng
        cat = {
            "spriteNumber": len(self.cats) % 21,
            "peltName": r.choice(v.plain_pelts),
            "colour": r.choice(v.colours),
            "eyeColour": r.choice(v.eyes),
            "skinColour": r.choice(v.skins),
        }
        cat.update(kw)
        return cat

    def add(self, cat, tag):
        self.tags.append(tag)
        self.cats.append(dict(cat))

    def tortie_layer(self):
        v, r = self.v, self.rng
        return {"pattern": r.choice(v.plain_pelts), "colour": r.choice(v.colours), "mask": r.choice(v.masks)}

    def random_extras(self, cat):
        """Sprinkle random features (used for the random filler cats)."""
        v, r = self.v, self.rng
        if r.random() < 0.5:
            cat["tint"] = r.choice(v.tints_mult + v.tints_add + ["none"])
        if r.random() < 0.5:
            cat["whitePatches"] = r.choice(v.white)
            if r.random() < 0.5:
                cat["whitePatchesTint"] = r.choice(v.wp_tints)
        if r.random() < 0.15 and v.points:
            cat["points"] = r.choice(v.points)
            cat.setdefault("whitePatchesTint", r.choice(v.wp_tints))
        if r.random() < 0.1 and v.vitiligo:
            cat["vitiligo"] = r.choice(v.vitiligo)
        if r.random() < 0.3:
            cat["eyeColour2"] = r.choice(v.eyes2)
        if r.random() < 0.3:
            cat["isTortie"] = True
            cat["tortie"] = [self.tortie_layer() for _ in range(r.randint(1, 3))]
        if r.random() < 0.35:
            cat["scars"] = r.sample(v.scars1 + v.scars3 + v.scars2, r.randint(1, 3))
        if r.random() < 0.5:
            cat["shading"] = True
        if r.random() < 0.2:
            cat["dead"] = True
            cat["darkForest"] = r.random() < 0.5
            cat["opacity"] = r.choice((100, 97, 85, 60, 30))
        if r.random() < 0.4 and v.all_acc:
            cat["accessories"] = r.sample(v.all_acc, r.randint(1, 3))
        if r.random() < 0.4:
            cat["reverse"] = True
        return cat


def generate(vocab: Vocab, seed: int = SEED, total: int = 340):
    g = Gen(vocab, seed)
    v, r = vocab, g.rng

    # every pelt x colour at least once (pelt i with colour i % 19 and more), plain and decorated
    for i in range(max(len(v.plain_pelts), len(v.colours)) * 2):
        pelt = v.plain_pelts[i % len(v.plain_pelts)]
        colour = v.colours[(i * 7) % len(v.colours)]
        cat = g.base(peltName=pelt, colour=colour)
        if i >= len(v.colours):
            cat["shading"] = True
            cat["reverse"] = i % 2 == 0
        g.add(cat, "pelt-colour")
    # every eye colour (first colour) and every eye2, every skin
    for i, e in enumerate(v.eyes):
        cat = g.base(eyeColour=e)
        if i % 2:
            cat["eyeColour2"] = v.eyes2[(i * 5) % len(v.eyes2)]
        g.add(cat, "eyes")
    for i, e in enumerate(v.eyes2[:6]):
        g.add(g.base(eyeColour2=e, shading=True), "eyes2")
    for s in v.skins:
        g.add(g.base(skinColour=s), "skin")

    # tints: every multiplied and added one, on plain and white-patched cats
    for t in v.tints_mult + v.tints_add:
        g.add(g.base(tint=t), "tint")
        g.add(g.base(tint=t, whitePatches=r.choice(v.white), whitePatchesTint=r.choice(v.wp_tints)), "tint+wp")
    g.add(g.base(tint="none"), "tint-none")
    g.add(g.base(tint=""), "tint-empty")

    # torties
    for n_layers in (1, 2, 3):
        for k in range(4):
            cat = g.base(isTortie=True, tortie=[g.tortie_layer() for _ in range(n_layers)])
            if k % 2:
                cat["tint"] = r.choice(v.tints_mult + v.tints_add)
                cat["shading"] = True
            g.add(cat, f"tortie-list{n_layers}")
    for k in range(5):
        layer = g.tortie_layer()
        g.add(
            g.base(isTortie=True, tortiePattern=layer["pattern"], tortieColour=layer["colour"], tortieMask=layer["mask"]),
            "tortie-single",
        )
    # an empty list falls back to the single fields
    layer = g.tortie_layer()
    g.add(g.base(isTortie=True, tortie=[], tortiePattern=layer["pattern"], tortieColour=layer["colour"],
                 tortieMask=layer["mask"]), "tortie-emptylist")
    for pelt in ("Tortie", "Calico"):
        for k in range(4):
            cat = g.base(peltName=pelt, tortieBase=r.choice(v.plain_pelts))
            if k < 2:
                layer = g.tortie_layer()
                cat.update(tortiePattern=layer["pattern"], tortieColour=layer["colour"], tortieMask=layer["mask"])
            else:
                cat["tortie"] = [g.tortie_layer() for _ in range(k)]
            if pelt == "Calico":
                cat["whitePatches"] = r.choice(v.white)
            g.add(cat, f"{pelt.lower()}-base")
    # tortie patterns with SingleColour / TwoColour
    g.add(g.base(isTortie=True, tortie=[{"pattern": "SingleColour", "colour": r.choice(v.colours),
                                         "mask": r.choice(v.masks)}]), "tortie-single-pattern")
    g.add(g.base(peltName="TwoColour", isTortie=True, tortie=[{"pattern": "TwoColour", "colour": r.choice(v.colours),
                                                              "mask": r.choice(v.masks)}]), "tortie-twocolour")

    # white patches (untinted, each tint), points (tinted / untinted), vitiligo (each)
    whites = r.sample(v.white, min(24, len(v.white)))
    for i, w in enumerate(whites):
        cat = g.base(whitePatches=w)
        if i % 3 == 1:
            cat["whitePatchesTint"] = v.wp_tints[i % len(v.wp_tints)]
        if i % 3 == 2:
            cat["whitePatchesTint"] = "none"
        g.add(cat, "white")
    for i, p in enumerate(v.points):
        g.add(g.base(points=p, whitePatchesTint=v.wp_tints[i % len(v.wp_tints)]), "points-tinted")
        g.add(g.base(points=p, whitePatches=r.choice(v.white)), "points")
    for i, vi in enumerate(v.vitiligo):
        g.add(g.base(vitiligo=vi, whitePatchesTint=r.choice(v.wp_tints), whitePatches=r.choice(v.white)), "vitiligo")

    # scars: every scar, several at once, both steps mixed; single `scar` form
    all_scars = v.scars1 + v.scars3 + v.scars2
    order = list(all_scars)
    r.shuffle(order)
    for i in range(0, len(order), 3):
        g.add(g.base(scars=order[i : i + 3], shading=i % 2 == 0), "scars")
    if v.scars2 and v.scars1:
        g.add(g.base(scars=[v.scars2[0], v.scars1[0], v.scars2[-1]]), "scars-mixed")
        g.add(g.base(scar=r.choice(v.scars1)), "scar-single")
        g.add(g.base(scar=r.choice(v.scars2)), "scar-single-missing")
        s1 = r.choice(v.scars3 or v.scars1)
        g.add(g.base(scars=[s1], scar=s1), "scar-dup")
        g.add(g.base(scars=[r.choice(v.scars1)], scar=r.choice(v.scars2)), "scars+scar")
        g.add(g.base(scars=[r.choice(v.scars1)], scar="none"), "scars+scar-none")

    # shading alive / dead; dead; dead + dark forest; fading
    for k in range(3):
        g.add(g.base(shading=True, tint=r.choice(v.tints_mult)), "shading")
        g.add(g.base(shading=True, dead=True), "shading-dead")
    for df in (False, True):
        for op in (100, 99, 98, 97, 90, 81, 80, 46, 45, 10, 0):
            cat = g.base(dead=True, darkForest=df, opacity=op)
            if op in (90, 46):
                cat["accessories"] = r.sample(v.all_acc, 2)
                cat["reverse"] = True
            g.add(cat, f"{'df' if df else 'sc'}-opacity{op}")
        g.add(g.base(dead=True, darkForest=df), f"{'df' if df else 'sc'}-dead")
    g.add(g.base(opacity=30), "alive-opacity30")  # alive: no fading
    g.add(g.base(darkForest=True, opacity=50), "alive-df")  # alive: darkForest alone does nothing

    # accessories: each category several times, lists of 2-3, single form, dup
    for cat_name, _l, _p in ACCESSORY_CATEGORIES:
        names = v.acc.get(cat_name, [])
        for a in r.sample(names, min(3, len(names))):
            g.add(g.base(accessories=[a]), f"acc-{cat_name}")
    for k in range(8):
        g.add(g.base(accessories=r.sample(v.all_acc, 2 + k % 2), shading=k % 2 == 0), "acc-list")
    for k in range(3):
        g.add(g.base(accessory=r.choice(v.all_acc)), "acc-single")
    a = r.choice(v.all_acc)
    g.add(g.base(accessories=[a], accessory=a), "acc-dup")
    g.add(g.base(accessories=[r.choice(v.all_acc)], accessory=r.choice(v.all_acc)), "acc-list+single")

    # reverse on several feature-rich cats
    for k in range(6):
        g.add(g.random_extras(g.base(reverse=True)), "reverse")

    # defaults: only required fields
    g.add({"peltName": r.choice(v.plain_pelts), "colour": r.choice(v.colours)}, "defaults")
    g.add({"peltName": "Tabby", "colour": v.colours[0], "spriteNumber": 20, "eyeColour": "", "skinColour": "none",
           "whitePatches": "", "points": "none", "vitiligo": None, "tint": "none", "whitePatchesTint": "",
           "eyeColour2": "none", "accessory": "", "scar": "none"}, "empty-names")

    # random filler up to `total`
    while len(g.cats) < total:
        g.add(g.random_extras(g.base()), "random")
    return g.cats, g.tags


def sheet_size(atlas: Atlas, sheet: str):
    """(w, h) from the PNG header, or None when the sheet is not there."""
    path = os.path.join(atlas.sprite_root, sheet + ".png")
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    return struct.unpack(">II", head[16:24])


def coverage(atlas: Atlas, vocab: Vocab, cats):
    c = collections.Counter()
    seen = collections.defaultdict(set)
    sizes = {}
    for p in cats:
        pose, steps = build_plan(atlas, p)
        check_groups(atlas, steps)
        for st in steps:  # cells whose rectangle leaves the sheet (transparent there)
            for g in st[1:]:
                if isinstance(g, str):
                    e = atlas.index[g]
                    if e["spritesheet"] not in sizes:
                        sizes[e["spritesheet"]] = sheet_size(atlas, e["spritesheet"])
                    wh = sizes[e["spritesheet"]]
                    off = atlas.offsets[pose]
                    x0 = int(e["xOffset"]) + 50 * int(off["x"])
                    y0 = int(e["yOffset"]) + 50 * int(off["y"])
                    if wh and (x0 + 50 > wh[0] or y0 + 50 > wh[1]):
                        c["layers with a cell (partly) outside its sheet"] += 1
        seen["pose"].add(pose)
        seen["pelt"].add(p["peltName"])
        seen["colour"].add(p["colour"])
        ops = [s[0] for s in steps]
        if "rgb_mult_fill" in ops:
            c["tint multiplied"] += 1
        if "rgb_add_fill" in ops:
            c["tint added"] += 1
        n_tortie = ops.count("tortie")
        if p.get("isTortie") and p.get("tortie"):
            c[f"isTortie with {len(p['tortie'])} tortie layers"] += 1
        elif p.get("isTortie") and n_tortie:
            c["isTortie with single fields"] += 1
        if p["peltName"] in ("Tortie", "Calico"):
            c[f"peltName {p['peltName']} + tortieBase"] += 1
        for s in steps:
            if s[0] == "white":
                kind = "points" if s[1][5:] in vocab.points else "whitePatches"
                c[f"{kind} {'tinted' if s[2] else 'untinted'}"] += 1
            if s[0] == "blit" and s[1].startswith("white"):
                c["vitiligo"] += 1
            if s[0] == "eyes" and s[2]:
                c["eyeColour2"] += 1
            if s[0] == "rgba_min":
                c["scars2 (missing parts)"] += 1
                seen["scar"].add(s[1][5:])
            if s[0] == "blit" and s[1].startswith("scars"):
                n = s[1][5:]
                c["scars1" if n in vocab.scars1 else "scars3"] += 1
                seen["scar"].add(n)
            if s[0] == "fade":
                c[f"fading {s[2]}"] += 1
            if s[0] == "flip":
                c["reverse"] += 1
        scars = [x for x in p.get("scars", []) if x not in ("", "none")]
        if len(scars) >= 2:
            c["several scars at once"] += 1
        if "scar" in p and p["scar"] not in ("", "none"):
            c["`scar` single form"] += 1
        if "accessory" in p and p["accessory"] not in ("", "none"):
            c["`accessory` single form"] += 1
        if p.get("shading") and not p.get("dead"):
            c["shading alive"] += 1
        if p.get("shading") and p.get("dead"):
            c["shading requested on a dead cat"] += 1
        if p.get("dead"):
            c["dead + darkForest" if p.get("darkForest") else "dead (StarClan)"] += 1
            if p.get("opacity", 100) > 97:
                c["dead, opacity 98-100 (no fading)"] += 1
            seen["dead opacity " + ("df" if p.get("darkForest") else "sc")].add(p.get("opacity", 100))
        accs = [a for a in p.get("accessories", []) if a not in ("", "none")]
        if len(accs) >= 2:
            c["lists of 2-3 accessories"] += 1
        for a in accs + ([p["accessory"]] if p.get("accessory") not in (None, "", "none") else []):
            c["accessory " + atlas.accessory_prefix(a)] += 1
    return c, seen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--sprite-root", help="default: the data root's sibling `sprites` (only JSON is read)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--total", type=int, default=340)
    ap.add_argument("--list", action="store_true", help="print why each cat is in the set")
    args = ap.parse_args()
    atlas = Atlas(args.data_root, args.sprite_root or args.data_root)
    vocab = Vocab(atlas)
    cats, tags = generate(vocab, args.seed, args.total)
    if args.list:
        for i, t in enumerate(tags):
            print(f"{i:4d} (col {i % 20:2d}, row {i // 20:2d}) {t}")
    with open(args.out, "w", encoding="utf-8") as f:
        for cat in cats:
            f.write(json.dumps(cat, sort_keys=True, ensure_ascii=False) + "\n")
    c, seen = coverage(atlas, vocab, cats)
    print(f"wrote {len(cats)} cats to {args.out}")
    print(f"poses {len(seen['pose'])}/21, pelts {len(seen['pelt'])}/{len(vocab.pelts)}, "
          f"colours {len(seen['colour'])}/{len(vocab.colours)}, "
          f"scars {len(seen['scar'])}/{len(vocab.scars1) + len(vocab.scars2) + len(vocab.scars3)}")
    for k in sorted(c):
        print(f"  {k:45} {c[k]}")
    for k in ("dead opacity sc", "dead opacity df"):
        print(f"  {k:45} {sorted(seen[k])}")
    # hard requirements
    missing = []
    if len(seen["pose"]) != 21:
        missing.append("all poses")
    if len(seen["pelt"]) != len(PELT_NAMES):
        missing.append("all pelts")
    if len(seen["colour"]) != len(vocab.colours):
        missing.append("all colours")
    need = ["tint multiplied", "tint added", "isTortie with 1 tortie layers", "isTortie with 2 tortie layers",
            "isTortie with 3 tortie layers", "isTortie with single fields", "peltName Tortie + tortieBase",
            "peltName Calico + tortieBase", "whitePatches tinted", "whitePatches untinted", "points tinted",
            "vitiligo", "eyeColour2", "scars1", "scars3", "scars2 (missing parts)", "several scars at once",
            "shading alive", "shading requested on a dead cat", "dead (StarClan)", "dead + darkForest",
            "dead, opacity 98-100 (no fading)", "lists of 2-3 accessories", "reverse", "`scar` single form",
            "`accessory` single form"]
    need += [f"fading {k}{s}" for k in ("fadestarclan", "fadedf") for s in range(3)]
    for _c, _l, prefix in ACCESSORY_CATEGORIES:
        if vocab.acc.get(_c):
            if c["accessory " + prefix] < 2:
                missing.append(f"accessory {prefix} x2")
        else:
            print(f"  note: the data root has no accessory of category {_c} ({prefix})")
    for k in ("dead opacity sc", "dead opacity df"):
        if not {97, 90, 81, 80, 46, 45, 10, 98, 99, 100} <= seen[k]:
            missing.append(k)
    missing += [k for k in need if c[k] == 0]
    if len(cats) < 320:
        missing.append(">= 320 cats")
    if missing:
        print("NOT COVERED: " + ", ".join(missing))
        return 1
    print("coverage: all required features present")
    return 0


if __name__ == "__main__":
    sys.exit(main())

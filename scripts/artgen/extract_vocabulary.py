#!/usr/bin/env python3
"""One-off: derive `vocabulary.json` (names only) from CatGenerator's reference index.

The generator never reads the reference; it reads the committed `vocabulary.json`. Re-run
this only when the reference index changes:

    python3 scripts/artgen/extract_vocabulary.py ../shared/reference/catgenerator \
        > scripts/artgen/vocabulary.json
"""
import json
import sys
from pathlib import Path

PELT_PREFIXES = ["single", "tabby", "marbled", "rosette", "smoke", "ticked", "speckled",
                 "bengal", "mackerel", "classic", "sokoke", "agouti", "singlestripe", "masked"]
# Precedence order of spec/compositing.md step 12; also the order of peltInfo categories.
ACCESSORY_PREFIXES = [
    ("acc_herbs", "plant_accessories"), ("acc_wild", "wild_accessories"),
    ("collars", "collars"), ("acc_flower", "flower_accessories"),
    ("acc_plant2", "plant2_accessories"), ("acc_snake", "snake_accessories"),
    ("acc_smallAnimal", "smallAnimal_accessories"),
    ("acc_deadInsect", "deadInsect_accessories"),
    ("acc_aliveInsect", "aliveInsect_accessories"), ("acc_fruit", "fruit_accessories"),
    ("acc_crafted", "crafted_accessories"), ("acc_tail2", "tail2_accessories"),
]
POINTS = ["COLOURPOINT", "RAGDOLL", "SEPIAPOINT", "MINKPOINT", "SEALPOINT"]
VITILIGO = ["VITILIGO", "VITILIGOTWO", "MOON", "PHANTOM", "KARPATI", "POWDER", "BLEACHED",
            "SMOKEY"]
SINGLE_GROUPS = ["lines", "lineartdead", "lineartdf", "aprilfoolslineart",
                 "aprilfoolslineartdead", "aprilfoolslineartdf", "shaders", "lighting",
                 "fademask0", "fademask1", "fademask2", "fadestarclan0", "fadestarclan1",
                 "fadestarclan2", "fadedf0", "fadedf1", "fadedf2"]


def dedup(names):
    seen, out = set(), []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def main():
    ref = Path(sys.argv[1])
    index = json.loads((ref / "spritesIndex.json").read_text())
    pelt = json.loads((ref / "peltInfo.json").read_text())
    keys = list(index)

    def by_sheet(sheet, prefix):
        return [k[len(prefix):] for k in keys
                if index[k]["spritesheet"] == sheet and k.startswith(prefix)]

    colours = by_sheet("singlecolours", "single")
    scars2 = dedup(pelt["scars2"])
    out = {
        "pelt_prefixes": PELT_PREFIXES,
        "colours": colours,
        "tortie_masks": by_sheet("tortiepatchesmasks", "tortiemask"),
        "white_patches": by_sheet("whitepatches", "white"),
        "points": POINTS,
        "vitiligo": VITILIGO,
        "eye_colours": by_sheet("eyes", "eyes"),
        "skins": by_sheet("skin", "skin"),
        "scars1": dedup(pelt["scars1"]),
        "scars2": scars2,
        "scars3": dedup(pelt["scars3"]),
        "accessories": [],
        "clangen_accessories": {
            "plant_accessories": dedup(pelt["plant_accessories"]),
            "wild_accessories": dedup(pelt["wild_accessories"]),
            "collars": dedup(pelt["collars"]),
            "tail_accessories": dedup(pelt["tail_accessories"]),
        },
        "single_groups": SINGLE_GROUPS,
        "tint_groups": {},
    }
    for prefix, category in ACCESSORY_PREFIXES:
        names = []
        for k in keys:
            if not k.startswith(prefix):
                continue
            rest = k[len(prefix):]
            # `acc_plant2…` must not be read as an `acc_plant…` name, nor `eyes2` as `eyes`.
            if any(len(p) > len(prefix) and k.startswith(p) for p, _ in ACCESSORY_PREFIXES):
                continue
            names.append(rest)
        out["accessories"].append({"prefix": prefix, "category": category,
                                   "names": dedup(names)})
    for stem in ["tint", "white_patches_tint"]:
        t = json.loads((ref / "tints" / f"{stem}.json").read_text())
        out["tint_groups"][stem] = {
            "colour_groups": [[k, v] for k, v in t["colour_groups"].items()],
            "possible_tints": [[k, v] for k, v in t["possible_tints"].items()],
        }

    # Every reference group must be covered exactly once.
    built = set(SINGLE_GROUPS)
    built |= {p + c for p in PELT_PREFIXES for c in colours}
    built |= {"tortiemask" + n for n in out["tortie_masks"]}
    built |= {"white" + n for n in out["white_patches"]}
    built |= {"eyes" + n for n in out["eye_colours"]}
    built |= {"eyes2" + n for n in out["eye_colours"]}
    built |= {"skin" + n for n in out["skins"]}
    built |= {"scars" + n for n in out["scars1"] + scars2 + out["scars3"]}
    built |= {a["prefix"] + n for a in out["accessories"] for n in a["names"]}
    missing = set(keys) - built
    extra = built - set(keys)
    assert not missing and not extra, (sorted(missing), sorted(extra))
    assert all(p in out["white_patches"] for p in POINTS + VITILIGO)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

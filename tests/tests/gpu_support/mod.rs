//! Shared by `gpu_equals_cpu.rs` and `benches/benches/gpu.rs` (included there by path):
//! a seeded PRNG, a synthetic sprite repository with random pixels and odd sheet sizes, and
//! a generator of random CatGenerator parameters drawn from a repository's own vocabulary.

#![allow(dead_code, reason = "each includer uses a different part")]

use std::collections::BTreeMap;

use pipeline::atlas::{IndexEntry, OffsetMap, RgbaImage, Sheet};
use pipeline::names::{Colour, EyeColour, PeltName, SkinColour};
use pipeline::vocab::{ACCESSORY_CATEGORIES, Tint, Vocabulary};
use pipeline::{AtlasRepository, CatParams, CatSpec, Plan};
use serde_json::{Value, json};

/// SplitMix64: tiny, seedable, good enough to pick test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const COAT_PREFIXES: [&str; 14] = [
    "single",
    "tabby",
    "marbled",
    "rosette",
    "smoke",
    "ticked",
    "speckled",
    "bengal",
    "mackerel",
    "classic",
    "sokoke",
    "agouti",
    "singlestripe",
    "masked",
];

/// A repository shaped like a real sprite folder (every group a cat can name) over random
/// pixels: partial alpha, RGB under zero alpha, opaque and empty blocks, on sheets of odd
/// sizes, with some groups reaching past a sheet's edge (clipped) and some wholly outside it
/// (transparent). Groups overlap freely, which keeps the sheets small.
pub fn synthetic_repository(seed: u64) -> AtlasRepository {
    let mut rng = Rng::new(seed);
    let sheet_sizes: [(&str, u32, u32); 6] = [
        ("coats", 701, 1051),
        ("small", 474, 384),
        ("odd", 904, 1068),
        ("wide", 1203, 703),
        ("narrow", 333, 777),
        ("exact", 150, 350),
    ];
    let sheets: Vec<Sheet> = sheet_sizes
        .iter()
        .map(|&(name, w, h)| Sheet {
            name: name.to_owned(),
            image: random_image(&mut rng, w, h),
        })
        .collect();

    let mut groups: Vec<String> = Vec::new();
    for prefix in COAT_PREFIXES {
        for colour in Colour::NAMES {
            groups.push(format!("{prefix}{colour}"));
        }
    }
    let masks = ["ONE", "TWO", "THREE", "SMOKE", "MOTTLED", "BLUE-TOUCHED"];
    groups.extend(masks.iter().map(|m| format!("tortiemask{m}")));
    let whites = [
        "LITTLE",
        "TUXEDO",
        "ANY",
        "FULLWHITE",
        "BLAZE",
        "COLOURPOINT",
        "RAGDOLL",
        "SEPIAPOINT",
        "MINKPOINT",
        "SEALPOINT",
        "VITILIGO",
        "MOON",
        "PHANTOM",
        "KARPATI",
    ];
    groups.extend(whites.iter().map(|w| format!("white{w}")));
    for e in EyeColour::NAMES {
        groups.push(format!("eyes{e}"));
        groups.push(format!("eyes2{e}"));
    }
    groups.extend(SkinColour::NAMES.iter().map(|s| format!("skin{s}")));
    let scar_marks = ["ONE", "TWO", "SNOUT", "LEFTBLIND", "FOUR"];
    let missing = ["LEFTEAR", "RIGHTEAR", "NOTAIL", "HALFTAIL"];
    groups.extend(
        scar_marks
            .iter()
            .chain(&missing)
            .map(|s| format!("scars{s}")),
    );
    let accessories: [(&str, &str, &[&str]); 6] = [
        ("plant_accessories", "acc_herbs", &["MAPLE LEAF", "HOLLY"]),
        ("wild_accessories", "acc_wild", &["RED FEATHERS"]),
        ("collars", "collars", &["CRIMSON", "PINKBELL"]),
        // HOLLY is listed twice: the herbs prefix wins (spec §4 step 12).
        ("flower_accessories", "acc_flower", &["DAISY", "HOLLY"]),
        ("snake_accessories", "acc_snake", &["GRASS SNAKE"]),
        ("tail2_accessories", "acc_tail2", &["SEAWEED TAIL"]),
    ];
    for (_, prefix, names) in &accessories {
        groups.extend(names.iter().map(|n| format!("{prefix}{n}")));
    }
    groups.extend(
        ["lines", "lineartdead", "lineartdf", "shaders", "lighting"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    for stage in 0..3 {
        for fade in ["fademask", "fadestarclan", "fadedf"] {
            groups.push(format!("{fade}{stage}"));
        }
    }

    let mut index = BTreeMap::new();
    for g in groups {
        let &(sheet, w, h) = rng.pick(&sheet_sizes);
        let place = |rng: &mut Rng, size: u32, block: u32| match rng.below(10) {
            // Mostly inside, sometimes across the edge, rarely wholly outside.
            0..=6 => rng.below((size.saturating_sub(block) + 1) as usize) as u32,
            7 | 8 => size.saturating_sub(block) + rng.below(block as usize) as u32,
            _ => size + rng.below(200) as u32,
        };
        let x = place(&mut rng, w, 150);
        let y = place(&mut rng, h, 350);
        index.insert(
            g,
            IndexEntry {
                spritesheet: sheet.to_owned(),
                x_offset: x,
                y_offset: y,
            },
        );
    }

    let mut accessory_lists = BTreeMap::new();
    for c in ACCESSORY_CATEGORIES {
        let names = accessories
            .iter()
            .find(|(key, _, _)| *key == c.list_key)
            .map(|(_, _, n)| n.iter().map(|s| (*s).to_owned()).collect())
            .unwrap_or_default();
        accessory_lists.insert(c.list_key.to_owned(), names);
    }
    let mut tints = BTreeMap::new();
    for (n, rgb) in [
        ("pink", [253, 237, 237]),
        ("gray", [225, 225, 225]),
        ("black", [195, 195, 195]),
        ("blue", [218, 237, 245]),
    ] {
        tints.insert(n.to_owned(), Tint::Multiply(rgb));
    }
    for (n, rgb) in [
        ("dilute", [20, 20, 20]),
        ("warmdilute", [25, 15, 7]),
        ("cooldilute", [7, 15, 25]),
    ] {
        tints.insert(n.to_owned(), Tint::Add(rgb));
    }
    let white_tints = [
        ("darkcream", [236, 229, 208]),
        ("cream", [247, 241, 225]),
        ("offwhite", [238, 249, 252]),
        ("pink", [254, 248, 249]),
    ]
    .into_iter()
    .map(|(n, rgb)| (n.to_owned(), rgb))
    .collect();
    let vocabulary = Vocabulary {
        scar_marks: scar_marks.iter().map(|s| (*s).to_owned()).collect(),
        missing_parts: missing.iter().map(|s| (*s).to_owned()).collect(),
        accessory_lists,
        tints,
        white_tints,
    };
    AtlasRepository::from_parts(index, &OffsetMap::default(), sheets, vocabulary)
}

/// Random pixels in 5×5 blocks of one kind each: transparent with random RGB, opaque, or
/// random alpha; plus scattered single pixels of every kind.
fn random_image(rng: &mut Rng, w: u32, h: u32) -> RgbaImage {
    let bw = w.div_ceil(5) as usize;
    let kinds: Vec<u8> = (0..bw * h.div_ceil(5) as usize)
        .map(|_| rng.below(4) as u8)
        .collect();
    let mut pixels = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h as usize {
        for x in 0..w as usize {
            let r = rng.next_u64();
            let kind = if r >> 60 == 0 {
                (r >> 56) as u8 & 3
            } else {
                kinds[(y / 5) * bw + x / 5]
            };
            let alpha = match kind {
                0 => 0,
                1 => 255,
                // Edge values matter most in the formulas: 1, 254, and anything between.
                2 => [1u8, 254, 128, 127][(r >> 40) as usize & 3],
                _ => (r >> 32) as u8,
            };
            pixels.extend([r as u8, (r >> 8) as u8, (r >> 16) as u8, alpha]);
        }
    }
    RgbaImage {
        width: w,
        height: h,
        pixels,
    }
}

/// Random cats over one repository's vocabulary.
pub struct CatGen {
    rng: Rng,
    plain_pelts: &'static [&'static str],
    masks: Vec<String>,
    whites: Vec<String>,
    tints: Vec<String>,
    white_tints: Vec<String>,
    scars: Vec<String>,
    accessories: Vec<String>,
}

impl CatGen {
    /// Names that this repository can resolve, so every generated cat is valid.
    pub fn new(repo: &AtlasRepository, seed: u64) -> Self {
        let suffixes = |prefix: &str| -> Vec<String> {
            repo.group_names()
                .iter()
                .filter_map(|g| g.strip_prefix(prefix))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let resolves = |extra: Value| {
            let mut cat = json!({"peltName": "Tabby", "colour": "BLACK"});
            for (k, v) in extra.as_object().expect("object") {
                cat[k] = v.clone();
            }
            CatParams::from_json(&cat)
                .ok()
                .and_then(|p| CatSpec::resolve(&p, repo).ok())
                .is_some()
        };
        let vocab = repo.vocabulary();
        let scars: Vec<String> = vocab
            .scar_marks
            .iter()
            .chain(&vocab.missing_parts)
            .filter(|s| resolves(json!({"scars": [s]})))
            .cloned()
            .collect();
        let mut accessories: Vec<String> = vocab
            .accessory_lists
            .values()
            .flatten()
            .filter(|a| resolves(json!({"accessories": [a]})))
            .cloned()
            .collect();
        accessories.sort();
        accessories.dedup();
        Self {
            rng: Rng::new(seed),
            plain_pelts: PeltName::patterned_names(),
            masks: suffixes("tortiemask"),
            whites: suffixes("white"),
            tints: vocab.tints.keys().cloned().collect(),
            white_tints: vocab.white_tints.keys().cloned().collect(),
            scars,
            accessories,
        }
    }

    /// One random cat's parameters, as a client would send them.
    pub fn next_json(&mut self) -> Value {
        let r = &mut self.rng;
        let mut cat = json!({
            "spriteNumber": r.below(21),
            "colour": *r.pick(Colour::NAMES),
            "eyeColour": *r.pick(EyeColour::NAMES),
            "skinColour": *r.pick(SkinColour::NAMES),
        });
        let layer = |r: &mut Rng, masks: &[String], pelts: &[&str]| {
            json!({
                "pattern": *r.pick(pelts),
                "colour": *r.pick(Colour::NAMES),
                "mask": r.pick(masks),
            })
        };
        match r.below(20) {
            0..=11 => cat["peltName"] = json!(*r.pick(self.plain_pelts)),
            12..=15 if !self.masks.is_empty() => {
                cat["peltName"] = json!(if r.chance(50) { "Tortie" } else { "Calico" });
                cat["tortieBase"] = json!(*r.pick(self.plain_pelts));
                cat["tortiePattern"] = json!(*r.pick(self.plain_pelts));
                cat["tortieColour"] = json!(*r.pick(Colour::NAMES));
                cat["tortieMask"] = json!(r.pick(&self.masks));
            }
            _ if !self.masks.is_empty() => {
                cat["peltName"] = json!(*r.pick(self.plain_pelts));
                cat["isTortie"] = json!(true);
                let n = 1 + r.below(4);
                let layers: Vec<Value> = (0..n)
                    .map(|_| layer(r, &self.masks, self.plain_pelts))
                    .collect();
                cat["tortie"] = json!(layers);
            }
            _ => cat["peltName"] = json!(*r.pick(self.plain_pelts)),
        }
        let mut maybe = |key: &str, percent: u64, from: &[String], r: &mut Rng| {
            if !from.is_empty() && r.chance(percent) {
                cat[key] = json!(r.pick(from));
            }
        };
        maybe("tint", 50, &self.tints, r);
        maybe("whitePatches", 40, &self.whites, r);
        maybe("points", 20, &self.whites, r);
        maybe("vitiligo", 20, &self.whites, r);
        maybe("whitePatchesTint", 50, &self.white_tints, r);
        if r.chance(30) {
            cat["eyeColour2"] = json!(*r.pick(EyeColour::NAMES));
        }
        if !self.scars.is_empty() && r.chance(45) {
            let n = 1 + r.below(4);
            let list: Vec<&String> = (0..n).map(|_| r.pick(&self.scars)).collect();
            cat["scars"] = json!(list);
        }
        if !self.scars.is_empty() && r.chance(10) {
            cat["scar"] = json!(r.pick(&self.scars));
        }
        if !self.accessories.is_empty() && r.chance(40) {
            let n = 1 + r.below(3);
            let list: Vec<&String> = (0..n).map(|_| r.pick(&self.accessories)).collect();
            cat["accessories"] = json!(list);
        }
        if !self.accessories.is_empty() && r.chance(10) {
            cat["accessory"] = json!(r.pick(&self.accessories));
        }
        cat["shading"] = json!(r.chance(50));
        cat["dead"] = json!(r.chance(35));
        cat["darkForest"] = json!(r.chance(40));
        if r.chance(60) {
            // Every fading stage and its edges: 98+ never fades, 81..97, 46..80, ≤ 45.
            let edges = [0u64, 45, 46, 80, 81, 97, 98, 100];
            cat["opacity"] = json!(if r.chance(50) {
                *r.pick(&edges)
            } else {
                r.below(101) as u64
            });
        }
        cat["reverse"] = json!(r.chance(50));
        cat
    }
}

/// Parameters → plan, panicking with the JSON when the repository cannot resolve it (the
/// generator only picks names the repository has, so that is a bug here).
pub fn plan_of(repo: &AtlasRepository, cat: &Value) -> Plan {
    let params =
        CatParams::from_json(&e2e::game_params(cat)).unwrap_or_else(|e| panic!("{cat}: {e}"));
    let spec = CatSpec::resolve(&params, repo).unwrap_or_else(|e| panic!("{cat}: {e}"));
    Plan::for_cat(&spec)
}

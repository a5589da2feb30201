//! Patch layers: tortie masks and white patches (including points and vitiligo).
//!
//! Both are soft-edged regions built from blobs placed relative to the figure's anchors, so
//! a patch on the chest stays on the chest in every pose. Names that say where the patch is
//! (`…TAIL`, `…PAWS`, `BIB`) are honoured; the rest get hashed placements.

use crate::geom::{V2, lerp, sat, smoothstep, v2, value_noise};
use crate::paint::{Paint, quantise};
use crate::rng::{Rng, hash_str};
use crate::silhouette::{PIXELS, Part, PoseMap, pixel_centre};

/// A soft disc: full inside `r`, fading to nothing over `soft` pixels outside it.
#[derive(Debug, Clone, Copy)]
struct Blob {
    c: V2,
    r: f32,
    soft: f32,
}

impl Blob {
    fn at(&self, p: V2) -> f32 {
        1.0 - smoothstep(
            self.r - self.soft * 0.5,
            self.r + self.soft * 0.5,
            (p - self.c).len(),
        )
    }
}

/// Places where patches go, as points of the figure.
fn anchors(map: &PoseMap) -> Vec<V2> {
    let f = &map.figure;
    let tail_mid = f.tail[f.tail.len() / 2].0;
    let haunch = f.back.lerp(f.belly, 0.5) + v2(4.0 * f.scale, 0.0);
    vec![
        f.head, f.back, f.chest, f.belly, tail_mid, haunch, f.paws[0], f.neck, f.nose,
    ]
}

/// Which named regions a patch name asks for.
#[derive(Debug, Clone, Copy, Default)]
struct Regions {
    paws: bool,
    tail_tip: bool,
    belly: bool,
    chest: bool,
    face: bool,
    ear_near: bool,
    ear_far: bool,
    back: bool,
    half: bool,
}

fn regions_of(name: &str) -> Regions {
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    Regions {
        paws: has(&[
            "PAW", "TOE", "BOOT", "MITAINE", "SOCK", "DIGIT", "STEP", "MITT", "LEG",
        ]),
        tail_tip: has(&["TAIL", "TIP", "RING"]),
        belly: has(&["BELLY", "UNDERS", "APRON", "PANTS", "BODY"]),
        chest: has(&[
            "BIB", "CHEST", "LOCKET", "VEST", "TUXEDO", "BOWTIE", "VEE", "HEART", "SPECK",
            "LOVEBUG", "FRONT",
        ]),
        face: has(&[
            "BLAZE", "STAR", "FACE", "MASK", "MUSTACHE", "GOATEE", "BEARD", "EYE", "TEARS", "FANG",
            "MAO", "PRINCE", "GRUMPY", "OREO", "BANDANA",
        ]),
        ear_near: has(&["LEFTEAR", "ONEEAR", "EARS"]),
        ear_far: has(&["RIGHTEAR", "EARS"]),
        back: has(&[
            "SADDLE", "TOPCOVER", "BACK", "CAPE", "MANTLE", "SKUNK", "BLANKET", "WINGS", "SWOOP",
        ]),
        half: has(&["HALF"]),
    }
}

/// How a family of patches looks.
#[derive(Debug, Clone, Copy)]
struct Style {
    /// Stream salt, so tortie and white patches of the same name differ.
    salt: u64,
    /// Width of the soft edge, pixels.
    soft: f32,
    /// How many hashed blobs an unnamed patch gets (inclusive range).
    count: (usize, usize),
    /// Radius range of hashed blobs, adult pixels.
    radius: (f32, f32),
    /// Hashed blobs always added to a patch that names its regions.
    named_extra: usize,
}

/// Tortie patches: large, with wide gradients.
const TORTIE: Style = Style {
    salt: 1,
    soft: 5.0,
    count: (2, 4),
    radius: (5.0, 10.0),
    named_extra: 1,
};
/// White patches: smaller, with a narrow soft edge.
const WHITE_PATCH: Style = Style {
    salt: 2,
    soft: 1.8,
    count: (1, 4),
    radius: (3.0, 8.0),
    named_extra: 0,
};

/// Field in `[0, 1]` of a patch name: named regions plus hashed blobs.
fn patch_field(map: &PoseMap, name: &str, style: Style) -> Vec<f32> {
    let Style {
        salt,
        soft,
        count: (lo, hi),
        radius,
        named_extra,
    } = style;
    let f = &map.figure;
    let k = f.scale;
    let reg = regions_of(name);
    let mut rng = Rng::for_name(name, salt);
    let spots = anchors(map);
    let mut blobs = Vec::new();
    let named = reg.paws
        || reg.tail_tip
        || reg.belly
        || reg.chest
        || reg.face
        || reg.ear_near
        || reg.ear_far
        || reg.back
        || reg.half;
    let extra = if named {
        named_extra + rng.below(2)
    } else {
        lo + rng.below(hi - lo + 1)
    };
    for _ in 0..extra {
        let a = spots[rng.below(spots.len())];
        let off = v2(rng.range(-4.0, 4.0), rng.range(-4.0, 4.0)) * k;
        blobs.push(Blob {
            c: a + off,
            r: rng.range(radius.0, radius.1) * k,
            soft,
        });
    }
    if reg.paws {
        for p in &f.paws {
            blobs.push(Blob {
                c: *p + v2(0.0, -1.5 * k),
                r: 3.4 * k,
                soft,
            });
        }
    }
    if reg.chest {
        blobs.push(Blob {
            c: f.chest,
            r: 4.5 * k,
            soft,
        });
    }
    if reg.belly {
        blobs.push(Blob {
            c: f.belly,
            r: 6.0 * k,
            soft,
        });
    }
    if reg.face {
        blobs.push(Blob {
            c: f.nose.lerp(f.head, 0.3),
            r: 3.0 * k,
            soft,
        });
        blobs.push(Blob {
            c: f.eyes[0].lerp(f.eyes[1], 0.5) + v2(0.0, -2.0 * k),
            r: 1.6 * k,
            soft,
        });
    }
    if reg.back {
        blobs.push(Blob {
            c: f.back,
            r: 6.5 * k,
            soft,
        });
    }
    let seed = hash_str(name);
    let mut field = vec![0.0; PIXELS];
    for (i, out) in field.iter_mut().enumerate() {
        if map.cov(i) <= 0.0 {
            continue;
        }
        let p = pixel_centre(i);
        // Ragged edges: the blobs are read through a little value noise.
        let wobble = v2(
            value_noise(p, 4.0, seed) - 0.5,
            value_noise(p, 4.0, seed ^ 1) - 0.5,
        ) * 3.0;
        let q = p + wobble;
        let mut v = blobs.iter().map(|b| b.at(q)).fold(0.0f32, f32::max);
        let part = map.part_at(i);
        if reg.tail_tip && part == Part::Tail {
            v = v.max(smoothstep(0.55, 0.75, map.tail_t[i]));
        }
        if reg.ear_near && part == Part::EarNear || reg.ear_far && part == Part::EarFar {
            v = 1.0;
        }
        if reg.half {
            let mid = lerp(f.head.x, f.back.x, 0.6);
            v = v.max(smoothstep(mid - soft, mid + soft, p.x));
        }
        *out = sat(v);
    }
    field
}

/// A tortie mask: white RGB, soft-alpha patches (wide gradients), clipped to the silhouette.
pub fn tortie_mask(map: &PoseMap, name: &str) -> Paint {
    let mut paint = Paint::clear([255.0, 255.0, 255.0]);
    let field = if [
        "MOTTLED", "FRECKLED", "DAPPLE", "SMUDGED", "BRINDLE", "SPECK",
    ]
    .iter()
    .any(|w| name.contains(w))
    {
        speckle_field(map, name, 1.4, 0.35)
    } else {
        patch_field(map, name, TORTIE)
    };
    for (i, v) in field.iter().enumerate() {
        let a = quantise(*v, 15.0) * map.cov(i);
        if a > 0.0 {
            paint.set(i, [255.0, 255.0, 255.0], a);
        }
    }
    paint
}

/// Many small soft spots (mottled masks, vitiligo).
fn speckle_field(map: &PoseMap, name: &str, size: f32, density: f32) -> Vec<f32> {
    let seed = hash_str(name);
    let k = map.figure.scale;
    let mut field = vec![0.0; PIXELS];
    for (i, out) in field.iter_mut().enumerate() {
        if map.cov(i) <= 0.0 {
            continue;
        }
        let l = map.local(i);
        let n =
            value_noise(l, 2.2 * size, seed) * 0.65 + value_noise(l, 6.0 * size, seed ^ 7) * 0.35;
        *out = smoothstep(1.0 - density - 0.08, 1.0 - density + 0.08, n) * sat(k * 4.0);
    }
    field
}

/// Which kind of white a `white…` group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteKind {
    /// Ordinary white patches.
    Patch,
    /// Colour points: pale body, darker extremities.
    Point,
    /// Vitiligo: scattered depigmented spots.
    Vitiligo,
}

/// White patches, points and vitiligo: near-white RGB, soft edges, inside the silhouette.
pub fn white(map: &PoseMap, name: &str, kind: WhiteKind) -> Paint {
    const WHITE: [f32; 3] = [253.0, 253.0, 250.0];
    let mut paint = Paint::clear([255.0, 255.0, 255.0]);
    let field = match (kind, name) {
        (_, "FULLWHITE") => vec![1.0; PIXELS],
        (WhiteKind::Point, _) => point_field(map, name),
        (WhiteKind::Vitiligo, _) => {
            let density = 0.22 + (hash_str(name) % 30) as f32 / 100.0;
            speckle_field(map, name, 0.7 + (hash_str(name) % 5) as f32 * 0.15, density)
        }
        (WhiteKind::Patch, _) => patch_field(map, name, WHITE_PATCH),
    };
    for (i, v) in field.iter().enumerate() {
        let a = quantise(*v, 8.0) * map.cov(i);
        if a > 0.0 {
            paint.set(i, WHITE, a);
        }
    }
    paint
}

/// Colour points: strongest at the body's centre, none at face, ears, paws and tail.
fn point_field(map: &PoseMap, name: &str) -> Vec<f32> {
    let f = &map.figure;
    let (reach, strength) = match name {
        "SEALPOINT" => (0.8, 0.9),
        "MINKPOINT" => (1.0, 0.8),
        "SEPIAPOINT" => (1.1, 0.6),
        "RAGDOLL" => (1.2, 0.95),
        _ => (1.0, 1.0),
    };
    let centre = f.back.lerp(f.belly, 0.5);
    let radius = 13.0 * f.scale * reach;
    let mut field = vec![0.0; PIXELS];
    for (i, out) in field.iter_mut().enumerate() {
        let p = pixel_centre(i);
        let mut v = 1.0 - smoothstep(radius * 0.45, radius, (p - centre).len());
        match map.part_at(i) {
            Part::EarNear | Part::EarFar | Part::Tail => v *= 0.15,
            Part::Head => v *= 0.5 * smoothstep(f.head_r * 0.4, f.head_r * 1.2, (p - f.nose).len()),
            Part::FrontLegs | Part::BackLegs if name != "RAGDOLL" => v *= 0.4,
            // Ragdolls have white mittens.
            Part::FrontLegs | Part::BackLegs => v = 1.0,
            _ => {}
        }
        *out = v * strength;
    }
    field
}

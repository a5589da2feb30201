//! Coats: a flat base colour with pattern markings, one pattern per pelt prefix.
//!
//! Markings are a strength in `[0, 1]` per pixel, quantised to a few levels so the atlases
//! stay small, and drawn in pattern coordinates ([`PoseMap::local`]) so stripes keep their
//! spacing on kittens and adults alike.

use crate::geom::{V2, coverage, sat, sin, smoothstep, tri, v2};
use crate::paint::{Paint, mix, quantise};
use crate::palette;
use crate::rng::{lattice, mix as hash_mix};
use crate::silhouette::{CELL, PIXELS, Part, PoseMap};

/// Paints coat `pattern` in colour `colour` for one pose.
pub fn draw(map: &PoseMap, pattern: &str, colour: &str) -> Paint {
    let base = palette::coat(colour);
    let mark = palette::markings(colour);
    // Transparent pixels keep the base colour as their invisible RGB (see `Paint::clear`).
    let mut paint = Paint::clear(base);
    for i in 0..PIXELS {
        let a = map.cov(i);
        if a <= 0.0 {
            continue;
        }
        let m = quantise(marking(pattern, map, i), 4.0);
        paint.set(i, mix(base, mark, m), a);
    }
    paint
}

/// Soft stripe: 1 on lines spaced `period` apart with half width `half`, a one-pixel ramp.
fn stripe(v: f32, period: f32, half: f32) -> f32 {
    coverage(tri(v / period) * period * 0.5 - half)
}

/// Distance to the nearest point of a jittered grid of spacing `cell`, and that point's
/// random value (for varying spot size).
fn nearest_spot(p: V2, cell: f32, seed: u64) -> (f32, f32) {
    let (gx, gy) = ((p.x / cell).floor() as i32, (p.y / cell).floor() as i32);
    let mut best = (f32::MAX, 0.0);
    for dy in -1..=1 {
        for dx in -1..=1 {
            let (cx, cy) = (gx + dx, gy + dy);
            let jx = lattice(cx, cy, seed);
            let jy = lattice(cx, cy, seed ^ 0x55);
            let c = v2(
                (cx as f32 + 0.15 + 0.7 * jx) * cell,
                (cy as f32 + 0.15 + 0.7 * jy) * cell,
            );
            let d = (p - c).len();
            if d < best.0 {
                best = (d, lattice(cx, cy, seed ^ 0xAA));
            }
        }
    }
    best
}

/// 2×2 ordered-dither threshold of pixel `i`: a fine, regular grain that compresses well.
fn bayer(i: usize) -> f32 {
    let (x, y) = (i % CELL, i / CELL);
    [0.125, 0.625, 0.875, 0.375][(x & 1) + 2 * (y & 1)]
}

/// Rings along legs and tail, shared by the striped patterns.
fn limb_rings(map: &PoseMap, i: usize, l: V2, period: f32, tail_rings: f32) -> Option<f32> {
    match map.part_at(i) {
        Part::FrontLegs | Part::BackLegs => Some(stripe(l.y, period, 0.7) * 0.9),
        Part::Tail => Some(stripe(map.tail_t[i] * tail_rings, 1.0, 0.22)),
        _ => None,
    }
}

/// Forehead lines (the tabby "M") on the head above the eyes.
fn forehead(map: &PoseMap, i: usize, l: V2) -> Option<f32> {
    if map.part_at(i) != Part::Head {
        return None;
    }
    let f = &map.figure;
    let p = crate::silhouette::pixel_centre(i);
    let eye_y = f.eyes[0].y.min(f.eyes[1].y);
    if p.y < eye_y - 1.5 * f.eye_r {
        Some(stripe(l.x + 0.6, 2.6, 0.45))
    } else if p.y > eye_y + 1.5 * f.eye_r && (p - f.nose).len() > 2.5 * f.eye_r {
        // A cheek line.
        Some(stripe(l.y - l.x * 0.4, 3.2, 0.4) * 0.6)
    } else {
        Some(0.0)
    }
}

/// The marking strength of `pattern` at pixel `i`.
pub fn marking(pattern: &str, map: &PoseMap, i: usize) -> f32 {
    let l = map.local(i);
    let part = map.part_at(i);
    match pattern {
        "single" => 0.0,
        "tabby" => limb_rings(map, i, l, 3.6, 5.0)
            .or_else(|| forehead(map, i, l))
            .unwrap_or_else(|| stripe(l.x + 1.3 * sin(l.y * 0.33), 5.2, 1.1)),
        "mackerel" => limb_rings(map, i, l, 3.0, 7.0)
            .or_else(|| forehead(map, i, l))
            .unwrap_or_else(|| stripe(l.x + 0.25 * l.y, 3.3, 0.7)),
        "classic" => limb_rings(map, i, l, 4.0, 4.0)
            .or_else(|| forehead(map, i, l))
            .unwrap_or_else(|| {
                // Bullseye swirl centred on the flank.
                let c = map.local_of(map.figure.back.lerp(map.figure.belly, 0.55) + v2(2.0, 0.0));
                stripe((l - c).len(), 4.4, 1.25)
            }),
        "marbled" => limb_rings(map, i, l, 4.4, 3.0)
            .or_else(|| forehead(map, i, l))
            .unwrap_or_else(|| {
                let warp = 3.2 * sin(l.y * 0.26) + 1.8 * sin(l.x * 0.31 + l.y * 0.17);
                stripe(l.x + warp, 7.0, 1.7)
            }),
        "sokoke" => limb_rings(map, i, l, 4.4, 4.0).unwrap_or_else(|| {
            // Marble bands drawn as a dark rim around a paler fill.
            let warp = 2.6 * sin(l.y * 0.3 + 1.0) + 1.5 * sin(l.x * 0.4);
            let v = l.x + warp;
            let outer = stripe(v, 6.5, 2.0);
            let inner = stripe(v, 6.5, 1.0);
            sat(outer - inner * 0.6)
        }),
        "rosette" => {
            let (d, r) = nearest_spot(l, 5.6, 11);
            let radius = 1.7 + 0.5 * r;
            let ring = coverage((d - radius).abs() - 0.65);
            let centre = coverage(d - (radius - 0.6)) * 0.45;
            if matches!(part, Part::Head | Part::EarNear | Part::EarFar) {
                0.0
            } else {
                ring.max(centre)
            }
        }
        "speckled" => {
            let (d, r) = nearest_spot(l, 4.0, 23);
            if part == Part::Head {
                0.0
            } else {
                coverage(d - (0.55 + 0.4 * r))
            }
        }
        "bengal" => {
            let (d, r) = nearest_spot(v2(l.x * 0.8, l.y), 6.4, 37);
            let radius = 1.8 + 0.9 * r;
            if matches!(part, Part::Head | Part::EarNear | Part::EarFar) {
                0.0
            } else {
                coverage(d - radius) * 0.75 + coverage((d - radius).abs() - 0.5) * 0.25
            }
        }
        "ticked" => {
            // Fine grain, densest along the back, and faint bars on the legs.
            let density = 0.55 * (1.0 - map.height_t(i)) + 0.2;
            let grain: f32 = if bayer(i) < density { 0.5 } else { 0.0 };
            match part {
                Part::FrontLegs | Part::BackLegs => grain.max(stripe(l.y, 4.0, 0.5) * 0.5),
                Part::Tail => grain.max(smoothstep(0.8, 0.9, map.tail_t[i])),
                _ => grain,
            }
        }
        "agouti" => {
            // Even grain everywhere, lighter belly.
            let (x, y) = (i % CELL, i / CELL);
            let on = (x + 2 * y) % 3 == 0;
            let belly = smoothstep(0.55, 0.9, map.height_t(i));
            if on { 0.6 * (1.0 - belly) } else { 0.0 }
        }
        "smoke" => {
            // Dark tips fading to a pale undercoat towards the belly and legs.
            let t = map.height_t(i);
            0.9 * (1.0 - smoothstep(0.15, 0.95, t))
        }
        "singlestripe" => {
            let (x, y) = ((i % CELL) as i32, (i / CELL) as i32);
            let above = map.dist_at(x, y - 3);
            let on_back = matches!(part, Part::Body | Part::Haunch | Part::Head) && above > 0.0;
            let tail = if part == Part::Tail { 1.0 } else { 0.0 };
            if on_back {
                coverage(-above + 0.5).max(0.85)
            } else {
                tail
            }
        }
        "masked" => {
            let f = &map.figure;
            let p = crate::silhouette::pixel_centre(i);
            let face = f.eyes[0].lerp(f.nose, 0.45);
            match part {
                Part::EarNear | Part::EarFar => 1.0,
                Part::Head => 1.0 - smoothstep(f.head_r * 0.55, f.head_r * 0.95, (p - face).len()),
                Part::Tail => smoothstep(0.45, 0.75, map.tail_t[i]),
                _ => 0.0,
            }
        }
        // Unknown prefixes get a hashed but stable stripe spacing.
        other => stripe(
            l.x,
            3.0 + (hash_mix(crate::rng::hash_str(other)) % 5) as f32,
            1.0,
        ),
    }
}

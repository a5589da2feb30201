//! Scars drawn over the coat (scars1 and scars3): scratches, bites, burns, frostbite and
//! blind eyes, placed by what the name says (`SNOUT`, `TAILBASE`, `BURNPAWS` …).

use crate::geom::{Shape, V2, v2};
use crate::paint::{Paint, Rgb};
use crate::rng::Rng;
use crate::silhouette::{PIXELS, PoseMap};
use crate::sketch::{fill, stroke};

const SCAR: Rgb = [214.0, 140.0, 140.0];
const BURN: Rgb = [74.0, 46.0, 38.0];
const FROST: Rgb = [214.0, 232.0, 246.0];
const FILM: Rgb = [224.0, 232.0, 236.0];

/// Where on the figure a scar named `name` goes.
fn place(map: &PoseMap, name: &str, rng: &mut Rng) -> V2 {
    let f = &map.figure;
    let has = |w: &str| name.contains(w);
    let tail_at = |t: f32| f.tail[((f.tail.len() - 1) as f32 * t) as usize].0;
    if has("SNOUT") || has("BRIDGE") {
        f.nose.lerp(f.eyes[0], 0.45)
    } else if has("FACE") || has("CHEEK") || has("BEAK") || has("BRIGHTHEART") {
        f.head.lerp(f.nose, 0.3) + v2(0.0, 2.0 * f.scale)
    } else if has("THROAT") || has("NECK") {
        f.neck
    } else if has("TAILBASE") {
        tail_at(0.0).lerp(tail_at(0.3), 0.5)
    } else if has("TAIL") {
        tail_at(0.7)
    } else if has("BELLY") {
        f.belly
    } else if has("SIDE") || has("RUMP") || has("HINDLEG") {
        f.back.lerp(f.belly, 0.5) + v2(4.0 * f.scale, 0.0)
    } else if has("BACK") {
        f.back
    } else if has("PAW") || has("TOE") || has("MITT") || has("SOCK") || has("LEG") || has("MAN") {
        f.paws[if has("SOCK") { f.paws.len() - 1 } else { 0 }] + v2(0.0, -2.0 * f.scale)
    } else {
        let spots = [f.head, f.back, f.chest, f.belly, f.neck];
        spots[rng.below(spots.len())] + v2(rng.range(-2.0, 2.0), rng.range(-2.0, 2.0)) * f.scale
    }
}

/// Paints scar `name` for one pose.
pub fn draw(map: &PoseMap, name: &str) -> Paint {
    let f = &map.figure;
    let k = f.scale;
    let mut rng = Rng::for_name(name, 3);
    let mut paint = Paint::clear([0.0, 0.0, 0.0]);
    let at = place(map, name, &mut rng);
    let has = |w: &str| name.contains(w);
    if has("BLIND") {
        let eyes: Vec<V2> = match name {
            "LEFTBLIND" => vec![f.eyes[0]],
            "RIGHTBLIND" => vec![f.eyes[1]],
            _ => f.eyes.to_vec(),
        };
        for e in eyes {
            fill(
                &mut paint,
                &Shape::ellipse(e, f.eye_r * 1.05, f.eye_r * 1.1),
                FILM,
                0.85,
            );
            stroke(
                &mut paint,
                e + v2(-1.0, -2.5) * k,
                e + v2(1.2, 2.4) * k,
                0.45,
                SCAR,
                0.8,
            );
        }
    } else if has("BURN") || has("FROST") {
        let (rgb, alpha) = if has("BURN") {
            (BURN, 0.7)
        } else {
            (FROST, 0.8)
        };
        let targets: Vec<V2> = if has("PAWS") {
            f.paws.clone()
        } else {
            vec![at]
        };
        for c in targets {
            for _ in 0..3 {
                let o = v2(rng.range(-1.5, 1.5), rng.range(-1.5, 1.5)) * k;
                let r = rng.range(1.6, 3.2) * k;
                fill(
                    &mut paint,
                    &Shape::Circle { c: c + o, r },
                    rgb,
                    alpha * 0.55,
                );
            }
        }
    } else if has("BITE") || has("SNAKE") || has("QUILL") || has("TOE") {
        // Puncture marks on a small arc.
        let n = 3 + rng.below(3);
        for j in 0..n {
            let t = j as f32 / (n - 1) as f32 - 0.5;
            let c = at + v2(t * 4.0, t * t * 3.0) * k;
            fill(
                &mut paint,
                &Shape::Circle {
                    c,
                    r: 0.75 * k.max(0.8),
                },
                SCAR,
                0.9,
            );
        }
    } else {
        // Scratches: two or three parallel strokes.
        let n = 2 + rng.below(2);
        let dir = v2(rng.range(-1.0, 1.0), rng.range(0.6, 1.4));
        let len = rng.range(2.5, 4.5) * k;
        for j in 0..n {
            let o = v2(1.3 * j as f32, -0.4 * j as f32) * k;
            stroke(
                &mut paint,
                at + o - dir * len * 0.5,
                at + o + dir * len * 0.5,
                0.5 * k.max(0.9),
                SCAR,
                0.85,
            );
        }
    }
    for i in 0..PIXELS {
        paint.fade(i, map.cov(i));
    }
    paint
}

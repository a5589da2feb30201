//! Skin: nose leather, paw pads and inner ears, small and soft-edged.

use crate::geom::{Shape, v2};
use crate::paint::{Paint, shade};
use crate::palette;
use crate::silhouette::{Part, PoseMap, pixel_centre};
use crate::sketch::{fill, fill_with};

/// Paints skin colour `colour` for one pose.
pub fn draw(map: &PoseMap, colour: &str) -> Paint {
    let (rgb, marbled) = palette::skin(colour);
    let f = &map.figure;
    let hk = f.eye_r / 1.6;
    let mut paint = Paint::clear([0.0, 0.0, 0.0]);
    let spots = |p: crate::geom::V2| {
        // Marbled skins: darker blotches on a fixed grid.
        let (x, y) = (p.x as i32, p.y as i32);
        if marbled && (x * 3 + y * 5).rem_euclid(7) < 2 {
            shade(rgb, 0.6)
        } else {
            rgb
        }
    };
    // Nose: a rounded triangle pointing down.
    let n = f.nose + v2(0.6 * hk, -0.2 * hk);
    let nose = Shape::Triangle {
        p: [
            n + v2(-1.5 * hk, -0.9 * hk),
            n + v2(1.3 * hk, -0.9 * hk),
            n + v2(0.0, 0.9 * hk),
        ],
        round: 0.35 * hk,
    };
    fill_with(&mut paint, &nose, 1.0, spots);
    // Inner ears: the ear triangles shrunk towards their centres, inside the ear only.
    for (ear, tip) in [
        (Part::EarNear, f.ear_tips[0]),
        (Part::EarFar, f.ear_tips[1]),
    ] {
        let base = tip.lerp(f.head, 0.62);
        let shape = Shape::capsule(tip.lerp(base, 0.3), base, 1.3 * hk);
        for i in crate::sketch::pixels_in(shape.bounds()) {
            let c = crate::geom::coverage(shape.sdf(pixel_centre(i))) * map.part_cov(ear, i) * 0.75;
            if c > 0.0 {
                paint.over(i, spots(pixel_centre(i)), c);
            }
        }
    }
    // Pads: small ovals under the front paws, only where a paw is.
    for p in f.paws.iter().take(2) {
        let pad = Shape::ellipse(
            *p + v2(-0.4 * f.scale, 0.9 * f.scale),
            1.5 * f.scale,
            0.7 * f.scale.max(0.8),
        );
        fill(&mut paint, &pad, spots(*p), 0.9);
    }
    // Skin never shows outside the figure.
    for i in 0..crate::silhouette::PIXELS {
        paint.fade(i, map.cov(i));
    }
    paint
}

//! Missing parts (scars2): an OPAQUE WHITE cell with a transparent hole where the part is
//! gone. The game applies it with RGBA-min, so white keeps the cat and the hole erases it.

use crate::geom::{Shape, V2, coverage, sat, smoothstep, v2};
use crate::paint::Paint;
use crate::silhouette::{PIXELS, Part, PoseMap, pixel_centre};

/// Paints missing part `name` for one pose.
pub fn draw(map: &PoseMap, name: &str) -> Paint {
    let mut paint = Paint::clear([255.0, 255.0, 255.0]);
    for i in 0..PIXELS {
        let hole = sat(hole(map, name, i));
        paint.set(i, [255.0, 255.0, 255.0], 1.0 - hole);
    }
    paint
}

/// How much of pixel `i` belongs to the missing part, with soft edges.
fn hole(map: &PoseMap, name: &str, i: usize) -> f32 {
    let f = &map.figure;
    let p = pixel_centre(i);
    // Grown by a pixel (and the long fur's tufts) so the outline of the lost part goes too.
    let grow = 1.0 + f.fluff * 1.3;
    let part = |part: Part| coverage(map.part_dist(part, i) - grow);
    let keep_head = 1.0 - coverage(map.part_dist(Part::Head, i) + 0.3);
    let body = map
        .part_dist(Part::Body, i)
        .min(map.part_dist(Part::Haunch, i))
        .min(map.part_dist(Part::FrontLegs, i))
        .min(map.part_dist(Part::BackLegs, i));
    let keep_body = 1.0 - coverage(body + 0.3);
    let notch = |tip: V2| {
        coverage(
            Shape::Circle {
                c: tip,
                r: 3.0 * f.eye_r / 1.6,
            }
            .sdf(p),
        )
    };
    match name {
        "LEFTEAR" => notch(f.ear_tips[0]) * part(Part::EarNear) * keep_head,
        "RIGHTEAR" => notch(f.ear_tips[1]) * part(Part::EarFar) * keep_head,
        "NOLEFTEAR" => part(Part::EarNear) * keep_head,
        "NORIGHTEAR" => part(Part::EarFar) * keep_head,
        "NOEAR" => part(Part::EarNear).max(part(Part::EarFar)) * keep_head,
        "NOTAIL" => part(Part::Tail) * keep_body,
        "HALFTAIL" => part(Part::Tail) * keep_body * smoothstep(0.42, 0.58, map.tail_t[i]),
        "NOPAW" => {
            let paw = f.paws[0];
            let cut = Shape::Circle {
                c: paw + v2(0.0, -0.5 * f.scale),
                r: 3.6 * f.scale,
            };
            coverage(cut.sdf(p))
                * part(Part::FrontLegs)
                * (1.0 - coverage(map.part_dist(Part::Body, i) + 0.3))
        }
        // Unknown missing part: a hole at the tail tip, so the sheet still has one.
        _ => part(Part::Tail) * keep_body * smoothstep(0.7, 0.8, map.tail_t[i]),
    }
}

//! Eyes: iris with a slit pupil and a highlight, at the eye anchors of the pose. `eyes2`
//! groups hold only the far eye, so blitting them over `eyes` gives odd eyes.

use crate::geom::{Shape, v2};
use crate::paint::{Paint, mix, shade};
use crate::palette;
use crate::silhouette::PoseMap;
use crate::sketch::{fill, fill_with, stroke};

/// Paints the eyes of colour `colour`; `both == false` paints only the far eye.
pub fn draw(map: &PoseMap, colour: &str, both: bool) -> Paint {
    let iris = palette::eye(colour);
    let f = &map.figure;
    // Invisible RGB: the iris colour, so transparent pixels are not all zero in this sheet.
    let mut paint = Paint::clear(iris);
    let eyes: &[_] = if both { &f.eyes } else { &f.eyes[1..] };
    let r = f.eye_r;
    for &e in eyes {
        if f.eyes_open {
            let top = shade(iris, 0.72);
            let bottom = mix(iris, [255.0, 255.0, 255.0], 0.25);
            fill_with(&mut paint, &Shape::ellipse(e, r, r * 1.08), 1.0, |p| {
                let t = ((p.y - (e.y - r)) / (2.0 * r)).clamp(0.0, 1.0);
                // Two tones only: flat colours keep the atlas small.
                if t < 0.5 { top } else { bottom }
            });
            fill(
                &mut paint,
                &Shape::ellipse(e + v2(0.1 * r, 0.0), r * 0.3, r * 0.8),
                [18.0, 16.0, 22.0],
                0.95,
            );
            fill(
                &mut paint,
                &Shape::Circle {
                    c: e + v2(-0.45 * r, -0.45 * r),
                    r: r * 0.28,
                },
                [255.0, 255.0, 255.0],
                0.8,
            );
        } else {
            // Shut eyes: a lid line tinted by the iris, so colours still differ.
            let lid = mix([30.0, 24.0, 28.0], iris, 0.35);
            stroke(
                &mut paint,
                e + v2(-r, -0.1 * r),
                e + v2(r * 0.9, 0.25 * r),
                0.45 * r.max(1.0),
                lid,
                0.9,
            );
        }
    }
    paint
}

//! `shaders` (opaque grey, RGB-multiplied: darker towards the belly and at the rim) and
//! `lighting` (a translucent warm highlight along the top of the figure).

use crate::geom::{smoothstep, value_noise};
use crate::paint::{Paint, quantise};
use crate::rng::lattice;
use crate::silhouette::{CELL, PIXELS, PoseMap, pixel_centre};

/// The opaque shading cell: grey values 150..=255, alpha 255 everywhere.
pub fn shaders(map: &PoseMap) -> Paint {
    let mut paint = Paint::clear([255.0, 255.0, 255.0]);
    for i in 0..PIXELS {
        let p = pixel_centre(i);
        let v = if map.cov(i) > 0.0 {
            let t = map.height_t(i);
            let belly = smoothstep(0.35, 1.0, t) * 70.0;
            let rim = smoothstep(-3.0, 0.0, map.d[i]) * 30.0;
            255.0 - belly - rim
        } else {
            // Outside the cat the grey keeps falling towards the bottom of the cell, so the
            // invisible RGB under transparent cat pixels changes too.
            255.0 - 45.0 * (p.y / CELL as f32)
        };
        let v = 150.0 + quantise((v - 150.0) / 105.0, 26.0) * 105.0;
        paint.set(i, [v, v, (v + 4.0).min(255.0)], 1.0);
    }
    paint
}

/// The lighting cell: a soft warm highlight on the top rim and upper body, partial alpha.
/// Its transparent pixels carry faint RGB noise, which the blit copies onto empty canvas.
pub fn lighting(map: &PoseMap) -> Paint {
    let mut paint = Paint::clear([0.0, 0.0, 0.0]);
    for i in 0..PIXELS {
        let (x, y) = ((i % CELL) as i32, (i / CELL) as i32);
        let noise = (lattice(x, y, 99) * 24.0).floor() + 8.0;
        paint.set(i, [noise, noise * 0.8, noise * 0.6], 0.0);
        let cov = map.cov(i);
        if cov <= 0.0 {
            continue;
        }
        let above = map.dist_at(x - 1, y - 2);
        let rim: f32 = if above > 0.0 { 0.5 } else { 0.0 };
        let upper = (1.0 - smoothstep(0.1, 0.5, map.height_t(i))) * 0.28;
        let sheen = value_noise(pixel_centre(i), 7.0, 5) * 0.1;
        let a = quantise(rim.max(upper) + sheen * upper, 16.0) * cov;
        if a > 0.0 {
            paint.set(i, [255.0, 248.0, 222.0], a);
        }
    }
    paint
}

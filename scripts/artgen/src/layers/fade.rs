//! Fading of dead cats: `fademask0..2` (RGBA-multiplied onto the cat; alpha high, medium,
//! low by stage, with noise) and the fog behind them (`fadestarclan…`: blue and starry;
//! `fadedf…`: dark red with embers).

use crate::geom::{lerp, v2, value_noise};
use crate::paint::{Paint, quantise};
use crate::rng::lattice;
use crate::silhouette::{CELL, PIXELS, PoseMap, pixel_centre};

/// The fading mask of `stage` (0 mostly opaque … 2 mostly gone).
pub fn mask(map: &PoseMap, stage: usize) -> Paint {
    let (hi, lo) = [(1.0, 0.78), (0.72, 0.4), (0.36, 0.08)][stage.min(2)];
    let seed = 40 + stage as u64 + 7 * map.pose as u64;
    let mut paint = Paint::clear([255.0, 255.0, 255.0]);
    for i in 0..PIXELS {
        let p = pixel_centre(i);
        // Fades from the feet up, in ragged wisps.
        let n = value_noise(p, 5.0, seed) * 0.6 + (p.y / CELL as f32) * 0.4;
        let a = quantise(lerp(hi, lo, n), 24.0);
        let tint = value_noise(p, 9.0, seed ^ 3);
        let rgb = [lerp(255.0, 205.0, tint), lerp(250.0, 220.0, tint), 255.0];
        paint.set(i, rgb.map(|c| (c / 5.0).floor() * 5.0), a);
    }
    paint
}

/// The fog of `stage`: StarClan or the Dark Forest.
pub fn fog(map: &PoseMap, dark_forest: bool, stage: usize) -> Paint {
    let base = [0.12, 0.22, 0.34][stage.min(2)];
    let seed = if dark_forest { 70 } else { 60 } + stage as u64 * 3 + map.pose as u64 * 11;
    let (mist, spark): ([f32; 3], [f32; 3]) = if dark_forest {
        ([70.0, 14.0, 26.0], [220.0, 70.0, 40.0])
    } else {
        ([120.0, 150.0, 225.0], [255.0, 252.0, 225.0])
    };
    let mut paint = Paint::clear(mist);
    for i in 0..PIXELS {
        let p = pixel_centre(i);
        let (x, y) = ((i % CELL) as i32, (i / CELL) as i32);
        let n = value_noise(p + v2(3.0, 0.0), 8.0, seed);
        let a = quantise(base + 0.18 * n, 20.0);
        paint.set(i, mist, a);
        // Sparse stars or embers with a one-pixel halo.
        let density = if dark_forest { 0.007 } else { 0.015 };
        if lattice(x, y, seed ^ 0xF00) < density {
            paint.set(i, spark, 0.9);
        } else if [(1, 0), (-1, 0), (0, 1), (0, -1)]
            .iter()
            .any(|(dx, dy)| lattice(x + dx, y + dy, seed ^ 0xF00) < density)
        {
            paint.over(i, spark, 0.35);
        }
    }
    paint
}

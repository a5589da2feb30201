//! A float canvas for one 50×50 cell, and its conversion to the RGBA8 stored in the atlas.

use crate::silhouette::PIXELS;

/// An RGB colour, channels in `0..=255`.
pub type Rgb = [f32; 3];

/// One cell being painted: straight (not premultiplied) RGBA, RGB in `0..=255`, alpha in
/// `0..=1`.
#[derive(Debug, Clone)]
pub struct Paint {
    px: Vec<[f32; 4]>,
}

impl Paint {
    /// A fully transparent cell whose invisible RGB is `rgb`: the RGB of transparent pixels
    /// is copied by the game's blit (spec §3), so it is chosen, not left to chance.
    pub fn clear(rgb: Rgb) -> Paint {
        Paint {
            px: vec![[rgb[0], rgb[1], rgb[2], 0.0]; PIXELS],
        }
    }

    /// Sets pixel `i` outright.
    pub fn set(&mut self, i: usize, rgb: Rgb, a: f32) {
        self.px[i] = [rgb[0], rgb[1], rgb[2], a.clamp(0.0, 1.0)];
    }

    /// Pixel `i` as (rgb, alpha).
    pub fn get(&self, i: usize) -> (Rgb, f32) {
        let p = self.px[i];
        ([p[0], p[1], p[2]], p[3])
    }

    /// Paints `rgb` with opacity `a` over pixel `i` (the Porter–Duff "over" operator). A
    /// pixel that stays fully transparent keeps its invisible RGB.
    pub fn over(&mut self, i: usize, rgb: Rgb, a: f32) {
        let a = a.clamp(0.0, 1.0);
        if a <= 0.0 {
            return;
        }
        let [r, g, b, da] = self.px[i];
        let out_a = a + da * (1.0 - a);
        let w = da * (1.0 - a);
        let mix = |s: f32, d: f32| (s * a + d * w) / out_a;
        self.px[i] = [mix(rgb[0], r), mix(rgb[1], g), mix(rgb[2], b), out_a];
    }

    /// Multiplies the alpha of pixel `i` by `k` (used to clip a layer to the silhouette).
    pub fn fade(&mut self, i: usize, k: f32) {
        self.px[i][3] *= k.clamp(0.0, 1.0);
    }

    /// The cell as RGBA8, rounding each channel to the nearest integer.
    pub fn to_rgba8(&self) -> Vec<[u8; 4]> {
        self.px
            .iter()
            .map(|p| {
                // `as u8` saturates, so out-of-range floats cannot wrap.
                let q = |v: f32| (v + 0.5).floor() as u8;
                [q(p[0]), q(p[1]), q(p[2]), q(p[3] * 255.0)]
            })
            .collect()
    }
}

/// `rgb` scaled by `k` (darker below 1, lighter above, clamped).
pub fn shade(rgb: Rgb, k: f32) -> Rgb {
    rgb.map(|c| (c * k).clamp(0.0, 255.0))
}

/// Mix of two colours.
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [0, 1, 2].map(|k| a[k] + (b[k] - a[k]) * t)
}

/// Perceived brightness, `0..=255`.
pub fn luma(c: Rgb) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// Quantises `t` in `[0, 1]` to `levels` steps: flat areas keep the atlases compressible.
pub fn quantise(t: f32, levels: f32) -> f32 {
    (t.clamp(0.0, 1.0) * levels + 0.5).floor() / levels
}

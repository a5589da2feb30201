//! The colour math of `spec/compositing.md` §3: pygame's integer blitters, one function per
//! blend mode, over whole rows. The WGSL twin lives in `gpu/shaders/composite.wgsl`
//! (`blend_*` functions); a change to one is a change to both.
//!
//! Rows are plain byte slices of RGBA8 pixels. Each row function takes the destination row
//! and a source row of the same length; loops are written branch-light so the compiler can
//! vectorise them.

use serde::Serialize;

/// How a source layer is combined with the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlendMode {
    /// pygame's default per-pixel-alpha blit.
    Normal,
    /// `BLEND_RGB_MULT`: RGB `(d*s + 255) >> 8`, alpha kept.
    RgbMultiply,
    /// `BLEND_RGB_ADD`: RGB `min(255, d + s)`, alpha kept.
    RgbAdd,
    /// `BLEND_RGBA_MULT`: all four channels `(d*s + 255) >> 8`.
    RgbaMultiply,
    /// `BLEND_RGBA_MIN`: all four channels `min(d, s)`.
    RgbaMin,
}

impl BlendMode {
    /// Stable numeric code shared with the WGSL shader (`MODE_*` constants there).
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::Normal => 0,
            Self::RgbMultiply => 1,
            Self::RgbAdd => 2,
            Self::RgbaMultiply => 3,
            Self::RgbaMin => 4,
        }
    }
}

/// `(d*s + 255) >> 8`, pygame's multiply (exactly 0 when either side is 0).
#[inline(always)]
#[must_use]
pub const fn mul8(d: u8, s: u8) -> u8 {
    ((d as u32 * s as u32 + 255) >> 8) as u8
}

/// One pixel of pygame's alpha blit (`ALPHA_BLEND` in pygame's `alphablit.c`).
#[inline(always)]
#[must_use]
pub fn normal_px(d: [u8; 4], s: [u8; 4]) -> [u8; 4] {
    if d[3] == 0 {
        return s;
    }
    let sa = s[3] as u32;
    let da = d[3] as u32;
    let c = |dc: u8, sc: u8| ((dc as u32 * (256 - sa) + sc as u32 * (sa + 1)) >> 8) as u8;
    [
        c(d[0], s[0]),
        c(d[1], s[1]),
        c(d[2], s[2]),
        (sa + da - (sa * da) / 255) as u8,
    ]
}

/// Applies `mode` to every pixel of `dst` with the matching pixel of `src`.
#[inline]
pub fn blend_row(mode: BlendMode, dst: &mut [u8], src: &[u8]) {
    debug_assert_eq!(dst.len(), src.len());
    match mode {
        BlendMode::Normal => normal_row(dst, src),
        BlendMode::RgbMultiply => {
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                d[0] = mul8(d[0], s[0]);
                d[1] = mul8(d[1], s[1]);
                d[2] = mul8(d[2], s[2]);
            }
        }
        BlendMode::RgbAdd => {
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                d[0] = d[0].saturating_add(s[0]);
                d[1] = d[1].saturating_add(s[1]);
                d[2] = d[2].saturating_add(s[2]);
            }
        }
        BlendMode::RgbaMultiply => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = mul8(*d, *s);
            }
        }
        BlendMode::RgbaMin => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = (*d).min(*s);
            }
        }
    }
}

/// Applies `mode` with a constant opaque colour `(r, g, b, 255)` as the source.
#[inline]
pub fn blend_row_fill(mode: BlendMode, dst: &mut [u8], rgb: [u8; 3]) {
    let s = [rgb[0], rgb[1], rgb[2], 255];
    match mode {
        // A fill is opaque, so a normal blit of it replaces every pixel.
        BlendMode::Normal => {
            for d in dst.chunks_exact_mut(4) {
                d.copy_from_slice(&normal_px([d[0], d[1], d[2], d[3]], s));
            }
        }
        BlendMode::RgbMultiply | BlendMode::RgbaMultiply => {
            let all = mode == BlendMode::RgbaMultiply;
            for d in dst.chunks_exact_mut(4) {
                d[0] = mul8(d[0], s[0]);
                d[1] = mul8(d[1], s[1]);
                d[2] = mul8(d[2], s[2]);
                if all {
                    d[3] = mul8(d[3], 255);
                }
            }
        }
        BlendMode::RgbAdd => {
            for d in dst.chunks_exact_mut(4) {
                d[0] = d[0].saturating_add(s[0]);
                d[1] = d[1].saturating_add(s[1]);
                d[2] = d[2].saturating_add(s[2]);
            }
        }
        BlendMode::RgbaMin => {
            for d in dst.chunks_exact_mut(4) {
                for c in 0..4 {
                    d[c] = d[c].min(s[c]);
                }
            }
        }
    }
}

fn normal_row(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
        let sa = u32::from(s[3]);
        let da = u32::from(d[3]);
        // Branch-free select between "copy the source" (empty destination) and the blend,
        // so the loop vectorises.
        let empty = da == 0;
        let inv = 256 - sa;
        let sw = sa + 1;
        let blend = |dc: u8, sc: u8| ((u32::from(dc) * inv + u32::from(sc) * sw) >> 8) as u8;
        let r = blend(d[0], s[0]);
        let g = blend(d[1], s[1]);
        let b = blend(d[2], s[2]);
        let a = (sa + da - (sa * da) / 255) as u8;
        d[0] = if empty { s[0] } else { r };
        d[1] = if empty { s[1] } else { g };
        d[2] = if empty { s[2] } else { b };
        d[3] = if empty { s[3] } else { a };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(v: u32) -> u8 {
        [0u8, 1, 2, 127, 128, 200, 254, 255][(v % 8) as usize]
    }

    #[test]
    fn normal_blit_onto_empty_destination_copies_source_even_when_transparent() {
        assert_eq!(normal_px([9, 9, 9, 0], [10, 20, 30, 0]), [10, 20, 30, 0]);
    }

    #[test]
    fn normal_blit_matches_the_spec_formula_written_out() {
        let d = [100, 50, 200, 128];
        let s = [10, 250, 0, 77];
        let sa = 77u32;
        let exp = |dc: u32, sc: u32| ((dc * (256 - sa) + sc * (sa + 1)) >> 8) as u8;
        assert_eq!(
            normal_px(d, s),
            [
                exp(100, 10),
                exp(50, 250),
                exp(200, 0),
                (77 + 128 - (77 * 128) / 255) as u8
            ]
        );
    }

    #[test]
    fn row_loops_agree_with_the_pixel_formula() {
        let mut dst = Vec::new();
        let mut src = Vec::new();
        for i in 0..4096u32 {
            dst.extend([pick(i), pick(i / 8), pick(i / 64), pick(i / 512)]);
            src.extend([pick(i * 7), pick(i / 3), pick(i / 5), pick(i / 11)]);
        }
        let mut out = dst.clone();
        blend_row(BlendMode::Normal, &mut out, &src);
        for ((o, d), s) in out.chunks(4).zip(dst.chunks(4)).zip(src.chunks(4)) {
            let px = normal_px([d[0], d[1], d[2], d[3]], [s[0], s[1], s[2], s[3]]);
            assert_eq!(o, &px);
        }
        let mut out = dst.clone();
        blend_row(BlendMode::RgbMultiply, &mut out, &src);
        for ((o, d), s) in out.chunks(4).zip(dst.chunks(4)).zip(src.chunks(4)) {
            assert_eq!(o[0], ((u32::from(d[0]) * u32::from(s[0]) + 255) >> 8) as u8);
            assert_eq!(o[3], d[3]);
        }
    }

    #[test]
    fn fill_blends_equal_blending_a_row_of_the_fill_colour() {
        let dst: Vec<u8> = (0..400u32).map(|i| pick(i * 13 + i / 7)).collect();
        let rgb = [218, 13, 245];
        let fill: Vec<u8> = (0..100)
            .flat_map(|_| [rgb[0], rgb[1], rgb[2], 255])
            .collect();
        for mode in [
            BlendMode::Normal,
            BlendMode::RgbMultiply,
            BlendMode::RgbAdd,
            BlendMode::RgbaMultiply,
            BlendMode::RgbaMin,
        ] {
            let mut a = dst.clone();
            let mut b = dst.clone();
            blend_row(mode, &mut a, &fill);
            blend_row_fill(mode, &mut b, rgb);
            assert_eq!(a, b, "{mode:?}");
        }
    }
}

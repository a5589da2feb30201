//! The colour math of `spec/compositing.md` §3: pygame's integer blitters, one function per
//! blend mode, over whole rows. The WGSL twin lives in `gpu/shaders/composite.wgsl`
//! (`blend_*` functions); a change to one is a change to both.
//!
//! Rows are plain byte slices of RGBA8 pixels. Each row function takes the destination row
//! and a source row of the same length; loops are written branch-light so the compiler can
//! vectorise them.

use serde::Serialize;

/// How a source layer is combined with the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

/// Planar form of the blend modes over one [`Block`](crate::planar::Block) of 32 pixels: the
/// same arithmetic as [`normal_px`] and [`mul8`], written as loops over 32 lanes so each
/// channel row becomes one SIMD register. Each kernel is tested equal to the per-pixel
/// definition.
pub mod planes {
    use super::BlendMode;
    use crate::planar::{Block, LANES, Lanes};

    /// `d = blend(d, s)` for every pixel of a block.
    #[inline(always)]
    pub fn blend(mode: BlendMode, d: &mut Block, s: &Block) {
        match mode {
            BlendMode::Normal => normal(d, s),
            BlendMode::RgbMultiply => {
                for c in 0..3 {
                    mul(&mut d[c], &s[c]);
                }
            }
            BlendMode::RgbAdd => {
                for c in 0..3 {
                    add(&mut d[c], &s[c]);
                }
            }
            BlendMode::RgbaMultiply => {
                for c in 0..4 {
                    mul(&mut d[c], &s[c]);
                }
            }
            BlendMode::RgbaMin => {
                for c in 0..4 {
                    min(&mut d[c], &s[c]);
                }
            }
        }
    }

    /// `d = blend(d, fill)` with the opaque colour `(r, g, b, 255)` as the source.
    #[inline(always)]
    pub fn blend_fill(mode: BlendMode, d: &mut Block, rgb: [u8; 3]) {
        match mode {
            // An opaque normal blit: colour (d*0 + s*256) >> 8 = s, alpha 255 - 0 = 255.
            BlendMode::Normal => *d = fill(rgb),
            // The fill's alpha 255 leaves alpha as it is: (a*255 + 255) >> 8 = a, min(a, 255) = a.
            BlendMode::RgbMultiply | BlendMode::RgbaMultiply => {
                for c in 0..3 {
                    mul(&mut d[c], &[rgb[c]; LANES]);
                }
            }
            BlendMode::RgbAdd => {
                for c in 0..3 {
                    add(&mut d[c], &[rgb[c]; LANES]);
                }
            }
            BlendMode::RgbaMin => {
                for c in 0..3 {
                    min(&mut d[c], &[rgb[c]; LANES]);
                }
            }
        }
    }

    /// A block of the opaque colour `(r, g, b, 255)`.
    #[inline(always)]
    #[must_use]
    pub fn fill(rgb: [u8; 3]) -> Block {
        [rgb[0], rgb[1], rgb[2], 255].map(|v| [v; LANES])
    }

    /// `(d*s + 255) >> 8` per lane; `(d*s + 255)` fits 16 bits: 255*255 + 255 = 65280.
    #[inline(always)]
    fn mul(d: &mut Lanes, s: &Lanes) {
        for (d, &s) in d.iter_mut().zip(s) {
            *d = ((u16::from(*d) * u16::from(s) + 255) >> 8) as u8;
        }
    }

    #[inline(always)]
    fn add(d: &mut Lanes, s: &Lanes) {
        for (d, &s) in d.iter_mut().zip(s) {
            *d = d.saturating_add(s);
        }
    }

    #[inline(always)]
    fn min(d: &mut Lanes, s: &Lanes) {
        for (d, &s) in d.iter_mut().zip(s) {
            *d = (*d).min(s);
        }
    }

    /// pygame's alpha blit of a block, branch-free like pygame's own AVX2 blitter: where the
    /// destination is empty the source alpha is taken as 255, which makes the colour formula
    /// return the source exactly, and the alpha formula gives the source alpha there.
    ///
    /// The colour formula `(d*(256-a) + s*(a+1)) >> 8` is evaluated as
    /// `((d<<8) + (s-d)*a + s) >> 8` in wrapping 16-bit arithmetic, as pygame's AVX2 blitter
    /// does: the true value lies in 0..=65535+255 and its `>> 8` is at most 255, so the
    /// wrapped sum `>> 8` is the same number (exhaustively tested against `normal_px`).
    #[inline(always)]
    pub fn normal(d: &mut Block, s: &Block) {
        normal_lanes::<0, LANES>(d, s);
    }

    /// [`normal`] on lanes `0..16` only; lanes `16..32` are left as they are.
    #[inline(always)]
    pub fn normal_low_half(d: &mut Block, s: &Block) {
        normal_lanes::<0, { LANES / 2 }>(d, s);
    }

    /// [`normal`] on lanes `16..32` only; lanes `0..16` are left as they are.
    #[inline(always)]
    pub fn normal_high_half(d: &mut Block, s: &Block) {
        normal_lanes::<{ LANES / 2 }, LANES>(d, s);
    }

    #[inline(always)]
    fn normal_lanes<const FROM: usize, const TO: usize>(d: &mut Block, s: &Block) {
        let [dr, dg, db, da] = d;
        let [sr, sg, sb, sa] = s;
        // sA + dA - sA*dA/255 (sA where dA is 0). p / 255 == (p + 1 + (p >> 8)) >> 8 for
        // every p <= 255 * 255 (tested below); the sum is at most 255, so the last step is
        // exact in wrapping 8-bit lanes.
        let mut q = [0u8; LANES];
        for i in FROM..TO {
            let p = u16::from(sa[i]) * u16::from(da[i]);
            q[i] = ((p + 1 + (p >> 8)) >> 8) as u8;
        }
        for i in FROM..TO {
            let (s_a, d_a) = (sa[i], da[i]);
            let a = u16::from(s_a | u8::from(d_a == 0).wrapping_neg());
            // (d*(256-a) + s*(a+1)) rewritten as (d<<8) + (s-d)*a + s: one multiply.
            let colour = |d: u8, s: u8| {
                let (dv, sv) = (u16::from(d), u16::from(s));
                let v = (dv << 8)
                    .wrapping_add(sv.wrapping_sub(dv).wrapping_mul(a))
                    .wrapping_add(sv);
                (v >> 8) as u8
            };
            dr[i] = colour(dr[i], sr[i]);
            dg[i] = colour(dg[i], sg[i]);
            db[i] = colour(db[i], sb[i]);
        }
        for i in FROM..TO {
            da[i] = sa[i].wrapping_add(da[i]).wrapping_sub(q[i]);
        }
    }

    /// [`normal`] when every source alpha in the block is 0: pixels with alpha keep their
    /// value (colour `(d*256 + s) >> 8 = d`, alpha `0 + dA - 0`), and alpha-0 pixels take
    /// the source whole, RGB included (their alpha stays 0). A select, no arithmetic.
    #[inline(always)]
    pub fn normal_transparent_source(d: &mut Block, s: &Block) {
        // Written as masks over indexed loops: the `if` form does not vectorise.
        let mut take = [0u8; LANES];
        for i in 0..LANES {
            take[i] = u8::from(d[3][i] == 0).wrapping_neg();
        }
        for c in 0..3 {
            for i in 0..LANES {
                d[c][i] = (s[c][i] & take[i]) | (d[c][i] & !take[i]);
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
    use crate::planar::{Block, LANES, PIXELS};

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

    fn random_planes(seed: u64) -> Box<crate::planar::PlanarCell> {
        let mut x = seed;
        let mut p = crate::planar::zeroed();
        for v in p.iter_mut().flatten().flatten() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Bias toward the edge values 0 and 255 that the formulas treat specially.
            *v = match x % 5 {
                0 => 0,
                1 => 255,
                _ => (x >> 32) as u8,
            };
        }
        p
    }

    fn set_alpha(p: &mut crate::planar::PlanarCell, i: usize, a: u8) {
        p[i / LANES][3][i % LANES] = a;
    }

    #[test]
    fn one_multiply_colour_formula_equals_the_spec_for_every_input() {
        for a in 0..=255u16 {
            for d in 0..=255u16 {
                for s in 0..=255u16 {
                    let spec = ((u32::from(d) * (256 - u32::from(a))
                        + u32::from(s) * (u32::from(a) + 1))
                        >> 8) as u8;
                    let v = (d << 8)
                        .wrapping_add(s.wrapping_sub(d).wrapping_mul(a))
                        .wrapping_add(s);
                    assert_eq!((v >> 8) as u8, spec, "a={a} d={d} s={s}");
                }
            }
        }
    }

    #[test]
    fn division_by_255_trick_is_exact_on_its_whole_range() {
        for x in 0..=255u32 * 255 {
            assert_eq!((x * 0x8081) >> 23, x / 255, "{x}");
            assert_eq!(((x * 0x8081) >> 16) as u16 >> 7, (x / 255) as u16, "{x}");
            let p = x as u16;
            assert_eq!((p + 1 + (p >> 8)) >> 8, (x / 255) as u16, "{x}");
        }
    }

    #[test]
    fn planar_normal_blit_equals_the_pixel_formula_for_every_alpha_pair() {
        // Every (sA, dA) pair over 27 cells' worth of pixels, with varied colours.
        let total: usize = 256 * 256;
        let cells = total.div_ceil(PIXELS);
        for round in 0..cells * 3 {
            let mut d0 = random_planes(round as u64 * 2 + 1);
            let mut s0 = random_planes(round as u64 * 2 + 2);
            for i in 0..PIXELS {
                let pair = ((round % cells) * PIXELS + i) % total;
                set_alpha(&mut s0, i, (pair % 256) as u8);
                set_alpha(&mut d0, i, (pair / 256) as u8);
            }
            for (k, (d, s)) in d0.iter().zip(s0.iter()).enumerate() {
                let mut out = *d;
                planes::normal(&mut out, s);
                let transparent = s[3].iter().all(|&a| a == 0);
                let mut selected = *d;
                planes::normal_transparent_source(&mut selected, s);
                for j in 0..LANES {
                    let px = |b: &Block| [b[0][j], b[1][j], b[2][j], b[3][j]];
                    let expected = normal_px(px(d), px(s));
                    assert_eq!(px(&out), expected, "block {k} lane {j}");
                    if s[3][j] == 0 {
                        assert_eq!(px(&selected), expected, "block {k} lane {j}");
                    }
                }
                if transparent {
                    assert_eq!(selected, out);
                }
            }
        }
    }

    #[test]
    fn half_blends_equal_the_whole_blend_on_their_half_and_leave_the_other() {
        for seed in 0..64 {
            let d0 = random_planes(seed * 2 + 300);
            let s0 = random_planes(seed * 2 + 301);
            for (d, s) in d0.iter().zip(s0.iter()) {
                let mut whole = *d;
                planes::normal(&mut whole, s);
                let (mut low, mut high) = (*d, *d);
                planes::normal_low_half(&mut low, s);
                planes::normal_high_half(&mut high, s);
                for c in 0..4 {
                    assert_eq!(low[c][..LANES / 2], whole[c][..LANES / 2]);
                    assert_eq!(low[c][LANES / 2..], d[c][LANES / 2..]);
                    assert_eq!(high[c][LANES / 2..], whole[c][LANES / 2..]);
                    assert_eq!(high[c][..LANES / 2], d[c][..LANES / 2]);
                }
            }
        }
    }

    #[test]
    fn transparent_source_select_equals_the_blend_on_blocks_with_zero_source_alpha() {
        for seed in 0..64 {
            let d0 = random_planes(seed * 2 + 100);
            let mut s0 = random_planes(seed * 2 + 101);
            for b in s0.iter_mut() {
                b[3] = [0; LANES];
            }
            for (d, s) in d0.iter().zip(s0.iter()) {
                let (mut a, mut b) = (*d, *d);
                planes::normal_transparent_source(&mut a, s);
                planes::normal(&mut b, s);
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn planar_kernels_equal_the_row_kernels_for_every_mode() {
        for seed in 0..8 {
            let d0 = random_planes(seed * 3 + 10);
            let s0 = random_planes(seed * 3 + 11);
            let rgb = [(seed * 37) as u8, 255, 0];
            for mode in [
                BlendMode::Normal,
                BlendMode::RgbMultiply,
                BlendMode::RgbAdd,
                BlendMode::RgbaMultiply,
                BlendMode::RgbaMin,
            ] {
                for (k, (d, s)) in d0.iter().zip(s0.iter()).enumerate() {
                    let (mut a, mut f) = (*d, *d);
                    planes::blend(mode, &mut a, s);
                    planes::blend_fill(mode, &mut f, rgb);
                    for j in 0..LANES {
                        let px = |b: &Block| [b[0][j], b[1][j], b[2][j], b[3][j]];
                        let mut row = px(d);
                        blend_row(mode, &mut row, &px(s));
                        assert_eq!(px(&a), row, "{mode:?} block {k} lane {j}");
                        let mut row = px(d);
                        blend_row_fill(mode, &mut row, rgb);
                        assert_eq!(px(&f), row, "{mode:?} fill block {k} lane {j}");
                    }
                }
            }
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

//! `CpuBackend`: the reference executor of a [`Plan`], written for speed — planar registers
//! reused across renders, 32-pixel block kernels the compiler vectorises, no allocation per
//! render. Cells are read through their block tables in the repository's store, with
//! per-block facts.
//!
//! Work avoided, all exact:
//! - A copy of a cell (or of a register that holds one) does not copy: the register records
//!   where its value lives, and the next blend onto it reads from there.
//! - A normal blit looks at each block's facts: a block it cannot change is skipped, a block
//!   where the destination is all transparent takes the source whole, and a block where the
//!   source is all transparent is a select (pygame copies the source into alpha-0 pixels,
//!   RGB included, and leaves the rest); only the others are blended.
//! - Colour under zero alpha that nothing after an op can see (the next use of the register
//!   is a normal blit onto it, which replaces those pixels whole) is not computed: such an op
//!   skips all-transparent blocks, and blends only the half of a block where the source has
//!   alpha. Alpha is always exact, and the output's every channel is.

use crate::atlas::{AtlasRepository, CellId};
use crate::blend::{BlendMode, planes};
use crate::cell::{CELL, CELL_ROW_BYTES, Canvas, transparent_canvas};
use crate::palette::dark_forest_tint_px;
use crate::plan::{FloatOp, Op, Plan, Reg, Source, StageKind};
use crate::planar::{self, ALL_BLOCKS, Block, BlockView, Facts, Mask, PlanarCell, TRANSPARENT};

/// Where a register's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// In the register's own blocks.
    Own,
    /// In a cached cell of the repository (the register was set to that cell).
    Cell(CellId),
    /// All `(0,0,0,0)` (the state every render starts from).
    Transparent,
}

/// A register of the plan machine.
#[derive(Debug)]
struct Register {
    /// Storage for a value computed by a blend; stale unless `base` is `Own`.
    blocks: Box<PlanarCell>,
    /// Where the value is, so copies need not move pixels.
    base: Base,
    /// What is known about the value's blocks; drives the skipping.
    facts: Facts,
}

impl Register {
    fn new() -> Self {
        Self {
            blocks: planar::zeroed(),
            base: Base::Transparent,
            facts: Facts::TRANSPARENT,
        }
    }

    /// The register's value.
    #[inline(always)]
    fn view<'a>(&'a self, repo: &'a AtlasRepository) -> BlockView<'a> {
        match self.base {
            Base::Own => BlockView::dense(&self.blocks),
            Base::Cell(id) => repo.cell_blocks(id),
            Base::Transparent => BlockView::dense(&TRANSPARENT),
        }
    }
}

/// Renders plans on the calling thread. Not `Sync`: give each worker thread its own.
#[derive(Debug)]
pub struct CpuBackend {
    cat: Register,
    scratch: Register,
    out: Box<Canvas>,
    /// Per op of the plan being rendered: whether the RGB under zero alpha of the register
    /// it writes can still reach the output (see [`colour_under_zero_alpha_seen`]). Kept
    /// across renders so its allocation is reused.
    seen: Vec<bool>,
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuBackend {
    /// A backend with its registers allocated.
    #[must_use]
    pub fn new() -> Self {
        Self {
            cat: Register::new(),
            scratch: Register::new(),
            out: transparent_canvas(),
            seen: Vec::new(),
        }
    }

    /// Both registers start transparent, so no render depends on the one before it.
    #[inline(always)]
    fn reset(&mut self) {
        for reg in [&mut self.cat, &mut self.scratch] {
            reg.base = Base::Transparent;
            reg.facts = Facts::TRANSPARENT;
        }
    }

    /// Renders `plan` and returns the finished cat as RGBA8 (valid until the next render).
    ///
    /// On x86-64 CPUs with AVX2 the same code runs compiled for AVX2 (about half the
    /// instructions); elsewhere it runs as compiled for the baseline target. Both are the
    /// same source, so their results are the same.
    pub fn render(&mut self, repo: &AtlasRepository, plan: &Plan) -> &Canvas {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            #[expect(
                unsafe_code,
                reason = "calling a #[target_feature(enable = \"avx2\")] function needs \
                          unsafe; AVX2 support was checked on the line above"
            )]
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { self.render_avx2(repo, plan) };
        }
        self.render_portable(repo, plan)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn render_avx2(&mut self, repo: &AtlasRepository, plan: &Plan) -> &Canvas {
        self.render_portable(repo, plan)
    }

    /// The render itself; inlined into each dispatch target so its loops are compiled for
    /// that target's vector width.
    #[inline(always)]
    fn render_portable(&mut self, repo: &AtlasRepository, plan: &Plan) -> &Canvas {
        self.reset();
        colour_under_zero_alpha_seen(&plan.ops, |_| false, &mut self.seen);
        for (i, op) in plan.ops.iter().enumerate() {
            let seen = self.seen[i];
            self.apply(repo, op, seen);
        }
        self.finish(repo, plan.flip)
    }

    /// Writes the cat register to the output canvas, mirrored if `flip`.
    #[inline(always)]
    fn finish(&mut self, repo: &AtlasRepository, flip: bool) -> &Canvas {
        match self.cat.base {
            Base::Own => planar::to_canvas(&self.cat.blocks, &mut self.out),
            Base::Cell(id) => repo.cell_into(id, &mut self.out),
            Base::Transparent => self.out.fill(0),
        }
        if flip {
            planar::flip_canvas(&mut self.out);
        }
        &self.out
    }

    /// Renders `plan`, handing the cat canvas to `each_stage` after every stage (for the
    /// layer inspector). Returns the finished cat.
    pub fn render_stages(
        &mut self,
        repo: &AtlasRepository,
        plan: &Plan,
        mut each_stage: impl FnMut(StageKind, &Canvas),
    ) -> &Canvas {
        self.reset();
        // Every stage's canvas is shown whole, colour under zero alpha included.
        let stage_ends = |i: usize| plan.stages.iter().any(|s| s.end == i + 1);
        colour_under_zero_alpha_seen(&plan.ops, stage_ends, &mut self.seen);
        // The flip is always the last stage; it mirrors the canvas, not the register.
        let mut flipped = false;
        for stage in &plan.stages {
            for i in stage.start..stage.end {
                let seen = self.seen[i];
                self.apply(repo, &plan.ops[i], seen);
            }
            flipped |= stage.kind == StageKind::Flip;
            each_stage(stage.kind, self.finish(repo, flipped));
        }
        self.finish(repo, flipped)
    }

    /// Executes `op`. Where `seen` is false the RGB under zero alpha of the result is left
    /// as whatever is cheapest (alpha is always exact).
    #[inline(always)]
    fn apply(&mut self, repo: &AtlasRepository, op: &Op, seen: bool) {
        let (dst, other) = match op.target {
            Reg::Cat => (&mut self.cat, &self.scratch),
            Reg::Scratch => (&mut self.scratch, &self.cat),
        };
        if let Source::Float(float) = op.source {
            float_op(dst, repo, float);
            return;
        }
        let Some(mode) = op.blend else {
            match op.source {
                Source::Cell(id) => {
                    dst.base = Base::Cell(id);
                    dst.facts = repo.cell_facts(id);
                }
                Source::Other => {
                    if other.base == Base::Own {
                        *dst.blocks = *other.blocks;
                    }
                    dst.base = other.base;
                    dst.facts = other.facts;
                }
                Source::Fill(rgb) => {
                    dst.blocks.fill(planes::fill(rgb));
                    dst.base = Base::Own;
                    dst.facts = Facts::OPAQUE;
                }
                Source::Float(_) => {}
            }
            return;
        };
        // The value blended onto: the register's own blocks (in place) or where it lives.
        let base = match dst.base {
            Base::Own => None,
            Base::Cell(id) => Some(repo.cell_blocks(id)),
            Base::Transparent => Some(BlockView::dense(&TRANSPARENT)),
        };
        dst.base = Base::Own;
        let out = &mut *dst.blocks;
        let df = dst.facts;
        // Blocks whose every alpha is 0 before (alpha-keeping modes) or after the op need
        // no work when their colour will not be seen.
        let unseen = if seen { 0 } else { ALL_BLOCKS };
        dst.facts = match op.source {
            Source::Fill(rgb) => blend_fill(mode, out, base, df, rgb, unseen),
            Source::Cell(id) => blend(
                mode,
                out,
                base,
                df,
                repo.cell_blocks(id),
                repo.cell_facts(id),
                unseen,
            ),
            Source::Other => blend(mode, out, base, df, other.view(repo), other.facts, unseen),
            // Handled before the blend modes.
            Source::Float(_) => df,
        };
    }
}

/// Rewrites `dst` with one of CatGenerator's float stages, pixel by pixel (padding too, so
/// the block facts stay true). Alpha is kept by both.
fn float_op(dst: &mut Register, repo: &AtlasRepository, op: FloatOp) {
    match dst.base {
        Base::Own => {}
        Base::Cell(id) => repo.cell_blocks(id).copy_to(&mut dst.blocks),
        Base::Transparent => *dst.blocks = TRANSPARENT,
    }
    dst.base = Base::Own;
    let lanes = |f: &mut dyn FnMut(usize, [u8; 4]) -> [u8; 4], blocks: &mut PlanarCell| {
        for (k, block) in blocks.iter_mut().enumerate() {
            for lane in 0..planar::LANES {
                let out = f(k * planar::LANES + lane, block.map(|channel| channel[lane]));
                for (channel, v) in block.iter_mut().zip(out) {
                    channel[lane] = v;
                }
            }
        }
    };
    match op {
        FloatOp::Recolour(id) => {
            let recolour = &repo.palettes().get(id).recolour;
            lanes(
                &mut |p, [r, g, b, a]| {
                    let [r, g, b] = recolour.pixel(p % CELL, p / CELL, [r, g, b]);
                    [r, g, b, a]
                },
                &mut dst.blocks,
            );
            if !recolour.keeps_black() {
                dst.facts.clean = dst.facts.solid;
            }
        }
        FloatOp::DarkForestTint => {
            lanes(&mut |_, px| dark_forest_tint_px(px), &mut dst.blocks);
            dst.facts.clean = ALL_BLOCKS;
        }
    }
}

/// Fills `seen[i]` with whether, after op `i`, the RGB of zero-alpha pixels of the register
/// it writes can still reach the output: the final cat, or the cat after every op `i` with
/// `observed(i)`. Walks the plan backwards from "the cat's are seen, the scratch's are not".
///
/// A normal blit never reads the destination's colour under zero alpha (pygame takes the
/// source whole there), and a copy replaces it, so before either it is unseen; the
/// alpha-keeping and alpha-multiplying modes pass it on from their result. A register read
/// as a source passes its own on to the result's (normal blit where both alphas are 0, the
/// RGBA modes where one is), except that an RGB multiply or add reads it into pixels that
/// have alpha.
fn colour_under_zero_alpha_seen(
    ops: &[Op],
    observed: impl Fn(usize) -> bool,
    seen: &mut Vec<bool>,
) {
    let idx = |r: Reg| usize::from(r == Reg::Scratch);
    seen.clear();
    seen.resize(ops.len(), true);
    let mut live = [true, false];
    for (i, op) in ops.iter().enumerate().rev() {
        live[0] |= observed(i);
        let (t, o) = (idx(op.target), idx(op.target.other()));
        let after = live[t];
        seen[i] = after;
        let reads_other = op.source == Source::Other;
        match (op.source, op.blend) {
            // A recolour maps each pixel's colour, alpha-0 pixels' too: it passes on.
            (Source::Float(FloatOp::Recolour(_)), _) => {}
            // The Dark Forest multiply sets colour under zero alpha to 0.
            (Source::Float(FloatOp::DarkForestTint), _) => live[t] = false,
            (_, blend) => match blend {
                None | Some(BlendMode::Normal) => {
                    live[t] = false;
                    if reads_other {
                        live[o] |= after;
                    }
                }
                Some(BlendMode::RgbMultiply | BlendMode::RgbAdd) => {
                    if reads_other {
                        live[o] = true;
                    }
                }
                Some(BlendMode::RgbaMultiply | BlendMode::RgbaMin) => {
                    if reads_other {
                        live[o] |= after;
                    }
                }
            },
        }
    }
}

/// Calls `f(k)` for every block `k` in `mask`, lowest first (two 64-bit halves: cheaper
/// than stepping through a `u128`).
#[inline(always)]
fn each_block(mask: Mask, mut f: impl FnMut(usize)) {
    for (offset, half) in [(0, mask as u64), (64, (mask >> 64) as u64)] {
        let mut m = half;
        while m != 0 {
            f(offset + m.trailing_zeros() as usize);
            m &= m - 1;
        }
    }
}

/// `out[k] = f(value's block k)`, where the value is `base` if given, else `out` itself.
///
/// The kernel works on a copy in a local: once everything is inlined the compiler cannot
/// tell that `out` and the source blocks do not overlap, and does not vectorise in place.
#[inline(always)]
fn update(out: &mut PlanarCell, base: Option<BlockView<'_>>, k: usize, f: impl FnOnce(&mut Block)) {
    let mut d = match base {
        Some(b) => b[k],
        None => out[k],
    };
    f(&mut d);
    out[k] = d;
}

/// Makes `out` hold the value: blocks in `keep` are the base's unchanged (nothing to do in
/// place), blocks in `zero` become `(0,0,0,0)`, every other block `d` gets `f(d, k)`.
#[inline(always)]
fn map_blocks(
    out: &mut PlanarCell,
    base: Option<BlockView<'_>>,
    keep: Mask,
    zero: Mask,
    f: impl Fn(&mut Block, usize),
) {
    if let Some(b) = base {
        each_block(
            keep,
            #[inline(always)]
            |k| out[k] = b[k],
        );
    }
    each_block(
        zero & !keep,
        #[inline(always)]
        |k| out[k] = TRANSPARENT[0],
    );
    each_block(
        ALL_BLOCKS & !keep & !zero,
        #[inline(always)]
        |k| {
            update(
                out,
                base,
                k,
                #[inline(always)]
                |d| f(d, k),
            );
        },
    );
}

/// `out = blend(base, src)` (in place when `base` is `None`); returns the result's facts.
#[inline(always)]
fn blend(
    mode: BlendMode,
    out: &mut PlanarCell,
    base: Option<BlockView<'_>>,
    df: Facts,
    src: BlockView<'_>,
    sf: Facts,
    unseen: Mask,
) -> Facts {
    // `map_blocks` with the source's block blended in `mode`, one loop per constant mode
    // (a macro, so the mode is not dispatched per block and the loop stays inlined).
    macro_rules! map_source {
        ($mode:expr, $keep:expr, $zero:expr) => {
            map_blocks(
                out,
                base,
                $keep,
                $zero,
                #[inline(always)]
                |d, k| {
                    let s = src[k];
                    planes::blend($mode, d, &s);
                },
            )
        };
    }
    match mode {
        BlendMode::Normal => normal(out, base, df, src, sf, unseen),
        // Alpha is kept; zero RGB stays zero; a zero source makes RGB zero.
        BlendMode::RgbMultiply => {
            let keep = df.zero() | (df.empty & unseen);
            map_source!(BlendMode::RgbMultiply, keep, 0);
            Facts {
                clean: df.clean | (sf.zero() & !keep),
                ..df
            }
        }
        // Alpha is kept; adding zero changes nothing; adding colour can colour alpha-0 pixels.
        BlendMode::RgbAdd => {
            let keep = sf.zero() | (df.empty & unseen);
            map_source!(BlendMode::RgbAdd, keep, 0);
            Facts {
                clean: (keep & df.clean) | df.solid,
                ..df
            }
        }
        // Both are 0 wherever either side is 0 and positive where both are, so an alpha-0
        // result has an alpha-0 side, whose RGB is 0 when that side is clean, and then so
        // is the result's. Either side may be the alpha-0 one: both must be clean.
        BlendMode::RgbaMultiply | BlendMode::RgbaMin => {
            // Where either alpha row is all 0 so is the result's: kept if it is the
            // destination's, else zeroed (exact when the source is zero).
            let keep = df.zero() | (df.empty & unseen);
            let zero = (sf.zero() | (sf.empty & unseen)) & !keep;
            // One loop per mode, so the mode is not dispatched per block.
            if mode == BlendMode::RgbaMultiply {
                map_source!(BlendMode::RgbaMultiply, keep, zero);
            } else {
                map_source!(BlendMode::RgbaMin, keep, zero);
            }
            Facts {
                empty: df.empty | sf.empty,
                solid: df.solid & sf.solid,
                clean: (df.clean & sf.clean) | zero | df.zero(),
                half_empty: [0, 1].map(|h| df.half_empty[h] | sf.half_empty[h]),
            }
        }
    }
}

/// The normal blit, block by block.
#[inline(always)]
fn normal(
    out: &mut PlanarCell,
    base: Option<BlockView<'_>>,
    df: Facts,
    src: BlockView<'_>,
    sf: Facts,
    unseen: Mask,
) -> Facts {
    // Unchanged: a zero source over a clean block (alpha-0 pixels take RGB 0, which they
    // have), or a transparent source over a solid block (no alpha-0 pixel to copy into), or
    // a transparent source anywhere when colour under zero alpha is not seen (alpha stays).
    let keep = (sf.zero() & df.clean) | (sf.empty & (df.solid | unseen));
    // An empty destination takes the source whole.
    let copy = df.empty & !keep;
    // A transparent source: alpha-0 pixels take the source, the rest keep their value.
    let select = sf.empty & !keep & !copy;
    let mix = ALL_BLOCKS & !(keep | copy | select);
    // A blended block whose source is transparent in one half needs only the other half
    // blended when colour under zero alpha is unseen (the transparent half keeps its alpha).
    let low_only = mix & sf.half_empty[1] & unseen;
    let high_only = mix & sf.half_empty[0] & unseen & !low_only;
    let half = low_only | high_only;
    if let Some(b) = base {
        each_block(
            keep,
            #[inline(always)]
            |k| out[k] = b[k],
        );
    }
    each_block(
        copy,
        #[inline(always)]
        |k| out[k] = src[k],
    );
    // One loop per kernel. A macro, not a generic helper, so each stays its own fully
    // inlined loop: behind a shared function the compiler lost the AVX2 vectorisation.
    macro_rules! blend_blocks {
        ($mask:expr, $kernel:path) => {
            each_block(
                $mask,
                #[inline(always)]
                |k| {
                    let s = src[k];
                    update(
                        out,
                        base,
                        k,
                        #[inline(always)]
                        |d| $kernel(d, &s),
                    );
                },
            )
        };
    }
    blend_blocks!(select, planes::normal_transparent_source);
    blend_blocks!(mix & !half, planes::normal);
    blend_blocks!(low_only, planes::normal_low_half);
    blend_blocks!(high_only, planes::normal_high_half);
    // A blended pixel has alpha > 0 where either side had it; its alpha-0 pixels are those
    // where both had alpha 0, and they hold the source pixel (or, in the half left alone,
    // the destination pixel).
    let solid_mix = mix & (df.solid | sf.solid);
    let unchanged_alpha = keep | select;
    Facts {
        empty: (keep & df.empty) | (copy & sf.empty),
        solid: (keep & df.solid) | (copy & sf.solid) | (select & df.solid) | solid_mix,
        clean: (keep & df.clean)
            | (copy & sf.clean)
            | ((select | (mix & !half)) & (sf.clean | df.solid))
            | (half & ((sf.clean & df.clean) | df.solid))
            | solid_mix,
        half_empty: [0, 1].map(|h| {
            (unchanged_alpha & df.half_empty[h])
                | (copy & sf.half_empty[h])
                | (mix & df.half_empty[h] & sf.half_empty[h])
        }),
    }
}

/// `out = blend(base, fill)` with the opaque colour `(r, g, b, 255)`; returns the facts.
#[inline(always)]
fn blend_fill(
    mode: BlendMode,
    out: &mut PlanarCell,
    base: Option<BlockView<'_>>,
    df: Facts,
    rgb: [u8; 3],
    unseen: Mask,
) -> Facts {
    match mode {
        BlendMode::Normal => {
            out.fill(planes::fill(rgb));
            Facts::OPAQUE
        }
        // Alpha is kept (the fill's alpha is 255, so RGBA multiply is RGB multiply); zero RGB
        // stays zero under multiply and min.
        BlendMode::RgbMultiply | BlendMode::RgbaMultiply => {
            map_blocks(
                out,
                base,
                df.zero() | (df.empty & unseen),
                0,
                #[inline(always)]
                |d, _| planes::blend_fill(BlendMode::RgbMultiply, d, rgb),
            );
            df
        }
        BlendMode::RgbaMin => {
            map_blocks(
                out,
                base,
                df.zero() | (df.empty & unseen),
                0,
                #[inline(always)]
                |d, _| planes::blend_fill(BlendMode::RgbaMin, d, rgb),
            );
            df
        }
        BlendMode::RgbAdd => {
            let keep = if rgb == [0; 3] { ALL_BLOCKS } else { 0 } | (df.empty & unseen);
            map_blocks(
                out,
                base,
                keep,
                0,
                #[inline(always)]
                |d, _| planes::blend_fill(BlendMode::RgbAdd, d, rgb),
            );
            Facts {
                clean: (keep & df.clean) | df.solid,
                ..df
            }
        }
    }
}

/// Copies `cat` into `out` at pixel `(x, y)` of a `width`-pixel-wide RGBA8 image (used to
/// lay out sprite sheets). The cell must lie inside the image.
pub fn place_cell(out: &mut [u8], width: usize, x: usize, y: usize, cat: &Canvas) {
    for (row, src) in cat.chunks_exact(CELL_ROW_BYTES).enumerate() {
        let at = ((y + row) * width + x) * 4;
        out[at..at + CELL * 4].copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::atlas::{CellId, IndexEntry, OffsetMap, RgbaImage, Sheet};
    use crate::blend::{blend_row, blend_row_fill};
    use crate::cell::CELL_BYTES;
    use crate::vocab::Vocabulary;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Sheets whose cells look like the art: a background of `(0,0,0,0)` or of colour under
    /// zero alpha, a band of rows drawn in, each row mixed, opaque, transparent with colour,
    /// all zero, or a "silhouette" (opaque inside a span of columns). These give blocks of
    /// every kind the block facts distinguish (empty, solid, clean, none of them).
    fn sparse_repo(rng: &mut Rng) -> AtlasRepository {
        let (w, h) = (150u32, 350u32 * 4);
        let mut pixels = vec![0u8; (w * h * 4) as usize];
        for cell_row in 0..(h / 50) {
            for cell_col in 0..3 {
                let coloured_background = rng.below(2) == 0;
                let y0 = rng.below(50) as u32;
                let y1 = (y0 + 1 + rng.below(50 - u64::from(y0)) as u32).min(50);
                for y in 0..50 {
                    let style = if (y0..y1).contains(&y) {
                        rng.below(5)
                    } else {
                        5
                    };
                    let x0 = rng.below(25);
                    let x1 = 25 + rng.below(26);
                    for x in 0..50u64 {
                        let i = (((cell_row * 50 + y) * w + cell_col * 50 + x as u32) * 4) as usize;
                        let background: [u8; 4] = if coloured_background {
                            [rng.next() as u8, 7, rng.next() as u8, 0]
                        } else {
                            [0; 4]
                        };
                        let opaque = [rng.next() as u8, 3, rng.next() as u8, 255];
                        let px: [u8; 4] = match style {
                            0 => match rng.below(6) {
                                0 => [0, 0, 0, 0],
                                1 => [rng.next() as u8, rng.next() as u8, 9, 0],
                                2 => opaque,
                                _ => [
                                    rng.next() as u8,
                                    rng.next() as u8,
                                    rng.next() as u8,
                                    rng.next() as u8,
                                ],
                            },
                            1 => [rng.next() as u8, 1, 2, 1 + rng.below(255) as u8],
                            2 => [rng.next() as u8, rng.next() as u8, 9, 0],
                            3 => [0; 4],
                            4 if (x0..x1).contains(&x) => opaque,
                            _ => background,
                        };
                        pixels[i..i + 4].copy_from_slice(&px);
                    }
                }
            }
        }
        let mut index = BTreeMap::new();
        for g in 0..4u32 {
            index.insert(
                format!("g{g}"),
                IndexEntry {
                    spritesheet: "s".into(),
                    x_offset: 0,
                    y_offset: g * 350,
                },
            );
        }
        let sheet = Sheet {
            name: "s".into(),
            image: RgbaImage {
                width: w,
                height: h,
                pixels,
            },
        };
        let mut palettes = crate::palette::PaletteSet::default();
        palettes
            .add_file(
                "test",
                &serde_json::json!({"colors": {
                    "FLAT": {"multiply": [200, 120, 40]},
                    "LIFTED": {"multiply": [90, 60, 200], "screen": [255, 200, 10, 0.3]},
                    "CHECKS": {"pattern": {"type": "gingham", "tileSize": 6,
                        "background": [250, 20, 20], "foreground": [20, 20, 250]},
                        "overlay": [40, 200, 90, 0.5]}
                }}),
            )
            .expect("palette");
        AtlasRepository::from_parts(
            index,
            &OffsetMap::default(),
            vec![sheet],
            Vocabulary::default(),
        )
        .with_palettes(palettes)
    }

    /// The plan machine executed naively on interleaved canvases with the row kernels.
    fn naive(repo: &AtlasRepository, plan: &Plan) -> Box<Canvas> {
        let mut regs = [transparent_canvas(), transparent_canvas()];
        let idx = |r: Reg| usize::from(r == Reg::Scratch);
        for op in &plan.ops {
            let t = idx(op.target);
            if let Source::Float(float) = op.source {
                for px in regs[t].chunks_exact_mut(4) {
                    let out = match float {
                        FloatOp::DarkForestTint => {
                            dark_forest_tint_px([px[0], px[1], px[2], px[3]])
                        }
                        FloatOp::Recolour(_) => [px[0], px[1], px[2], px[3]],
                    };
                    px.copy_from_slice(&out);
                }
                if let FloatOp::Recolour(id) = float {
                    repo.palettes()
                        .get(id)
                        .recolour
                        .apply_rgba(&mut regs[t][..]);
                }
                continue;
            }
            let src: Box<Canvas> = match op.source {
                Source::Cell(id) => {
                    let mut c = transparent_canvas();
                    repo.cell_into(id, &mut c);
                    c
                }
                Source::Fill(rgb) => {
                    let mut c = transparent_canvas();
                    for px in c.chunks_exact_mut(4) {
                        px.copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
                    }
                    c
                }
                Source::Other => regs[1 - t].clone(),
                Source::Float(_) => unreachable!("float ops are handled above"),
            };
            match op.blend {
                None => regs[t] = src,
                Some(mode) => {
                    if let Source::Fill(rgb) = op.source {
                        blend_row_fill(mode, &mut regs[t][..], rgb);
                    } else {
                        blend_row(mode, &mut regs[t][..], &src[..]);
                    }
                }
            }
        }
        let mut out = regs[0].clone();
        if plan.flip {
            crate::cell::flip_horizontal(&mut out);
        }
        out
    }

    #[test]
    fn block_skipping_backend_equals_a_naive_executor_on_random_plans() {
        use crate::plan::{Op, Stage};
        let mut rng = Rng(0x5eed);
        let repo = sparse_repo(&mut rng);
        let modes = [
            BlendMode::Normal,
            BlendMode::Normal,
            BlendMode::Normal,
            BlendMode::RgbMultiply,
            BlendMode::RgbAdd,
            BlendMode::RgbaMultiply,
            BlendMode::RgbaMin,
        ];
        let mut cpu = CpuBackend::new();
        for case in 0..400 {
            let mut plan = Plan::default();
            for _ in 0..1 + rng.below(14) {
                let target = if rng.below(3) == 0 {
                    Reg::Scratch
                } else {
                    Reg::Cat
                };
                let source = match rng.below(8) {
                    0 => Source::Fill([rng.next() as u8, rng.next() as u8, rng.next() as u8]),
                    1 => Source::Other,
                    2 => Source::Float(if rng.below(2) == 0 {
                        FloatOp::DarkForestTint
                    } else {
                        FloatOp::Recolour(crate::palette::PaletteColourId(rng.below(3) as u32))
                    }),
                    _ => Source::Cell(CellId(rng.below(repo.cell_count() as u64) as u32)),
                };
                let blend = if rng.below(4) == 0 {
                    None
                } else {
                    Some(modes[rng.below(7) as usize])
                };
                plan.ops.push(Op {
                    target,
                    source,
                    blend,
                });
            }
            plan.flip = rng.below(4) == 0;
            // Stages of a few ops each, for the layer inspector's path.
            let mut start = 0;
            while start < plan.ops.len() {
                let end = (start + 1 + rng.below(3) as usize).min(plan.ops.len());
                plan.stages.push(Stage {
                    kind: StageKind::Base,
                    start,
                    end,
                });
                start = end;
            }
            if plan.flip {
                plan.stages.push(Stage {
                    kind: StageKind::Flip,
                    start,
                    end: start,
                });
            }
            let expected = naive(&repo, &plan);
            // The baseline build of the same code (render() may take the AVX2 path).
            let portable = *cpu.render_portable(&repo, &plan);
            assert_eq!(
                crate::compare::compare_rgba(CELL, &expected[..], &portable[..]),
                None
            );
            let actual = cpu.render(&repo, &plan);
            assert_eq!(
                crate::compare::compare_rgba(CELL, &expected[..], &actual[..]),
                None,
                "case {case}: {plan:?}"
            );
            assert_eq!(actual.len(), CELL_BYTES);
            // The block facts the skipping relies on hold after every op.
            cpu.reset();
            let mut seen = Vec::new();
            colour_under_zero_alpha_seen(&plan.ops, |_| false, &mut seen);
            for (i, op) in plan.ops.iter().enumerate() {
                cpu.apply(&repo, op, seen[i]);
                for reg in [&cpu.cat, &cpu.scratch] {
                    let exact = Facts::of(&reg.view(&repo).to_cell());
                    assert!(
                        reg.facts.implied_by(&exact),
                        "case {case} op {i} {op:?}: {:?} not implied by {exact:?}",
                        reg.facts
                    );
                }
            }
            // The layer inspector shows every stage exactly and ends on the same cat.
            let mut shown = Vec::new();
            let staged = *cpu.render_stages(&repo, &plan, |_, canvas| {
                shown.push(Box::new(*canvas));
            });
            assert_eq!(
                crate::compare::compare_rgba(CELL, &expected[..], &staged[..]),
                None
            );
            assert_eq!(shown.len(), plan.stages.len());
            for (stage, canvas) in plan.stages.iter().zip(&shown) {
                let prefix = Plan {
                    ops: plan.ops[..stage.end].to_vec(),
                    stages: Vec::new(),
                    flip: stage.kind == StageKind::Flip,
                };
                assert_eq!(
                    crate::compare::compare_rgba(CELL, &naive(&repo, &prefix)[..], &canvas[..]),
                    None,
                    "case {case}, stage ending at op {}",
                    stage.end
                );
            }
        }
    }
}

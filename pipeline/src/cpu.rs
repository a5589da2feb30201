//! `CpuBackend`: the reference executor of a [`Plan`], written for speed — planar registers
//! reused across renders, elementwise loops the compiler vectorises, no allocation per
//! render. Cells are read as planes cached by the repository.

use crate::atlas::AtlasRepository;
use crate::blend::{BlendMode, planes};
use crate::cell::{CELL, CELL_ROW_BYTES, Canvas, transparent_canvas};
use crate::plan::{Op, Plan, Reg, Source, StageKind};
use crate::planar::{self, ALL_ROWS, PlanarCell};

/// A register: planes plus which rows are "clean" (every alpha-0 pixel has RGB 0).
///
/// Clean rows let a normal blit skip the rows where its source is all `(0,0,0,0)`: there
/// pygame's rule copies the source into alpha-0 pixels, which changes nothing on a clean row.
#[derive(Debug)]
struct Register {
    planes: Box<PlanarCell>,
    clean: u64,
}

impl Register {
    fn new() -> Self {
        Self {
            planes: planar::zeroed(),
            clean: ALL_ROWS,
        }
    }
}

/// Renders plans on the calling thread. Not `Sync`: give each worker thread its own.
#[derive(Debug)]
pub struct CpuBackend {
    cat: Register,
    scratch: Register,
    out: Box<Canvas>,
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
        }
    }

    /// Both registers start transparent, so no render depends on the one before it.
    #[inline(always)]
    fn reset(&mut self) {
        for reg in [&mut self.cat, &mut self.scratch] {
            for plane in reg.planes.iter_mut() {
                plane.fill(0);
            }
            reg.clean = ALL_ROWS;
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
        for op in &plan.ops {
            self.apply(repo, op);
        }
        if plan.flip {
            planar::flip_horizontal(&mut self.cat.planes);
        }
        planar::to_canvas(&self.cat.planes, &mut self.out);
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
        for stage in &plan.stages {
            for op in &plan.ops[stage.start..stage.end] {
                self.apply(repo, op);
            }
            if stage.kind == StageKind::Flip {
                planar::flip_horizontal(&mut self.cat.planes);
            }
            planar::to_canvas(&self.cat.planes, &mut self.out);
            each_stage(stage.kind, &self.out);
        }
        planar::to_canvas(&self.cat.planes, &mut self.out);
        &self.out
    }

    #[inline(always)]
    fn apply(&mut self, repo: &AtlasRepository, op: &Op) {
        let (dst, other) = match op.target {
            Reg::Cat => (&mut self.cat, &self.scratch),
            Reg::Scratch => (&mut self.scratch, &self.cat),
        };
        match (op.source, op.blend) {
            (Source::Cell(id), None) => {
                let sprite = repo.planar_cell(id);
                *dst.planes = sprite.planes;
                dst.clean = sprite.clean_rows;
            }
            (Source::Cell(id), Some(BlendMode::Normal)) => {
                let sprite = repo.planar_cell(id);
                let (y0, y1) = sprite.span;
                planes::normal(&mut dst.planes, &sprite.planes, y0 * CELL, y1 * CELL);
                // Outside the span the source is all zeros: dirty rows get their alpha-0
                // pixels cleared (pygame copies the zero source there), clean rows are
                // already what the blit would leave.
                let span_rows = rows_mask(y0, y1);
                let mut dirty = !dst.clean & !span_rows & ALL_ROWS;
                while dirty != 0 {
                    let y = dirty.trailing_zeros() as usize;
                    planes::clear_transparent_rgb(&mut dst.planes, y * CELL, (y + 1) * CELL);
                    dirty &= dirty - 1;
                }
                // Inside the span a row ends clean exactly when the source row is clean.
                dst.clean = (sprite.clean_rows & span_rows) | (!span_rows & ALL_ROWS);
            }
            (Source::Cell(id), Some(mode)) => {
                let sprite = repo.planar_cell(id);
                planes::blend(mode, &mut dst.planes, &sprite.planes);
                dst.clean = clean_after(mode, dst.clean, sprite.clean_rows);
            }
            (Source::Fill(rgb), None) => {
                for (plane, v) in dst.planes.iter_mut().zip([rgb[0], rgb[1], rgb[2], 255]) {
                    plane.fill(v);
                }
                dst.clean = ALL_ROWS;
            }
            (Source::Fill(rgb), Some(mode)) => {
                planes::blend_fill(mode, &mut dst.planes, rgb);
                dst.clean = clean_after(mode, dst.clean, ALL_ROWS);
            }
            (Source::Other, None) => {
                *dst.planes = *other.planes;
                dst.clean = other.clean;
            }
            (Source::Other, Some(mode)) => {
                planes::blend(mode, &mut dst.planes, &other.planes);
                dst.clean = clean_after(mode, dst.clean, other.clean);
            }
        }
    }
}

/// Rows `y0..y1` as a bit mask.
fn rows_mask(y0: usize, y1: usize) -> u64 {
    ((1u64 << y1) - 1) & !((1u64 << y0) - 1)
}

/// Which rows stay clean after a whole-cell blend (conservative: "dirty" is always safe).
fn clean_after(mode: BlendMode, dst: u64, src: u64) -> u64 {
    match mode {
        // Alpha-0 results come only from alpha-0 destinations copying the source.
        BlendMode::Normal => src,
        // Alpha is kept and zero RGB stays zero under multiplication.
        BlendMode::RgbMultiply => dst,
        // Alpha can drop to 0 under RGB that is not 0; adding can colour alpha-0 pixels.
        BlendMode::RgbAdd | BlendMode::RgbaMultiply | BlendMode::RgbaMin => 0,
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

    /// Sheets whose cells are sparse (a few rows), with RGB under zero alpha, all-zero rows
    /// and opaque rows: the cases the row skipping must get right.
    fn sparse_repo(rng: &mut Rng) -> AtlasRepository {
        let (w, h) = (150u32, 350u32 * 4);
        let mut pixels = vec![0u8; (w * h * 4) as usize];
        for cell_row in 0..(h / 50) {
            for cell_col in 0..3 {
                let y0 = rng.below(50) as u32;
                let y1 = (y0 + 1 + rng.below(50 - u64::from(y0)) as u32).min(50);
                for y in y0..y1 {
                    for x in 0..50 {
                        let i = (((cell_row * 50 + y) * w + cell_col * 50 + x) * 4) as usize;
                        let kind = rng.below(6);
                        let px: [u8; 4] = match kind {
                            0 => [0, 0, 0, 0],
                            1 => [rng.next() as u8, rng.next() as u8, 9, 0],
                            2 => [rng.next() as u8, 3, rng.next() as u8, 255],
                            _ => [
                                rng.next() as u8,
                                rng.next() as u8,
                                rng.next() as u8,
                                rng.next() as u8,
                            ],
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
        AtlasRepository::from_parts(
            index,
            &OffsetMap::default(),
            vec![sheet],
            Vocabulary::default(),
        )
    }

    /// The plan machine executed naively on interleaved canvases with the row kernels.
    fn naive(repo: &AtlasRepository, plan: &Plan) -> Box<Canvas> {
        let mut regs = [transparent_canvas(), transparent_canvas()];
        let idx = |r: Reg| usize::from(r == Reg::Scratch);
        for op in &plan.ops {
            let t = idx(op.target);
            let src: Box<Canvas> = match op.source {
                Source::Cell(id) => {
                    let mut c = transparent_canvas();
                    repo.cell(id).copy_to(&mut c);
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
    fn row_skipping_backend_equals_a_naive_executor_on_random_plans() {
        use crate::plan::Op;
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
                let source = match rng.below(6) {
                    0 => Source::Fill([rng.next() as u8, rng.next() as u8, rng.next() as u8]),
                    1 => Source::Other,
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
        }
    }
}

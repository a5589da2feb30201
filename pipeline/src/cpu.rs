//! `CpuBackend`: the reference executor of a [`Plan`], written for speed — two boxed
//! registers reused across renders, whole-row loops, no allocation per render.

use crate::atlas::AtlasRepository;
use crate::blend::{blend_row, blend_row_fill};
use crate::cell::{CELL, CELL_ROW_BYTES, Canvas, flip_horizontal, transparent_canvas};
use crate::plan::{Op, Plan, Reg, Source, StageKind};

/// Renders plans on the calling thread. Not `Sync`: give each worker thread its own.
#[derive(Debug)]
pub struct CpuBackend {
    cat: Box<Canvas>,
    scratch: Box<Canvas>,
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuBackend {
    /// A backend with its two registers allocated.
    #[must_use]
    pub fn new() -> Self {
        Self {
            cat: transparent_canvas(),
            scratch: transparent_canvas(),
        }
    }

    /// Renders `plan` and returns the finished cat (valid until the next render).
    pub fn render(&mut self, repo: &AtlasRepository, plan: &Plan) -> &Canvas {
        self.cat.fill(0);
        for op in &plan.ops {
            self.apply(repo, op);
        }
        if plan.flip {
            flip_horizontal(&mut self.cat);
        }
        &self.cat
    }

    /// Renders `plan`, handing the cat canvas to `each_stage` after every stage (for the
    /// layer inspector). Returns the finished cat.
    pub fn render_stages(
        &mut self,
        repo: &AtlasRepository,
        plan: &Plan,
        mut each_stage: impl FnMut(StageKind, &Canvas),
    ) -> &Canvas {
        self.cat.fill(0);
        for stage in &plan.stages {
            for op in &plan.ops[stage.start..stage.end] {
                self.apply(repo, op);
            }
            if stage.kind == StageKind::Flip {
                flip_horizontal(&mut self.cat);
            }
            each_stage(stage.kind, &self.cat);
        }
        &self.cat
    }

    #[inline]
    fn apply(&mut self, repo: &AtlasRepository, op: &Op) {
        let (dst, other) = match op.target {
            Reg::Cat => (&mut *self.cat, &*self.scratch),
            Reg::Scratch => (&mut *self.scratch, &*self.cat),
        };
        match (op.source, op.blend) {
            (Source::Cell(id), None) => repo.cell(id).copy_to(dst),
            (Source::Cell(id), Some(mode)) => {
                let cell = repo.cell(id);
                for (y, row) in dst.chunks_exact_mut(CELL_ROW_BYTES).enumerate() {
                    blend_row(mode, row, cell.row(y));
                }
            }
            (Source::Fill(rgb), None) => {
                for px in dst.chunks_exact_mut(4) {
                    px.copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
                }
            }
            (Source::Fill(rgb), Some(mode)) => blend_row_fill(mode, dst, rgb),
            (Source::Other, None) => dst.copy_from_slice(other),
            (Source::Other, Some(mode)) => blend_row(mode, dst, other),
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

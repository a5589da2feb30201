//! The synchronous render core shared by the CLI and the CPU worker backend: one plan → one
//! canvas → PNG, optionally with each stage's intermediate canvas, and sprite-sheet layout.

use std::time::Instant;

use pipeline::encode::{EncodeError, upscale_nearest};
use pipeline::plan::Plan;
use pipeline::{AtlasRepository, BlendMode, CELL, Canvas, CpuBackend, StageKind, encode_png};
use serde::Serialize;

/// Counts that describe what one stage did to the cat canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StageDiagnostics {
    /// Ops the stage ran.
    pub ops: usize,
    /// Pixels of the cat with alpha > 0 after the stage.
    pub opaque_pixels: usize,
    /// Pixels whose RGBA changed during the stage.
    pub changed_pixels: usize,
}

/// One captured stage of a render.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Which stage.
    pub kind: StageKind,
    /// Wall time of the stage, ms (includes capture bookkeeping, excludes PNG encoding).
    pub duration_ms: f64,
    /// What the stage did.
    pub diagnostics: StageDiagnostics,
    /// The blend of the stage's last op that writes the cat.
    pub blend: Option<BlendMode>,
    /// The cat canvas after the stage, as PNG, when images were requested.
    pub png: Option<Vec<u8>>,
}

/// Encodes a finished canvas, upscaled by `scale` (1 = as is).
///
/// # Errors
/// [`EncodeError`] only if the encoder itself fails.
pub fn encode_canvas(canvas: &Canvas, scale: u32) -> Result<Vec<u8>, EncodeError> {
    let side = CELL as u32;
    if scale <= 1 {
        encode_png(side, side, canvas)
    } else {
        let big = upscale_nearest(CELL, CELL, canvas, scale as usize);
        encode_png(side * scale, side * scale, &big)
    }
}

/// Renders `plan` stage by stage, returning the finished canvas and one [`Layer`] per stage.
///
/// # Errors
/// [`EncodeError`] when a layer image cannot be encoded.
pub fn render_layers(
    cpu: &mut CpuBackend,
    repo: &AtlasRepository,
    plan: &Plan,
    images: bool,
    scale: u32,
) -> Result<(Box<Canvas>, Vec<Layer>), EncodeError> {
    let mut captured: Vec<(StageKind, f64, Box<Canvas>)> = Vec::with_capacity(plan.stages.len());
    let mut last = Instant::now();
    let finished = cpu.render_stages(repo, plan, |kind, canvas| {
        let now = Instant::now();
        captured.push((
            kind,
            now.duration_since(last).as_secs_f64() * 1e3,
            Box::new(*canvas),
        ));
        last = Instant::now();
    });
    let finished = Box::new(*finished);
    let mut layers = Vec::with_capacity(captured.len());
    let mut before: Box<Canvas> = Box::new([0; pipeline::CELL_BYTES]);
    for ((kind, duration_ms, canvas), stage) in captured.into_iter().zip(&plan.stages) {
        let diagnostics = StageDiagnostics {
            ops: stage.end - stage.start,
            opaque_pixels: canvas.chunks_exact(4).filter(|p| p[3] > 0).count(),
            changed_pixels: canvas
                .chunks_exact(4)
                .zip(before.chunks_exact(4))
                .filter(|(a, b)| a != b)
                .count(),
        };
        let png = if images {
            Some(encode_canvas(&canvas, scale)?)
        } else {
            None
        };
        layers.push(Layer {
            kind,
            duration_ms,
            diagnostics,
            blend: plan.stage_blend(stage),
            png,
        });
        before = canvas;
    }
    Ok((finished, layers))
}

/// Geometry of a sprite sheet: `count` tiles of `tile`×`tile` px in `columns` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLayout {
    /// Number of tiles.
    pub count: u32,
    /// Tiles per row.
    pub columns: u32,
    /// Tile side, px; frames are scaled to it nearest-neighbour.
    pub tile: u32,
}

impl SheetLayout {
    /// Rows needed.
    #[must_use]
    pub fn rows(&self) -> u32 {
        self.count.div_ceil(self.columns.max(1))
    }

    /// Sheet width, px.
    #[must_use]
    pub fn width(&self) -> u32 {
        self.columns * self.tile
    }

    /// Sheet height, px.
    #[must_use]
    pub fn height(&self) -> u32 {
        self.rows() * self.tile
    }

    /// Column and row of tile `i`.
    #[must_use]
    pub fn cell_of(&self, i: u32) -> (u32, u32) {
        (i % self.columns, i / self.columns)
    }
}

/// Renders every plan into one sheet and encodes it; with `sources`, also each frame as its
/// own 50×50 PNG.
///
/// # Errors
/// [`EncodeError`] only if the encoder fails.
pub fn render_sheet(
    cpu: &mut CpuBackend,
    repo: &AtlasRepository,
    plans: &[Plan],
    layout: SheetLayout,
    sources: bool,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), EncodeError> {
    let mut sheet = SheetCanvas::new(layout);
    let mut frames = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let canvas = cpu.render(repo, plan);
        sheet.put(i, canvas);
        if sources {
            frames.push(encode_canvas(canvas, 1)?);
        }
    }
    Ok((sheet.encode()?, frames))
}

/// A sprite sheet being filled with already-rendered cats (by [`render_sheet`] on the CPU,
/// or from a GPU batch's readback), each upscaled into its tile.
#[derive(Debug, Clone)]
pub struct SheetCanvas {
    layout: SheetLayout,
    pixels: Vec<u8>,
}

impl SheetCanvas {
    /// A transparent sheet of `layout`'s size.
    #[must_use]
    pub fn new(layout: SheetLayout) -> Self {
        let (w, h) = (layout.width() as usize, layout.height() as usize);
        Self {
            layout,
            pixels: vec![0u8; w * h * 4],
        }
    }

    /// Draws `canvas` into tile `i`, scaled nearest-neighbour to the tile size: output
    /// pixel `x` takes source pixel `⌊(x + ½)·(50 / tile)⌋` in double precision, as PIL's
    /// `Image.NEAREST` resize (which CatGenerator uses) computes it; for whole multiples of
    /// 50 it repeats each pixel exactly.
    pub fn put(&mut self, i: usize, canvas: &Canvas) {
        let layout = self.layout;
        let w = layout.width() as usize;
        let tile = layout.tile as usize;
        let (col, row) = layout.cell_of(i as u32);
        let (x0, y0) = (col as usize * tile, row as usize * tile);
        let step = CELL as f64 / tile as f64;
        let source = |d: usize| (((d as f64 + 0.5) * step) as usize).min(CELL - 1);
        for y in 0..tile {
            let sy = source(y);
            let src_row = &canvas[sy * CELL * 4..(sy + 1) * CELL * 4];
            let at = ((y0 + y) * w + x0) * 4;
            let dst = &mut self.pixels[at..at + tile * 4];
            if tile == CELL {
                dst.copy_from_slice(src_row);
            } else {
                for (x, px) in dst.chunks_exact_mut(4).enumerate() {
                    let s = source(x) * 4;
                    px.copy_from_slice(&src_row[s..s + 4]);
                }
            }
        }
    }

    /// Encodes the sheet as PNG.
    ///
    /// # Errors
    /// [`EncodeError`] only if the encoder fails.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode_png(self.layout.width(), self.layout.height(), &self.pixels)
    }
}

//! Stage by stage: a render that keeps each stage's canvas ([`Layer`]), what the stage did
//! ([`StageDiagnostics`]) and, when asked, each canvas as PNG — the playground's layer view
//! and the CLI's `--layers`.

use std::time::Instant;

use crate::encode::{EncodeError, encode_cell};
use crate::plan::Plan;
use crate::{AtlasRepository, BlendMode, CELL_BYTES, Canvas, CpuBackend, StageKind};

/// Counts that describe what one stage did to the cat canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

/// Renders `plan` stage by stage, returning the finished canvas and one [`Layer`] per stage;
/// with `images`, each stage's canvas is encoded, upscaled by `scale`. Stage times come from
/// `now` (the crate reads no clock itself; callers pass `Instant::now`).
///
/// # Errors
/// [`EncodeError`] when a layer image cannot be encoded.
pub fn render_layers(
    cpu: &mut CpuBackend,
    repo: &AtlasRepository,
    plan: &Plan,
    images: bool,
    scale: u32,
    now: fn() -> Instant,
) -> Result<(Box<Canvas>, Vec<Layer>), EncodeError> {
    let mut captured: Vec<(StageKind, f64, Box<Canvas>)> = Vec::with_capacity(plan.stages.len());
    let mut last = now();
    let finished = cpu.render_stages(repo, plan, |kind, canvas| {
        let t = now();
        captured.push((
            kind,
            t.duration_since(last).as_secs_f64() * 1e3,
            Box::new(*canvas),
        ));
        last = now();
    });
    let finished = Box::new(*finished);
    let mut layers = Vec::with_capacity(captured.len());
    let mut before: Box<Canvas> = Box::new([0; CELL_BYTES]);
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
            Some(encode_cell(&canvas, scale)?)
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

//! [`ChunkRenderer`]: what a worker runs for a `JobInput::Chunk` — compose on the CPU into a
//! reused pixel buffer, then [`encode`]. The GPU backend composes large chunks on the device
//! and encodes them with the same [`encode`], so both paths give the same PNG bytes for the
//! same pixels and follow the same rule: no worker keeps a huge canvas after a rare big chunk.

use pipeline::AtlasRepository;
use pipeline::chunk::{ChunkComposer, ChunkPlan};
use pipeline::encode::{EncodeError, encode_png_into};

/// Largest canvas buffer a worker keeps between chunks (a 2048² canvas is 16 MiB).
const KEEP_BYTES: usize = 4 << 20;

/// Per-worker chunk state: the composer's scratch and the canvas, kept between jobs.
#[derive(Debug, Default)]
pub struct ChunkRenderer {
    composer: ChunkComposer,
    pixels: Vec<u8>,
}

impl ChunkRenderer {
    /// Composes `plan` and encodes it as PNG.
    ///
    /// # Errors
    /// [`EncodeError`] only if the encoder itself fails.
    pub fn render_png(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
    ) -> Result<Vec<u8>, EncodeError> {
        self.composer.compose_into(plan, repo, &mut self.pixels);
        encode(plan, &mut self.pixels)
    }
}

/// Encodes `pixels`, the composed RGBA8 canvas of `plan`, as PNG; then frees `pixels` if it
/// is too large to keep for the next chunk (see [`trim`]).
///
/// # Errors
/// [`EncodeError`] when the encoder fails or `pixels` is not `plan`'s size.
pub fn encode(plan: &ChunkPlan, pixels: &mut Vec<u8>) -> Result<Vec<u8>, EncodeError> {
    let mut png = Vec::with_capacity(pixels.len() / 4 + 128);
    let r = encode_png_into(&mut png, plan.width_px(), plan.height_px(), pixels);
    trim(pixels);
    r.map(|()| png)
}

/// Frees a canvas buffer above 4 MiB, so a worker does not hold 16 MiB per rare big chunk.
pub fn trim(pixels: &mut Vec<u8>) {
    if pixels.capacity() > KEEP_BYTES {
        *pixels = Vec::new();
    }
}

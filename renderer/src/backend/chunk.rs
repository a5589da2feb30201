//! [`ChunkRenderer`]: what a worker runs for a `JobInput::Chunk` — compose into a reused
//! pixel buffer (on the worker's [`ChunkAccelerator`], the GPU, when it takes the chunk; on
//! the CPU otherwise), then `encode` on the worker's thread. Either way the same pixels
//! give the same PNG bytes, and no worker keeps a huge canvas after a rare big chunk.

use pipeline::AtlasRepository;
use pipeline::chunk::{ChunkComposer, ChunkPlan};
use pipeline::encode::{EncodeError, ZlibLevel, encode_texture_into};

use super::{BackendError, ChunkAccelerator};

/// Largest canvas buffer a worker keeps between chunks (a 2048² canvas is 16 MiB).
const KEEP_BYTES: usize = 4 << 20;

/// Per-worker chunk state: the composer's scratch and the canvas, kept between jobs.
#[derive(Debug, Default)]
pub struct ChunkRenderer {
    composer: ChunkComposer,
    pixels: Vec<u8>,
}

impl ChunkRenderer {
    /// Composes `plan` (offered to `accelerator` first) and encodes it as PNG at `level`.
    ///
    /// # Errors
    /// [`BackendError::Encode`] if the encoder fails; the accelerator's error when it failed
    /// and may not fall back.
    pub fn render_png(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        level: ZlibLevel,
        accelerator: Option<&dyn ChunkAccelerator>,
    ) -> Result<Vec<u8>, BackendError> {
        let composed = match accelerator {
            Some(a) => a
                .compose(plan, &mut self.pixels)
                .inspect_err(|_| trim(&mut self.pixels))?,
            None => false,
        };
        if !composed {
            self.composer.compose_into(plan, repo, &mut self.pixels);
        }
        encode(plan, &mut self.pixels, level).map_err(|e| BackendError::Encode(e.to_string()))
    }
}

/// Encodes `pixels`, the composed RGBA8 canvas of `plan`, as PNG; then frees `pixels` if it
/// is too large to keep for the next chunk (see [`trim`]).
///
/// # Errors
/// [`EncodeError`] when the encoder fails or `pixels` is not `plan`'s size.
fn encode(
    plan: &ChunkPlan,
    pixels: &mut Vec<u8>,
    level: ZlibLevel,
) -> Result<Vec<u8>, EncodeError> {
    let mut png = Vec::with_capacity(pixels.len() / 4 + 128);
    let r = encode_texture_into(&mut png, plan.width_px(), plan.height_px(), pixels, level);
    trim(pixels);
    // The texture store weighs a PNG by its length: hold no spare capacity it cannot see.
    png.shrink_to_fit();
    r.map(|()| png)
}

/// Frees a canvas buffer above 4 MiB, so a worker does not hold 16 MiB per rare big chunk.
fn trim(pixels: &mut Vec<u8>) {
    if pixels.capacity() > KEEP_BYTES {
        *pixels = Vec::new();
    }
}

//! [`ChunkRenderer`]: what a worker runs for a `JobInput::Chunk` — compose on the CPU into a
//! reused pixel buffer, then encode. Any backend (a GPU one included) can hold one to serve
//! chunk jobs.

use pipeline::AtlasRepository;
use pipeline::chunk::{ChunkComposer, ChunkPlan};
use pipeline::encode::{EncodeError, encode_png_into};

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
        let mut png = Vec::with_capacity(self.pixels.len() / 4 + 128);
        encode_png_into(&mut png, plan.width_px(), plan.height_px(), &self.pixels)?;
        // A 2048² canvas is 16 MiB: do not keep that much per worker after a rare big chunk.
        if self.pixels.capacity() > 4 << 20 {
            self.pixels = Vec::new();
        }
        Ok(png)
    }
}

//! The job types, at the floor of the crate: what the render path submits ([`JobInput`]),
//! what a backend answers ([`JobOutput`]). Handlers build inputs, the queue carries them,
//! workers hand them to backends; none of those layers owns them.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use pipeline::chunk::ChunkPlan;
use pipeline::encode::ZlibLevel;
use pipeline::layers::Layer;
use pipeline::plan::Plan;
use pipeline::sheet::SheetLayout;

/// One unit of render work, validated and planned by the handler.
#[derive(Debug, Clone)]
pub enum JobInput {
    /// One cat.
    Cat {
        /// The cat's plan.
        plan: Plan,
        /// Nearest-neighbour upscale, 1 = none.
        scale: u32,
        /// `Some(images)` to capture each stage (with or without its PNG).
        layers: Option<bool>,
    },
    /// Many cats laid out as one sprite sheet.
    Sheet {
        /// One plan per tile, in tile order.
        plans: Vec<Plan>,
        /// Sheet geometry.
        layout: SheetLayout,
        /// Also encode each frame on its own ([`JobOutput::frames`]).
        sources: bool,
    },
    /// One atlas cell as it is (`GET /sprites/{group}/{pose}.png`).
    Cell {
        /// The cell.
        cell: pipeline::CellId,
    },
    /// One chunk texture (tile layers and entities), encoded as PNG.
    Chunk {
        /// The resolved chunk.
        plan: Arc<ChunkPlan>,
        /// The zlib level of its PNG (`CG3_TEXTURE_PNG_LEVEL`).
        level: ZlibLevel,
    },
}

impl JobInput {
    /// The job's kind as metrics label it.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Cat { .. } => "cat",
            Self::Sheet { .. } => "sheet",
            Self::Cell { .. } => "cell",
            Self::Chunk { .. } => "chunk",
        }
    }
}

/// A finished job.
#[derive(Debug, Clone)]
pub struct JobOutput {
    /// The encoded image.
    pub png: Bytes,
    /// Captured stages (empty unless asked for).
    pub layers: Vec<Layer>,
    /// Each frame of a sheet as its own 50×50 PNG, when the sheet asked for sources.
    pub frames: Vec<Vec<u8>>,
    /// The PNG's strong ETag, hashed on first use and kept with the output, so every later
    /// answer from the result cache reuses it.
    etag: OnceLock<Box<str>>,
}

impl JobOutput {
    /// An output of `png` with its captured stages and frames.
    #[must_use]
    pub fn new(png: impl Into<Bytes>, layers: Vec<Layer>, frames: Vec<Vec<u8>>) -> Self {
        Self {
            png: png.into(),
            layers,
            frames,
            etag: OnceLock::new(),
        }
    }

    /// The PNG's strong ETag (see [`etag_text`]), computed once.
    pub fn etag(&self) -> &str {
        self.etag.get_or_init(|| etag_text(&self.png))
    }

    /// Bytes this output holds, for the cache budget.
    #[must_use]
    pub fn weight(&self) -> usize {
        self.png.len()
            + self
                .layers
                .iter()
                .map(|l| 64 + l.png.as_ref().map_or(0, Vec::len))
                .sum::<usize>()
            + self.frames.iter().map(|f| 64 + f.len()).sum::<usize>()
            + 64
    }
}

/// The strong ETag of finished bytes: a quoted 128-bit blake3 prefix in hex, the same for
/// every answer hashed by content (cats, cells, textures, the playground's files; sprite
/// sheets on disk are validated by length and mtime instead).
#[must_use]
pub fn etag_text(bytes: &[u8]) -> Box<str> {
    let hex = blake3::hash(bytes).to_hex();
    let mut tag = String::with_capacity(34);
    tag.push('"');
    tag.push_str(&hex[..32]);
    tag.push('"');
    tag.into_boxed_str()
}

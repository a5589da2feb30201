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

/// The strong ETag of finished bytes: their 128-bit xxh3 in hex, quoted, the same for every
/// answer hashed by content (cats, cells, textures, the playground's files; sprite sheets on
/// disk are validated by length and mtime instead).
///
/// A validator needs no resistance to a chosen collision (it only ever compares two versions
/// of the same URL, both ours), so a non-cryptographic hash will do: xxh3 hashes a cat's PNG
/// in 0.18 µs where blake3 took 2.3 µs, about 5 % of an uncached render request's server
/// time (BENCHMARKS.md, "Uncached renders: the ETag's hash, the query, the coalescer").
#[must_use]
pub fn etag_text(bytes: &[u8]) -> Box<str> {
    use std::fmt::Write as _;
    // Exactly the 34 bytes it needs, so the box takes the allocation as it is (`format!`
    // grew a `String` twice and shrank it for every new output). Writing to a `String`
    // cannot fail.
    let mut tag = String::with_capacity(34);
    let _ = write!(tag, "\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(bytes));
    tag.into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_etag_is_32_quoted_hex_digits_that_follow_every_byte() {
        let png = vec![7u8; 3_600];
        let tag = etag_text(&png);
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert!(tag[1..33].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(tag, etag_text(&png.clone()), "same bytes, same tag");
        assert_eq!(
            &*tag,
            format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(&png)),
            "the hash's 32 hex digits, most significant first"
        );
        for at in [0, 1_799, 3_599] {
            let mut other = png.clone();
            other[at] ^= 1;
            assert_ne!(etag_text(&other), tag, "one bit at {at}");
        }
        assert_ne!(etag_text(&png[..3_599]), tag, "one byte shorter");
    }

    #[test]
    fn an_output_keeps_the_etag_of_its_png() {
        let out = JobOutput::new(vec![1u8, 2, 3], Vec::new(), Vec::new());
        assert_eq!(out.etag(), &*etag_text(&[1, 2, 3]));
    }
}

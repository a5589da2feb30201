//! Request limits, checked while parsing, before any work is done.

use std::ops::RangeInclusive;

/// How large a chunk request may be. The defaults keep one chunk under ~16 MiB of pixels
/// and a few milliseconds of CPU work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Most tiles along either side of the grid. Default 64.
    pub max_grid: u32,
    /// Allowed `tileSize`, px. Default `8..=128`.
    pub tile_size: RangeInclusive<u32>,
    /// Most pixels along either side of the canvas (`width * tileSize`). Default 2048.
    pub max_canvas: u32,
    /// Most tile layers. Default 8.
    pub max_layers: usize,
    /// Most entities. Default 512.
    pub max_entities: usize,
    /// Entities may sit at `-max_offset..=canvas + max_offset` px, so ones straddling a
    /// chunk border can be drawn by both chunks (clipped). Default 1024.
    pub max_offset: u32,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        Self {
            max_grid: 64,
            tile_size: 8..=128,
            max_canvas: 2048,
            max_layers: 8,
            max_entities: 512,
            max_offset: 1024,
        }
    }
}

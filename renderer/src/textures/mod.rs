//! Chunk textures: a chunk request becomes a PNG named by its content hash, served at
//! `/textures/<hash>.png`.
//!
//! # Layout
//!
//! - [`store`]: [`TextureStore`], finished PNGs by hash, bounded in bytes (least recently
//!   used go first), each with its strong ETag computed once.
//! - [`recipes`]: [`RecipeStore`], hash → canonical request JSON, bounded in count and bytes;
//!   an evicted texture is re-rendered from its recipe instead of answering 404.
//!
//! The render path that uses these stores is `crate::render_path::chunks` (store → coalesce →
//! queue → store, and re-rendering from a recipe); the worker-side compose is
//! `crate::backend::chunk`.
//!
//! Parsing and name resolution are cheap and run on the request's task; composition and
//! encoding run on the worker pool as a `JobInput::Chunk`, through the same bounded queue,
//! deadline, breaker and coalescing as cat renders. With a GPU (`CG3_BACKEND` auto or gpu),
//! chunks of at least `CG3_GPU_CHUNK_MIN_PIXELS` are composed on the device by whichever
//! worker took them, which then encodes the PNG itself ([`crate::gpu_backend`]); smaller ones
//! on the CPU.

pub mod recipes;
pub mod store;

use std::sync::Arc;

use pipeline::chunk::{ChunkLimits, TilesetRegistry};
use pipeline::encode::ZlibLevel;

use crate::config::Config;
pub use recipes::RecipeStore;
pub use store::{Texture, TextureStore, parse_hash};

/// Everything the chunk routes share.
#[derive(Debug)]
pub struct Textures {
    /// Tilesets requests may name.
    pub tilesets: Arc<TilesetRegistry>,
    /// Request bounds.
    pub limits: ChunkLimits,
    /// Finished textures.
    pub store: TextureStore,
    /// How to re-render each handed-out hash.
    pub recipes: RecipeStore,
    /// The zlib level textures are encoded at.
    pub png_level: ZlibLevel,
}

impl Textures {
    /// Empty stores sized by `config`.
    #[must_use]
    pub fn new(config: &Config, tilesets: Arc<TilesetRegistry>) -> Self {
        Self {
            tilesets,
            limits: config.chunk_limits.clone(),
            store: TextureStore::new(config.texture_cache_bytes),
            recipes: RecipeStore::new(config.texture_recipes, config.texture_recipe_bytes),
            png_level: config.texture_png_level,
        }
    }
}

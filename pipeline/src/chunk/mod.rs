//! Chunk textures for game servers: tile layers and entities composed into one RGBA image,
//! named by a content hash.
//!
//! # Layout
//!
//! - [`tileset`]: `Tileset` (atlas + named tile/sprite rectangles, JSON format documented
//!   there) and `TilesetRegistry` (every tileset of `data/tilesets/`).
//! - [`limits`]: `ChunkLimits`, the request bounds with their defaults.
//! - [`request`]: `ChunkRequest` — JSON → typed request with field-naming
//!   [`ParamError`](crate::ParamError)s; canonical JSON.
//! - [`plan`]: `ChunkPlan` — names resolved, entities in draw order, texture hash.
//! - [`compose`]: `ChunkComposer` / `compose_chunk` — the CPU compositor.
//!
//! # Serving a chunk (how an HTTP handler uses this)
//!
//! ```text
//! async side:  ChunkRequest::from_json(&body, &limits)?      cheap, 4xx on error
//!              ChunkPlan::resolve(&req, &repo, &registry)?   cheap, 4xx on error; plan.hash
//!              cache lookup by plan.hash; keep req.canonical_json() as the recipe
//! worker:      composer.compose(&plan, &repo)  →  encode_png  →  cache
//! ```
//!
//! `ChunkPlan` is owned and `Send` (the tileset is behind an `Arc`), so it moves into a job.

pub mod compose;
pub mod limits;
pub mod plan;
pub mod request;
pub mod tileset;

#[cfg(test)]
mod tests;

pub use compose::{ChunkComposer, compose_chunk};
pub use limits::ChunkLimits;
pub use plan::{ChunkPlan, Draw, PlannedEntity, chunk_hash};
pub use request::{ChunkRequest, Entity, EntityKind};
pub use tileset::{Rect, TileId, Tileset, TilesetError, TilesetRegistry};

//! The JSON a game server and the renderer exchange, typed once: the renderer's handlers
//! and its OpenAPI document (feature `schema`) use these same types.
//!
//! - [`chunk`]: `POST /render/chunk`, request ([`ChunkJson`]) and answer
//!   ([`ChunkResponse`]).
//! - [`cat`]: [`CatParamsJson`], CatGenerator's parameter object (a chunk's cat entities).

pub mod cat;
pub mod chunk;

pub use cat::CatParamsJson;
pub use chunk::{ChunkJson, ChunkResponse, EntityJson, EntityKindJson};

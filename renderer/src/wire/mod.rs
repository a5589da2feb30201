//! The JSON bodies of the API, typed once: the handlers serialise and parse these, the
//! client reads and writes them, and `/openapi.json` is generated from them (utoipa).
//! Nothing here knows HTTP; the types are plain serde structs with schemas.
//!
//! # Layout
//!
//! - [`cat`]: `CatParamsJson`, the schema of CatGenerator's parameter object (its names are
//!   the server's vocabulary, filled in by `http::openapi`); from `renderer_client`.
//! - [`render`]: `POST /render` and `POST /render/batch`, requests and answers.
//! - [`chunk`]: `POST /render/chunk`, request (`ChunkJson`) and answer; from
//!   `renderer_client`, which game servers build on.
//! - [`error`]: the error body and its stable codes.
//! - [`ops`]: the `/ready` answer.

pub use renderer_client::wire::{cat, chunk};
pub mod error;
pub mod ops;
pub mod render;

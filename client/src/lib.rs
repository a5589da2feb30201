//! The client game servers use to get chunk textures from the cat renderer, and the two
//! things server and client share.
//!
//! A game server must keep streaming chunks while the renderer is slow or down, so every
//! call ends in a [`ChunkOutcome`]: a texture URL, or `Unavailable` with the reason, and the
//! caller sends the chunk without a texture.
//!
//! # Layout
//!
//! - [`wire`]: the chunk request and answer (and CatGenerator's parameter object), typed
//!   once for the server's handlers, its OpenAPI document (feature `schema`) and this client.
//! - [`breaker`]: `Breaker`, the one circuit-breaker state machine (time passed in), used
//!   by the server's breakers and this client's.
//! - [`config`]: `ClientConfig` — base URL, timeouts, retry and breaker settings.
//! - [`backoff`]: exponential backoff with full jitter, honouring `Retry-After`.
//! - [`stats`]: counters for every outcome.
//! - `client` (feature `http`, default): `RendererClient` on reqwest — pooled connections,
//!   HTTP/1.1 and HTTP/2, rustls TLS; `render_chunk`, the background `/health` check.
//!
//! Retries: connection errors and `503` only, with backoff; never `4xx` (the request is
//! wrong and will stay wrong) and never a timeout (the renderer may still be working on it;
//! the next call can hit the cache).
//!
//! The server builds this crate without `http`, so a game server compiles neither axum nor
//! wgpu, and the server no HTTP client.

pub mod backoff;
pub mod breaker;
#[cfg(feature = "http")]
pub mod client;
pub mod config;
pub mod stats;
pub mod wire;

pub use breaker::CircuitState;
#[cfg(feature = "http")]
pub use client::{ChunkOutcome, ClientError, RendererClient, Texture, Unavailable};
pub use config::ClientConfig;
pub use stats::{ClientStats, StatsSnapshot};
pub use wire::{ChunkJson, ChunkResponse, EntityJson, EntityKindJson};

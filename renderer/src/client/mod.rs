//! The HTTP client game servers use to get chunk textures (feature `client`).
//!
//! A game server must keep streaming chunks while the renderer is slow or down, so every
//! call ends in a [`ChunkOutcome`]: a texture URL, or `Unavailable` with the reason, and the
//! caller sends the chunk without a texture.
//!
//! # Layout
//!
//! - [`config`]: `ClientConfig` — base URL, timeouts, retry and breaker settings.
//! - [`backoff`]: exponential backoff with full jitter, honouring `Retry-After`.
//! - [`breaker`]: the client-side circuit breaker (fail fast while the renderer is down).
//! - [`stats`]: counters for every outcome.
//! - [`client`]: `RendererClient` — `render_chunk`, the background `/health` check.
//!
//! Retries: connection errors and `503` only, with backoff; never `4xx` (the request is
//! wrong and will stay wrong) and never a timeout (the renderer may still be working on it;
//! the next call can hit the cache).

pub mod backoff;
pub mod breaker;
#[expect(
    clippy::module_inception,
    reason = "client::client holds RendererClient; the module map names it"
)]
pub mod client;
pub mod config;
pub mod stats;

pub use crate::wire::chunk::{ChunkJson, EntityJson, EntityKindJson};
pub use breaker::{BreakerState, ClientBreaker};
pub use client::{ChunkOutcome, ClientError, RendererClient, Texture, Unavailable};
pub use config::ClientConfig;
pub use stats::{ClientStats, StatsSnapshot};

//! The cat sprite rendering service and its CLI.
//!
//! # Layout
//!
//! - [`config`]: defaults < TOML < `CG3_*` env < flags, parsed once into typed values.
//! - [`atlas_paths`]: where the sprite and data folders are (bundled by default).
//! - [`cli`]: `renderer render`.
//! - [`probe`]: `renderer probe`, the image's curl-free health check.
//! - [`job`]: the job types (`JobInput`, `JobOutput`), at the floor.
//! - [`backend`]: `RenderBackend` (batch-shaped), the CPU backend, a test backend.
//! - `gpu_backend` (feature `gpu`, default): the GPU worker backend, its shared device and
//!   GPU-local breaker.
//! - [`shared`]: `SharedStore`, chunk recipes (and small textures) in Redis so every
//!   replica serves every texture URL.
//! - [`select`]: `CG3_BACKEND` → which backend each worker gets.
//! - `gpu_probe` (feature `gpu`): `renderer gpu-probe`, run as a child process by `auto`
//!   so no driver loads into a server that renders on the CPU.
//! - [`queue`]: `JobQueue`, bounded, refusing at once when full (a refusal that finds the
//!   workers without progress yields its thread's time slice to them); `JobReceiver`, the
//!   workers' end, which counts what they take.
//! - [`worker`]: `WorkerPool`, render threads with deadline/cancel checks and panic capture.
//! - [`breaker`]: `CircuitBreaker`, the shared state machine (`renderer_client::breaker`)
//!   behind a lock, with an injectable clock.
//! - [`cache`]: byte-bounded LRU of finished results.
//! - [`coalesce`]: identical in-flight work rendered once.
//! - [`render_path`]: `RenderPath`, the one way to pixels below the handlers (cache →
//!   coalesce → breaker → queue → worker), cats and chunk textures alike; typed cache keys.
//! - [`state`]: `AppState` (what handlers share) and start-up (`Service`: state + pool).
//! - [`error`]: `RenderError`, why the render path gave no image (no HTTP in it).
//! - [`textures`]: chunk textures — tilesets, the texture and recipe stores, the render path.
//! - [`wire`]: the JSON bodies of every route, typed once (handlers, client, OpenAPI).
//! - [`http`]: `app(state) -> Router`, routes, errors, extractors.
//! - [`health`], [`metrics`]: operator views; [`process`]: resident memory.
//! - [`connection_threads`]: `ConnectionThreads`, where connections are served: tokio's
//!   shared runtime, or pinned threads with one single-threaded runtime each.
//! - [`connections`]: the accept loop — connection cap with a probes-only overflow lane,
//!   header-read/idle timeout, header size, graceful drain of open connections.
//! - [`serve`]: start-up, signals, the shutdown sequence.
//! - [`time`]: RFC 3339 timestamps; [`log_throttle`]: one log line per interval for
//!   events that come by the thousand (load shed, a queue near its bound).
#![recursion_limit = "256"]

pub mod atlas_paths;
pub mod backend;
pub mod breaker;
pub mod cache;
pub mod cli;
pub mod coalesce;
pub mod config;
pub mod connection_threads;
pub mod connections;
pub mod error;
#[cfg(feature = "gpu")]
pub mod gpu_backend;
#[cfg(feature = "gpu")]
pub mod gpu_probe;
pub mod health;
pub mod http;
pub mod job;
pub mod log_throttle;
pub mod metrics;
pub mod probe;
pub mod process;
pub mod queue;
pub mod render_path;
pub mod select;
pub mod serve;
pub mod shared;
pub mod state;
pub mod textures;
pub mod time;
pub mod wire;
pub mod worker;

pub use http::app;
pub use state::{App, AppState, Service};

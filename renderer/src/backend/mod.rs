//! What workers run: a [`RenderBackend`] takes a batch of jobs and returns one result per
//! job. [`CpuRenderBackend`] is the reference; a GPU backend plugs in behind the same trait
//! (batch-shaped so it can dispatch many cats at once). [`testing::TestBackend`] fails,
//! stalls or panics on demand for the overload and breaker tests.
//!
//! # Layout
//!
//! - this file: [`RenderBackend`], [`ChunkAccelerator`], [`BackendError`], [`WorkerRole`]
//!   (the job types are [`crate::job`]'s).
//! - [`cpu`]: [`CpuRenderBackend`], the reference backend.
//! - [`chunk`]: [`ChunkRenderer`], the worker-side chunk compose (on the GPU for large
//!   chunks when the worker has a chunk accelerator) → PNG, with reused buffers.
//! - [`testing`]: [`testing::TestBackend`] and its switches.

pub mod chunk;
pub mod cpu;
pub mod testing;

pub use chunk::ChunkRenderer;
pub use cpu::CpuRenderBackend;

use std::sync::Arc;

use pipeline::chunk::ChunkPlan;

use crate::job::{JobInput, JobOutput};

/// Why a backend could not finish a job (a server-side failure: it counts for the breaker).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// PNG encoding failed.
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The device or backend failed.
    #[error("backend failed: {0}")]
    Failed(String),
}

/// A render executor owned by one worker thread.
pub trait RenderBackend: Send {
    /// Name for `/health` and metric labels (`cpu`, `gpu`, …).
    fn name(&self) -> &'static str;

    /// Most jobs this backend wants per call; workers drain up to this many from the queue.
    fn max_batch(&self) -> usize {
        1
    }

    /// Renders every job; the result at index `i` answers `jobs[i]`.
    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>>;
}

/// The part a worker thread plays, given by the pool: worker 0 is the [`Self::DeviceOwner`],
/// every other worker [`Self::Cpu`]. With a GPU, the device owner's backend holds the
/// device and batches cats; a CPU-only factory builds the same backend for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerRole {
    /// Owns the accelerator device, if the service has one.
    DeviceOwner,
    /// Renders on the CPU (borrowing the device for large chunks, if there is one).
    Cpu,
}

/// Builds the backend of a worker in a role (and a fresh one after a panic, in the same
/// role, once the old one is dropped).
pub type BackendFactory = Arc<dyn Fn(WorkerRole) -> Box<dyn RenderBackend> + Send + Sync>;

/// Composes large chunk canvases somewhere faster than the calling worker's thread (the
/// GPU), for any worker; the worker still encodes the PNG itself.
pub trait ChunkAccelerator: Send + Sync + std::fmt::Debug {
    /// Composes `plan` into `canvas` (RGBA8, `width_px * height_px * 4` bytes): `Ok(true)`
    /// when it did; `Ok(false)` when the caller should compose it on the CPU (too small to
    /// be worth it, or the accelerator is unavailable and falling back is allowed).
    ///
    /// # Errors
    /// When the accelerator failed and falling back is not allowed (`CG3_BACKEND=gpu`).
    fn compose(&self, plan: &ChunkPlan, canvas: &mut Vec<u8>) -> Result<bool, BackendError>;
}

//! What workers run: a [`RenderBackend`] takes a batch of jobs and returns one result per
//! job. [`CpuRenderBackend`] is the reference; a GPU backend plugs in behind the same trait
//! (batch-shaped so it can dispatch many cats at once). [`testing::TestBackend`] fails,
//! stalls or panics on demand for the overload and breaker tests.
//!
//! # Layout
//!
//! - this file: the job types, [`RenderBackend`], [`ChunkAccelerator`], [`BackendError`].
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

use axum::body::Bytes;
use pipeline::chunk::ChunkPlan;
use pipeline::plan::Plan;

use pipeline::layers::Layer;
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
}

impl JobOutput {
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

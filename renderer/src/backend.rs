//! What workers run: a [`RenderBackend`] takes a batch of jobs and returns one result per
//! job. [`CpuRenderBackend`] is the reference; a GPU backend plugs in behind the same trait
//! (batch-shaped so it can dispatch many cats at once). [`testing::TestBackend`] fails,
//! stalls or panics on demand for the overload and breaker tests.

use std::sync::Arc;

use axum::body::Bytes;
use pipeline::chunk::ChunkPlan;
use pipeline::plan::Plan;
use pipeline::{AtlasRepository, CpuBackend};

use crate::render::{Layer, SheetLayout, encode_canvas, render_layers, render_sheet};
use crate::textures::ChunkRenderer;

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

/// Builds one backend per worker thread (and a fresh one after a panic).
pub type BackendFactory = Arc<dyn Fn() -> Box<dyn RenderBackend> + Send + Sync>;

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

/// The CPU reference backend.
#[derive(Debug)]
pub struct CpuRenderBackend {
    repo: Arc<AtlasRepository>,
    cpu: CpuBackend,
    chunks: ChunkRenderer,
    /// Composes the chunks it takes, when set.
    accelerator: Option<Arc<dyn ChunkAccelerator>>,
}

impl CpuRenderBackend {
    /// A backend rendering from `repo`.
    #[must_use]
    pub fn new(repo: Arc<AtlasRepository>) -> Self {
        Self {
            repo,
            cpu: CpuBackend::new(),
            chunks: ChunkRenderer::default(),
            accelerator: None,
        }
    }

    /// A backend rendering from `repo` that offers every chunk to `accelerator` first.
    #[must_use]
    pub fn with_accelerator(
        repo: Arc<AtlasRepository>,
        accelerator: Arc<dyn ChunkAccelerator>,
    ) -> Self {
        Self {
            accelerator: Some(accelerator),
            ..Self::new(repo)
        }
    }

    /// A factory of CPU backends sharing `repo`.
    #[must_use]
    pub fn factory(repo: Arc<AtlasRepository>) -> BackendFactory {
        Arc::new(move || Box::new(Self::new(repo.clone())))
    }

    fn render_one(&mut self, job: &JobInput) -> Result<JobOutput, BackendError> {
        let enc = |e: pipeline::encode::EncodeError| BackendError::Encode(e.to_string());
        match job {
            JobInput::Cat {
                plan,
                scale,
                layers: None,
            } => Ok(JobOutput {
                png: encode_canvas(self.cpu.render(&self.repo, plan), *scale)
                    .map_err(enc)?
                    .into(),
                layers: Vec::new(),
                frames: Vec::new(),
            }),
            JobInput::Cat {
                plan,
                scale,
                layers: Some(images),
            } => {
                let (canvas, layers) =
                    render_layers(&mut self.cpu, &self.repo, plan, *images, *scale).map_err(enc)?;
                Ok(JobOutput {
                    png: encode_canvas(&canvas, *scale).map_err(enc)?.into(),
                    layers,
                    frames: Vec::new(),
                })
            }
            JobInput::Sheet {
                plans,
                layout,
                sources,
            } => {
                let (png, frames) =
                    render_sheet(&mut self.cpu, &self.repo, plans, *layout, *sources)
                        .map_err(enc)?;
                Ok(JobOutput {
                    png: png.into(),
                    layers: Vec::new(),
                    frames,
                })
            }
            JobInput::Chunk { plan } => Ok(JobOutput {
                png: self
                    .chunks
                    .render_png(&self.repo, plan, self.accelerator.as_deref())?
                    .into(),
                layers: Vec::new(),
                frames: Vec::new(),
            }),
        }
    }
}

impl RenderBackend for CpuRenderBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
        jobs.iter().map(|j| self.render_one(j)).collect()
    }
}

/// Backends for tests: controllable failures, delays and panics around the CPU backend.
pub mod testing {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Duration;

    use super::*;

    /// Switches shared by every [`TestBackend`] of one factory.
    #[derive(Debug, Default)]
    pub struct TestControl {
        /// Every job fails while set.
        pub fail: AtomicBool,
        /// Every batch panics while set.
        pub panic: AtomicBool,
        /// Each batch sleeps this long first (a stand-in for a slow device).
        pub delay_ms: AtomicU64,
        /// Batches started, for assertions.
        pub batches: AtomicU64,
    }

    impl TestControl {
        /// Sets or clears failing.
        pub fn set_fail(&self, on: bool) {
            self.fail.store(on, Ordering::SeqCst);
        }

        /// Sets the per-batch delay.
        pub fn set_delay(&self, d: Duration) {
            self.delay_ms.store(
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
                Ordering::SeqCst,
            );
        }
    }

    /// The CPU backend wrapped in [`TestControl`] switches.
    #[derive(Debug)]
    pub struct TestBackend {
        inner: CpuRenderBackend,
        control: Arc<TestControl>,
    }

    impl TestBackend {
        /// A factory of test backends sharing `control`.
        #[must_use]
        pub fn factory(repo: Arc<AtlasRepository>, control: Arc<TestControl>) -> BackendFactory {
            Arc::new(move || {
                Box::new(Self {
                    inner: CpuRenderBackend::new(repo.clone()),
                    control: control.clone(),
                })
            })
        }
    }

    impl RenderBackend for TestBackend {
        fn name(&self) -> &'static str {
            "test"
        }

        fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
            self.control.batches.fetch_add(1, Ordering::SeqCst);
            let delay = self.control.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                std::thread::sleep(Duration::from_millis(delay));
            }
            assert!(
                !self.control.panic.load(Ordering::SeqCst),
                "test backend told to panic"
            );
            if self.control.fail.load(Ordering::SeqCst) {
                return jobs
                    .iter()
                    .map(|_| Err(BackendError::Failed("test backend told to fail".into())))
                    .collect();
            }
            self.inner.render_batch(jobs)
        }
    }
}

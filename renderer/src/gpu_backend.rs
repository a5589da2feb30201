//! `GpuRenderBackend`: the worker backend that renders on the GPU (feature `gpu`).
//!
//! # A batch
//!
//! The worker hands over up to `CG3_GPU_BATCH` queued jobs. The plans of every plain cat
//! and every sheet tile go to the device in ONE call ([`GpuDevice::render`]); the cats come
//! back as one readback, and are then upscaled and PNG-encoded with the same functions the
//! CPU path uses ([`encode_canvas`], [`SheetCanvas`]) — on several threads when
//! [`GpuSettings::encode_threads`] allows.
//!
//! A chunk job whose canvas has at least [`GpuSettings::chunk_min_pixels`] pixels
//! (`CG3_GPU_CHUNK_MIN_PIXELS`) is composed on the device ([`GpuDevice::compose_chunk`]) by
//! whichever worker took it: [`GpuShared`] is every worker's [`ChunkAccelerator`], and a
//! worker holds the device only for the composition, then encodes the PNG on its own
//! thread. A large chunk's PNG costs ten times or more its GPU composition (BENCHMARKS.md),
//! so funnelling large chunks to one GPU worker would make its encoding the bottleneck;
//! spread over the workers they run at least at the CPU backend's rate. Such chunks count in
//! `renderer_gpu_chunks_total`. Smaller chunks, jobs with layer capture and any other kind go
//! through the CPU path ([`CpuRenderBackend`]).

//! # Failures
//!
//! Every GPU call — a batch of cats or one chunk — goes through one attempt under the same
//! rules. A [`GpuError`] never panics and never reaches the client as such:
//!
//! - [`GpuMode::Auto`]: the failed call's jobs are re-rendered on the internal CPU backend,
//!   so clients get their images; the failure counts in `renderer_gpu_failures_total`, the
//!   jobs in `renderer_gpu_fallback_jobs_total`. A GPU-local [`CircuitBreaker`] opens after
//!   `CG3_CIRCUIT_FAILURE_THRESHOLD` consecutive GPU failures: for
//!   `CG3_CIRCUIT_RESET_SECONDS` every worker renders everything on the CPU, then one call
//!   probes the GPU again.
//! - [`GpuMode::Strict`]: GPU failures are job failures (500 to the client), counted by
//!   the worker for the service breaker, as any backend failure.
//!
//! On [`GpuError::DeviceLost`] the device is dropped; the next GPU attempt (in auto, the
//! next one the breaker lets through) opens a new one.
//!
//! # One device
//!
//! [`GpuShared`] is what every worker's backend shares: the settings, the GPU-local
//! breaker, the one device (behind a mutex: a cat batch or a chunk composition holds it for
//! its GPU call only). Its [`GpuShared::factory`] builds by the role the pool gives: the
//! device owner (worker 0) gets the GPU backend, which batches cats; every other worker a CPU
//! backend with the device as its chunk accelerator. The GPU backend frees the device when
//! dropped, and without it no one uses or reopens the device. The worker pool drops a
//! panicked backend before building its successor in the same role, so a rebuilt owner gets
//! a GPU backend again, and the mutex means no two devices exist at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use parking_lot::Mutex;
use pipeline::chunk::ChunkPlan;
use pipeline::gpu::{GpuAdapterInfo, GpuBackend, GpuError};
use pipeline::plan::Plan;
use pipeline::{AtlasRepository, CELL_BYTES, Canvas};

use crate::backend::{
    BackendError, BackendFactory, ChunkAccelerator, CpuRenderBackend, JobInput, JobOutput,
    RenderBackend, WorkerRole,
};
use crate::breaker::{CircuitBreaker, CircuitState, Clock};
use crate::config::Config;
use crate::health::{GpuHealth, GpuStatus};
use crate::metrics::Metrics;
use pipeline::encode_cell;
use pipeline::sheet::SheetCanvas;

/// What a GPU failure means for the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuMode {
    /// `CG3_BACKEND=gpu`: GPU failures are job failures.
    Strict,
    /// `CG3_BACKEND=auto`: GPU failures fall back to the CPU behind a GPU-local breaker.
    Auto,
}

/// A device that renders plans: [`GpuBackend`] in the service, fakes in tests.
pub trait GpuDevice: Send + std::fmt::Debug {
    /// The adapter it runs on.
    fn info(&self) -> GpuAdapterInfo;

    /// Renders every plan into `out`, 10,000 bytes of RGBA8 per plan, in order.
    ///
    /// # Errors
    /// Any [`GpuError`].
    fn render(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError>;

    /// Composes one chunk into `out` (replacing its contents): `width_px * height_px * 4`
    /// bytes of RGBA8, bit for bit what `ChunkComposer` makes of it.
    ///
    /// # Errors
    /// Any [`GpuError`].
    fn compose_chunk(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError>;
}

impl GpuDevice for GpuBackend {
    fn info(&self) -> GpuAdapterInfo {
        self.adapter_info().clone()
    }

    fn render(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        self.render_batch(repo, plans, out)
    }

    fn compose_chunk(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        GpuBackend::compose_chunk(self, repo, plan, out)
    }
}

/// Opens a device for a repository.
pub type GpuOpener =
    Arc<dyn Fn(&AtlasRepository) -> Result<Box<dyn GpuDevice>, GpuError> + Send + Sync>;

/// The real opener: [`GpuBackend::with_options`] on the adapter whose name contains
/// `adapter_name` (any when `None`). Without `allow_software` a software rasteriser is
/// refused before any device is created or any atlas uploaded.
#[must_use]
pub fn wgpu_opener(allow_software: bool, adapter_name: Option<String>) -> GpuOpener {
    Arc::new(move |repo| {
        let options = pipeline::gpu::GpuOptions {
            allow_software,
            adapter_name: adapter_name.clone(),
            ..pipeline::gpu::GpuOptions::default()
        };
        GpuBackend::with_options(repo, &options).map(|b| Box::new(b) as Box<dyn GpuDevice>)
    })
}

/// How the GPU backend behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuSettings {
    /// Strict or auto.
    pub mode: GpuMode,
    /// Most jobs per GPU call (`CG3_GPU_BATCH`).
    pub max_batch: usize,
    /// Consecutive GPU failures that open the GPU-local breaker (auto).
    pub failure_threshold: usize,
    /// Time the GPU-local breaker stays open before one probe (auto).
    pub reset: Duration,
    /// Threads that encode one batch's PNGs (1 = the worker thread alone).
    pub encode_threads: usize,
    /// Chunks with at least this many pixels are composed on the GPU
    /// (`CG3_GPU_CHUNK_MIN_PIXELS`; 0 = all).
    pub chunk_min_pixels: u64,
}

impl GpuSettings {
    /// From the service configuration: the breaker settings are the service breaker's; in
    /// strict mode, where one GPU worker does all the work, PNGs are encoded on
    /// `CG3_WORKER_COUNT` threads; in auto the other workers render on the CPU, so the GPU
    /// worker encodes alone.
    #[must_use]
    pub fn from_config(config: &Config, mode: GpuMode) -> Self {
        Self {
            mode,
            max_batch: config.gpu_batch.get(),
            failure_threshold: config.circuit_failure_threshold.get(),
            reset: config.circuit_reset,
            encode_threads: match mode {
                GpuMode::Strict => config.worker_count.get(),
                GpuMode::Auto => 1,
            },
            chunk_min_pixels: config.gpu_chunk_min_pixels,
        }
    }

    /// Whether `plan` is large enough to compose on the GPU.
    #[must_use]
    pub fn chunk_on_gpu(&self, plan: &ChunkPlan) -> bool {
        u64::from(plan.width_px()) * u64::from(plan.height_px()) >= self.chunk_min_pixels
    }
}

/// What every worker backend of one service shares (module docs, "One device").
pub struct GpuShared {
    repo: Arc<AtlasRepository>,
    settings: GpuSettings,
    opener: GpuOpener,
    /// The GPU-local breaker (consulted in auto mode only).
    breaker: CircuitBreaker,
    metrics: Arc<Metrics>,
    /// The device; `None` before the first GPU call after a loss or after the GPU worker
    /// dropped it. Held for one GPU call at a time.
    device: Mutex<Option<Box<dyn GpuDevice>>>,
    /// True while the device owner's GPU backend exists: only then may CPU workers borrow
    /// the device for chunks (so nothing reopens it during shutdown).
    owner_alive: AtomicBool,
    /// True while a device is open.
    device_open: AtomicBool,
    /// The adapter last opened.
    info: Mutex<GpuAdapterInfo>,
}

impl std::fmt::Debug for GpuShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuShared")
            .field("settings", &self.settings)
            .field("info", &*self.info.lock())
            .field("breaker", &self.breaker.state())
            .field("owner_alive", &self.owner_alive.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl GpuShared {
    /// Opens a device with `opener` (start-up): `Err` when there is no usable adapter.
    /// `clock` drives the GPU-local breaker.
    ///
    /// # Errors
    /// The [`GpuError`] opening the device gave.
    pub fn open(
        repo: Arc<AtlasRepository>,
        settings: GpuSettings,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
        opener: GpuOpener,
    ) -> Result<Arc<Self>, GpuError> {
        let device = opener(&repo)?;
        let info = device.info();
        Ok(Arc::new(Self {
            repo,
            breaker: CircuitBreaker::new(settings.failure_threshold, settings.reset, clock),
            settings,
            opener,
            metrics,
            device: Mutex::new(Some(device)),
            owner_alive: AtomicBool::new(false),
            device_open: AtomicBool::new(true),
            info: Mutex::new(info),
        }))
    }

    /// Worker backends: the GPU backend for the device owner (worker 0, or its rebuild
    /// after a panic), a CPU backend with the device as chunk accelerator for every other.
    #[must_use]
    pub fn factory(self: &Arc<Self>) -> BackendFactory {
        let shared = self.clone();
        Arc::new(move |role| match role {
            WorkerRole::DeviceOwner => Box::new(GpuRenderBackend::new(shared.clone())),
            WorkerRole::Cpu => Box::new(CpuRenderBackend::with_accelerator(
                shared.repo.clone(),
                shared.clone(),
            )),
        })
    }

    /// `backend` as `/health` and logs name it.
    #[must_use]
    pub const fn label(&self) -> &'static str {
        match self.settings.mode {
            GpuMode::Strict => "gpu",
            GpuMode::Auto => "auto(gpu+cpu)",
        }
    }

    /// The adapter last opened.
    #[must_use]
    pub fn adapter(&self) -> GpuAdapterInfo {
        self.info.lock().clone()
    }

    /// The GPU-local breaker's state.
    #[must_use]
    pub fn breaker_state(&self) -> CircuitState {
        self.breaker.state()
    }

    /// Opens a new device (after a loss or a rebuild).
    fn open_device(&self) -> Result<Box<dyn GpuDevice>, GpuError> {
        let d = (self.opener)(&self.repo)?;
        tracing::info!(target: "renderer.gpu", adapter = %d.info(), "GPU device opened");
        *self.info.lock() = d.info();
        self.device_open.store(true, Ordering::Release);
        Ok(d)
    }

    /// Frees the device (the GPU worker's backend is going away).
    fn close_device(&self) {
        if self.device.lock().take().is_some() {
            self.device_open.store(false, Ordering::Release);
        }
    }

    /// Runs `work` (answering `jobs` jobs) on the device into `out`, under the GPU-local
    /// breaker in auto mode, and says what becomes of the jobs; in auto, those left to the
    /// CPU are counted as fallback here. The device is held for the GPU call only.
    fn attempt(&self, work: Work<'_>, jobs: usize, out: &mut Vec<u8>) -> Verdict {
        let auto = self.settings.mode == GpuMode::Auto;
        if auto && self.breaker.try_acquire().is_err() {
            self.metrics.gpu_fallback(jobs);
            return Verdict::Cpu;
        }
        let result = {
            let mut slot = self.device.lock();
            match slot.take() {
                Some(d) => Ok(d),
                None => self.open_device(),
            }
            .and_then(|mut device| {
                let r = match work {
                    Work::Cats(plans) => {
                        self.metrics.gpu_batch(plans.len());
                        device.render(&self.repo, plans, out)
                    }
                    Work::Chunk(plan) => device
                        .compose_chunk(&self.repo, plan, out)
                        .and_then(|()| check_canvas(plan, out)),
                };
                if matches!(r, Err(GpuError::DeviceLost(_))) {
                    // Dropped here; the next attempt opens a new one.
                    self.device_open.store(false, Ordering::Release);
                } else {
                    *slot = Some(device);
                }
                r
            })
        };
        match result {
            Ok(()) => {
                self.breaker.record_success();
                if let Work::Chunk(_) = work {
                    self.metrics.gpu_chunk();
                }
                Verdict::Encode
            }
            Err(e) => {
                self.metrics.gpu_failure();
                if auto {
                    self.breaker.record_failure();
                    self.metrics.gpu_fallback(jobs);
                }
                let (cats, chunk_px) = match work {
                    Work::Cats(plans) => (plans.len(), 0),
                    Work::Chunk(plan) => {
                        (0, u64::from(plan.width_px()) * u64::from(plan.height_px()))
                    }
                };
                tracing::warn!(
                    target: "renderer.gpu",
                    error = %e,
                    cats,
                    chunk_px,
                    fallback = auto,
                    breaker = self.breaker.state().name(),
                    "GPU call failed"
                );
                if auto {
                    Verdict::Cpu
                } else {
                    Verdict::Fail(BackendError::Failed(format!("GPU: {e}")))
                }
            }
        }
    }
}

impl ChunkAccelerator for GpuShared {
    /// Composes chunks of at least `chunk_min_pixels` on the device, for any worker, while a
    /// GPU worker exists (so a device is never reopened during shutdown).
    fn compose(&self, plan: &ChunkPlan, canvas: &mut Vec<u8>) -> Result<bool, BackendError> {
        if !self.settings.chunk_on_gpu(plan) || !self.owner_alive.load(Ordering::Acquire) {
            return Ok(false);
        }
        match self.attempt(Work::Chunk(plan), 1, canvas) {
            Verdict::Encode => Ok(true),
            Verdict::Cpu => Ok(false),
            Verdict::Fail(e) => Err(e),
        }
    }
}

impl GpuStatus for GpuShared {
    fn gpu_health(&self) -> GpuHealth {
        let info = self.info.lock().clone();
        GpuHealth {
            adapter: info.name,
            api: info.backend,
            device_type: info.device_type,
            software: info.software,
            state: self.breaker.state().name(),
            device_open: self.device_open.load(Ordering::Acquire),
        }
    }
}

/// The GPU worker's backend (module docs).
#[derive(Debug)]
pub struct GpuRenderBackend {
    shared: Arc<GpuShared>,
    /// Renders what the device does not: layer capture, fallbacks, chunks (offered to the
    /// device first, as on every worker).
    cpu: CpuRenderBackend,
    /// The last cat readback, reused between batches.
    pixels: Vec<u8>,
}

/// One GPU call.
#[derive(Clone, Copy)]
enum Work<'a> {
    /// Every plain cat and sheet tile of a batch.
    Cats(&'a [&'a Plan]),
    /// One chunk's canvas.
    Chunk(&'a ChunkPlan),
}

/// What becomes of the jobs of one GPU call.
enum Verdict {
    /// The GPU rendered them: encode its output.
    Encode,
    /// Strict mode: the GPU failed, so they fail with this.
    Fail(BackendError),
    /// Auto mode: the GPU failed or its breaker refused; render them on the CPU.
    Cpu,
}

impl GpuRenderBackend {
    /// The GPU backend of `shared` (it should hold the GPU role; see [`GpuShared::factory`]).
    #[must_use]
    pub fn new(shared: Arc<GpuShared>) -> Self {
        shared.owner_alive.store(true, Ordering::Release);
        Self {
            cpu: CpuRenderBackend::with_accelerator(shared.repo.clone(), shared.clone()),
            shared,
            pixels: Vec::new(),
        }
    }

    /// Renders one job on the internal CPU backend.
    fn on_cpu(&mut self, job: &JobInput) -> Result<JobOutput, BackendError> {
        self.cpu
            .render_batch(std::slice::from_ref(job))
            .pop()
            .unwrap_or_else(|| Err(BackendError::Failed("CPU backend gave no result".into())))
    }
}

/// A device's chunk output must be exactly the canvas; anything else is the device's fault
/// (so auto falls back), not an encoding error.
fn check_canvas(plan: &ChunkPlan, canvas: &[u8]) -> Result<(), GpuError> {
    let want = plan.width_px() as usize * plan.height_px() as usize * 4;
    if canvas.len() == want {
        Ok(())
    } else {
        Err(GpuError::Readback(format!(
            "chunk canvas is {} bytes, expected {want}",
            canvas.len()
        )))
    }
}

/// A job the GPU renders: its index in the batch and its plans' range in the readback.
struct GpuJob<'a> {
    index: usize,
    first: usize,
    kind: GpuKind<'a>,
}

enum GpuKind<'a> {
    Cat {
        scale: u32,
    },
    Sheet {
        layout: &'a pipeline::sheet::SheetLayout,
        count: usize,
    },
}

impl RenderBackend for GpuRenderBackend {
    fn name(&self) -> &'static str {
        "gpu"
    }

    fn max_batch(&self) -> usize {
        self.shared.settings.max_batch
    }

    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
        let mut results: Vec<Option<Result<JobOutput, BackendError>>> =
            (0..jobs.len()).map(|_| None).collect();
        let mut plans: Vec<&Plan> = Vec::new();
        let mut gpu_jobs: Vec<GpuJob<'_>> = Vec::new();
        for (index, job) in jobs.iter().enumerate() {
            let first = plans.len();
            match job {
                JobInput::Cat {
                    plan,
                    scale,
                    layers: None,
                } => {
                    plans.push(plan);
                    gpu_jobs.push(GpuJob {
                        index,
                        first,
                        kind: GpuKind::Cat { scale: *scale },
                    });
                }
                JobInput::Sheet {
                    plans: tiles,
                    layout,
                    sources: false,
                } => {
                    plans.extend(tiles.iter());
                    gpu_jobs.push(GpuJob {
                        index,
                        first,
                        kind: GpuKind::Sheet {
                            layout,
                            count: tiles.len(),
                        },
                    });
                }
                // Layer capture, chunks (composed on the device when large) and any later
                // kind: the CPU path.
                _ => results[index] = Some(self.on_cpu(job)),
            }
        }
        if !gpu_jobs.is_empty() {
            match self
                .shared
                .attempt(Work::Cats(&plans), gpu_jobs.len(), &mut self.pixels)
            {
                Verdict::Encode => {
                    let encoded =
                        encode_all(&gpu_jobs, &self.pixels, self.shared.settings.encode_threads);
                    for (index, r) in encoded {
                        results[index] = Some(r);
                    }
                }
                Verdict::Fail(e) => {
                    for j in &gpu_jobs {
                        results[j.index] = Some(Err(e.clone()));
                    }
                }
                // The client still gets its image.
                Verdict::Cpu => {
                    for j in &gpu_jobs {
                        results[j.index] = Some(self.on_cpu(&jobs[j.index]));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(BackendError::Failed("job left unrendered".into()))))
            .collect()
    }
}

impl Drop for GpuRenderBackend {
    /// Stops the CPU workers borrowing the device, then frees it, so no device outlives its
    /// owner (the pool drops a panicked owner before building its successor).
    fn drop(&mut self) {
        self.shared.owner_alive.store(false, Ordering::Release);
        self.shared.close_device();
    }
}

/// Encodes every GPU job's PNG from the readback, on up to `threads` threads.
fn encode_all(
    jobs: &[GpuJob<'_>],
    pixels: &[u8],
    threads: usize,
) -> Vec<(usize, Result<JobOutput, BackendError>)> {
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return jobs
            .iter()
            .map(|j| (j.index, encode_one(j, pixels)))
            .collect();
    }
    let per = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|j| (j.index, encode_one(j, pixels)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(jobs.chunks(per))
            .flat_map(|(h, part)| {
                h.join().unwrap_or_else(|_| {
                    // An encoder panic is answered as a failure of its jobs, not re-raised
                    // across the scope.
                    part.iter()
                        .map(|j| {
                            (
                                j.index,
                                Err(BackendError::Encode("encoder thread panicked".into())),
                            )
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Cat `i` of the readback.
fn cell(pixels: &[u8], i: usize) -> Result<&Canvas, BackendError> {
    pixels
        .get(i * CELL_BYTES..(i + 1) * CELL_BYTES)
        .and_then(|s| <&Canvas>::try_from(s).ok())
        .ok_or_else(|| BackendError::Failed(format!("GPU readback lacks cat {i}")))
}

fn encode_one(job: &GpuJob<'_>, pixels: &[u8]) -> Result<JobOutput, BackendError> {
    let enc = |e: pipeline::encode::EncodeError| BackendError::Encode(e.to_string());
    let png = match job.kind {
        GpuKind::Cat { scale } => encode_cell(cell(pixels, job.first)?, scale).map_err(enc)?,
        GpuKind::Sheet { layout, count } => {
            let mut sheet = SheetCanvas::new(*layout);
            for i in 0..count {
                sheet.put(i, cell(pixels, job.first + i)?);
            }
            sheet.encode().map_err(enc)?
        }
    };
    Ok(JobOutput {
        png: Bytes::from(png),
        layers: Vec::new(),
        frames: Vec::new(),
    })
}

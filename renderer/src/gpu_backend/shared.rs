//! [`GpuShared`]: what every worker backend of one service shares — the one device, the
//! GPU-local breaker, one attempt under the failure rules (module docs of `gpu_backend`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use pipeline::AtlasRepository;
use pipeline::chunk::ChunkPlan;
use pipeline::gpu::{GpuAdapterInfo, GpuError};
use pipeline::plan::Plan;

use crate::backend::{
    BackendError, BackendFactory, ChunkAccelerator, CpuRenderBackend, WorkerRole,
};
use crate::breaker::{CircuitBreaker, CircuitState, Clock};
use crate::health::{GpuHealth, GpuStatus};
use crate::metrics::Metrics;

use super::{GpuDevice, GpuMode, GpuOpener, GpuRenderBackend, GpuSettings};

/// What every worker backend of one service shares (module docs, "One device").
pub struct GpuShared {
    pub(super) repo: Arc<AtlasRepository>,
    pub(super) settings: GpuSettings,
    opener: GpuOpener,
    /// The GPU-local breaker (consulted in auto mode only).
    breaker: CircuitBreaker,
    metrics: Arc<Metrics>,
    /// The device; `None` before the first GPU call after a loss or after the GPU worker
    /// dropped it. Held for one GPU call at a time.
    device: Mutex<Option<Box<dyn GpuDevice>>>,
    /// True while the device owner's GPU backend exists: only then may CPU workers borrow
    /// the device for chunks (so nothing reopens it during shutdown).
    pub(super) owner_alive: AtomicBool,
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
    pub(super) fn close_device(&self) {
        if self.device.lock().take().is_some() {
            self.device_open.store(false, Ordering::Release);
        }
    }

    /// Runs `work` (answering `jobs` jobs) on the device into `out`, under the GPU-local
    /// breaker in auto mode, and says what becomes of the jobs; in auto, those left to the
    /// CPU are counted as fallback here. The device is held for the GPU call only.
    pub(super) fn attempt(&self, work: Work<'_>, jobs: usize, out: &mut Vec<u8>) -> Verdict {
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

/// One GPU call.
#[derive(Clone, Copy)]
pub(super) enum Work<'a> {
    /// Every plain cat and sheet tile of a batch.
    Cats(&'a [&'a Plan]),
    /// One chunk's canvas.
    Chunk(&'a ChunkPlan),
}

/// What becomes of the jobs of one GPU call.
pub(super) enum Verdict {
    /// The GPU rendered them: encode its output.
    Encode,
    /// Strict mode: the GPU failed, so they fail with this.
    Fail(BackendError),
    /// Auto mode: the GPU failed or its breaker refused; render them on the CPU.
    Cpu,
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

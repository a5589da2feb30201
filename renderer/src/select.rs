//! Backend selection at start-up (`CG3_BACKEND`):
//!
//! - `cpu`: `CG3_WORKER_COUNT` CPU workers.
//! - `gpu`: a GPU adapter is required (start-up fails naming `CG3_BACKEND` without one).
//!   All render work goes to ONE GPU worker thread that owns the device and takes up to
//!   `CG3_GPU_BATCH` jobs per GPU call; it encodes PNGs on up to `CG3_WORKER_COUNT` threads.
//!   Chunks of at least `CG3_GPU_CHUNK_MIN_PIXELS` pixels are composed on the device, smaller
//!   ones on the CPU (a GPU round trip costs more than a small chunk). GPU failures are job
//!   failures and count for the service breaker.
//! - `auto`: with a hardware adapter (a software one such as lavapipe only with
//!   `CG3_GPU_ALLOW_SOFTWARE=true`), worker 0 is the GPU worker (batches, CPU fallback behind a
//!   GPU-local breaker) and the other `CG3_WORKER_COUNT - 1` workers render on the CPU, all
//!   from the same queue; without one (or in a build without the `gpu` feature), all CPU,
//!   with an info log. Every worker composes chunks of at least `CG3_GPU_CHUNK_MIN_PIXELS`
//!   pixels on the device (it holds the device only for the composition, then encodes the
//!   PNG on its own thread), so large chunks are spread over all workers like any job.
//!
//! The adapter (name, API, device type, software or not) is logged at start-up and shown
//! under `gpu` in `/health`; see [`crate::gpu_backend`] for a batch and its failures.

use std::sync::Arc;

use pipeline::AtlasRepository;

use crate::config::{BackendChoice, Config};
use crate::state::{App, AtlasFiles, Service};

/// Starts the service state with the backend `config.backend` selects (module docs).
///
/// # Errors
/// `CG3_BACKEND=gpu` without a usable adapter; worker threads that cannot start.
pub fn start_app(
    config: Config,
    repo: Arc<AtlasRepository>,
    files: AtlasFiles,
) -> anyhow::Result<Service> {
    match config.backend {
        BackendChoice::Cpu => Ok(App::start(config, repo, files)?),
        #[cfg(feature = "gpu")]
        BackendChoice::Gpu | BackendChoice::Auto => {
            let allow_software = config.backend == BackendChoice::Gpu || config.gpu_allow_software;
            let adapter = config.gpu_adapter.clone();
            let mode = if config.backend == BackendChoice::Gpu {
                crate::gpu_backend::GpuMode::Strict
            } else {
                crate::gpu_backend::GpuMode::Auto
            };
            gpu::start_gpu_app(
                config,
                repo,
                files,
                mode,
                Arc::new(crate::breaker::SystemClock),
                crate::gpu_backend::wgpu_opener(allow_software, adapter),
            )
        }
        #[cfg(not(feature = "gpu"))]
        BackendChoice::Gpu => anyhow::bail!(
            "CG3_BACKEND=gpu: this build has no GPU support (built without the `gpu` \
             feature); use CG3_BACKEND=auto or cpu"
        ),
        #[cfg(not(feature = "gpu"))]
        BackendChoice::Auto => {
            tracing::info!(
                "CG3_BACKEND=auto: built without the `gpu` feature, rendering on the CPU"
            );
            Ok(App::start(config, repo, files)?)
        }
    }
}

/// As [`start_app`], but under `CG3_BACKEND=auto` the adapter is first probed in a child
/// process (`renderer gpu-probe`, see [`crate::gpu_probe`]): without a usable adapter the
/// service starts on the CPU having loaded no driver, and a probe that crashes or hangs also
/// means the CPU. When no child can be started the probe runs in this process as before.
/// The server binary starts this way; tests call [`start_app`].
///
/// # Errors
/// As [`start_app`].
pub fn start_app_probing_gpu(
    config: Config,
    repo: Arc<AtlasRepository>,
    files: AtlasFiles,
) -> anyhow::Result<Service> {
    #[cfg(feature = "gpu")]
    if config.backend == BackendChoice::Auto {
        use crate::gpu_probe::{GpuProbeArgs, ProbeFailure, ProbeVerdict, in_child};
        let args = GpuProbeArgs {
            adapter: config.gpu_adapter.clone(),
            allow_software: config.gpu_allow_software,
        };
        let verdict = std::env::current_exe()
            .map_err(|e| ProbeFailure::Spawn(e.to_string()))
            .and_then(|exe| in_child(&exe, &args, PROBE_TIMEOUT));
        match verdict {
            Ok(ProbeVerdict::Usable { .. }) => {}
            Ok(ProbeVerdict::Unusable { reason }) => {
                tracing::info!(
                    error = %reason,
                    "CG3_BACKEND=auto: no usable GPU (probed in a child process), rendering on the CPU"
                );
                return Ok(App::start(config, repo, files)?);
            }
            Err(e @ ProbeFailure::Child(_)) => {
                tracing::warn!(error = %e, "CG3_BACKEND=auto: the GPU probe failed, rendering on the CPU");
                return Ok(App::start(config, repo, files)?);
            }
            Err(e @ ProbeFailure::Spawn(_)) => {
                tracing::warn!(error = %e, "CG3_BACKEND=auto: probing the GPU in this process");
            }
        }
    }
    start_app(config, repo, files)
}

/// The longest a child GPU probe may take (driver start-up included).
#[cfg(feature = "gpu")]
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[cfg(feature = "gpu")]
pub use gpu::start_gpu_app;

#[cfg(feature = "gpu")]
mod gpu {
    use std::sync::Arc;

    use anyhow::Context as _;
    use pipeline::AtlasRepository;

    use crate::breaker::Clock;
    use crate::config::Config;
    use crate::gpu_backend::{GpuMode, GpuOpener, GpuSettings, GpuShared};
    use crate::health::GpuStatus;
    use crate::metrics::Metrics;
    use crate::state::{App, AtlasFiles, Service, StartParts};

    /// Starts the state on the GPU in `mode`, opening the device with `opener`; `clock`
    /// drives both breakers (tests inject a fake device and a manual clock here).
    ///
    /// # Errors
    /// Strict mode without a usable device; worker threads that cannot start.
    pub fn start_gpu_app(
        config: Config,
        repo: Arc<AtlasRepository>,
        files: AtlasFiles,
        mode: GpuMode,
        clock: Arc<dyn Clock>,
        opener: GpuOpener,
    ) -> anyhow::Result<Service> {
        let metrics = Arc::new(Metrics::default());
        let settings = GpuSettings::from_config(&config, mode);
        let shared = match GpuShared::open(
            repo.clone(),
            settings,
            metrics.clone(),
            clock.clone(),
            opener,
        ) {
            Ok(shared) => shared,
            Err(e) if mode == GpuMode::Strict => {
                return Err(e).context(
                    "CG3_BACKEND=gpu needs a usable GPU adapter (set CG3_BACKEND=auto or cpu \
                     to render on the CPU)",
                );
            }
            Err(e) => {
                tracing::info!(error = %e, "CG3_BACKEND=auto: no usable GPU, rendering on the CPU");
                let mut parts = StartParts::new(
                    crate::backend::CpuRenderBackend::factory(repo.clone()),
                    clock,
                );
                parts.metrics = metrics;
                return Ok(App::start_parts(config, repo, files, parts)?);
            }
        };
        let info = shared.adapter();
        if info.software && mode == GpuMode::Auto && !config.gpu_allow_software {
            // A software rasteriser renders correctly but slower than the CPU backend, and
            // one worker would be spent on it; only an explicit choice uses it.
            tracing::info!(
                adapter = %info.name,
                "CG3_BACKEND=auto: the only GPU adapter is a software rasteriser, rendering \
                 on the CPU (CG3_GPU_ALLOW_SOFTWARE=true or CG3_BACKEND=gpu to use it)"
            );
            drop(shared);
            let mut parts = StartParts::new(
                crate::backend::CpuRenderBackend::factory(repo.clone()),
                clock,
            );
            parts.metrics = metrics;
            return Ok(App::start_parts(config, repo, files, parts)?);
        }
        tracing::info!(
            adapter = %info.name,
            api = %info.backend,
            device_type = %info.device_type,
            software = info.software,
            driver = %info.driver,
            backend = shared.label(),
            gpu_batch = settings.max_batch,
            gpu_chunk_min_pixels = settings.chunk_min_pixels,
            "GPU backend ready"
        );
        if info.software {
            tracing::warn!(
                adapter = %info.name,
                "the GPU adapter is a software rasteriser: correct, but slower than the CPU backend"
            );
        }
        let parts = StartParts {
            factory: shared.factory(),
            clock,
            metrics,
            gpu: Some(shared.clone() as Arc<dyn GpuStatus>),
            label: Some(shared.label()),
            workers: (mode == GpuMode::Strict).then_some(1),
        };
        Ok(App::start_parts(config, repo, files, parts)?)
    }
}

//! `GpuRenderBackend`: the worker backend that renders on the GPU (feature `gpu`).
//!
//! # A batch
//!
//! The worker hands over up to `CG3_GPU_BATCH` queued jobs. The plans of every plain cat
//! and every sheet tile go to the device in ONE call ([`GpuDevice::render`]); the cats come
//! back as one readback, and are then upscaled and PNG-encoded with the same functions the
//! CPU path uses ([`pipeline::encode_cell`], [`pipeline::sheet::SheetCanvas`]) — on several threads when
//! [`GpuSettings::encode_threads`] allows.
//!
//! A chunk job whose canvas has at least [`GpuSettings::chunk_min_pixels`] pixels
//! (`CG3_GPU_CHUNK_MIN_PIXELS`) is composed on the device ([`GpuDevice::compose_chunk`]) by
//! whichever worker took it: [`GpuShared`] is every worker's [`crate::backend::ChunkAccelerator`], and a
//! worker holds the device only for the composition, then encodes the PNG on its own
//! thread. A large chunk's PNG costs ten times or more its GPU composition (BENCHMARKS.md),
//! so funnelling large chunks to one GPU worker would make its encoding the bottleneck;
//! spread over the workers they run at least at the CPU backend's rate. Such chunks count in
//! `renderer_gpu_chunks_total`. Smaller chunks, jobs with layer capture and any other kind go
//! through the CPU path ([`crate::backend::CpuRenderBackend`]).

//! # Failures
//!
//! Every GPU call — a batch of cats or one chunk — goes through one attempt under the same
//! rules. A [`pipeline::gpu::GpuError`] never panics and never reaches the client as such:
//!
//! - [`GpuMode::Auto`]: the failed call's jobs are re-rendered on the internal CPU backend,
//!   so clients get their images; the failure counts in `renderer_gpu_failures_total`, the
//!   jobs in `renderer_gpu_fallback_jobs_total`. A GPU-local [`crate::breaker::CircuitBreaker`] opens after
//!   `CG3_CIRCUIT_FAILURE_THRESHOLD` consecutive GPU failures: for
//!   `CG3_CIRCUIT_RESET_SECONDS` every worker renders everything on the CPU, then one call
//!   probes the GPU again.
//! - [`GpuMode::Strict`]: GPU failures are job failures (500 to the client), counted by
//!   the worker for the service breaker, as any backend failure.
//!
//! On [`pipeline::gpu::GpuError::DeviceLost`] the device is dropped; the next GPU attempt (in auto, the
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
//!
//! # Layout
//!
//! - this file: [`GpuMode`].
//! - [`device`]: [`GpuDevice`] (what the service needs of a device; fakes in tests),
//!   [`GpuOpener`], [`wgpu_opener`].
//! - [`settings`]: [`GpuSettings`], from the service configuration.
//! - [`shared`]: [`GpuShared`] — the one device, the GPU-local breaker, one attempt under
//!   the failure rules; the chunk accelerator for every worker; `/health`'s view.
//! - [`owner`]: [`GpuRenderBackend`], the device owner's backend — batches cats into GPU
//!   calls and encodes the readback.

pub mod device;
pub mod owner;
pub mod settings;
pub mod shared;

pub use device::{GpuDevice, GpuOpener, wgpu_opener};
pub use owner::GpuRenderBackend;
pub use settings::GpuSettings;
pub use shared::GpuShared;

/// What a GPU failure means for the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuMode {
    /// `CG3_BACKEND=gpu`: GPU failures are job failures.
    Strict,
    /// `CG3_BACKEND=auto`: GPU failures fall back to the CPU behind a GPU-local breaker.
    Auto,
}

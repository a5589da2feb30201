//! The `/health` body's types. `App::health` (in `state::health`) takes the snapshot; the
//! `gpu` part comes from a [`GpuStatus`] (the GPU backend's shared state; absent on the CPU
//! alone).

use serde::Serialize;

/// `/health` body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `degraded` (breaker not closed) or `draining`.
    pub status: &'static str,
    /// Jobs waiting.
    pub queue_size: usize,
    /// Queue bound.
    pub queue_capacity: usize,
    /// Worker threads.
    pub workers: usize,
    /// Workers rendering now.
    pub busy_workers: usize,
    /// True while the breaker refuses work.
    pub circuit_open: bool,
    /// `closed`, `open` or `half_open`.
    pub circuit_state: &'static str,
    /// `cpu`, `gpu` or `auto(gpu+cpu)`.
    pub backend: &'static str,
    /// The GPU in use, `null` without one.
    pub gpu: Option<GpuHealth>,
    /// Jobs rendered.
    pub rendered: u64,
    /// Requests refused (queue full, breaker open, draining).
    pub rejected: u64,
    /// Jobs failed (backend error or panic).
    pub failed: u64,
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// The Redis recipe layer, `null` when `CG3_REDIS_URL` is unset. Its `degraded` makes
    /// the whole status `degraded` (renders still succeed, from local stores).
    pub shared: Option<crate::shared::SharedHealth>,
}

/// The `gpu` part of `/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GpuHealth {
    /// Adapter name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub adapter: String,
    /// Graphics API: `Vulkan`, `Gl`, `Metal`, `Dx12`.
    pub api: String,
    /// `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu`, `Cpu` or `Other`.
    pub device_type: String,
    /// A software rasteriser: correct, not fast.
    pub software: bool,
    /// The GPU-local breaker (`closed`, `open`, `half_open`); in strict `gpu` mode GPU
    /// failures go to the service breaker instead and this stays `closed`.
    pub state: &'static str,
    /// Whether the GPU worker holds an open device now (false after a device loss until
    /// the next attempt reopens it).
    pub device_open: bool,
}

/// Something that can describe the GPU for `/health`.
pub trait GpuStatus: Send + Sync + std::fmt::Debug {
    /// The current snapshot.
    fn gpu_health(&self) -> GpuHealth;
}

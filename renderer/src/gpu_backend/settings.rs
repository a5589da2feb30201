//! [`GpuSettings`]: how the GPU backend behaves, from the service configuration.

use std::time::Duration;

use pipeline::chunk::ChunkPlan;

use crate::config::Config;

use super::GpuMode;

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

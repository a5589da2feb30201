//! [`GpuDevice`]: what the service needs of a device (pipeline's `GpuBackend`, or a fake in
//! tests), and how one is opened.

use std::sync::Arc;

use pipeline::AtlasRepository;
use pipeline::chunk::ChunkPlan;
use pipeline::gpu::{GpuAdapterInfo, GpuBackend, GpuError};
use pipeline::plan::Plan;

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

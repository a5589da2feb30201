//! [`GpuError`]: everything that can go wrong on the GPU path. Callers fall back to the CPU
//! and count these as circuit-breaker failures; none of them is the client's fault.

/// Why the GPU backend could not start or could not render a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GpuError {
    /// No adapter matched (no GPU, no software Vulkan or GL driver, or a name filter that
    /// matched nothing).
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// The adapter refused to create a device.
    #[error("cannot create a GPU device: {0}")]
    RequestDevice(String),
    /// The adapter lacks a limit the shader needs (storage buffers per stage, workgroup size).
    #[error("GPU adapter too limited: {0}")]
    Unsupported(String),
    /// The atlas sheets do not fit the device's storage buffer bindings.
    #[error(
        "atlases need {needed_bytes} bytes in bindings of at most {binding_limit} bytes \
         ({bindings} bindings available): {detail}"
    )]
    AtlasTooLarge {
        /// Bytes of decoded sheet pixels.
        needed_bytes: u64,
        /// The device's largest storage buffer binding.
        binding_limit: u64,
        /// Atlas bindings the shader has.
        bindings: usize,
        /// Which sheet did not fit, in words.
        detail: String,
    },
    /// The batch was asked of a different atlas set than the one resident on the device.
    #[error("the atlas repository differs from the one uploaded to the GPU")]
    WrongRepository,
    /// A plan names a cell this repository does not have.
    #[error("plan {plan} names cell {cell}, beyond the {cells} cells of the repository")]
    UnknownCell {
        /// Index of the plan in the batch.
        plan: usize,
        /// The cell id.
        cell: u32,
        /// Cells in the repository.
        cells: usize,
    },
    /// wgpu reported a validation error (a bug in this module or the driver).
    #[error("GPU validation error: {0}")]
    Validation(String),
    /// The device ran out of memory.
    #[error("GPU out of memory: {0}")]
    OutOfMemory(String),
    /// wgpu reported an internal error.
    #[error("GPU internal error: {0}")]
    Internal(String),
    /// Reading the results back failed.
    #[error("GPU readback failed: {0}")]
    Readback(String),
    /// The device was lost (driver reset, GPU removed, or destroyed); build a new backend.
    #[error("GPU device lost: {0}")]
    DeviceLost(String),
}

impl GpuError {
    pub(crate) fn from_wgpu(e: &wgpu::Error) -> Self {
        match e {
            wgpu::Error::OutOfMemory { .. } => Self::OutOfMemory(e.to_string()),
            wgpu::Error::Validation { description, .. } => Self::Validation(description.clone()),
            wgpu::Error::Internal { description, .. } => Self::Internal(description.clone()),
        }
    }
}

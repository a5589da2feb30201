//! Adapter and device creation: an instance from wgpu's environment conventions, an adapter
//! (optionally picked by name), a device with the adapter's own limits, and the error and
//! device-loss hooks that turn wgpu's default panics into [`GpuError`]s.

use std::sync::{Arc, Mutex, PoisonError};

use super::GpuError;
use super::layout::{ATLAS_BINDINGS, WORKGROUP};

/// Storage buffers a shader binds at most: chunk.wgsl's data, tileset, canvas and cats, and
/// the atlas bindings (composite.wgsl binds one fewer).
const STORAGE_BUFFERS: u32 = 4 + ATLAS_BINDINGS as u32;

/// How to pick the adapter and size the batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuOptions {
    /// Use the first adapter whose name contains this, ignoring case (the service's
    /// `gpu_adapter` setting); `None` lets wgpu pick (high-performance preference unless
    /// wgpu's own `WGPU_POWER_PREF` says otherwise).
    pub adapter_name: Option<String>,
    /// Most jobs rendered by one dispatch; bigger batches are split. The output and the
    /// readback buffer each take 10,000 bytes per job.
    pub max_jobs_per_pass: usize,
    /// Threads [`super::GpuBackend::render_batch`] uses to copy a large readback (4 MiB or
    /// more per thread) out of the mapped buffer; 1 copies on the calling thread.
    pub copy_threads: usize,
    /// Whether a software rasteriser (device type `Cpu`, e.g. lavapipe) may be used. When
    /// false, opening the backend refuses it before creating a device or uploading anything.
    pub allow_software: bool,
    /// Longest wait for one pass (or one chunk) to finish. A device that takes longer is
    /// taken for hung: the call answers [`super::GpuError::DeviceLost`], so the service
    /// drops it and opens a new one, instead of a worker waiting forever.
    pub pass_timeout: std::time::Duration,
    /// Caps each atlas binding below the device's own limit (`None`: the device's limit).
    /// A smaller cap spreads the atlas store over more of the four bindings; tests use it
    /// to run that path on a store that would fit in one.
    pub atlas_binding_bytes: Option<u64>,
}

impl Default for GpuOptions {
    fn default() -> Self {
        Self {
            adapter_name: None,
            max_jobs_per_pass: 16_384,
            copy_threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            allow_software: true,
            pass_timeout: std::time::Duration::from_secs(30),
            atlas_binding_bytes: None,
        }
    }
}

/// What the backend runs on, in plain words (no wgpu types), for logs and `/health`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GpuAdapterInfo {
    /// The adapter's name, e.g. `NVIDIA H100 80GB HBM3` or `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// The graphics API: `Vulkan`, `Gl`, `Metal`, `Dx12`.
    pub backend: String,
    /// `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu`, `Cpu` or `Other`.
    pub device_type: String,
    /// A software rasteriser (device type `Cpu`): correct, but not a speed path.
    pub software: bool,
    /// Driver name and version, where the backend reports them.
    pub driver: String,
}

impl GpuAdapterInfo {
    fn new(info: &wgpu::AdapterInfo) -> Self {
        Self {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            software: info.device_type == wgpu::DeviceType::Cpu,
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_owned(),
        }
    }
}

impl std::fmt::Display for GpuAdapterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if self.software {
            f.write_str(", software")?;
        }
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        f.write_str(")")
    }
}

/// Errors wgpu reports outside our error scopes, and device loss; written by wgpu's
/// callbacks (any thread), read after every batch.
#[derive(Debug, Default)]
pub struct DeviceHealth {
    lost: Mutex<Option<String>>,
    uncaptured: Mutex<Option<GpuError>>,
}

impl DeviceHealth {
    /// `Err(DeviceLost)` once the device is gone.
    pub fn check_lost(&self) -> Result<(), GpuError> {
        match &*self.lost.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(why) => Err(GpuError::DeviceLost(why.clone())),
            None => Ok(()),
        }
    }

    /// The first error reported outside a scope since the last call, if any.
    pub fn take_uncaptured(&self) -> Result<(), GpuError> {
        match self
            .uncaptured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The opened device and what it was opened from.
pub struct Opened {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: GpuAdapterInfo,
    pub health: Arc<DeviceHealth>,
}

/// The adapter `open` would use with `options`, and whether it can run the shaders,
/// without creating a device. `renderer gpu-probe` runs this in a child process so a server
/// that ends up on the CPU never loads a driver (a software rasteriser's LLVM alone is tens
/// of megabytes resident) and survives a driver that crashes while probing.
///
/// # Errors
/// As `open`, less [`GpuError::RequestDevice`].
pub fn probe(options: &GpuOptions) -> Result<GpuAdapterInfo, GpuError> {
    let instance = new_instance();
    select(&instance, options).map(|(_, info)| info)
}

fn new_instance() -> wgpu::Instance {
    // WGPU_BACKEND and friends select backends here; never force the fallback adapter,
    // which on a real GPU host would pick the CPU.
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle().with_env())
}

/// The adapter `options` name (or wgpu's pick), refused when it is software and software is
/// not allowed, or when it cannot run the shaders.
fn select(
    instance: &wgpu::Instance,
    options: &GpuOptions,
) -> Result<(wgpu::Adapter, GpuAdapterInfo), GpuError> {
    let adapter = match &options.adapter_name {
        Some(name) => {
            let wanted = name.to_lowercase();
            let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
            let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
            adapters
                .into_iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&wanted))
                .ok_or_else(|| {
                    GpuError::NoAdapter(format!(
                        "no adapter name contains `{name}`; found: [{}]",
                        names.join(", ")
                    ))
                })?
        }
        None => {
            pollster::block_on(
                instance.request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    ..Default::default()
                }),
            )
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?
        }
    };
    let info = GpuAdapterInfo::new(&adapter.get_info());
    if info.software && !options.allow_software {
        return Err(GpuError::NoAdapter(format!(
            "{info} is a software rasteriser and software adapters are not allowed here"
        )));
    }
    let limits = adapter.limits();
    if limits.max_storage_buffers_per_shader_stage < STORAGE_BUFFERS
        || limits.max_compute_invocations_per_workgroup < WORKGROUP
        || limits.max_compute_workgroup_size_x < WORKGROUP
    {
        return Err(GpuError::Unsupported(format!(
            "{info}: needs {STORAGE_BUFFERS} storage buffers per stage and {WORKGROUP} \
             invocations per workgroup; has {} and {}",
            limits.max_storage_buffers_per_shader_stage,
            limits.max_compute_invocations_per_workgroup
        )));
    }
    Ok((adapter, info))
}

/// Opens an adapter and device.
///
/// # Errors
/// [`GpuError::NoAdapter`], [`GpuError::RequestDevice`] or [`GpuError::Unsupported`].
pub fn open(options: &GpuOptions) -> Result<Opened, GpuError> {
    let instance = new_instance();
    let (adapter, info) = select(&instance, options)?;
    let limits = adapter.limits();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("pipeline.gpu"),
        // The adapter's own limits: the atlas and output buffers want the largest bindings
        // the hardware allows, not WebGPU's portable defaults.
        required_limits: limits,
        ..Default::default()
    }))
    .map_err(|e| GpuError::RequestDevice(format!("{info}: {e}")))?;

    let health = Arc::new(DeviceHealth::default());
    let h = Arc::clone(&health);
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        tracing::error!(target: "pipeline.gpu", error = %e, "uncaptured GPU error");
        h.uncaptured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(GpuError::from_wgpu(&e));
    }));
    let h = Arc::clone(&health);
    device.set_device_lost_callback(move |reason, message| {
        h.lost
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(format!("{reason:?}: {message}"));
    });
    Ok(Opened {
        instance,
        adapter,
        device,
        queue,
        info,
        health,
    })
}

/// Runs `work` inside out-of-memory, validation and internal error scopes and returns the
/// first error any of them caught.
pub fn scoped<T>(device: &wgpu::Device, work: impl FnOnce() -> T) -> Result<T, GpuError> {
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let internal = device.push_error_scope(wgpu::ErrorFilter::Internal);
    let value = work();
    // Scopes pop innermost first.
    let errors = [
        pollster::block_on(internal.pop()),
        pollster::block_on(validation.pop()),
        pollster::block_on(oom.pop()),
    ];
    match errors.into_iter().flatten().next() {
        Some(e) => Err(GpuError::from_wgpu(&e)),
        None => Ok(value),
    }
}

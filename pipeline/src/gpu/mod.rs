//! `GpuBackend`: executes batches of [`crate::Plan`]s as one wgpu compute dispatch with integer
//! colour math, bit for bit what [`crate::CpuBackend`] produces, and composes chunk
//! textures bit for bit what [`crate::chunk::ChunkComposer`] produces.
//!
//! # Layout
//!
//! - [`GpuBackend`] (here): owns the instance, adapter, device, queue, pipeline, the
//!   resident atlases and the reusable job, op, output and readback buffers.
//! - `batch`: [`GpuBackend::render_batch`] and its passes.
//! - `resources`: shaders, compute pipelines, atlas upload, buffers that only grow.
//! - `setup`: adapter and device creation, error scopes, uncaptured-error and device-loss
//!   hooks ([`GpuOptions`], [`GpuAdapterInfo`]).
//! - `layout`: the `Pod` structs shared with the shader and the packing of atlases, cells and
//!   plans into them.
//! - `chunk`: [`GpuBackend::compose_chunk`], the chunk pipeline, the host encoding of a
//!   [`crate::chunk::ChunkPlan`] ([`encode_chunk`]) and the device copies of tilesets.
//! - `shaders/common.wgsl`: pixel packing, `mul8`/`normal_px` (the WGSL twins of
//!   [`crate::blend`]) and the atlas bindings, compiled in front of each shader below.
//! - `shaders/composite.wgsl`: the cat shader, the WGSL twin of [`crate::CpuBackend`].
//! - `shaders/chunk.wgsl`: the chunk shader, the WGSL twin of the chunk compositor.
//! - `testing`: [`GpuBackend::try_new_for_tests`], skip-or-require logic for tests and benches.
//! - [`GpuError`]: every failure, never a panic.
//!
//! # A batch
//!
//! Plans are encoded on the host into jobs and ops (cell locations inlined), written into
//! buffers that only grow, rendered by one dispatch of ten 256-wide workgroups per job, and
//! read back with one copy and one map of a reused staging buffer. Batches of 2,048 jobs
//! or more run as about four passes, pipelined over two staging buffers so the host reads
//! one pass while the device renders the next; [`GpuBackend::render_batch`] copies large
//! readbacks out on several threads ([`GpuOptions::copy_threads`]).

mod batch;
mod chunk;
mod error;
mod layout;
mod resources;
mod setup;
mod testing;

use std::sync::Arc;

pub use chunk::{ChunkEncoding, GpuChunkParams, encode_chunk};
pub use error::GpuError;
pub use setup::{GpuAdapterInfo, GpuOptions, probe};
pub use testing::{REQUIRE_GPU_VAR, gpu_required};

use self::batch::Pass;
use self::layout::{AtlasPacking, CellTables, GpuJob, GpuOp, GpuParams};
use self::resources::{
    CHUNK_SHADER, COMPOSITE_SHADER, GrowBuffer, bind_group_layout_entries, byte_len,
    compute_pipeline, entry, upload_atlas,
};
use self::setup::{DeviceHealth, scoped};
use crate::atlas::AtlasRepository;
use crate::cell::CELL_BYTES;

/// Renders plans on a GPU. Owns its device; give each worker thread at most one (it is
/// `Send`, not meant to be shared).
pub struct GpuBackend {
    /// Owned with the rest of the wgpu stack for the backend's lifetime; not used after
    /// start-up.
    _instance: wgpu::Instance,
    /// The adapter the device came from.
    _adapter: wgpu::Adapter,
    device: wgpu::Device,
    queue: wgpu::Queue,
    /// For logs and `/health`.
    info: GpuAdapterInfo,
    /// Device loss and errors reported outside our scopes.
    health: Arc<DeviceHealth>,
    pipeline: wgpu::ComputePipeline,
    bind_group_layout: wgpu::BindGroupLayout,
    /// `ATLAS_BINDINGS` buffers; the unused ones hold one zero word.
    atlas: Vec<wgpu::Buffer>,
    /// Bytes of atlas blocks and cell tables resident on the device.
    atlas_bytes: u64,
    /// Atlas bindings holding sheets.
    atlas_bindings_used: usize,
    /// Every cell's location, by `CellId`.
    cells: CellTables,
    /// Of the repository uploaded; a batch against another repository is refused.
    fingerprint: [u8; 32],
    params: wgpu::Buffer,
    jobs: GrowBuffer,
    ops: GrowBuffer,
    out: GrowBuffer,
    /// Two, so the host reads one pass while the device fills the next.
    readback: [GrowBuffer; 2],
    /// Rebuilt whenever a buffer it names is reallocated.
    bind_group: Option<wgpu::BindGroup>,
    /// Host staging for the encoded batch, reused so encoding does not allocate.
    host_jobs: Vec<GpuJob>,
    host_ops: Vec<GpuOp>,
    max_jobs_per_pass: usize,
    max_groups_per_dimension: u32,
    /// Threads `render_batch` copies a large readback with.
    copy_threads: usize,
    /// Longest wait for one pass ([`GpuOptions::pass_timeout`]).
    pass_timeout: std::time::Duration,
    /// The chunk pipeline and its buffers.
    chunk: chunk::ChunkResources,
    /// Executes the plans with CatGenerator's float stages ([`Plan::has_float_ops`]), which
    /// the shaders do not compute, so every plan still renders here, bit for bit as on the
    /// CPU backend.
    float_cpu: crate::CpuBackend,
}

impl std::fmt::Debug for GpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuBackend")
            .field("adapter", &self.info)
            .field("atlas_bytes", &self.atlas_bytes)
            .field("atlas_bindings_used", &self.atlas_bindings_used)
            .field("max_jobs_per_pass", &self.max_jobs_per_pass)
            .finish_non_exhaustive()
    }
}

impl GpuBackend {
    /// Opens the adapter wgpu picks (wgpu itself honours `WGPU_BACKEND` and
    /// `WGPU_POWER_PREF`) and uploads every sheet of `repo` once.
    ///
    /// # Errors
    /// [`GpuError::NoAdapter`] when there is no adapter; [`GpuError::AtlasTooLarge`] when
    /// the sheets exceed the device's storage bindings; other variants when the device
    /// fails to start.
    pub fn new(repo: &AtlasRepository) -> Result<Self, GpuError> {
        Self::with_options(repo, &GpuOptions::default())
    }

    /// As [`Self::new`] with explicit options.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_options(repo: &AtlasRepository, options: &GpuOptions) -> Result<Self, GpuError> {
        let opened = setup::open(options)?;
        let device = &opened.device;
        let limits = device.limits();
        let binding_limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);

        let store = repo.store();
        let atlas_limit = options
            .atlas_binding_bytes
            .map_or(binding_limit, |cap| cap.min(binding_limit));
        let packing = AtlasPacking::pack(store.blocks().len(), store.len(), atlas_limit)?;
        let cells = packing.cell_tables(store.len());

        let max_jobs_per_pass = options
            .max_jobs_per_pass
            .max(1)
            .min((binding_limit / CELL_BYTES as u64) as usize)
            .min(limits.max_compute_workgroups_per_dimension as usize * 1024);
        if max_jobs_per_pass == 0 {
            return Err(GpuError::Unsupported(format!(
                "storage bindings of {binding_limit} bytes cannot hold one {CELL_BYTES}-byte cat"
            )));
        }

        let (pipeline, bind_group_layout, atlas, params, chunk) = scoped(device, || {
            let (pipeline, bind_group_layout) = compute_pipeline(
                device,
                COMPOSITE_SHADER,
                &bind_group_layout_entries(&[(1, true), (2, true), (3, false)]),
            );
            let atlas = upload_atlas(device, store, &packing);
            let params = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("composite params"),
                size: size_of::<GpuParams>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let chunk = chunk::ChunkResources::new(device, binding_limit);
            (pipeline, bind_group_layout, atlas, params, chunk)
        })?;
        let atlas = atlas?;
        opened.health.check_lost()?;
        opened.health.take_uncaptured()?;

        let storage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        Ok(Self {
            device: opened.device,
            queue: opened.queue,
            info: opened.info,
            health: opened.health,
            _instance: opened.instance,
            _adapter: opened.adapter,
            pipeline,
            bind_group_layout,
            atlas,
            atlas_bytes: packing.binding_bytes.iter().sum(),
            atlas_bindings_used: packing.binding_bytes.len(),
            cells,
            fingerprint: repo.fingerprint(),
            params,
            jobs: GrowBuffer::new("composite jobs", storage, binding_limit),
            ops: GrowBuffer::new("composite ops", storage, binding_limit),
            out: GrowBuffer::new(
                "composite output",
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                binding_limit,
            ),
            readback: ["composite readback 0", "composite readback 1"].map(|label| {
                GrowBuffer::new(
                    label,
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    limits.max_buffer_size,
                )
            }),
            bind_group: None,
            host_jobs: Vec::new(),
            host_ops: Vec::new(),
            max_jobs_per_pass,
            max_groups_per_dimension: limits.max_compute_workgroups_per_dimension,
            copy_threads: options.copy_threads,
            pass_timeout: options.pass_timeout,
            chunk,
            float_cpu: crate::CpuBackend::new(),
        })
    }

    /// The adapter this backend runs on.
    #[must_use]
    pub fn adapter_info(&self) -> &GpuAdapterInfo {
        &self.info
    }

    /// Bytes of atlas blocks and cell tables resident on the device.
    #[must_use]
    pub fn atlas_bytes(&self) -> u64 {
        self.atlas_bytes
    }

    /// Storage bindings the atlases occupy (1 unless they exceed one binding's limit).
    #[must_use]
    pub fn atlas_bindings_used(&self) -> usize {
        self.atlas_bindings_used
    }

    /// Most jobs one dispatch renders; larger batches are split into several passes.
    #[must_use]
    pub fn max_jobs_per_pass(&self) -> usize {
        self.max_jobs_per_pass
    }
}

impl Drop for GpuBackend {
    /// Frees the buffers and waits (boundedly: a lost or hung device must not hang the
    /// drop) for the device to go idle before the device itself is dropped: lavapipe's JIT
    /// threads can otherwise crash the process at exit.
    fn drop(&mut self) {
        let idle = wgpu::PollType::Wait {
            submission_index: None,
            timeout: Some(self.pass_timeout),
        };
        let _ = self.device.poll(idle.clone());
        self.bind_group = None;
        let [r0, r1] = &mut self.readback;
        for b in [&mut self.jobs, &mut self.ops, &mut self.out, r0, r1] {
            b.release();
        }
        for b in self.atlas.drain(..) {
            b.destroy();
        }
        self.params.destroy();
        self.chunk.release();
        let _ = self.device.poll(idle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn the_backend_can_move_to_a_worker_thread() {
        assert_send::<GpuBackend>();
    }

    /// Parses and validates every shader as compiled (common.wgsl in front) with naga, so
    /// a broken shader fails here with no GPU at all instead of at device start-up.
    #[test]
    fn every_shader_parses_and_validates() {
        for (label, source) in [COMPOSITE_SHADER, CHUNK_SHADER] {
            let module = naga::front::wgsl::parse_str(source)
                .unwrap_or_else(|e| panic!("{}", e.emit_to_string_with_path(source, label)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::empty(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(source)));
        }
    }

    /// Every `.wgsl` file in the folder is part of a compiled shader, and each compiled
    /// shader is `common.wgsl` followed by the file it is named after, as on disk.
    #[test]
    fn the_embedded_shaders_are_the_files_on_disk() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/shaders");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("readable");
        let common = read("common.wgsl");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("shader folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".wgsl") && n != "common.wgsl")
            .collect();
        files.sort();
        assert_eq!(files, ["chunk.wgsl", "composite.wgsl"]);
        for (label, source) in [COMPOSITE_SHADER, CHUNK_SHADER] {
            assert_eq!(source, format!("{common}{}", read(label)), "{label}");
        }
    }

    #[test]
    fn the_shader_mode_constants_match_blend_mode_codes() {
        use crate::BlendMode::*;
        for (mode, name) in [
            (Normal, "MODE_NORMAL"),
            (RgbMultiply, "MODE_RGB_MULTIPLY"),
            (RgbAdd, "MODE_RGB_ADD"),
            (RgbaMultiply, "MODE_RGBA_MULTIPLY"),
            (RgbaMin, "MODE_RGBA_MIN"),
        ] {
            let line = format!("const {name}: u32 = {}u;", mode.code());
            assert!(COMPOSITE_SHADER.1.contains(&line), "shader lacks `{line}`");
        }
        let copy = format!("const MODE_COPY: u32 = {}u;", layout::MODE_COPY);
        assert!(COMPOSITE_SHADER.1.contains(&copy), "shader lacks `{copy}`");
    }
}

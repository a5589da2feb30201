//! `GpuBackend`: executes batches of [`Plan`]s as one wgpu compute dispatch with integer
//! colour math, bit for bit what [`crate::CpuBackend`] produces, and composes chunk
//! textures bit for bit what [`crate::chunk::ChunkComposer`] produces.
//!
//! # Layout
//!
//! - [`GpuBackend`] (here): owns the instance, adapter, device, queue, pipeline, the
//!   resident atlases and the reusable job, op, output and readback buffers.
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

mod chunk;
mod error;
mod layout;
mod setup;
mod testing;

use std::sync::Arc;
use std::sync::mpsc;

pub use chunk::{ChunkEncoding, GpuChunkParams, encode_chunk};
pub use error::GpuError;
pub use setup::{GpuAdapterInfo, GpuOptions};
pub use testing::{REQUIRE_GPU_VAR, gpu_required};

use self::layout::{
    ATLAS_BINDINGS, AtlasPacking, CellSlot, GROUPS_PER_JOB, GpuJob, GpuOp, GpuParams, cell_table,
    encode_plans,
};
use self::setup::{DeviceHealth, scoped};
use crate::atlas::AtlasRepository;
use crate::cell::CELL_BYTES;
use crate::plan::Plan;

/// Jobs per pass below which a batch is not split for pipelining.
const PIPELINE_MIN_PASS: usize = 1024;

/// A submitted pass, not yet waited for.
struct Pass {
    submission: wgpu::SubmissionIndex,
    /// Index in the batch of its first plan.
    first: usize,
    out_bytes: u64,
    /// The readback slot and the channel its map callback answers on.
    mapped: Option<(usize, mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>)>,
}

/// A compute shader: its label (the file name) and its source, `common.wgsl` first.
type Shader = (&'static str, &'static str);

/// Renders plans (cats).
const COMPOSITE_SHADER: Shader = (
    "composite.wgsl",
    concat!(
        include_str!("shaders/common.wgsl"),
        include_str!("shaders/composite.wgsl")
    ),
);

/// Composes chunk textures.
const CHUNK_SHADER: Shader = (
    "chunk.wgsl",
    concat!(
        include_str!("shaders/common.wgsl"),
        include_str!("shaders/chunk.wgsl")
    ),
);

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
    /// Bytes of sheet pixels resident on the device.
    atlas_bytes: u64,
    /// Atlas bindings holding sheets.
    atlas_bindings_used: usize,
    /// Every cell's location, by `CellId`.
    cells: Vec<CellSlot>,
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

        let sizes: Vec<(String, u64)> = repo
            .sheets()
            .iter()
            .map(|s| (s.name.clone(), s.image.pixels.len() as u64))
            .collect();
        let packing = AtlasPacking::pack(&sizes, binding_limit)?;
        let cells = cell_table(repo, &packing);

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
            let atlas = upload_atlas(device, repo, &packing);
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
            atlas_bytes: sizes.iter().map(|(_, s)| s).sum(),
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

    /// Bytes of sheet pixels resident on the device.
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

    /// Renders every plan and writes the cats one after another into `out` (replacing its
    /// contents): `plans.len() * 10_000` bytes of RGBA8, 50×50 each.
    ///
    /// # Errors
    /// Any [`GpuError`]; `out` then holds an unspecified prefix of the results.
    pub fn render_batch(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        // Resized, not cleared: a reused `out` is not zero-filled again on every batch.
        out.resize(plans.len() * CELL_BYTES, 0);
        let threads = self.copy_threads;
        self.render_batch_with(repo, plans, |first, pixels| {
            let at = first * CELL_BYTES;
            parallel_copy(&mut out[at..at + pixels.len()], pixels, threads);
        })
    }

    /// Renders every plan and hands the results to `each` straight from the mapped readback
    /// buffer, without a copy: `each(first, pixels)` receives the cats of plans
    /// `first..first + pixels.len() / 10_000`, once per pass, in order.
    ///
    /// Large batches run as several passes, pipelined: the device renders and transfers
    /// pass `k + 1` into a second readback buffer while `each` reads pass `k`.
    ///
    /// # Errors
    /// Any [`GpuError`].
    pub fn render_batch_with(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        mut each: impl FnMut(usize, &[u8]),
    ) -> Result<(), GpuError> {
        self.check_repo(repo)?;
        // Runs of plans the shader can draw go to the device; plans with CatGenerator's
        // float stages are drawn by the CPU twin, in order.
        let mut start = 0;
        while start < plans.len() {
            let on_cpu = plans[start].has_float_ops();
            let len = plans[start..]
                .iter()
                .position(|p| p.has_float_ops() != on_cpu)
                .unwrap_or(plans.len() - start);
            let run = &plans[start..start + len];
            if on_cpu {
                for (i, plan) in run.iter().enumerate() {
                    each(start + i, self.float_cpu.render(repo, plan));
                }
            } else {
                self.render_device_run(run, |first, pixels| each(start + first, pixels))?;
            }
            start += len;
        }
        Ok(())
    }

    /// [`Self::render_batch_with`] for plans the shader draws.
    fn render_device_run(
        &mut self,
        plans: &[&Plan],
        mut each: impl FnMut(usize, &[u8]),
    ) -> Result<(), GpuError> {
        if plans.is_empty() {
            return Ok(());
        }
        // Four passes give the copy of one pass the next one's device time to hide in;
        // below PIPELINE_MIN_PASS jobs per pass the fixed cost of a pass outweighs that.
        let per_pass = if plans.len() >= 2 * PIPELINE_MIN_PASS {
            plans.len().div_ceil(4).max(PIPELINE_MIN_PASS)
        } else {
            plans.len()
        }
        .min(self.max_jobs_per_pass);
        let device = self.device.clone();
        scoped(&device, || {
            let mut chunks = plans.chunks(per_pass).enumerate();
            let mut result = Ok(());
            let mut in_flight = match chunks.next() {
                Some((i, chunk)) => Some(self.submit(chunk, i * per_pass, Some(i % 2))?),
                None => None,
            };
            // After an error, passes already in flight are still waited for and unmapped,
            // so the next batch finds its readback buffers usable.
            while let Some(current) = in_flight.take() {
                if result.is_ok()
                    && let Some((i, chunk)) = chunks.next()
                {
                    match self.submit(chunk, i * per_pass, Some(i % 2)) {
                        Ok(next) => in_flight = Some(next),
                        Err(e) => result = Err(e),
                    }
                }
                let consumer = if result.is_ok() {
                    Some(&mut each)
                } else {
                    None
                };
                let finished = self.finish(current, consumer);
                if result.is_ok() {
                    result = finished;
                }
            }
            result
        })?
    }

    /// Renders every plan and waits until the device has finished, without reading the
    /// results back (for benchmarks of the compute alone).
    ///
    /// # Errors
    /// Any [`GpuError`].
    pub fn render_batch_no_readback(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
    ) -> Result<(), GpuError> {
        self.check_repo(repo)?;
        let device = self.device.clone();
        scoped(&device, || {
            for (i, chunk) in plans.chunks(self.max_jobs_per_pass).enumerate() {
                let pass = self.submit(chunk, i * self.max_jobs_per_pass, None)?;
                self.finish(pass, None::<&mut fn(usize, &[u8])>)?;
            }
            Ok(())
        })?
    }

    fn check_repo(&self, repo: &AtlasRepository) -> Result<(), GpuError> {
        self.health.check_lost()?;
        if repo.fingerprint() == self.fingerprint {
            Ok(())
        } else {
            Err(GpuError::WrongRepository)
        }
    }

    /// Encodes and submits one dispatch of at most `max_jobs_per_pass` plans (non-empty),
    /// copying the output into readback buffer `slot` when given and asking for its map.
    ///
    /// The job, op, params and output buffers are shared by consecutive passes: queue
    /// writes and dispatches execute in submission order, so pass `k + 1` overwrites them
    /// only after pass `k` has copied its output out. Only the readback buffer, which the
    /// host reads while the device works on, needs one per pass in flight.
    fn submit(
        &mut self,
        plans: &[&Plan],
        first: usize,
        slot: Option<usize>,
    ) -> Result<Pass, GpuError> {
        let dims = self.write_composite(plans, first)?;
        let n = plans.len() as u32;
        let out_bytes = u64::from(n) * CELL_BYTES as u64;
        if let Some(slot) = slot {
            self.readback[slot].ensure(&self.device, out_bytes);
        }
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("composite batch"),
            });
        self.record_composite(&mut encoder, dims);
        if let Some(slot) = slot {
            encoder.copy_buffer_to_buffer(
                self.out.get(),
                0,
                self.readback[slot].get(),
                0,
                out_bytes,
            );
        }
        let submission = self.queue.submit([encoder.finish()]);
        let mapped = slot.map(|slot| (slot, self.map_readback(slot, out_bytes)));
        Ok(Pass {
            submission,
            first,
            out_bytes,
            mapped,
        })
    }

    /// Encodes `plans` (at most `max_jobs_per_pass`) into the job, op and params buffers and
    /// makes sure the output buffer holds their cats; returns the dispatch's y and z sizes.
    fn write_composite(&mut self, plans: &[&Plan], first: usize) -> Result<(u32, u32), GpuError> {
        self.host_jobs.clear();
        self.host_ops.clear();
        encode_plans(
            plans,
            first,
            &self.cells,
            &mut self.host_jobs,
            &mut self.host_ops,
        )?;
        let n = plans.len() as u32;
        let out_bytes = u64::from(n) * CELL_BYTES as u64;
        let groups_y = n.min(self.max_groups_per_dimension);
        let groups_z = n.div_ceil(groups_y);

        let mut grown = false;
        grown |= self.jobs.ensure(&self.device, byte_len(&self.host_jobs));
        grown |= self
            .ops
            .ensure(&self.device, byte_len(&self.host_ops).max(16));
        grown |= self.out.ensure(&self.device, out_bytes);
        if grown || self.bind_group.is_none() {
            self.bind_group = Some(self.make_bind_group());
        }
        let params = GpuParams {
            job_count: n,
            groups_y,
            reserved: [0; 2],
        };
        self.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        self.queue
            .write_buffer(self.jobs.get(), 0, bytemuck::cast_slice(&self.host_jobs));
        if !self.host_ops.is_empty() {
            self.queue
                .write_buffer(self.ops.get(), 0, bytemuck::cast_slice(&self.host_ops));
        }
        Ok((groups_y, groups_z))
    }

    /// Records the composite dispatch `write_composite` prepared.
    fn record_composite(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        (groups_y, groups_z): (u32, u32),
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("composite"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, self.bind_group.as_ref(), &[]);
        pass.dispatch_workgroups(GROUPS_PER_JOB, groups_y, groups_z);
    }

    /// Asks for the first `bytes` of readback buffer `slot` to be mapped once the work
    /// submitted so far is done; the receiver answers when it is.
    fn map_readback(
        &self,
        slot: usize,
        bytes: u64,
    ) -> mpsc::Receiver<Result<(), wgpu::BufferAsyncError>> {
        let (tx, rx) = mpsc::channel();
        self.readback[slot]
            .get()
            .slice(..bytes)
            .map_async(wgpu::MapMode::Read, move |r| {
                // The receiver lives until the pass is finished; a failed send only
                // means the batch already returned an error.
                let _ = tx.send(r);
            });
        rx
    }

    /// Waits for a submitted pass and hands its mapped results to `each`. The readback
    /// buffer is unmapped on every path, errors included.
    fn finish(
        &mut self,
        pass: Pass,
        each: Option<&mut impl FnMut(usize, &[u8])>,
    ) -> Result<(), GpuError> {
        let waited = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(pass.submission),
            timeout: Some(self.pass_timeout),
        });
        let healthy = || -> Result<(), GpuError> {
            self.health.check_lost()?;
            waited.as_ref().map_err(|e| match e {
                wgpu::PollError::Timeout => GpuError::DeviceLost(format!(
                    "the device did not finish a pass within {:?}",
                    self.pass_timeout
                )),
                e => GpuError::Readback(e.to_string()),
            })?;
            self.health.take_uncaptured()
        };
        let Some((slot, rx)) = pass.mapped else {
            return healthy();
        };
        let mapped = rx.try_recv();
        let buffer = self.readback[slot].get();
        let result = healthy().and_then(|()| {
            match &mapped {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(GpuError::Readback(e.to_string())),
                Err(_) => {
                    return Err(GpuError::Readback(
                        "the device finished but the readback buffer was not mapped".into(),
                    ));
                }
            }
            let view = buffer
                .slice(..pass.out_bytes)
                .get_mapped_range()
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            if let Some(each) = each {
                each(pass.first, &view);
            }
            Ok(())
        });
        // Mapped, or a map still pending (which unmapping cancels); a failed map left
        // nothing to unmap.
        if !matches!(mapped, Ok(Err(_))) {
            buffer.unmap();
        }
        result
    }

    fn make_bind_group(&self) -> wgpu::BindGroup {
        let mut entries = vec![
            entry(0, &self.params),
            entry(1, self.jobs.get()),
            entry(2, self.ops.get()),
            entry(3, self.out.get()),
        ];
        for (i, buffer) in self.atlas.iter().enumerate() {
            entries.push(entry(4 + i as u32, buffer));
        }
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("composite.wgsl bind group"),
            layout: &self.bind_group_layout,
            entries: &entries,
        })
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

/// Copies `src` into `dst` on up to `threads` threads, in pieces of at least 4 MiB: one
/// core cannot read a large mapped readback buffer as fast as the device fills it.
fn parallel_copy(dst: &mut [u8], src: &[u8], threads: usize) {
    const MIN_PIECE: usize = 4 << 20;
    let pieces = (src.len() / MIN_PIECE).clamp(1, threads.max(1));
    if pieces == 1 {
        dst.copy_from_slice(src);
        return;
    }
    let piece = src.len().div_ceil(pieces);
    std::thread::scope(|s| {
        for (d, from) in dst.chunks_mut(piece).zip(src.chunks(piece)) {
            s.spawn(move || d.copy_from_slice(from));
        }
    });
}

fn byte_len<T>(v: &[T]) -> u64 {
    size_of_val(v) as u64
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// A uniform at binding 0, the atlases at 4..=7 (common.wgsl), and `storage`: further
/// storage bindings with whether each is read-only.
fn bind_group_layout_entries(storage: &[(u32, bool)]) -> Vec<wgpu::BindGroupLayoutEntry> {
    let buffer = |binding: u32, ty: wgpu::BufferBindingType| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let mut entries = vec![buffer(0, wgpu::BufferBindingType::Uniform)];
    for &(binding, read_only) in storage {
        entries.push(buffer(
            binding,
            wgpu::BufferBindingType::Storage { read_only },
        ));
    }
    for i in 0..ATLAS_BINDINGS as u32 {
        entries.push(buffer(
            4 + i,
            wgpu::BufferBindingType::Storage { read_only: true },
        ));
    }
    entries
}

/// Compiles `shader` into a compute pipeline with entry point `main` and one bind group of
/// `entries`. Call inside an error scope.
fn compute_pipeline(
    device: &wgpu::Device,
    (label, source): Shader,
    entries: &[wgpu::BindGroupLayoutEntry],
) -> (wgpu::ComputePipeline, wgpu::BindGroupLayout) {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries,
    });
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(&bind_group_layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: Some(&layout),
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    (pipeline, bind_group_layout)
}

/// Creates the atlas buffers and copies every sheet into its slot.
fn upload_atlas(
    device: &wgpu::Device,
    repo: &AtlasRepository,
    packing: &AtlasPacking,
) -> Result<Vec<wgpu::Buffer>, GpuError> {
    let mut buffers = Vec::with_capacity(ATLAS_BINDINGS);
    for b in 0..ATLAS_BINDINGS {
        let size = packing.binding_bytes.get(b).copied().unwrap_or(4);
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(["atlas0", "atlas1", "atlas2", "atlas3"][b]),
            size,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: true,
        });
        {
            let mut view = buffer
                .get_mapped_range_mut(..)
                .map_err(|e| GpuError::OutOfMemory(format!("atlas{b}: {e}")))?;
            for (sheet, slot) in repo.sheets().iter().zip(&packing.slots) {
                if slot.binding as usize == b {
                    let at = (slot.word_offset * 4) as usize;
                    view.slice(at..at + sheet.image.pixels.len())
                        .copy_from_slice(&sheet.image.pixels);
                }
            }
        }
        buffer.unmap();
        buffers.push(buffer);
    }
    Ok(buffers)
}

/// A device buffer that is reused across batches and only grows (to the next power of two,
/// within `limit`), so steady-state batches allocate nothing.
struct GrowBuffer {
    label: &'static str,
    usage: wgpu::BufferUsages,
    limit: u64,
    buffer: Option<wgpu::Buffer>,
}

impl GrowBuffer {
    fn new(label: &'static str, usage: wgpu::BufferUsages, limit: u64) -> Self {
        Self {
            label,
            usage,
            limit,
            buffer: None,
        }
    }

    /// Makes room for `bytes`; `true` when the buffer was (re)allocated.
    fn ensure(&mut self, device: &wgpu::Device, bytes: u64) -> bool {
        if self.buffer.as_ref().is_some_and(|b| b.size() >= bytes) {
            return false;
        }
        if let Some(old) = self.buffer.take() {
            old.destroy();
        }
        let size = bytes
            .max(4096)
            .next_power_of_two()
            .min(self.limit.max(bytes))
            .next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        self.buffer = Some(device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(self.label),
            size,
            usage: self.usage,
            mapped_at_creation: false,
        }));
        true
    }

    /// The buffer; `ensure` runs before every use.
    fn get(&self) -> &wgpu::Buffer {
        #[expect(clippy::expect_used, reason = "every pass calls ensure() before get()")]
        self.buffer
            .as_ref()
            .expect("GrowBuffer used before ensure()")
    }

    fn release(&mut self) {
        if let Some(b) = self.buffer.take() {
            b.destroy();
        }
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

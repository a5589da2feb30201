//! Device resources every pipeline uses: the shaders (each with `common.wgsl` in front),
//! compute pipelines and their bind-group layouts, the resident atlases, and buffers that
//! only grow.

use super::error::GpuError;

use super::layout::{ATLAS_BINDINGS, AtlasPacking};
use crate::atlas::CellStore;
use crate::planar::{Block, LANES};

/// A compute shader: its label (the file name) and its source, `common.wgsl` first.
pub(super) type Shader = (&'static str, &'static str);

/// Renders plans (cats).
pub(super) const COMPOSITE_SHADER: Shader = (
    "composite.wgsl",
    concat!(
        include_str!("shaders/common.wgsl"),
        include_str!("shaders/composite.wgsl")
    ),
);

/// Composes chunk textures.
pub(super) const CHUNK_SHADER: Shader = (
    "chunk.wgsl",
    concat!(
        include_str!("shaders/common.wgsl"),
        include_str!("shaders/chunk.wgsl")
    ),
);

pub(super) fn byte_len<T>(v: &[T]) -> u64 {
    size_of_val(v) as u64
}

pub(super) fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// A uniform at binding 0, the atlases at 4..=7 (common.wgsl), and `storage`: further
/// storage bindings with whether each is read-only.
pub(super) fn bind_group_layout_entries(
    storage: &[(u32, bool)],
) -> Vec<wgpu::BindGroupLayoutEntry> {
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
pub(super) fn compute_pipeline(
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

/// Creates the atlas buffers and copies the store's blocks and cell tables into them.
pub(super) fn upload_atlas(
    device: &wgpu::Device,
    store: &CellStore,
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
            if let Some(&(first, count)) = packing.blocks.get(b) {
                let blocks = &store.blocks()[first as usize..(first + count) as usize];
                let bytes = size_of::<Block>();
                for (i, block) in blocks.iter().enumerate() {
                    let pixels = interleave(block);
                    view.slice(i * bytes..(i + 1) * bytes)
                        .copy_from_slice(bytemuck::cast_slice(&pixels));
                }
            }
            if b == 0 {
                let mut at = (packing.tables_word * 4) as usize;
                for table in store.tables() {
                    let entries = table.map(|index| packing.entry(index));
                    let bytes: &[u8] = bytemuck::cast_slice(&entries);
                    view.slice(at..at + bytes.len()).copy_from_slice(bytes);
                    at += bytes.len();
                }
            }
        }
        buffer.unmap();
        buffers.push(buffer);
    }
    Ok(buffers)
}

/// A planar block as the shader reads it: 32 packed RGBA8 pixels (red in the low byte), so
/// a pixel is one load, as it was from a sheet.
fn interleave(block: &Block) -> [u32; LANES] {
    let [r, g, b, a] = block;
    std::array::from_fn(|j| u32::from_le_bytes([r[j], g[j], b[j], a[j]]))
}

/// A device buffer that is reused across batches and only grows (to the next power of two,
/// within `limit`), so steady-state batches allocate nothing.
pub(super) struct GrowBuffer {
    label: &'static str,
    usage: wgpu::BufferUsages,
    limit: u64,
    buffer: Option<wgpu::Buffer>,
}

impl GrowBuffer {
    pub(super) fn new(label: &'static str, usage: wgpu::BufferUsages, limit: u64) -> Self {
        Self {
            label,
            usage,
            limit,
            buffer: None,
        }
    }

    /// Makes room for `bytes`; `true` when the buffer was (re)allocated.
    pub(super) fn ensure(&mut self, device: &wgpu::Device, bytes: u64) -> bool {
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
    pub(super) fn get(&self) -> &wgpu::Buffer {
        #[expect(clippy::expect_used, reason = "every pass calls ensure() before get()")]
        self.buffer
            .as_ref()
            .expect("GrowBuffer used before ensure()")
    }

    pub(super) fn release(&mut self) {
        if let Some(b) = self.buffer.take() {
            b.destroy();
        }
    }
}

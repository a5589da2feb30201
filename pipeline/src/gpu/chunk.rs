//! Chunk textures on the device: [`GpuBackend::compose_chunk`] draws a [`ChunkPlan`] with
//! `shaders/chunk.wgsl`, bit for bit what [`crate::chunk::ChunkComposer`] draws.
//!
//! # One chunk
//!
//! The plan is encoded on the host into [`GpuChunkParams`] and one word buffer (layer grids,
//! ground-tile records, entity records; the layout is written out in the shader). Its cat
//! entities are rendered first by the composite pipeline, in the same submission, into the
//! backend's cat output buffer, which the chunk pass then reads. The tileset image is
//! uploaded once per tileset (by fingerprint) and kept. One readback brings the canvas home.

use std::collections::HashMap;

use bytemuck::{Pod, Zeroable};

use super::layout::CellTables;
use super::setup::scoped;
use super::{GpuBackend, GpuError, GrowBuffer, Pass, byte_len, entry};
use crate::atlas::AtlasRepository;
use crate::cell::{CELL, CELL_BYTES};
use crate::chunk::{ChunkPlan, Draw, Tileset};
use crate::plan::Plan;

/// `@workgroup_size(16, 16)` in the shader: canvas pixels per workgroup along each side.
const GROUP_EDGE: u32 = 16;
/// Words per entity record (`ENTITY_WORDS` in the shader).
const ENTITY_WORDS: usize = 8;
/// `ENTITY_TILE` in the shader.
const ENTITY_TILE: u32 = 0;
/// `ENTITY_CELL` in the shader.
const ENTITY_CELL: u32 = 1;
/// `ENTITY_CAT` in the shader.
const ENTITY_CAT: u32 = 2;
/// Tileset images kept on the device; past this the cache starts over.
const TILESETS_KEPT: usize = 16;

/// The shader's uniform (`ChunkParams` in chunk.wgsl), binding 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct GpuChunkParams {
    /// Canvas width, px.
    pub width: u32,
    /// Canvas height, px.
    pub height: u32,
    /// Grid width, tiles.
    pub grid_width: u32,
    /// Tile edge on the canvas, px.
    pub tile_size: u32,
    /// Tile layers.
    pub layer_count: u32,
    /// Words per layer grid.
    pub layer_words: u32,
    /// Entities.
    pub entity_count: u32,
    /// First word of the entity records.
    pub entities_at: u32,
    /// First word of the ground-tile records.
    pub tiles_at: u32,
    /// Tileset image width, px.
    pub tileset_width: u32,
    /// Scaling numerator: the tileset's tile size.
    pub scale_from: u32,
    /// Scaling denominator: the request's tile size.
    pub scale_to: u32,
}

/// A plan as the shader reads it.
#[derive(Debug)]
pub struct ChunkEncoding<'a> {
    /// The uniform.
    pub params: GpuChunkParams,
    /// The `data` binding.
    pub words: Vec<u32>,
    /// The cat entities, in draw order: cat `k`'s pixels start at word `k * 2500` of the
    /// cat output.
    pub cats: Vec<&'a Plan>,
    /// The tileset the records point into.
    pub tileset: &'a Tileset,
}

/// Encodes `plan` for the shader; `cells` locates the atlas cells.
///
/// # Errors
/// [`GpuError::UnknownCell`] for a cell beyond `cells`; [`GpuError::Unsupported`] for a
/// chunk whose sizes do not fit the shader's 16-bit and 32-bit fields.
pub fn encode_chunk<'a>(
    plan: &'a ChunkPlan,
    cells: CellTables,
) -> Result<ChunkEncoding<'a>, GpuError> {
    let set = &*plan.tileset;
    let (from, to) = (set.tile_size(), plan.tile_size);
    let image_width = set.image().width;
    let too_large = |what: &str| GpuError::Unsupported(format!("chunk: {what}"));
    let fits16 = |v: u32| v <= 0xffff;
    let layer_words = plan.width as usize * plan.height as usize;
    let mut words = Vec::with_capacity(
        plan.layers.len() * layer_words + set.len() * 2 + plan.entities.len() * ENTITY_WORDS,
    );
    for layer in &plan.layers {
        words.extend(layer.iter().map(|t| t.map_or(0, |id| id.0 + 1)));
    }
    let tiles_at = words.len();
    // The first pixel and the packed size of a tileset rectangle.
    let record = |r: crate::chunk::Rect| -> Result<[u32; 2], GpuError> {
        let first = u64::from(r.y) * u64::from(image_width) + u64::from(r.x);
        if !fits16(r.w) || !fits16(r.h) || first > u64::from(u32::MAX) {
            return Err(too_large("a tileset rectangle beyond 65,535 px or 4 Gpx"));
        }
        Ok([first as u32, r.w | (r.h << 16)])
    };
    for i in 0..set.len() {
        words.extend(record(set.rect(crate::chunk::TileId(i as u32)))?);
    }
    let entities_at = words.len();
    let mut cats = Vec::new();
    for e in &plan.entities {
        let (w, h, kind, abc) = match &e.draw {
            Draw::Tile(id) => {
                let r = set.rect(*id);
                // Drawn size as `scale_into` computes it.
                let w = (u64::from(r.w) * u64::from(to) / u64::from(from)).max(1);
                let h = (u64::from(r.h) * u64::from(to) / u64::from(from)).max(1);
                // The shader maps a drawn column back with `x * from`, in 32 bits.
                if w.max(h) * u64::from(from) > u64::from(u32::MAX) / 2 {
                    return Err(too_large("a tile entity scaled beyond 32-bit arithmetic"));
                }
                let [first, size] = record(r)?;
                (w as u32, h as u32, ENTITY_TILE, [first, size, 0])
            }
            Draw::Cell(id) => {
                let table = cells.word(id.0).map_err(|cell| GpuError::UnknownCell {
                    plan: 0,
                    cell,
                    cells: cells.cells,
                })?;
                (CELL as u32, CELL as u32, ENTITY_CELL, [table, 0, 0])
            }
            Draw::Cat(cat) => {
                let first = cats.len() * CELL * CELL;
                cats.push(&**cat);
                let first = u32::try_from(first).map_err(|_| too_large("too many cats"))?;
                (CELL as u32, CELL as u32, ENTITY_CAT, [first, 0, 0])
            }
        };
        words.extend([
            e.x as u32,
            e.y as u32,
            w,
            h,
            kind | (u32::from(e.flip) << 8),
            abc[0],
            abc[1],
            abc[2],
        ]);
    }
    let entity_count = plan.entities.len();
    let as32 = |v: usize| u32::try_from(v).map_err(|_| too_large("more than 4 G words"));
    let params = GpuChunkParams {
        width: plan.width_px(),
        height: plan.height_px(),
        grid_width: plan.width,
        tile_size: plan.tile_size,
        layer_count: as32(plan.layers.len())?,
        layer_words: as32(layer_words)?,
        entity_count: as32(entity_count)?,
        entities_at: as32(entities_at)?,
        tiles_at: as32(tiles_at)?,
        tileset_width: image_width,
        scale_from: from,
        scale_to: to,
    };
    as32(words.len())?;
    Ok(ChunkEncoding {
        params,
        words,
        cats,
        tileset: set,
    })
}

/// The chunk pipeline and its buffers, created with the backend.
pub(super) struct ChunkResources {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    params: wgpu::Buffer,
    data: GrowBuffer,
    canvas: GrowBuffer,
    /// Tileset images by fingerprint.
    tilesets: HashMap<[u8; 32], wgpu::Buffer>,
    binding_limit: u64,
}

impl ChunkResources {
    /// Builds the pipeline; call inside an error scope.
    pub(super) fn new(device: &wgpu::Device, binding_limit: u64) -> Self {
        let (pipeline, layout) = super::compute_pipeline(
            device,
            super::CHUNK_SHADER,
            &super::bind_group_layout_entries(&[(1, true), (2, true), (3, false), (8, true)]),
        );
        let storage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        Self {
            pipeline,
            layout,
            params: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("chunk params"),
                size: size_of::<GpuChunkParams>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            data: GrowBuffer::new("chunk data", storage, binding_limit),
            canvas: GrowBuffer::new(
                "chunk canvas",
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                binding_limit,
            ),
            tilesets: HashMap::new(),
            binding_limit,
        }
    }

    /// The device copy of `set`'s image, uploaded on first use.
    fn tileset(&mut self, device: &wgpu::Device, set: &Tileset) -> Result<wgpu::Buffer, GpuError> {
        let key = set.fingerprint();
        if let Some(b) = self.tilesets.get(&key) {
            return Ok(b.clone());
        }
        let pixels = &set.image().pixels;
        let bytes = (pixels.len() as u64).max(4);
        if bytes > self.binding_limit.min(u64::from(u32::MAX)) {
            return Err(GpuError::Unsupported(format!(
                "tileset `{}`: its {bytes}-byte image exceeds a storage binding ({} bytes)",
                set.name(),
                self.binding_limit
            )));
        }
        if self.tilesets.len() >= TILESETS_KEPT {
            for (_, b) in self.tilesets.drain() {
                b.destroy();
            }
        }
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("chunk tileset"),
            size: bytes.next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT),
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: true,
        });
        {
            let mut view = buffer
                .get_mapped_range_mut(..)
                .map_err(|e| GpuError::OutOfMemory(format!("tileset: {e}")))?;
            view.slice(..pixels.len()).copy_from_slice(pixels);
        }
        buffer.unmap();
        self.tilesets.insert(key, buffer.clone());
        Ok(buffer)
    }

    pub(super) fn release(&mut self) {
        self.data.release();
        self.canvas.release();
        for (_, b) in self.tilesets.drain() {
            b.destroy();
        }
        self.params.destroy();
    }
}

impl GpuBackend {
    /// Composes a chunk on the device into `out` (replacing its contents):
    /// `width_px * height_px * 4` bytes of RGBA8, bit for bit what
    /// [`crate::chunk::ChunkComposer`] produces. Its cat entities are rendered on the device
    /// in the same submission.
    ///
    /// # Errors
    /// Any [`GpuError`]; [`GpuError::Unsupported`] for a chunk beyond the device's limits
    /// (a canvas or tileset larger than a storage binding, more cats than one pass holds).
    pub fn compose_chunk(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        self.check_repo(repo)?;
        if plan.has_float_ops() {
            // A cat entity with CatGenerator's float stages: the CPU composer draws the
            // chunk, bit for bit what the device would.
            crate::chunk::ChunkComposer::new().compose_into(plan, repo, out);
            return Ok(());
        }
        let encoded = encode_chunk(plan, self.cells)?;
        let (w, h) = (encoded.params.width, encoded.params.height);
        let canvas_bytes = u64::from(w) * u64::from(h) * 4;
        let groups = (w.div_ceil(GROUP_EDGE), h.div_ceil(GROUP_EDGE));
        if canvas_bytes > self.chunk.binding_limit
            || groups.0.max(groups.1) > self.max_groups_per_dimension
        {
            return Err(GpuError::Unsupported(format!(
                "a {w}×{h} canvas exceeds the device's storage binding or dispatch limits"
            )));
        }
        if encoded.cats.len() > self.max_jobs_per_pass {
            return Err(GpuError::Unsupported(format!(
                "{} cats in one chunk; one pass renders at most {}",
                encoded.cats.len(),
                self.max_jobs_per_pass
            )));
        }
        let device = self.device.clone();
        scoped(&device, || {
            let pass = self.submit_chunk(&encoded, canvas_bytes, groups)?;
            self.finish(
                pass,
                Some(&mut |_, pixels: &[u8]| {
                    out.clear();
                    out.extend_from_slice(pixels);
                }),
            )
        })?
    }

    /// Records the cat pass (if any), the chunk pass and the canvas copy in one submission.
    fn submit_chunk(
        &mut self,
        encoded: &ChunkEncoding<'_>,
        canvas_bytes: u64,
        groups: (u32, u32),
    ) -> Result<Pass, GpuError> {
        let tileset = self.chunk.tileset(&self.device, encoded.tileset)?;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("chunk"),
            });
        if encoded.cats.is_empty() {
            // The chunk pass binds the cat buffer all the same.
            if self.out.ensure(&self.device, CELL_BYTES as u64) {
                self.bind_group = None;
            }
        } else {
            let dims = self.write_composite(&encoded.cats, 0)?;
            self.record_composite(&mut encoder, dims);
        }
        let chunk = &mut self.chunk;
        chunk
            .data
            .ensure(&self.device, byte_len(&encoded.words).max(16));
        chunk.canvas.ensure(&self.device, canvas_bytes);
        self.readback[0].ensure(&self.device, canvas_bytes);
        self.queue
            .write_buffer(&chunk.params, 0, bytemuck::bytes_of(&encoded.params));
        if !encoded.words.is_empty() {
            self.queue
                .write_buffer(chunk.data.get(), 0, bytemuck::cast_slice(&encoded.words));
        }
        let mut entries = vec![
            entry(0, &chunk.params),
            entry(1, chunk.data.get()),
            entry(2, &tileset),
            entry(3, chunk.canvas.get()),
            entry(8, self.out.get()),
        ];
        for (i, buffer) in self.atlas.iter().enumerate() {
            entries.push(entry(4 + i as u32, buffer));
        }
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("chunk.wgsl bind group"),
            layout: &chunk.layout,
            entries: &entries,
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("chunk"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&chunk.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups.0, groups.1, 1);
        }
        encoder.copy_buffer_to_buffer(
            chunk.canvas.get(),
            0,
            self.readback[0].get(),
            0,
            canvas_bytes,
        );
        let submission = self.queue.submit([encoder.finish()]);
        Ok(Pass {
            submission,
            first: 0,
            out_bytes: canvas_bytes,
            mapped: Some((0, self.map_readback(0, canvas_bytes))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shader_constants_match_the_host_encoding() {
        let shader = super::super::CHUNK_SHADER.1;
        for line in [
            format!("const ENTITY_TILE: u32 = {ENTITY_TILE}u;"),
            format!("const ENTITY_CELL: u32 = {ENTITY_CELL}u;"),
            format!("const ENTITY_CAT: u32 = {ENTITY_CAT}u;"),
            format!("const ENTITY_WORDS: u32 = {ENTITY_WORDS}u;"),
            format!("const GROUP_EDGE: u32 = {GROUP_EDGE}u;"),
            format!("const CELL_EDGE: u32 = {CELL}u;"),
            "const TILE_WORDS: u32 = 2u;".to_owned(),
        ] {
            assert!(shader.contains(&line), "chunk.wgsl lacks `{line}`");
        }
        // A uniform's size is a multiple of 16 bytes.
        assert_eq!(size_of::<GpuChunkParams>(), 48);
    }
}

//! The data the shader reads, as `#[repr(C)]` `Pod` structs mirrored in
//! `shaders/composite.wgsl`, and the host-side packing of atlases and plans into them.
//!
//! - Atlases: the repository's [`crate::atlas::CellStore`]: its distinct blocks, each
//!   uploaded as 32 packed RGBA8 pixels (one `u32` per pixel, red in the low byte, so the
//!   shader reads a pixel with one load), split in order over at most [`ATLAS_BINDINGS`]
//!   storage buffers, so a store bigger than one binding's limit still fits; then, in
//!   binding 0 after its blocks, every cell's table of 79 entries, each naming a block as
//!   `binding << 30 | index in that binding`.
//! - Cells: a cell's location is where its table starts ([`CellTables`]); the shader reads a
//!   pixel through its block's entry, so a cell never reaches past anything.
//! - Plans: one [`GpuJob`] per plan (a range of ops and the flip flag) and one [`GpuOp`] per
//!   op, with the cell's table inlined so the shader does one load per op.

use bytemuck::{Pod, Zeroable};

use super::GpuError;
use crate::cell::CELL;
use crate::plan::{Op, Plan, Reg, Source};
use crate::planar::{BLOCKS, Block};

/// Storage buffer bindings the shader has for atlases (`atlas0`..`atlas3`).
pub const ATLAS_BINDINGS: usize = 4;
/// Invocations per workgroup (`@workgroup_size` in the shader).
pub const WORKGROUP: u32 = 256;
/// Pixels of one cat.
pub const CELL_PIXELS: u32 = (CELL * CELL) as u32;
/// Workgroups along x per job: 10 × 256 ≥ 2,500 pixels.
pub const GROUPS_PER_JOB: u32 = CELL_PIXELS.div_ceil(WORKGROUP);

/// `MODE_COPY` in the shader: an op without a blend.
pub const MODE_COPY: u32 = 5;
/// `SOURCE_CELL` in the shader.
pub const SOURCE_CELL: u32 = 0;
/// `SOURCE_FILL` in the shader.
pub const SOURCE_FILL: u32 = 1;
/// `SOURCE_OTHER` in the shader.
pub const SOURCE_OTHER: u32 = 2;

/// Per-dispatch constants. Binding 0 (`params`, uniform).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct GpuParams {
    /// Jobs in the dispatch (`params.job_count`).
    pub job_count: u32,
    /// Workgroups along y; job = y + z * groups_y (`params.groups_y`).
    pub groups_y: u32,
    /// Padding to 16 bytes.
    pub reserved: [u32; 2],
}

/// One plan. Binding 1 (`jobs`, storage, read).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct GpuJob {
    /// First op in `ops` (`Job::op_start`).
    pub op_start: u32,
    /// Number of ops (`Job::op_count`).
    pub op_count: u32,
    /// 1 to mirror the result (`Job::flip`).
    pub flip: u32,
    /// Padding to 16 bytes.
    pub reserved: u32,
}

/// One op. Binding 2 (`ops`, storage, read).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct GpuOp {
    /// Target, source kind and mode (`Op::control`; bit layout in the shader).
    pub control: u32,
    /// Cell: its table's first word in `atlas0`; fill: packed colour (`Op::base`).
    pub base: u32,
    /// Unused (0).
    pub stride: u32,
    /// Padding to 16 bytes.
    pub reserved: u32,
}

/// Words in one block.
pub const BLOCK_WORDS: u64 = (size_of::<Block>() / 4) as u64;

/// The store's assignment to atlas bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlasPacking {
    /// Per binding used, the store's blocks it holds: `first..first + count`.
    pub blocks: Vec<(u32, u32)>,
    /// The word in binding 0 where the cell tables start (after its blocks).
    pub tables_word: u64,
    /// Bytes used in each binding (at least 4: a binding may not be empty).
    pub binding_bytes: Vec<u64>,
}

impl AtlasPacking {
    /// Packs `blocks` blocks and `cells` tables into bindings of at most `limit` bytes.
    ///
    /// # Errors
    /// [`GpuError::AtlasTooLarge`] when the tables alone exceed `limit` or everything does
    /// not fit in [`ATLAS_BINDINGS`] bindings.
    pub fn pack(blocks: usize, cells: usize, limit: u64) -> Result<Self, GpuError> {
        // Word-indexed in the shader with a u32 index.
        let limit = (limit.min(u64::from(u32::MAX) * 4)) / 4 * 4;
        let block_bytes = BLOCK_WORDS * 4;
        let table_bytes = cells as u64 * BLOCKS as u64 * 4;
        let needed = blocks as u64 * block_bytes + table_bytes;
        let too_large = |detail: String| GpuError::AtlasTooLarge {
            needed_bytes: needed,
            binding_limit: limit,
            bindings: ATLAS_BINDINGS,
            detail,
        };
        if table_bytes > limit {
            return Err(too_large(format!(
                "the cell tables ({table_bytes} bytes) fit in no binding"
            )));
        }
        let mut packing = Self {
            blocks: Vec::new(),
            tables_word: 0,
            binding_bytes: Vec::new(),
        };
        let mut next = 0u64;
        for b in 0..ATLAS_BINDINGS {
            let room = if b == 0 { limit - table_bytes } else { limit };
            let count = (blocks as u64 - next).min(room / block_bytes);
            // Blocks are counted in u32 (the store's indices).
            packing.blocks.push((next as u32, count as u32));
            let mut bytes = count * block_bytes;
            if b == 0 {
                packing.tables_word = bytes / 4;
                bytes += table_bytes;
            }
            packing.binding_bytes.push(bytes.max(4));
            next += count;
            if next == blocks as u64 {
                return Ok(packing);
            }
        }
        Err(too_large(format!(
            "{blocks} blocks of {block_bytes} bytes and {cells} cell tables"
        )))
    }

    /// The table entry of the store's block `index`: its binding and index there.
    #[must_use]
    pub fn entry(&self, index: u32) -> u32 {
        for (b, &(first, count)) in self.blocks.iter().enumerate() {
            if index < first + count {
                // b < ATLAS_BINDINGS = 4; an index in a binding is below 2^25 (`pack`).
                return ((b as u32) << 30) | (index - first);
            }
        }
        0
    }

    /// Where each cell's table is.
    #[must_use]
    pub fn cell_tables(&self, cells: usize) -> CellTables {
        CellTables {
            // Inside binding 0, whose words a u32 indexes (see `pack`).
            first_word: self.tables_word as u32,
            cells,
        }
    }
}

/// Where cell tables lie in `atlas0`: cell `i`'s at `first_word + 79 * i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CellTables {
    /// Word of cell 0's table.
    pub first_word: u32,
    /// Cells in the repository.
    pub cells: usize,
}

impl CellTables {
    /// The first word of cell `id`'s table; `Err(id)` beyond the repository's cells.
    pub fn word(&self, id: u32) -> Result<u32, u32> {
        if (id as usize) < self.cells {
            // Inside binding 0 (`pack` put every table there).
            Ok(self.first_word + id * BLOCKS as u32)
        } else {
            Err(id)
        }
    }
}

/// Appends the job and ops of each plan to `jobs` and `ops`.
///
/// # Errors
/// [`GpuError::UnknownCell`] when a plan names a cell beyond `cells`.
pub fn encode_plans(
    plans: &[&Plan],
    first_plan: usize,
    cells: CellTables,
    jobs: &mut Vec<GpuJob>,
    ops: &mut Vec<GpuOp>,
) -> Result<(), GpuError> {
    for (i, plan) in plans.iter().enumerate() {
        let op_start = ops.len() as u32;
        for op in &plan.ops {
            ops.push(encode_op(op, cells).map_err(|cell| GpuError::UnknownCell {
                plan: first_plan + i,
                cell,
                cells: cells.cells,
            })?);
        }
        jobs.push(GpuJob {
            op_start,
            op_count: plan.ops.len() as u32,
            flip: u32::from(plan.flip),
            reserved: 0,
        });
    }
    Ok(())
}

/// One op; `Err(cell id)` when its cell is unknown.
#[inline]
fn encode_op(op: &Op, cells: CellTables) -> Result<GpuOp, u32> {
    let target = match op.target {
        Reg::Cat => 0,
        Reg::Scratch => 1,
    };
    let mode = op.blend.map_or(MODE_COPY, |m| m.code());
    let head = target | (mode << 4);
    Ok(match op.source {
        Source::Cell(id) => GpuOp {
            control: head | (SOURCE_CELL << 1),
            base: cells.word(id.0)?,
            stride: 0,
            reserved: 0,
        },
        Source::Fill([r, g, b]) => GpuOp {
            control: head | (SOURCE_FILL << 1),
            base: u32::from_le_bytes([r, g, b, 255]),
            stride: 0,
            reserved: 0,
        },
        Source::Other => GpuOp {
            control: head | (SOURCE_OTHER << 1),
            base: 0,
            stride: 0,
            reserved: 0,
        },
        // Plans with float stages are drawn on the CPU (`GpuBackend::render_batch_with`);
        // reaching here is a caller's mistake, answered as an unknown cell.
        Source::Float(_) => return Err(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: u64 = BLOCK_WORDS * 4;
    const TABLE: u64 = BLOCKS as u64 * 4;

    #[test]
    fn a_small_store_fits_in_one_binding_with_its_tables_after_its_blocks() {
        let p = AtlasPacking::pack(10, 3, 1 << 20).expect("fits");
        assert_eq!(p.blocks, vec![(0, 10)]);
        assert_eq!(p.tables_word, 10 * BLOCK_WORDS);
        assert_eq!(p.binding_bytes, vec![10 * BLOCK + 3 * TABLE]);
        assert_eq!(p.entry(7), 7);
        let tables = p.cell_tables(3);
        assert_eq!(
            tables.word(2),
            Ok(10 * BLOCK_WORDS as u32 + 2 * BLOCKS as u32)
        );
        assert_eq!(tables.word(3), Err(3));
    }

    #[test]
    fn blocks_spill_into_further_bindings_and_each_stays_under_the_limit() {
        // 904 usable bytes: binding 0 holds two tables (632 bytes) and 2 blocks; bindings 1
        // and 2 hold 7 and the last 3.
        let limit = 7 * BLOCK + 10;
        let p = AtlasPacking::pack(12, 2, limit).expect("fits");
        assert_eq!(p.blocks, vec![(0, 2), (2, 7), (9, 3)]);
        assert!(p.binding_bytes.iter().all(|&b| b <= limit));
        assert_eq!(p.entry(1), 1);
        assert_eq!(p.entry(2), 1 << 30);
        assert_eq!(p.entry(11), (2 << 30) | 2);
    }

    #[test]
    fn tables_larger_than_a_binding_are_an_error() {
        let e = AtlasPacking::pack(1, 1000, 1000).unwrap_err();
        assert!(
            matches!(&e, GpuError::AtlasTooLarge { detail, .. } if detail.contains("tables")),
            "{e}"
        );
    }

    #[test]
    fn more_than_four_bindings_of_blocks_is_an_error_not_a_panic() {
        assert!(AtlasPacking::pack(100, 0, 10 * BLOCK).is_err());
        assert!(AtlasPacking::pack(40, 0, 10 * BLOCK).is_ok());
    }

    #[test]
    fn structs_have_the_sizes_the_shader_expects() {
        assert_eq!(size_of::<GpuParams>(), 16);
        assert_eq!(size_of::<GpuJob>(), 16);
        assert_eq!(size_of::<GpuOp>(), 16);
    }
}

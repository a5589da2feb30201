//! The data the shader reads, as `#[repr(C)]` `Pod` structs mirrored in
//! `shaders/composite.wgsl`, and the host-side packing of atlases and plans into them.
//!
//! - Atlases: every sheet's RGBA8 pixels, as they are in memory (one `u32` per pixel, red in
//!   the low byte), packed whole into at most [`ATLAS_BINDINGS`] storage buffers (first fit,
//!   largest sheet first) so a sprite folder bigger than one binding's limit still fits.
//! - Cells: for every `CellId` of the repository, precomputed at start-up, the binding, the
//!   index of its top-left pixel, the sheet's width, and how many of its 50 columns and rows
//!   lie inside the sheet. The shader bounds-checks each pixel against those two counts, so a
//!   cell reaching past its sheet's edge reads transparent without any per-sheet table.
//! - Plans: one [`GpuJob`] per plan (a range of ops and the flip flag) and one [`GpuOp`] per
//!   op, with the cell's location inlined so the shader does one load per op.

use bytemuck::{Pod, Zeroable};

use super::GpuError;
use crate::atlas::{AtlasRepository, CellId};
use crate::cell::CELL;
use crate::plan::{Op, Plan, Reg, Source};

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
    /// Target, source kind, mode, atlas binding, columns and rows (`Op::control`; bit
    /// layout in the shader).
    pub control: u32,
    /// Cell: first pixel's index in its binding; fill: packed colour (`Op::base`).
    pub base: u32,
    /// Cell: sheet width in pixels (`Op::stride`).
    pub stride: u32,
    /// Padding to 16 bytes.
    pub reserved: u32,
}

/// Where one sheet lives on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetSlot {
    /// Atlas binding, `0..ATLAS_BINDINGS`.
    pub binding: u32,
    /// Index of its first pixel in that binding, in `u32` words.
    pub word_offset: u64,
}

/// The sheets' assignment to atlas bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlasPacking {
    /// One slot per sheet, in `repo.sheets()` order.
    pub slots: Vec<SheetSlot>,
    /// Bytes used in each binding (at least 4: a binding may not be empty).
    pub binding_bytes: Vec<u64>,
}

impl AtlasPacking {
    /// Packs sheets of the given byte sizes into bindings of at most `limit` bytes.
    ///
    /// # Errors
    /// [`GpuError::AtlasTooLarge`] when a sheet alone exceeds `limit` or all sheets do not
    /// fit in [`ATLAS_BINDINGS`] bindings.
    pub fn pack(sizes: &[(String, u64)], limit: u64) -> Result<Self, GpuError> {
        // Word-indexed in the shader with a u32 index.
        let limit = (limit.min(u64::from(u32::MAX) * 4)) / 4 * 4;
        let needed: u64 = sizes.iter().map(|(_, s)| *s).sum();
        let too_large = |detail: String| GpuError::AtlasTooLarge {
            needed_bytes: needed,
            binding_limit: limit,
            bindings: ATLAS_BINDINGS,
            detail,
        };
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(sizes[i].1));
        let mut used = [0u64; ATLAS_BINDINGS];
        let mut slots = vec![
            SheetSlot {
                binding: 0,
                word_offset: 0
            };
            sizes.len()
        ];
        let mut bindings_used = 1;
        for i in order {
            let (name, size) = &sizes[i];
            let Some(b) = (0..ATLAS_BINDINGS).find(|&b| used[b] + size <= limit) else {
                return Err(too_large(format!(
                    "sheet `{name}` ({size} bytes) fits in no binding"
                )));
            };
            slots[i] = SheetSlot {
                // b < ATLAS_BINDINGS = 4.
                binding: b as u32,
                word_offset: used[b] / 4,
            };
            used[b] += size;
            bindings_used = bindings_used.max(b + 1);
        }
        Ok(Self {
            slots,
            binding_bytes: used[..bindings_used].iter().map(|&u| u.max(4)).collect(),
        })
    }
}

/// A cell's location, ready to be copied into a [`GpuOp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CellSlot {
    /// Binding, columns and rows, already shifted into `control`'s bit layout.
    pub control: u32,
    /// First pixel's index in the binding.
    pub base: u32,
    /// Sheet width, px.
    pub stride: u32,
}

/// Every cell of `repo` located in `packing`.
#[must_use]
pub fn cell_table(repo: &AtlasRepository, packing: &AtlasPacking) -> Vec<CellSlot> {
    let cell = CELL as u32;
    (0..repo.cell_count())
        .map(|i| {
            // Ids below cell_count() always have an origin.
            let Some(origin) = repo.cell_origin(CellId(i as u32)) else {
                return CellSlot::default();
            };
            let sheet = &repo.sheets()[origin.sheet.0 as usize].image;
            let (w, h) = (sheet.width, sheet.height);
            let cols = w.saturating_sub(origin.x).min(cell);
            let rows = h.saturating_sub(origin.y).min(cell);
            if cols == 0 || rows == 0 {
                // Wholly outside: every pixel fails the bounds check.
                return CellSlot::default();
            }
            let slot = packing.slots[origin.sheet.0 as usize];
            let base = slot.word_offset + u64::from(origin.y) * u64::from(w) + u64::from(origin.x);
            CellSlot {
                control: (slot.binding << 8) | (cols << 16) | (rows << 24),
                // The pixel lies inside a binding of at most u32::MAX words (see `pack`).
                base: base as u32,
                stride: w,
            }
        })
        .collect()
}

/// Appends the job and ops of each plan to `jobs` and `ops`.
///
/// # Errors
/// [`GpuError::UnknownCell`] when a plan names a cell beyond `cells`.
pub fn encode_plans(
    plans: &[&Plan],
    first_plan: usize,
    cells: &[CellSlot],
    jobs: &mut Vec<GpuJob>,
    ops: &mut Vec<GpuOp>,
) -> Result<(), GpuError> {
    for (i, plan) in plans.iter().enumerate() {
        let op_start = ops.len() as u32;
        for op in &plan.ops {
            ops.push(encode_op(op, cells).map_err(|cell| GpuError::UnknownCell {
                plan: first_plan + i,
                cell,
                cells: cells.len(),
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
fn encode_op(op: &Op, cells: &[CellSlot]) -> Result<GpuOp, u32> {
    let target = match op.target {
        Reg::Cat => 0,
        Reg::Scratch => 1,
    };
    let mode = op.blend.map_or(MODE_COPY, |m| m.code());
    let head = target | (mode << 4);
    Ok(match op.source {
        Source::Cell(id) => {
            let c = cells.get(id.0 as usize).ok_or(id.0)?;
            GpuOp {
                control: head | (SOURCE_CELL << 1) | c.control,
                base: c.base,
                stride: c.stride,
                reserved: 0,
            }
        }
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

    fn sizes(list: &[u64]) -> Vec<(String, u64)> {
        list.iter()
            .enumerate()
            .map(|(i, &s)| (format!("s{i}"), s))
            .collect()
    }

    #[test]
    fn sheets_fit_in_one_binding_when_the_limit_allows() {
        let p = AtlasPacking::pack(&sizes(&[40, 400, 4000]), 1 << 20).expect("fits");
        assert_eq!(p.binding_bytes, vec![4440]);
        // Largest first: 4000 at 0, 400 at 4000, 40 at 4400 bytes.
        assert_eq!(p.slots[2].word_offset, 0);
        assert_eq!(p.slots[1].word_offset, 1000);
        assert_eq!(p.slots[0].word_offset, 1100);
    }

    #[test]
    fn sheets_spill_into_further_bindings_and_each_stays_under_the_limit() {
        let p = AtlasPacking::pack(&sizes(&[600, 600, 600, 200, 200]), 1000).expect("fits");
        assert_eq!(p.binding_bytes.len(), 3);
        assert!(p.binding_bytes.iter().all(|&b| b <= 1000));
        assert_eq!(p.binding_bytes.iter().sum::<u64>(), 2200);
    }

    #[test]
    fn a_sheet_larger_than_a_binding_is_reported_by_name() {
        let e = AtlasPacking::pack(&sizes(&[10, 5000]), 1000).unwrap_err();
        assert!(
            matches!(&e, GpuError::AtlasTooLarge { detail, .. } if detail.contains("s1")),
            "{e}"
        );
    }

    #[test]
    fn too_many_sheets_for_four_bindings_is_an_error_not_a_panic() {
        assert!(AtlasPacking::pack(&sizes(&[800; 5]), 1000).is_err());
    }

    #[test]
    fn cells_record_how_much_of_them_lies_inside_their_sheet() {
        use std::collections::BTreeMap;

        use crate::atlas::{IndexEntry, OffsetMap, RgbaImage, Sheet};
        use crate::vocab::Vocabulary;
        use crate::{GroupId, Pose};

        let sheet = |name: &str, width: u32, height: u32| Sheet {
            name: name.into(),
            image: RgbaImage {
                width,
                height,
                pixels: vec![7; (width * height * 4) as usize],
            },
        };
        let entry = |x, y| IndexEntry {
            spritesheet: "s".into(),
            x_offset: x,
            y_offset: y,
        };
        let mut index = BTreeMap::new();
        index.insert("a_inside".to_owned(), entry(0, 0));
        index.insert("b_partial".to_owned(), entry(130, 340));
        index.insert("c_outside".to_owned(), entry(500, 0));
        let repo = AtlasRepository::from_parts(
            index,
            &OffsetMap::default(),
            vec![sheet("first", 10, 10), sheet("s", 174, 384)],
            Vocabulary::default(),
        );
        let packing = AtlasPacking::pack(
            &[("first".into(), 400), ("s".into(), 174 * 384 * 4)],
            1 << 20,
        )
        .expect("fits");
        let cells = cell_table(&repo, &packing);
        let at = |group: &str, pose: u8| {
            let g: GroupId = repo.group(group).expect("group");
            cells[CellId::new(g, Pose::new(pose).expect("pose")).0 as usize]
        };
        // Pose 4 sits at cell (1, 1): 50 px right and down of the group's corner.
        let inside = at("a_inside", 4);
        assert_eq!(inside.control, (50 << 16) | (50 << 24));
        assert_eq!(inside.base, 50 * 174 + 50);
        assert_eq!(inside.stride, 174);
        // x 130..174 and y 340..384: 44 columns and 44 rows inside.
        let partial = at("b_partial", 0);
        assert_eq!(partial.control, (44 << 16) | (44 << 24));
        assert_eq!(partial.base, 340 * 174 + 130);
        // Rows 390.. are wholly below the sheet.
        assert_eq!(at("b_partial", 3), CellSlot::default());
        assert_eq!(at("c_outside", 0), CellSlot::default());
    }

    #[test]
    fn structs_have_the_sizes_the_shader_expects() {
        assert_eq!(size_of::<GpuParams>(), 16);
        assert_eq!(size_of::<GpuJob>(), 16);
        assert_eq!(size_of::<GpuOp>(), 16);
    }
}

//! Planar cells: a 50×50 image cut into blocks of 32 consecutive pixels (row-major, so a
//! block may straddle two rows), each block stored as four 32-byte channel rows (R, G, B, A).
//!
//! The CPU backend composes in this layout because every blend becomes a plain elementwise
//! loop over 32 bytes, which the compiler turns into SIMD (one AVX2 register per channel),
//! and because a block is small enough to know facts about: "all transparent", "all
//! opaque", "no colour under zero alpha". Those facts let a blit skip or cheapen most blocks
//! of a sprite that covers a small part of the cell.
//!
//! The last block holds 4 pixels of the image and 28 padding pixels; padding is composited
//! like any other pixel (sprites have `(0,0,0,0)` there) and never reaches a canvas.

use crate::cell::CellView;
use crate::cell::{CELL, CELL_ROW_BYTES, Canvas};

/// Pixels in one cell.
pub const PIXELS: usize = CELL * CELL;

/// Pixels in one block.
pub const LANES: usize = 32;

/// Blocks in one cell (the last one partly padding).
pub const BLOCKS: usize = PIXELS.div_ceil(LANES);

/// One channel of one block.
pub type Lanes = [u8; LANES];

/// 32 pixels as channel rows `[R, G, B, A]`.
pub type Block = [Lanes; 4];

/// A 50×50 image as blocks.
pub type PlanarCell = [Block; BLOCKS];

/// One bit per block: bit `k` is block `k`.
pub type Mask = u128;

/// Every block.
pub const ALL_BLOCKS: Mask = (1 << BLOCKS) - 1;

/// The all-`(0,0,0,0)` cell (padding included).
pub static TRANSPARENT: PlanarCell = [[[0; LANES]; 4]; BLOCKS];

/// What is known about each block of a planar cell. A set bit is a fact; a clear bit only
/// means "not known", so clearing bits is always safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Every pixel of the block has alpha 0 (its RGB may be anything).
    pub empty: Mask,
    /// Every pixel of the block has alpha > 0.
    pub solid: Mask,
    /// Every alpha-0 pixel of the block has RGB 0 (true of every solid block).
    pub clean: Mask,
    /// Lanes `0..16` (index 0) or `16..32` (index 1) of the block all have alpha 0 (true of
    /// both halves of every empty block).
    pub half_empty: [Mask; 2],
}

impl Facts {
    /// Facts of [`TRANSPARENT`].
    pub const TRANSPARENT: Self = Self {
        empty: ALL_BLOCKS,
        solid: 0,
        clean: ALL_BLOCKS,
        half_empty: [ALL_BLOCKS; 2],
    };

    /// Facts of an opaque fill.
    pub const OPAQUE: Self = Self {
        empty: 0,
        solid: ALL_BLOCKS,
        clean: ALL_BLOCKS,
        half_empty: [0; 2],
    };

    /// Nothing known.
    pub const UNKNOWN: Self = Self {
        empty: 0,
        solid: 0,
        clean: 0,
        half_empty: [0; 2],
    };

    /// Blocks that are all `(0,0,0,0)`: empty and clean.
    #[inline(always)]
    #[must_use]
    pub const fn zero(&self) -> Mask {
        self.empty & self.clean
    }

    /// The exact facts of `cell`.
    #[must_use]
    pub fn of(cell: &PlanarCell) -> Self {
        let mut facts = Self::UNKNOWN;
        for (k, [r, g, b, a]) in cell.iter().enumerate() {
            let bit = 1 << k;
            if a.iter().all(|&v| v == 0) {
                facts.empty |= bit;
            }
            if a.iter().all(|&v| v != 0) {
                facts.solid |= bit;
            }
            if (0..LANES).all(|i| a[i] != 0 || (r[i] | g[i] | b[i]) == 0) {
                facts.clean |= bit;
            }
            for (h, half) in a.chunks_exact(LANES / 2).enumerate() {
                if half.iter().all(|&v| v == 0) {
                    facts.half_empty[h] |= bit;
                }
            }
        }
        facts
    }

    /// Whether every fact in `self` is also in `exact` (for tests of the bookkeeping).
    #[must_use]
    pub const fn implied_by(&self, exact: &Self) -> bool {
        self.empty & !exact.empty == 0
            && self.solid & !exact.solid == 0
            && self.clean & !exact.clean == 0
            && self.half_empty[0] & !exact.half_empty[0] == 0
            && self.half_empty[1] & !exact.half_empty[1] == 0
    }
}

/// `IDENTITY[k] == k`: the table of a dense cell, whose block `k` is its own `k`th block.
pub static IDENTITY: [u32; BLOCKS] = {
    let mut table = [0; BLOCKS];
    let mut k = 0;
    while k < BLOCKS {
        table[k] = k as u32;
        k += 1;
    }
    table
};

/// A planar cell read through a table: block `k` is `blocks[table[k]]`. The repository's
/// cells are views of this kind into its store of distinct blocks (most of a sprite's blocks
/// are the shared all-zero one); a register's own blocks are the same with [`IDENTITY`].
#[derive(Debug, Clone, Copy)]
pub struct BlockView<'a> {
    blocks: &'a [Block],
    table: &'a [u32; BLOCKS],
}

impl<'a> BlockView<'a> {
    /// Block `k` is `blocks[table[k]]`; every entry of `table` must index `blocks` (reading
    /// past it panics).
    #[inline(always)]
    #[must_use]
    pub fn new(blocks: &'a [Block], table: &'a [u32; BLOCKS]) -> Self {
        Self { blocks, table }
    }

    /// A view of a whole planar cell.
    #[inline(always)]
    #[must_use]
    pub fn dense(cell: &'a PlanarCell) -> Self {
        Self::new(cell, &IDENTITY)
    }

    /// Block `k`.
    #[inline(always)]
    #[must_use]
    pub fn block(&self, k: usize) -> &'a Block {
        &self.blocks[self.table[k] as usize]
    }

    /// Copies the cell's blocks into `out`.
    pub fn copy_to(&self, out: &mut PlanarCell) {
        for (k, block) in out.iter_mut().enumerate() {
            *block = *self.block(k);
        }
    }

    /// The cell as one planar cell.
    #[must_use]
    pub fn to_cell(&self) -> Box<PlanarCell> {
        let mut out = zeroed();
        self.copy_to(&mut out);
        out
    }

    /// Interleaves the cell into an RGBA8 canvas.
    pub fn to_canvas(&self, out: &mut Canvas) {
        interleave(|k| self.block(k), out);
    }
}

impl std::ops::Index<usize> for BlockView<'_> {
    type Output = Block;

    #[inline(always)]
    fn index(&self, k: usize) -> &Block {
        self.block(k)
    }
}

/// A boxed transparent planar cell.
#[must_use]
pub fn zeroed() -> Box<PlanarCell> {
    Box::new(TRANSPARENT)
}

/// Pixel `i` (row-major, `0..PIXELS`) as RGBA.
#[inline(always)]
#[must_use]
pub fn pixel(cell: &PlanarCell, i: usize) -> [u8; 4] {
    let b = &cell[i / LANES];
    let j = i % LANES;
    [b[0][j], b[1][j], b[2][j], b[3][j]]
}

/// Splits an interleaved cell into blocks; padding is left as it was.
pub fn from_view(view: &CellView<'_>, out: &mut PlanarCell) {
    for y in 0..CELL {
        for (x, px) in view.row(y).chunks_exact(4).enumerate() {
            let i = y * CELL + x;
            let b = &mut out[i / LANES];
            let j = i % LANES;
            for c in 0..4 {
                b[c][j] = px[c];
            }
        }
    }
}

/// Interleaves blocks into an RGBA8 canvas.
#[inline(always)]
pub fn to_canvas(cell: &PlanarCell, out: &mut Canvas) {
    interleave(|k| &cell[k], out);
}

/// Writes block `block(k)` of every `k` into `out` as RGBA8 pixels `32k..32k + 32`.
#[inline(always)]
fn interleave<'a>(block: impl Fn(usize) -> &'a Block, out: &mut Canvas) {
    let (whole, tail) = out.as_chunks_mut::<{ LANES * 4 }>();
    let tail_block = whole.len();
    for (k, dst) in whole.iter_mut().enumerate() {
        let [r, g, b, a] = block(k);
        for (j, px) in dst.as_chunks_mut::<4>().0.iter_mut().enumerate() {
            *px = [r[j], g[j], b[j], a[j]];
        }
    }
    let [r, g, b, a] = block(tail_block);
    for (j, px) in tail.as_chunks_mut::<4>().0.iter_mut().enumerate() {
        *px = [r[j], g[j], b[j], a[j]];
    }
}

/// Mirrors a canvas left to right: `out[y][x] = in[y][49-x]` (moving whole pixels).
#[inline(always)]
pub fn flip_canvas(out: &mut Canvas) {
    for row in out.as_chunks_mut::<CELL_ROW_BYTES>().0 {
        row.as_chunks_mut::<4>().0.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{CELL_BYTES, CELL_ROW_BYTES};

    #[test]
    fn planes_round_trip_to_the_same_canvas() {
        let canvas: Box<Canvas> = Box::new(std::array::from_fn(|i| (i * 7 % 256) as u8));
        let mut planes = zeroed();
        let view = CellView::new(&canvas[..], CELL_ROW_BYTES);
        from_view(&view, &mut planes);
        let mut back = Box::new([0u8; CELL_BYTES]);
        to_canvas(&planes, &mut back);
        assert_eq!(canvas, back);
        for i in [0, 31, 32, 1234, PIXELS - 1] {
            assert_eq!(pixel(&planes, i), [0, 1, 2, 3].map(|c| canvas[i * 4 + c]));
        }
    }

    #[test]
    fn canvas_flip_equals_the_cell_flip() {
        let mut a: Box<Canvas> = Box::new(std::array::from_fn(|i| (i * 13 % 251) as u8));
        let mut b = a.clone();
        flip_canvas(&mut a);
        crate::cell::flip_horizontal(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn facts_of_a_cell_are_exact_per_block() {
        let mut cell = zeroed();
        // Block 0: opaque. Block 1: colour under zero alpha in one pixel. Block 2: one
        // transparent pixel with RGB 0 among opaque ones. Block 3: alpha in the high half.
        cell[0][3] = [7; LANES];
        cell[1][0][5] = 9;
        cell[2][3] = [200; LANES];
        cell[2][3][4] = 0;
        cell[3][3][20] = 1;
        let f = Facts::of(&cell);
        assert_eq!(f.solid & 0b1111, 0b0001);
        assert_eq!(f.empty & 0b1111, 0b0010);
        assert_eq!(f.clean & 0b1111, 0b1101);
        assert_eq!(f.half_empty[0] & 0b1111, 0b1010);
        assert_eq!(f.half_empty[1] & 0b1111, 0b0010);
        assert_eq!(f.zero() >> 4, ALL_BLOCKS >> 4);
    }
}

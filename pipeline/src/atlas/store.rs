//! The cell store: every cell of a repository as planar blocks ([`crate::planar`]), each
//! distinct block held once, in the form both backends read.
//!
//! A sprite covers a small part of its cell, and the same blocks recur across a sheet (the
//! all-zero one above all, then runs of one colour, and line art shared by colour
//! variants), so the bundled art's 19,299 cells (195 MB as dense planar cells, 210 MB as
//! decoded sheets) hold 318,732 distinct blocks: 41 MB, plus 6 MB of tables.

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::hash::BuildHasher;

use crate::cell::CellView;
use crate::planar::{self, BLOCKS, Block, BlockView, Facts, PlanarCell};

/// Index of the all-`(0,0,0,0)` block in every store.
pub const ZERO_BLOCK: u32 = 0;

/// The cells of a repository, read-only once built.
#[derive(Debug)]
pub struct CellStore {
    /// The distinct blocks; [`ZERO_BLOCK`] is all `(0,0,0,0)`.
    blocks: Vec<Block>,
    /// Per cell, the index in `blocks` of each of its blocks.
    tables: Vec<[u32; BLOCKS]>,
    /// Per cell, the exact facts of its blocks.
    facts: Vec<Facts>,
}

impl CellStore {
    /// Cell `cell` (an index below [`Self::len`]).
    #[inline(always)]
    #[must_use]
    pub fn view(&self, cell: usize) -> BlockView<'_> {
        BlockView::new(&self.blocks, &self.tables[cell])
    }

    /// The facts of cell `cell`.
    #[inline(always)]
    #[must_use]
    pub fn facts(&self, cell: usize) -> Facts {
        self.facts[cell]
    }

    /// The number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether the store holds no cell.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The distinct blocks (for backends that upload them).
    #[must_use]
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Each cell's block table (for backends that upload them).
    #[must_use]
    pub fn tables(&self) -> &[[u32; BLOCKS]] {
        &self.tables
    }

    /// Bytes held: blocks, tables and facts.
    #[must_use]
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.blocks.as_slice())
            + std::mem::size_of_val(self.tables.as_slice())
            + std::mem::size_of_val(self.facts.as_slice())
    }
}

/// A cell cut into blocks, with its facts and each block's hash: the part of adding a cell
/// that needs no access to the store, so loader threads do it in parallel and hold the
/// store's lock only to look blocks up ([`CellStoreBuilder::insert`]).
#[derive(Debug, Clone)]
pub struct ConvertedCell {
    blocks: PlanarCell,
    facts: Facts,
    hashes: [u64; BLOCKS],
}

impl ConvertedCell {
    /// A transparent cell, to be overwritten by [`BlockHasher::convert`].
    #[must_use]
    pub fn new() -> Box<Self> {
        Box::new(Self {
            blocks: planar::TRANSPARENT,
            facts: Facts::TRANSPARENT,
            hashes: [0; BLOCKS],
        })
    }
}

/// Hashes blocks the way one builder's table does (each builder's hasher is seeded anew).
#[derive(Debug, Clone)]
pub struct BlockHasher(DefaultHashBuilder);

impl BlockHasher {
    /// Cuts `pixels` into `out`: blocks, facts and the hash of each block that is not all
    /// `(0,0,0,0)` (those are the store's [`ZERO_BLOCK`], never looked up).
    pub fn convert(&self, pixels: &CellView<'_>, out: &mut ConvertedCell) {
        out.blocks = planar::TRANSPARENT;
        planar::from_view(pixels, &mut out.blocks);
        out.facts = Facts::of(&out.blocks);
        let zero = out.facts.zero();
        for (k, (hash, block)) in out.hashes.iter_mut().zip(&out.blocks).enumerate() {
            *hash = if zero & (1 << k) == 0 {
                self.0.hash_one(block)
            } else {
                0
            };
        }
    }
}

/// Builds a [`CellStore`] cell by cell, keeping one copy of each distinct block.
pub struct CellStoreBuilder {
    blocks: Vec<Block>,
    /// Indices into `blocks`, hashed by the block they name.
    distinct: HashTable<u32>,
    hasher: BlockHasher,
    tables: Vec<[u32; BLOCKS]>,
    facts: Vec<Facts>,
}

impl std::fmt::Debug for CellStoreBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CellStoreBuilder")
            .field("cells", &self.tables.len())
            .field("blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}

impl CellStoreBuilder {
    /// A builder for `cells` cells, each transparent until set.
    #[must_use]
    pub fn new(cells: usize) -> Self {
        Self {
            blocks: vec![planar::TRANSPARENT[0]],
            // Growing the table rehashes every block in it; a quarter of each cell's blocks
            // covers the bundled art's 16.5 distinct blocks a cell, so it is sized once.
            distinct: HashTable::with_capacity(cells * BLOCKS / 4),
            hasher: BlockHasher(DefaultHashBuilder::default()),
            tables: vec![[ZERO_BLOCK; BLOCKS]; cells],
            facts: vec![Facts::TRANSPARENT; cells],
        }
    }

    /// The hasher [`Self::insert`] expects cells converted with.
    #[must_use]
    pub fn hasher(&self) -> BlockHasher {
        self.hasher.clone()
    }

    /// Makes cell `cell` hold `converted` (made with this builder's [`Self::hasher`]).
    ///
    /// # Panics
    /// When `cell` is not below the count given to [`Self::new`].
    pub fn insert(&mut self, cell: usize, converted: &ConvertedCell) {
        self.facts[cell] = converted.facts;
        let zero = converted.facts.zero();
        for k in 0..BLOCKS {
            self.tables[cell][k] = if zero & (1 << k) == 0 {
                self.intern(&converted.blocks[k], converted.hashes[k])
            } else {
                ZERO_BLOCK
            };
        }
    }

    /// The index of `block` (not all zero) in `blocks`, added if new.
    fn intern(&mut self, block: &Block, hash: u64) -> u32 {
        let blocks = &self.blocks;
        if let Some(&i) = self.distinct.find(hash, |&i| blocks[i as usize] == *block) {
            return i;
        }
        // A u32 indexes 2^32 blocks (512 GiB): no sprite folder decodes to that much.
        let i = self.blocks.len() as u32;
        self.blocks.push(*block);
        let (blocks, hasher) = (&self.blocks, &self.hasher.0);
        self.distinct
            .insert_unique(hash, i, |&j| hasher.hash_one(blocks[j as usize]));
        i
    }

    /// The store, its memory trimmed to what it holds.
    #[must_use]
    pub fn finish(self) -> CellStore {
        let mut blocks = self.blocks;
        blocks.shrink_to_fit();
        CellStore {
            blocks,
            tables: self.tables,
            facts: self.facts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{CELL_BYTES, CELL_ROW_BYTES, Canvas};

    fn canvas(f: impl Fn(usize) -> [u8; 4]) -> Box<Canvas> {
        let mut c = Box::new([0u8; CELL_BYTES]);
        for (i, px) in c.chunks_exact_mut(4).enumerate() {
            px.copy_from_slice(&f(i));
        }
        c
    }

    #[test]
    fn cells_read_back_exactly_and_repeated_blocks_are_held_once() {
        // Cell 0: one opaque colour everywhere but the first pixel. Cell 1: the same with a
        // pixel of colour under zero alpha at 1000. Cell 2 is left transparent.
        let a = canvas(|i| if i == 0 { [0; 4] } else { [9, 8, 7, 255] });
        let b = canvas(|i| match i {
            0 => [0; 4],
            1000 => [5, 0, 0, 0],
            _ => [9, 8, 7, 255],
        });
        let mut builder = CellStoreBuilder::new(3);
        let hasher = builder.hasher();
        let mut converted = ConvertedCell::new();
        for (cell, pixels) in [(0, &a), (1, &b)] {
            hasher.convert(&CellView::new(&pixels[..], CELL_ROW_BYTES), &mut converted);
            builder.insert(cell, &converted);
        }
        let store = builder.finish();
        for (cell, expected) in [(0, &a), (1, &b), (2, &canvas(|_| [0; 4]))] {
            let mut out = Box::new([0u8; CELL_BYTES]);
            store.view(cell).to_canvas(&mut out);
            assert_eq!(&out, expected, "cell {cell}");
            assert_eq!(
                store.facts(cell),
                Facts::of(&store.view(cell).to_cell()),
                "cell {cell}"
            );
        }
        // The zero block; block 0 of both (its first pixel differs from the solid block);
        // the solid block; the last block (4 pixels and zero padding); block 31 of `b`.
        assert_eq!(store.blocks().len(), 5);
        assert_eq!(store.tables()[2], [ZERO_BLOCK; BLOCKS]);
    }
}

//! Sprite sheets: [`SheetLayout`] (tiles in columns), [`SheetCanvas`] (finished cats placed
//! into their tiles, scaled as CatGenerator's PIL resize does) and [`render_sheet`] on the
//! CPU; the GPU path fills a [`SheetCanvas`] from its batch readback.

use crate::encode::{EncodeError, encode_cell, encode_png};
use crate::plan::Plan;
use crate::{AtlasRepository, CELL, Canvas, CpuBackend};

/// Geometry of a sprite sheet: `count` tiles of `tile`×`tile` px in `columns` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLayout {
    /// Number of tiles.
    pub count: u32,
    /// Tiles per row.
    pub columns: u32,
    /// Tile side, px; frames are scaled to it nearest-neighbour.
    pub tile: u32,
}

impl SheetLayout {
    /// Rows needed.
    #[must_use]
    pub fn rows(&self) -> u32 {
        self.count.div_ceil(self.columns.max(1))
    }

    /// Sheet width, px.
    #[must_use]
    pub fn width(&self) -> u32 {
        self.columns * self.tile
    }

    /// Sheet height, px.
    #[must_use]
    pub fn height(&self) -> u32 {
        self.rows() * self.tile
    }

    /// Column and row of tile `i`.
    #[must_use]
    pub fn cell_of(&self, i: u32) -> (u32, u32) {
        (i % self.columns, i / self.columns)
    }
}

/// Renders every plan into one sheet and encodes it; with `sources`, also each frame as its
/// own 50×50 PNG.
///
/// # Errors
/// [`EncodeError`] only if the encoder fails.
pub fn render_sheet(
    cpu: &mut CpuBackend,
    repo: &AtlasRepository,
    plans: &[Plan],
    layout: SheetLayout,
    sources: bool,
) -> Result<(Vec<u8>, Vec<Vec<u8>>), EncodeError> {
    let mut sheet = SheetCanvas::new(layout);
    let mut frames = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let canvas = cpu.render(repo, plan);
        sheet.put(i, canvas);
        if sources {
            frames.push(encode_cell(canvas, 1)?);
        }
    }
    Ok((sheet.encode()?, frames))
}

/// A sprite sheet being filled with already-rendered cats (by [`render_sheet`] on the CPU,
/// or from a GPU batch's readback), each upscaled into its tile.
#[derive(Debug, Clone)]
pub struct SheetCanvas {
    layout: SheetLayout,
    pixels: Vec<u8>,
}

impl SheetCanvas {
    /// A transparent sheet of `layout`'s size.
    #[must_use]
    pub fn new(layout: SheetLayout) -> Self {
        let (w, h) = (layout.width() as usize, layout.height() as usize);
        Self {
            layout,
            pixels: vec![0u8; w * h * 4],
        }
    }

    /// Draws `canvas` into tile `i`, scaled nearest-neighbour to the tile size: output
    /// pixel `x` takes source pixel `⌊(x + ½)·(50 / tile)⌋` in double precision, as PIL's
    /// `Image.NEAREST` resize (which CatGenerator uses) computes it; for whole multiples of
    /// 50 it repeats each pixel exactly.
    pub fn put(&mut self, i: usize, canvas: &Canvas) {
        let layout = self.layout;
        let w = layout.width() as usize;
        let tile = layout.tile as usize;
        let (col, row) = layout.cell_of(i as u32);
        let (x0, y0) = (col as usize * tile, row as usize * tile);
        let step = CELL as f64 / tile as f64;
        let source = |d: usize| (((d as f64 + 0.5) * step) as usize).min(CELL - 1);
        for y in 0..tile {
            let sy = source(y);
            let src_row = &canvas[sy * CELL * 4..(sy + 1) * CELL * 4];
            let at = ((y0 + y) * w + x0) * 4;
            let dst = &mut self.pixels[at..at + tile * 4];
            if tile == CELL {
                dst.copy_from_slice(src_row);
            } else {
                for (x, px) in dst.chunks_exact_mut(4).enumerate() {
                    let s = source(x) * 4;
                    px.copy_from_slice(&src_row[s..s + 4]);
                }
            }
        }
    }

    /// Encodes the sheet as PNG.
    ///
    /// # Errors
    /// [`EncodeError`] only if the encoder fails.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode_png(self.layout.width(), self.layout.height(), &self.pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CELL_BYTES;

    fn numbered() -> Box<Canvas> {
        let mut c: Box<Canvas> = Box::new([0; CELL_BYTES]);
        for (i, px) in c.chunks_exact_mut(4).enumerate() {
            px.copy_from_slice(&[(i % CELL) as u8, (i / CELL) as u8, 7, 255]);
        }
        c
    }

    fn pixel(s: &SheetCanvas, x: usize, y: usize) -> [u8; 4] {
        let at = (y * s.layout.width() as usize + x) * 4;
        s.pixels[at..at + 4].try_into().expect("4 bytes")
    }

    #[test]
    fn tiles_fill_rows_left_to_right_and_whole_multiples_repeat_each_pixel() {
        let layout = SheetLayout {
            count: 3,
            columns: 2,
            tile: 100,
        };
        assert_eq!(
            (layout.rows(), layout.width(), layout.height()),
            (2, 200, 200)
        );
        assert_eq!(layout.cell_of(2), (0, 1));
        let mut sheet = SheetCanvas::new(layout);
        sheet.put(2, &numbered());
        assert_eq!(pixel(&sheet, 0, 100), [0, 0, 7, 255]);
        assert_eq!(pixel(&sheet, 1, 101), [0, 0, 7, 255]);
        assert_eq!(pixel(&sheet, 2, 100), [1, 0, 7, 255]);
        assert_eq!(pixel(&sheet, 99, 199), [49, 49, 7, 255]);
        assert_eq!(pixel(&sheet, 100, 100), [0; 4], "tile 3 stays empty");
        assert_eq!(pixel(&sheet, 0, 0), [0; 4], "tile 0 stays empty");
    }

    #[test]
    fn other_sizes_sample_as_pil_nearest_does() {
        let layout = SheetLayout {
            count: 1,
            columns: 1,
            tile: 20,
        };
        let mut sheet = SheetCanvas::new(layout);
        sheet.put(0, &numbered());
        // Output x takes source ⌊(x + ½)·2.5⌋: 1, 3, 6, 8, …
        let xs: Vec<u8> = (0..4).map(|x| pixel(&sheet, x, 0)[0]).collect();
        assert_eq!(xs, [1, 3, 6, 8]);
    }
}

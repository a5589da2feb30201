//! Planar cells: a 50×50 image as four 2,500-byte planes (R, G, B, A). The CPU backend
//! composes in this layout because every blend becomes a plain elementwise loop over bytes,
//! which the compiler turns into SIMD; interleaved RGBA would need per-pixel alpha shuffles.

use crate::atlas::CellView;
use crate::cell::{CELL, Canvas};

/// Pixels in one cell.
pub const PIXELS: usize = CELL * CELL;

/// One plane: a channel of a 50×50 image, row-major.
pub type Plane = [u8; PIXELS];

/// A 50×50 image as planes `[R, G, B, A]`.
pub type PlanarCell = [Plane; 4];

/// A cell's planes plus what the CPU backend needs to skip work safely.
#[derive(Debug, Clone)]
pub struct PlanarSprite {
    /// The pixels.
    pub planes: PlanarCell,
    /// Rows `span.0..span.1` hold every pixel that is not `(0,0,0,0)`; outside them the
    /// cell is all zeros. `(0, 0)` for an all-zero cell.
    pub span: (usize, usize),
    /// Bit `y` set: every alpha-0 pixel of row `y` has RGB 0 ("clean" row).
    pub clean_rows: u64,
}

impl PlanarSprite {
    /// Splits a cell into planes and records its row facts.
    #[must_use]
    pub fn from_view(view: &CellView<'_>) -> Box<Self> {
        let mut sprite = Box::new(Self {
            planes: [[0; PIXELS]; 4],
            span: (0, 0),
            clean_rows: 0,
        });
        from_view(view, &mut sprite.planes);
        let mut first = None;
        let mut last = 0;
        for y in 0..CELL {
            let row = view.row(y);
            if row.iter().any(|&b| b != 0) {
                first.get_or_insert(y);
                last = y + 1;
            }
            if row
                .chunks_exact(4)
                .all(|p| p[3] != 0 || p[..3] == [0, 0, 0])
            {
                sprite.clean_rows |= 1 << y;
            }
        }
        sprite.span = first.map_or((0, 0), |f| (f, last));
        sprite
    }
}

/// Every row clean.
pub const ALL_ROWS: u64 = (1 << CELL) - 1;

/// A boxed all-zero planar cell.
#[must_use]
pub fn zeroed() -> Box<PlanarCell> {
    Box::new([[0; PIXELS]; 4])
}

/// Splits an interleaved cell into planes.
pub fn from_view(view: &CellView<'_>, out: &mut PlanarCell) {
    for y in 0..CELL {
        let row = view.row(y);
        for (x, px) in row.chunks_exact(4).enumerate() {
            let i = y * CELL + x;
            out[0][i] = px[0];
            out[1][i] = px[1];
            out[2][i] = px[2];
            out[3][i] = px[3];
        }
    }
}

/// Interleaves planes into an RGBA8 canvas.
#[inline(always)]
pub fn to_canvas(planes: &PlanarCell, out: &mut Canvas) {
    for (i, px) in out.chunks_exact_mut(4).enumerate() {
        px[0] = planes[0][i];
        px[1] = planes[1][i];
        px[2] = planes[2][i];
        px[3] = planes[3][i];
    }
}

/// Mirrors every plane left to right.
#[inline(always)]
pub fn flip_horizontal(planes: &mut PlanarCell) {
    for plane in planes.iter_mut() {
        for row in plane.chunks_exact_mut(CELL) {
            row.reverse();
        }
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
    }
}

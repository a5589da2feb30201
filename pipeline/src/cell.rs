//! Cell geometry: the 50×50 RGBA8 canvas every cat is composed on.

/// Width and height of one sprite cell in pixels.
pub const CELL: usize = 50;
/// Bytes in one row of a cell (RGBA8).
pub const CELL_ROW_BYTES: usize = CELL * 4;
/// Bytes in one whole cell.
pub const CELL_BYTES: usize = CELL * CELL * 4;
/// Number of poses ("sprite numbers") in a group.
pub const POSES: usize = 21;

/// One 50×50 RGBA8 image, straight (not premultiplied) alpha, row-major.
///
/// Boxed by its owners so a canvas never sits on a worker's stack by accident.
pub type Canvas = [u8; CELL_BYTES];

/// A fresh fully transparent `(0,0,0,0)` canvas, boxed.
#[must_use]
pub fn transparent_canvas() -> Box<Canvas> {
    Box::new([0; CELL_BYTES])
}

/// Mirrors a canvas left to right in place: `out[y][x] = in[y][49-x]`.
pub fn flip_horizontal(canvas: &mut Canvas) {
    for row in canvas.chunks_exact_mut(CELL_ROW_BYTES) {
        for x in 0..CELL / 2 {
            let (a, b) = (x * 4, (CELL - 1 - x) * 4);
            for c in 0..4 {
                row.swap(a + c, b + c);
            }
        }
    }
}

/// A borrowed 50×50 RGBA8 cell: 50 rows of 200 bytes, `stride` bytes apart.
#[derive(Debug, Clone, Copy)]
pub struct CellView<'a> {
    data: &'a [u8],
    stride: usize,
}

impl<'a> CellView<'a> {
    /// A view of `data` with rows `stride` bytes apart (at least 50 rows must fit).
    #[inline]
    #[must_use]
    pub fn new(data: &'a [u8], stride: usize) -> Self {
        Self { data, stride }
    }

    /// Row `y` (0..50) as 200 bytes.
    #[inline(always)]
    #[must_use]
    pub fn row(&self, y: usize) -> &'a [u8] {
        let start = y * self.stride;
        &self.data[start..start + CELL_ROW_BYTES]
    }

    /// Copies the cell into a contiguous canvas.
    pub fn copy_to(&self, out: &mut Canvas) {
        for (y, dst) in out.chunks_exact_mut(CELL_ROW_BYTES).enumerate() {
            dst.copy_from_slice(self.row(y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flip_moves_the_first_pixel_of_a_row_to_its_last() {
        let mut c = transparent_canvas();
        c[0..4].copy_from_slice(&[1, 2, 3, 4]);
        c[CELL_ROW_BYTES..CELL_ROW_BYTES + 4].copy_from_slice(&[5, 6, 7, 8]);
        flip_horizontal(&mut c);
        assert_eq!(&c[CELL_ROW_BYTES - 4..CELL_ROW_BYTES], &[1, 2, 3, 4]);
        assert_eq!(
            &c[2 * CELL_ROW_BYTES - 4..2 * CELL_ROW_BYTES],
            &[5, 6, 7, 8]
        );
        assert_eq!(&c[0..4], &[0, 0, 0, 0]);
    }
}

/// A pose ("sprite number"), 0..=20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "u8")]
pub struct Pose(u8);

impl Pose {
    /// The pose `n`, if `n` is in 0..=20.
    #[must_use]
    pub const fn new(n: u8) -> Option<Self> {
        if (n as usize) < POSES {
            Some(Self(n))
        } else {
            None
        }
    }

    /// The sprite number.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl From<Pose> for u8 {
    fn from(p: Pose) -> u8 {
        p.0
    }
}

//! A small RGBA8 image with the few drawing operations the painters need.

/// Straight-alpha RGBA8 pixels, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Img {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// `w * h` pixels.
    pub px: Vec<[u8; 4]>,
}

impl Img {
    /// A fully transparent image.
    #[must_use]
    pub fn new(w: u32, h: u32) -> Self {
        Self {
            w,
            h,
            px: vec![[0; 4]; (w * h) as usize],
        }
    }

    /// The pixel at `(x, y)`; transparent outside the image.
    #[must_use]
    pub fn get(&self, x: i32, y: i32) -> [u8; 4] {
        if self.inside(x, y) {
            self.px[(y as u32 * self.w + x as u32) as usize]
        } else {
            [0; 4]
        }
    }

    /// Sets `(x, y)`; points outside the image are ignored so shapes may overhang.
    pub fn put(&mut self, x: i32, y: i32, c: [u8; 4]) {
        if self.inside(x, y) {
            let i = (y as u32 * self.w + x as u32) as usize;
            self.px[i] = c;
        }
    }

    fn inside(&self, x: i32, y: i32) -> bool {
        x >= 0 && y >= 0 && (x as u32) < self.w && (y as u32) < self.h
    }

    /// Copies `src` with its top-left corner at `(x, y)`.
    pub fn paste(&mut self, src: &Img, x: u32, y: u32) {
        for sy in 0..src.h {
            for sx in 0..src.w {
                self.put(
                    (x + sx) as i32,
                    (y + sy) as i32,
                    src.px[(sy * src.w + sx) as usize],
                );
            }
        }
    }

    /// The pixels as a flat byte vector.
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        self.px.iter().flatten().copied().collect()
    }
}

/// An opaque colour.
#[must_use]
pub const fn rgb(r: u8, g: u8, b: u8) -> [u8; 4] {
    [r, g, b, 255]
}

/// `c` scaled by `num / 16` per channel (alpha kept): darken below 16, lighten above.
#[must_use]
pub fn shade(c: [u8; 4], num: u32) -> [u8; 4] {
    let f = |v: u8| (u32::from(v) * num / 16).min(255) as u8;
    [f(c[0]), f(c[1]), f(c[2]), c[3]]
}

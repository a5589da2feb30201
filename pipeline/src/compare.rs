//! Exact image comparison for tests: all four channels, zero tolerance, and on a mismatch an
//! `expected | diff | actual` strip written where a person can look at it.

use std::path::Path;

/// Where two equally sized RGBA8 images differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Pixels that differ in any channel.
    pub pixels: usize,
    /// The first differing pixel `(x, y)` with expected and actual RGBA.
    pub first: ((usize, usize), [u8; 4], [u8; 4]),
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ((x, y), e, a) = self.first;
        write!(
            f,
            "{} pixel(s) differ; first at ({x}, {y}): expected {e:?}, got {a:?}",
            self.pixels
        )
    }
}

/// Compares two RGBA8 images of `width` pixels per row; `None` when equal in every byte.
///
/// # Panics
/// When the buffers differ in length or are not whole rows: that is a bug in the caller.
#[must_use]
pub fn compare_rgba(width: usize, expected: &[u8], actual: &[u8]) -> Option<Mismatch> {
    assert_eq!(expected.len(), actual.len(), "images differ in size");
    assert_eq!(expected.len() % (width * 4), 0, "not whole rows");
    let mut pixels = 0;
    let mut first = None;
    for (i, (e, a)) in expected
        .chunks_exact(4)
        .zip(actual.chunks_exact(4))
        .enumerate()
    {
        if e != a {
            pixels += 1;
            first.get_or_insert(((i % width, i / width), px(e), px(a)));
        }
    }
    first.map(|first| Mismatch { pixels, first })
}

fn px(s: &[u8]) -> [u8; 4] {
    [s[0], s[1], s[2], s[3]]
}

/// Writes `expected | diff | actual` side by side (diff: red where any channel differs,
/// dimmed expected elsewhere) as a PNG at `path`, scaled up 4× for viewing.
///
/// # Errors
/// When the file cannot be written.
pub fn write_diff_strip(
    path: &Path,
    width: usize,
    expected: &[u8],
    actual: &[u8],
) -> std::io::Result<()> {
    let height = expected.len() / 4 / width;
    let sw = width * 3;
    let mut strip = vec![0u8; sw * height * 4];
    for y in 0..height {
        for x in 0..width {
            let i = (y * width + x) * 4;
            let e = &expected[i..i + 4];
            let a = &actual[i..i + 4];
            let diff: [u8; 4] = if e == a {
                [e[0] / 4, e[1] / 4, e[2] / 4, 255]
            } else {
                [255, 0, 0, 255]
            };
            for (col, p) in [(0, e), (1, &diff[..]), (2, a)] {
                let o = (y * sw + col * width + x) * 4;
                strip[o..o + 4].copy_from_slice(p);
            }
        }
    }
    let big = crate::encode::upscale_nearest(sw, height, &strip, 4);
    let png = crate::encode::encode_png((sw * 4) as u32, (height * 4) as u32, &big)
        .map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_images_compare_equal() {
        let img: Vec<u8> = (0..400).map(|i| (i % 256) as u8).collect();
        assert_eq!(compare_rgba(10, &img, &img.clone()), None);
    }

    /// The canary: a comparator that cannot fail proves nothing.
    #[test]
    fn a_one_pixel_change_in_any_channel_fails_the_comparison() {
        let img: Vec<u8> = (0..400).map(|i| (i % 256) as u8).collect();
        for channel in 0..4 {
            let mut other = img.clone();
            other[37 * 4 + channel] ^= 1;
            let m = compare_rgba(10, &img, &other).expect("must differ");
            assert_eq!(m.pixels, 1);
            assert_eq!(m.first.0, (7, 3));
        }
    }

    #[test]
    fn a_change_hidden_under_zero_alpha_still_fails() {
        let img = vec![0u8; 400];
        let mut other = img.clone();
        other[0] = 5; // RGB of a fully transparent pixel
        assert!(compare_rgba(10, &img, &other).is_some());
    }
}

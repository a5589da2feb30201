//! PNG encoding of RGBA8 images with a fast deflate setting.

/// Why an image could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The pixel buffer does not match the stated size.
    #[error("pixel buffer of {len} bytes does not fit {width}×{height} RGBA8")]
    Size {
        /// Width, px.
        width: u32,
        /// Height, px.
        height: u32,
        /// Bytes given.
        len: usize,
    },
    /// The encoder failed.
    #[error("png encoder: {0}")]
    Png(#[from] png::EncodingError),
}

/// Encodes straight RGBA8 pixels as a PNG, appending to `out`.
///
/// # Errors
/// [`EncodeError::Size`] when `pixels` is not `width * height * 4` bytes.
pub fn encode_png_into(
    out: &mut Vec<u8>,
    width: u32,
    height: u32,
    pixels: &[u8],
) -> Result<(), EncodeError> {
    if pixels.len() != width as usize * height as usize * 4 || width == 0 || height == 0 {
        return Err(EncodeError::Size {
            width,
            height,
            len: pixels.len(),
        });
    }
    let mut enc = png::Encoder::new(&mut *out, width, height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header()?;
    w.write_image_data(pixels)?;
    w.finish()?;
    Ok(())
}

/// Encodes straight RGBA8 pixels as a new PNG.
///
/// # Errors
/// As [`encode_png_into`].
pub fn encode_png(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(pixels.len() / 2 + 128);
    encode_png_into(&mut out, width, height, pixels)?;
    Ok(out)
}

/// Scales an RGBA8 image up by a whole factor, nearest neighbour.
#[must_use]
pub fn upscale_nearest(width: usize, height: usize, pixels: &[u8], factor: usize) -> Vec<u8> {
    let ow = width * factor;
    let mut out = Vec::with_capacity(pixels.len() * factor * factor);
    for y in 0..height {
        let row = &pixels[y * width * 4..(y + 1) * width * 4];
        let start = out.len();
        for px in row.chunks_exact(4) {
            for _ in 0..factor {
                out.extend_from_slice(px);
            }
        }
        for _ in 1..factor {
            out.extend_from_within(start..start + ow * 4);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::atlas::decode_png;

    #[test]
    fn encoding_round_trips_every_channel() {
        let pixels: Vec<u8> = (0..=255u8).cycle().take(7 * 3 * 4).collect();
        let png = encode_png(7, 3, &pixels).expect("encodes");
        let back = decode_png(Cursor::new(png), "t").expect("decodes");
        assert_eq!(back.pixels, pixels);
    }

    #[test]
    fn a_wrongly_sized_buffer_is_an_error() {
        assert!(encode_png(2, 2, &[0; 15]).is_err());
    }

    #[test]
    fn upscaling_repeats_pixels_in_both_directions() {
        let px = [1, 2, 3, 4, 5, 6, 7, 8];
        let out = upscale_nearest(2, 1, &px, 2);
        assert_eq!(
            out,
            [
                1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8,
                5, 6, 7, 8
            ]
        );
    }
}

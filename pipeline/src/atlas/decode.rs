//! PNG → raw RGBA8 with no colour management: gAMA, iCCP, sRGB and cHRM chunks are ignored,
//! as the game ignores them. Palette, grey and 16-bit images are expanded to RGBA8.

use std::io::{BufRead, Seek};

use super::AtlasError;

/// A decoded image: width, height and `width * height * 4` bytes of straight RGBA8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGBA8 pixels, no padding.
    pub pixels: Vec<u8>,
}

/// The most pixels one sheet may have: 64 Mi (256 MiB as RGBA8), far above any sprite atlas.
/// A PNG header can claim 4 billion rows in a few bytes; without this bound the decoder's
/// buffer allocation aborted the process (found by `fuzz/sprite_folder`).
pub const MAX_IMAGE_PIXELS: u64 = 1 << 26;

/// Decodes a PNG stream to raw RGBA8.
///
/// # Errors
/// [`AtlasError::Decode`] when the stream is not a PNG the `png` crate can read, or its
/// header claims more than `MAX_IMAGE_PIXELS` (64 Mi) pixels.
pub fn decode_png<R: BufRead + Seek>(reader: R, what: &str) -> Result<RgbaImage, AtlasError> {
    let mut pixels = Vec::new();
    let (width, height) = decode_png_into(reader, what, &mut pixels)?;
    Ok(RgbaImage {
        width,
        height,
        pixels,
    })
}

/// As [`decode_png`], into `pixels` (cleared first; its allocation is reused when large
/// enough): returns width and height. The atlas loader decodes every sheet of a thread into
/// one buffer this way, so the load leaves no trail of freed multi-megabyte buffers behind
/// in the allocator.
///
/// # Errors
/// As [`decode_png`].
pub fn decode_png_into<R: BufRead + Seek>(
    mut reader: R,
    what: &str,
    pixels: &mut Vec<u8>,
) -> Result<(u32, u32), AtlasError> {
    // png 0.18.1 panics (slice index) expanding a palette whose PLTE length is not a multiple
    // of three (found by `fuzz/sprite_folder`): such a palette is refused before decoding,
    // and any other panic in the decoder is caught, so a broken file is an error, not a crash.
    if let Some(reason) = bad_palette(&mut reader) {
        return Err(AtlasError::Decode {
            file: what.to_owned(),
            reason,
        });
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_unguarded(reader, what, pixels)
    }))
    .unwrap_or_else(|_| {
        Err(AtlasError::Decode {
            file: what.to_owned(),
            reason: "the PNG decoder failed on this file (malformed chunks)".to_owned(),
        })
    })
}

/// Walks the chunks before the image data (then rewinds): a `PLTE` must hold 1 to 256 whole
/// RGB entries. `None` when it does, or when the stream is too broken to tell (the decoder
/// then says why).
fn bad_palette<R: BufRead + Seek>(reader: &mut R) -> Option<String> {
    let start = reader.stream_position().ok()?;
    let mut walk = || -> Option<String> {
        let mut signature = [0u8; 8];
        reader.read_exact(&mut signature).ok()?;
        loop {
            let mut head = [0u8; 8];
            reader.read_exact(&mut head).ok()?;
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            match &head[4..] {
                b"PLTE" if len == 0 || len % 3 != 0 || len > 768 => {
                    return Some(format!("PLTE of {len} bytes is not 1 to 256 RGB entries"));
                }
                b"IDAT" | b"IEND" => return None,
                _ => {
                    reader
                        .seek(std::io::SeekFrom::Current(i64::from(len) + 4))
                        .ok()?;
                }
            }
        }
    };
    let verdict = walk();
    reader.seek(std::io::SeekFrom::Start(start)).ok()?;
    verdict
}

fn decode_unguarded<R: BufRead + Seek>(
    reader: R,
    what: &str,
    buf: &mut Vec<u8>,
) -> Result<(u32, u32), AtlasError> {
    let err = |e: png::DecodingError| AtlasError::Decode {
        file: what.to_owned(),
        reason: e.to_string(),
    };
    let mut decoder = png::Decoder::new(reader);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(err)?;
    let (w, h) = (reader.info().width, reader.info().height);
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(AtlasError::Decode {
            file: what.to_owned(),
            reason: format!("{w}x{h} is more than {MAX_IMAGE_PIXELS} pixels"),
        });
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| AtlasError::Decode {
            file: what.to_owned(),
            reason: "image too large".to_owned(),
        })?;
    buf.clear();
    buf.resize(size, 0);
    let info = reader.next_frame(buf).map_err(err)?;
    buf.truncate(info.buffer_size());
    let expanded: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => return Ok((info.width, info.height)),
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        // EXPAND turns palettes into RGB(A); reaching this arm means the decoder changed.
        png::ColorType::Indexed => {
            return Err(AtlasError::Decode {
                file: what.to_owned(),
                reason: "indexed colour was not expanded".to_owned(),
            });
        }
    };
    *buf = expanded;
    Ok((info.width, info.height))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn encode(color: png::ColorType, data: &[u8], w: u32, h: u32, gamma: bool) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(color);
            enc.set_depth(png::BitDepth::Eight);
            if gamma {
                enc.set_source_gamma(png::ScaledFloat::new(1.0 / 1.2));
            }
            if color == png::ColorType::Indexed {
                enc.set_palette(vec![10, 20, 30, 40, 50, 60]);
                enc.set_trns(vec![128, 255]);
            }
            let mut w = enc.write_header().expect("header");
            w.write_image_data(data).expect("data");
        }
        out
    }

    #[test]
    fn gamma_chunks_do_not_change_the_pixels() {
        let data = [1, 2, 3, 4, 200, 100, 50, 0];
        let png = encode(png::ColorType::Rgba, &data, 2, 1, true);
        let img = decode_png(Cursor::new(png), "t").expect("decodes");
        assert_eq!(img.pixels, data);
    }

    #[test]
    fn palette_and_grey_images_expand_to_rgba() {
        let png = encode(png::ColorType::Indexed, &[0, 1], 2, 1, false);
        let img = decode_png(Cursor::new(png), "t").expect("decodes");
        assert_eq!(img.pixels, [10, 20, 30, 128, 40, 50, 60, 255]);
        let png = encode(png::ColorType::GrayscaleAlpha, &[7, 9], 1, 1, false);
        let img = decode_png(Cursor::new(png), "t").expect("decodes");
        assert_eq!(img.pixels, [7, 7, 7, 9]);
    }

    #[test]
    fn garbage_is_a_decode_error_not_a_panic() {
        let err = decode_png(Cursor::new(b"not a png".to_vec()), "x.png").unwrap_err();
        assert!(matches!(err, AtlasError::Decode { .. }));
    }

    #[test]
    fn a_header_claiming_billions_of_pixels_is_refused_before_allocating() {
        // fuzz/sprite_folder's find: 253 x 4294967290 16-bit grey in 80 bytes aborted the
        // process on allocation. Its bytes, less the target's one selector byte:
        let png = include_bytes!("../../../fuzz/seeds/sprite_folder/regress-huge-header.bin");
        let err = decode_png(Cursor::new(&png[1..]), "x.png").unwrap_err();
        match err {
            AtlasError::Decode { reason, .. } => assert!(reason.contains("pixels"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_palette_of_a_length_the_decoder_cannot_expand_is_an_error_not_a_panic() {
        // fuzz/sprite_folder's find: a 49-byte PLTE (CRCs valid) made png 0.18.1 panic.
        let png = include_bytes!("../../../fuzz/seeds/sprite_folder/regress-png-short-palette.bin");
        match decode_png(Cursor::new(&png[1..]), "x.png").unwrap_err() {
            AtlasError::Decode { reason, .. } => assert!(reason.contains("PLTE"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}

//! PNG encoding with fixed settings (RGBA8, adaptive filter, balanced compression, no
//! ancillary chunks), and decoding back to raw RGBA8 for the reproducibility tests.

use std::io::Cursor;

use crate::sheets::Image;

/// Encodes `img` as an RGBA8 PNG. Same pixels and same `png` version give the same bytes;
/// the tests compare decoded pixels, so a newer `png` that compresses differently is fine.
///
/// # Errors
/// Fails if the encoder rejects the image (only for impossible sizes).
pub fn encode(img: &Image) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(
            &mut out,
            u32::try_from(img.width)?,
            u32::try_from(img.height)?,
        );
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
        enc.set_filter(png::Filter::Adaptive);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&img.rgba)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Decodes a PNG to RGBA8, expanding palette, grey and 16-bit images and ignoring gamma
/// (the game ignores it too, spec §1).
///
/// # Errors
/// Fails on a malformed PNG.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Image> {
    let mut dec = png::Decoder::new(Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info()?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| anyhow::anyhow!("PNG too large to decode"))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let (width, height) = (info.width as usize, info.height as usize);
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => anyhow::bail!("palette PNG was not expanded"),
    };
    Ok(Image {
        width,
        height,
        rgba,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_decode_gives_the_same_pixels() -> anyhow::Result<()> {
        let rgba: Vec<u8> = (0..6 * 4 * 4).map(|i| (i * 37 % 256) as u8).collect();
        let img = Image {
            width: 6,
            height: 4,
            rgba,
        };
        let back = decode(&encode(&img)?)?;
        assert_eq!((back.width, back.height), (6, 4));
        assert_eq!(back.rgba, img.rgba);
        Ok(())
    }
}

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

/// Decodes a PNG to RGBA8 with the renderer's own decoder (palette, grey and 16-bit
/// expanded, gamma ignored as the game ignores it, spec §1), so the art is checked the way
/// the service will read it.
///
/// # Errors
/// Fails on a malformed PNG.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Image> {
    let img = pipeline::atlas::decode_png(Cursor::new(bytes), "artgen")?;
    Ok(Image {
        width: img.width as usize,
        height: img.height as usize,
        rgba: img.pixels,
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

//! PNG encoding of RGBA8 images: a minimal standard PNG (IHDR, one IDAT, IEND). Sprites
//! go through our own sprite-fitted deflate on one thread (large images in zlib-rs strips
//! compressed at once on several threads); chunk textures always through zlib-rs strips,
//! at the level the service is configured with ([`ZlibLevel`]).
//!
//! - `huffman`: length-limited Huffman codes and the dynamic block header.
//! - `sprite_deflate`: `SpriteDeflate`, the one-thread zlib stream.

mod huffman;
mod sprite_deflate;

use crate::cell::{CELL, Canvas};
use crate::threads::cores;
use sprite_deflate::SpriteDeflate;

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
    /// The compressor failed.
    #[error("deflate: {0}")]
    Deflate(String),
    /// A compression thread panicked.
    #[error("a compression thread panicked")]
    Thread,
}

/// Rows per strip at least, when a large image is compressed in parallel strips.
const STRIP_MIN_ROWS: usize = 64;

/// Smallest image (bytes of RGBA8) worth compressing on several threads.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// zlib level of a sprite image's parallel strips (large sheets and upscaled images are
/// answered while a client waits: the fastest real compression).
const STRIP_LEVEL: ZlibLevel = ZlibLevel(1);

/// A zlib compression level, 1 (fastest) to 9 (smallest): what chunk textures are
/// compressed at (`CG3_TEXTURE_PNG_LEVEL`), and sprite images' parallel strips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZlibLevel(u8);

impl ZlibLevel {
    /// Level 1: a 2048² texture from request to stored PNG stays within 40 ms on two cores
    /// (the size our Kubernetes pods get). Level 2 writes 38 % fewer bytes for about 65 %
    /// more encoding time (10 ms more at 2048² on two cores); levels 3 and up save a few %
    /// more for far more time (BENCHMARKS.md, "Chunk textures: blocks, bands, filters and
    /// the PNG level"). Where bandwidth costs more than encoding, set 2: a texture is
    /// encoded once and downloaded many times.
    pub const DEFAULT: Self = Self(1);

    /// The level `level`, if zlib has it (1..=9; 0 would store the pixels uncompressed).
    #[must_use]
    pub fn new(level: u32) -> Option<Self> {
        u8::try_from(level)
            .ok()
            .filter(|l| (1..=9).contains(l))
            .map(Self)
    }

    /// The zlib level.
    #[must_use]
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }

    /// The row filter that compresses best at this level, measured on our tile art
    /// (BENCHMARKS.md, "Chunk textures: blocks, bands, filters and the PNG level"): level 1
    /// (zlib's fixed codes, one match try) does best on `Sub`; from level 2, which searches
    /// further, on the raw pixels, where a repeated tile is the same bytes wherever it lies.
    const fn filters(self) -> Filters {
        if self.0 == 1 {
            Filters::Sub
        } else {
            Filters::Raw
        }
    }
}

impl Default for ZlibLevel {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Encodes straight RGBA8 sprite pixels (cats, sheets of cats) as a PNG, appending to
/// `out`, on as many threads as help (see [`encode_png_into_threads`]); chunk textures go
/// through [`encode_texture_into`].
///
/// # Errors
/// [`EncodeError::Size`] when `pixels` is not `width * height * 4` bytes.
pub fn encode_png_into(
    out: &mut Vec<u8>,
    width: u32,
    height: u32,
    pixels: &[u8],
) -> Result<(), EncodeError> {
    encode_png_into_threads(out, width, height, pixels, threads_for(pixels.len()))
}

/// Threads worth compressing `len` bytes of pixels on: one per core from
/// [`PARALLEL_MIN_BYTES`] on, else one.
fn threads_for(len: usize) -> usize {
    if len >= PARALLEL_MIN_BYTES {
        cores()
    } else {
        1
    }
}

/// Encodes straight RGBA8 pixels as a PNG, appending to `out`: one IHDR, one IDAT holding a
/// zlib stream of the rows with the `Up` filter (each byte minus the one above: pixel art's
/// flat areas become runs of zeros), IEND; a standard PNG for any decoder.
///
/// On one thread the stream comes from `SpriteDeflate`, a deflate for filtered sprite rows
/// that needs no setup (setting up a general deflate stream costs more than compressing a
/// whole 50×50 sprite). On `threads > 1` the rows are cut into strips compressed at once
/// (zlib-rs, level 1), each ended by a sync flush so the strips concatenate into one valid
/// stream, as pigz does; the Adler-32 is combined from the strips'.
///
/// # Errors
/// [`EncodeError::Size`] when `pixels` is not `width * height * 4` bytes.
pub fn encode_png_into_threads(
    out: &mut Vec<u8>,
    width: u32,
    height: u32,
    pixels: &[u8],
    threads: usize,
) -> Result<(), EncodeError> {
    let strips = threads.min(height as usize / STRIP_MIN_ROWS);
    let deflate = if strips > 1 {
        Deflate::Zlib(strips, STRIP_LEVEL)
    } else {
        Deflate::Sprite
    };
    encode_filtered(out, (width, height), pixels, deflate, Filters::Up)
}

/// Encodes a chunk texture as a PNG, appending to `out`: rows filtered as suits `level`
/// (`Sub` at 1, none above), always through zlib-rs at `level`, in strips compressed at
/// once on the cores there are (one per 64 rows at most). Textures are downloaded many
/// times, and zlib's matches find the repeated tiles: even at level 1 a 256² texture is
/// 35 % smaller than through our sprite deflate, 2048² 62 % (BENCHMARKS.md, "Large
/// textures: why zlib-rs strips stay").
///
/// # Errors
/// [`EncodeError::Size`] when `pixels` is not `width * height * 4` bytes.
pub fn encode_texture_into(
    out: &mut Vec<u8>,
    width: u32,
    height: u32,
    pixels: &[u8],
    level: ZlibLevel,
) -> Result<(), EncodeError> {
    let strips = cores().min(height as usize / STRIP_MIN_ROWS);
    encode_filtered(
        out,
        (width, height),
        pixels,
        Deflate::Zlib(strips, level),
        level.filters(),
    )
}

/// Which deflate writes the IDAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deflate {
    /// [`SpriteDeflate`] on this thread.
    Sprite,
    /// zlib-rs at this level, in this many strips compressed at once (0 counts as 1).
    Zlib(usize, ZlibLevel),
}

/// [`encode_png_into_threads`] with each row's filter chosen by `filters`.
fn encode_filtered(
    out: &mut Vec<u8>,
    (width, height): (u32, u32),
    pixels: &[u8],
    deflate: Deflate,
    filters: Filters,
) -> Result<(), EncodeError> {
    if pixels.len() != width as usize * height as usize * 4 || width == 0 || height == 0 {
        return Err(EncodeError::Size {
            width,
            height,
            len: pixels.len(),
        });
    }
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&height.to_be_bytes());
    // 8 bits per channel, colour type 6 (RGBA), deflate, adaptive filtering, no interlace.
    ihdr[8..].copy_from_slice(&[8, 6, 0, 0, 0]);
    chunk(out, *b"IHDR", |o| o.extend_from_slice(&ihdr));
    let row = width as usize * 4;
    chunk(out, *b"IDAT", |o| match deflate {
        Deflate::Sprite => {
            zlib_one(o, pixels, row, filters);
            Ok(())
        }
        Deflate::Zlib(strips, level) => {
            zlib_strips(o, pixels, row, (strips.max(1), level), filters)
        }
    })?;
    chunk(out, *b"IEND", |_| Ok::<(), EncodeError>(()))?;
    Ok(())
}

/// Appends one PNG chunk whose data `body` writes: length, type, data, CRC.
fn chunk<T>(out: &mut Vec<u8>, kind: [u8; 4], body: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&kind);
    let result = body(out);
    let len = out.len() - start - 8;
    // One chunk holds at most 2^31 - 1 bytes; our largest canvas (4096² RGBA, 64 MiB)
    // stays far below that even uncompressed.
    out[start..start + 4].copy_from_slice(&(len as u32).to_be_bytes());
    let crc = crc32fast::hash(&out[start + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    result
}

/// Which filter each row gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filters {
    /// `Up` on every row: pixel art's flat areas become runs of zeros.
    Up,
    /// For an image upscaled `n` times nearest neighbour: `Sub` on the first row of each
    /// group of `n` (its pixels repeat `n` times across, so all but the first of each
    /// repeat become zeros), `Up` on the others (copies of the row above: all zeros).
    Upscaled(usize),
    /// `None` on every row: the pixels as they are, so a tile repeated anywhere is the same
    /// bytes again for zlib's matches (with `Up` it depends on the tile above).
    Raw,
    /// `Sub` on every row: each byte minus the same channel of the pixel before.
    Sub,
}

/// Writes row `y` of `pixels`, filtered, after its filter byte into `dst` (`row + 1`
/// bytes). `Up` takes the first row's above as zeros, which leaves it as it is.
fn filter_row(dst: &mut [u8], pixels: &[u8], row: usize, y: usize, filters: Filters) {
    let cur = &pixels[y * row..(y + 1) * row];
    let (filter, dst) = dst.split_at_mut(1);
    match filters {
        Filters::Raw => {
            filter[0] = 0;
            dst.copy_from_slice(cur);
        }
        Filters::Sub => sub(filter, dst, cur),
        Filters::Upscaled(n) if y.is_multiple_of(n) => sub(filter, dst, cur),
        _ if y == 0 => {
            filter[0] = 2;
            dst.copy_from_slice(cur);
        }
        _ => {
            filter[0] = 2;
            let above = &pixels[(y - 1) * row..y * row];
            for ((d, c), a) in dst.iter_mut().zip(cur).zip(above) {
                *d = c.wrapping_sub(*a);
            }
        }
    }
}

/// Writes `cur` with the `Sub` filter: its type byte into `filter`, then each byte minus the
/// same channel of the pixel before (the first pixel as it is) into `dst`.
fn sub(filter: &mut [u8], dst: &mut [u8], cur: &[u8]) {
    filter[0] = 1;
    dst[..4].copy_from_slice(&cur[..4]);
    // Plain loops over slices compile to vector subtractions.
    for ((d, c), l) in dst[4..].iter_mut().zip(&cur[4..]).zip(cur) {
        *d = c.wrapping_sub(*l);
    }
}

/// Filters rows `rows` of `pixels` into `dst`, `row + 1` bytes each.
fn filter_rows(
    dst: &mut [u8],
    pixels: &[u8],
    row: usize,
    rows: std::ops::Range<usize>,
    filters: Filters,
) {
    for (line, y) in dst.chunks_exact_mut(row + 1).zip(rows) {
        filter_row(line, pixels, row, y, filters);
    }
}

thread_local! {
    /// The filtered rows of a small image, kept per thread between encodings.
    static FILTERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Images up to this many filtered bytes are filtered whole into [`FILTERED`] and
/// compressed in one call (fewer, longer zero runs); larger ones row by row.
const WHOLE_MAX_BYTES: usize = 256 << 10;

/// The whole zlib stream on this thread, through [`SpriteDeflate`].
fn zlib_one(out: &mut Vec<u8>, pixels: &[u8], row: usize, filters: Filters) {
    let rows = pixels.len() / row;
    if rows * (row + 1) <= WHOLE_MAX_BYTES {
        FILTERED.with(|cell| {
            let mut filtered = cell.borrow_mut();
            let len = rows * (row + 1);
            // Grown, never shrunk or cleared: every byte used is written below.
            if filtered.len() < len {
                filtered.resize(len, 0);
            }
            filter_rows(&mut filtered[..len], pixels, row, 0..rows, filters);
            zlib_filtered(out, &filtered[..len]);
        });
    } else {
        let mut z = SpriteDeflate::new();
        let mut line = vec![0; row + 1];
        for y in 0..rows {
            filter_row(&mut line, pixels, row, y, filters);
            z.write(&line);
        }
        z.finish(out);
    }
}

/// Appends the zlib stream of already filtered PNG rows to `out`: what the IDAT of an image
/// encoded on one thread holds. Public so benchmarks can set it against other deflaters.
pub fn zlib_filtered(out: &mut Vec<u8>, filtered: &[u8]) {
    let mut z = SpriteDeflate::new();
    z.write(filtered);
    z.finish(out);
}

/// The zlib stream from `strips` strips compressed on as many threads.
fn zlib_strips(
    out: &mut Vec<u8>,
    pixels: &[u8],
    row: usize,
    (strips, level): (usize, ZlibLevel),
    filters: Filters,
) -> Result<(), EncodeError> {
    let rows = pixels.len() / row;
    let per = rows.div_ceil(strips);
    let bounds: Vec<(usize, usize)> = (0..rows)
        .step_by(per)
        .map(|r| (r, (r + per).min(rows)))
        .collect();
    let last = bounds.len() - 1;
    let done: Vec<Result<Strip, EncodeError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                scope.spawn(move || compress_strip(pixels, row, b, (i == last, level), filters))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(EncodeError::Thread)))
            .collect()
    });
    // zlib header: deflate, 32 KiB window, FLEVEL 0 ("fastest": informative only, any
    // value is valid), FCHECK making it a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut adler = 1;
    for (i, strip) in done.into_iter().enumerate() {
        let strip = strip?;
        out.extend_from_slice(&strip.deflate);
        let (start, end) = bounds[i];
        adler = if i == 0 {
            strip.adler
        } else {
            adler32_combine(adler, strip.adler, ((end - start) * (row + 1)) as u64)
        };
    }
    out.extend_from_slice(&adler.to_be_bytes());
    Ok(())
}

/// One strip's raw deflate data and the Adler-32 of its filtered bytes.
struct Strip {
    deflate: Vec<u8>,
    adler: u32,
}

/// Filtered bytes a strip hands zlib at a time: a block filtered into a buffer that stays
/// in the core's cache, instead of the whole strip (8 MiB at 2048²) into fresh memory.
const STRIP_BLOCK_BYTES: usize = 128 << 10;

/// Filters rows `start..end` block by block and compresses them as raw deflate, ending in
/// a sync flush (byte-aligned, not final) unless `last`.
fn compress_strip(
    pixels: &[u8],
    row: usize,
    (start, end): (usize, usize),
    (last, level): (bool, ZlibLevel),
    filters: Filters,
) -> Result<Strip, EncodeError> {
    let line = row + 1;
    let block_rows = (STRIP_BLOCK_BYTES / line).max(1);
    let mut block = vec![0; block_rows.min(end - start) * line];
    let mut adler = simd_adler32::Adler32::new();
    let mut z = flate2::Compress::new(flate2::Compression::new(level.get()), false);
    // Textures compress to a fifth of their filtered bytes or less: one allocation.
    let mut deflate = Vec::with_capacity((end - start) * line / 4 + 64);
    for y in (start..end).step_by(block_rows) {
        let next = (y + block_rows).min(end);
        let block = &mut block[..(next - y) * line];
        filter_rows(block, pixels, row, y..next, filters);
        adler.write(block);
        let flush = if next < end {
            flate2::FlushCompress::None
        } else if last {
            flate2::FlushCompress::Finish
        } else {
            flate2::FlushCompress::Sync
        };
        deflate_into(&mut z, block, &mut deflate, flush)?;
    }
    Ok(Strip {
        deflate,
        adler: adler.finish(),
    })
}

/// Feeds all of `input` to `z`, growing `out` as needed; with a sync flush until it has
/// fully come out, with finish until the stream's end.
fn deflate_into(
    z: &mut flate2::Compress,
    input: &[u8],
    out: &mut Vec<u8>,
    flush: flate2::FlushCompress,
) -> Result<(), EncodeError> {
    let first = z.total_in();
    loop {
        let consumed = (z.total_in() - first) as usize;
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(4096));
        }
        let status = z
            .compress_vec(&input[consumed..], out, flush)
            .map_err(|e| EncodeError::Deflate(e.to_string()))?;
        if ((z.total_in() - first) as usize) < input.len() {
            continue;
        }
        let done = match flush {
            flate2::FlushCompress::Finish => status == flate2::Status::StreamEnd,
            // Room left over: the flush has fully come out.
            flate2::FlushCompress::Sync => out.len() < out.capacity(),
            _ => true,
        };
        if done {
            return Ok(());
        }
    }
}

/// The Adler-32 of `A ++ B` from those of `A` and `B` and the length of `B` (zlib's
/// `adler32_combine`).
fn adler32_combine(a: u32, b: u32, len_b: u64) -> u32 {
    const BASE: u64 = 65521;
    let rem = len_b % BASE;
    let (a1, a2) = (u64::from(a & 0xffff), u64::from(a >> 16));
    let (b1, b2) = (u64::from(b & 0xffff), u64::from(b >> 16));
    let sum1 = (a1 + b1 + BASE - 1) % BASE;
    let sum2 = (rem * a1 % BASE + a2 + b2 + BASE - rem) % BASE;
    (sum1 | (sum2 << 16)) as u32
}

/// Encodes straight RGBA8 pixels as a new PNG, its allocation exactly its length (caches
/// weigh what they hold by length; spare capacity would be memory they do not count).
///
/// # Errors
/// As [`encode_png_into`].
pub fn encode_png(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(pixels.len() / 2 + 128);
    encode_png_into(&mut out, width, height, pixels)?;
    out.shrink_to_fit();
    Ok(out)
}

/// Encodes one finished 50×50 cell, upscaled nearest-neighbour by `scale` (0 and 1 = as is;
/// an upscaled cell's rows are filtered to match: see `Filters::Upscaled`).
///
/// # Errors
/// [`EncodeError`] only if the encoder itself fails.
pub fn encode_cell(canvas: &Canvas, scale: u32) -> Result<Vec<u8>, EncodeError> {
    let side = CELL as u32;
    if scale <= 1 {
        encode_png(side, side, canvas)
    } else {
        let big = upscale_nearest(CELL, CELL, canvas, scale as usize);
        let mut out = Vec::with_capacity(big.len() / 16 + 128);
        // One thread whatever the size: with the repeats filtered to zeros, our deflate on
        // one core is as small at scale 16 (2.56 MB of pixels) as zlib-rs strips on two
        // (BENCHMARKS.md, "Upscaled cats").
        let filters = Filters::Upscaled(scale as usize);
        let dims = (side * scale, side * scale);
        encode_filtered(&mut out, dims, &big, Deflate::Sprite, filters)?;
        out.shrink_to_fit();
        Ok(out)
    }
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
    fn large_images_compressed_in_parallel_strips_decode_to_the_same_pixels() {
        // Enough rows for several strips; varied content so every strip has real data.
        let (w, h) = (1024u32, 1100u32);
        let pixels: Vec<u8> = (0..w as usize * h as usize * 4)
            .map(|i| ((i * 2_654_435_761) >> 13) as u8 & if i % 7 == 0 { 0xff } else { 0x0f })
            .collect();
        let png = encode_png_into_threads_vec(w, h, &pixels, 3);
        let back = decode_png(Cursor::new(&png), "t").expect("decodes");
        assert_eq!(back.pixels, pixels);
        assert_eq!(
            back.pixels,
            decode_png(
                Cursor::new(encode_png_into_threads_vec(w, h, &pixels, 1)),
                "t"
            )
            .expect("decodes")
            .pixels,
            "one thread and three give the same image"
        );
        // Another decoder (the `png` crate, checking every CRC and the Adler-32) agrees.
        let mut d = png::Decoder::new(Cursor::new(&png));
        d.ignore_checksums(false);
        let mut reader = d.read_info().expect("header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        reader.next_frame(&mut buf).expect("frame");
        assert_eq!(buf, pixels);
    }

    fn encode_png_into_threads_vec(w: u32, h: u32, pixels: &[u8], threads: usize) -> Vec<u8> {
        let mut out = Vec::new();
        encode_png_into_threads(&mut out, w, h, pixels, threads).expect("encodes");
        out
    }

    /// The 50×50 cells of the golden cats sheet that hold a cat.
    fn golden_cats() -> Vec<Vec<u8>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/golden/cats.png");
        let file = std::fs::read(path).expect("the golden cats are in the repository");
        let sheet = decode_png(Cursor::new(file), "cats").expect("decodes");
        let (w, h) = (sheet.width as usize, sheet.height as usize);
        let mut cats = Vec::new();
        for y in (0..h).step_by(CELL) {
            for x in (0..w).step_by(CELL) {
                let cell: Vec<u8> = (y..y + CELL)
                    .flat_map(|r| &sheet.pixels[(r * w + x) * 4..(r * w + x + CELL) * 4])
                    .copied()
                    .collect();
                if cell.chunks_exact(4).any(|p| p[3] != 0) {
                    cats.push(cell);
                }
            }
        }
        cats
    }

    #[test]
    fn golden_cats_round_trip_and_compress_better_than_fdeflate() {
        let cats = golden_cats();
        assert!(cats.len() > 300, "{} cats", cats.len());
        let (mut ours, mut theirs) = (0, 0);
        for cat in &cats {
            let png = encode_png(50, 50, cat).expect("encodes");
            let back = decode_png(Cursor::new(&png), "t").expect("decodes");
            assert_eq!(&back.pixels, cat);
            ours += png.len();
            // The same PNG with fdeflate's stream in the IDAT.
            let mut filtered = vec![0; 50 * 201];
            filter_rows(&mut filtered, cat, 200, 0..50, Filters::Up);
            let mut z = Vec::new();
            let mut c = fdeflate::Compressor::new(&mut z).expect("in memory");
            c.write_data(&filtered).expect("in memory");
            c.finish().expect("in memory");
            let mut ref_z = Vec::new();
            zlib_filtered(&mut ref_z, &filtered);
            theirs += png.len() - ref_z.len() + z.len();
        }
        eprintln!("golden cats: ours {ours} bytes, with fdeflate's stream {theirs}");
        // The table was fitted to these cats (−9.5 % here): an unfitted, flat one (every
        // literal 8 or 9 bits) loses this by far.
        assert!(
            ours * 100 < theirs * 95,
            "ours {ours} bytes against fdeflate's {theirs}"
        );
    }

    #[test]
    fn upscaled_cells_round_trip_and_filter_their_repeats_away() {
        let cat = &golden_cats()[7];
        let mut cell = [0u8; crate::CELL_BYTES];
        cell.copy_from_slice(cat);
        for scale in [2, 3, 4, 8, 16] {
            let png = encode_cell(&cell, scale).expect("encodes");
            let back = decode_png(Cursor::new(&png), "t").expect("decodes");
            let side = 50 * scale as usize;
            assert_eq!((back.width as usize, back.height as usize), (side, side));
            let big = upscale_nearest(50, 50, cat, scale as usize);
            assert!(back.pixels == big, "scale {scale}: pixels differ");
            // `Up` on every row leaves each repeated pixel's delta in the stream (at 16, where
            // `encode_png` uses zlib-rs strips, their matches find the repeats but cost more).
            let up_only = encode_png(side as u32, side as u32, &big).expect("encodes");
            assert!(
                png.len() * 4 < up_only.len() * 3,
                "scale {scale}: {} bytes against {} with Up only",
                png.len(),
                up_only.len()
            );
        }
    }

    #[test]
    fn new_pngs_hold_no_spare_capacity() {
        let cats = golden_cats();
        let mut cell = [0u8; crate::CELL_BYTES];
        cell.copy_from_slice(&cats[3]);
        for scale in [1, 2, 8] {
            let png = encode_cell(&cell, scale).expect("encodes");
            assert_eq!(png.capacity(), png.len(), "scale {scale}");
        }
        let noise: Vec<u8> = (0..64 * 64 * 4).map(|i| (i * 7919 % 251) as u8).collect();
        let png = encode_png(64, 64, &noise).expect("encodes");
        assert_eq!(png.capacity(), png.len());
    }

    /// A 256² tile map like our art: 16×16 tiles from a set of four, placed pseudo-randomly,
    /// each tile's pixels scattered over a palette of six colours (what zlib's matches find
    /// and our sprite deflate cannot).
    fn tile_map() -> (usize, usize, Vec<u8>) {
        let (w, h) = (256usize, 256usize);
        let palette = [
            [34, 139, 34],
            [50, 160, 60],
            [107, 142, 35],
            [139, 115, 85],
            [160, 82, 45],
            [90, 90, 90],
        ];
        let mut pixels = vec![0u8; w * h * 4];
        for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
            let (x, y) = (i % w, i / w);
            let tile = (x / 16 * 7 + y / 16 * 13) % 4;
            let hash = (((x % 16) * 31 + (y % 16) * 17 + tile * 101) * 2_654_435_761) >> 7;
            let [r, g, b] = palette[(hash + tile) % palette.len()];
            px.copy_from_slice(&[r, g, b, 255]);
        }
        (w, h, pixels)
    }

    #[test]
    fn each_texture_level_gets_a_filter_that_beats_up_on_our_terrain_art() {
        // `Up` makes a tile's bytes depend on the tile above it; the filter each level gets
        // keeps repeated tiles repeated bytes. On our own terrain art: a golden chunk.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/golden/chunks/meadow_pond.png"
        );
        let file = std::fs::read(path).expect("the golden chunk");
        let img = decode_png(Cursor::new(file), "golden").expect("decodes");
        let (w, h, pixels) = (img.width as usize, img.height as usize, img.pixels);
        for l in [1, 2] {
            let level = ZlibLevel::new(l).expect("a zlib level");
            let size = |filters| {
                let mut png = Vec::new();
                let dims = (w as u32, h as u32);
                encode_filtered(&mut png, dims, &pixels, Deflate::Zlib(2, level), filters)
                    .expect("encodes");
                png.len()
            };
            let (chosen, up) = (size(level.filters()), size(Filters::Up));
            assert!(
                chosen < up,
                "level {l}: {chosen} bytes against {up} with Up"
            );
        }
    }

    #[test]
    fn textures_go_through_zlib_and_come_out_smaller_than_through_the_sprite_deflate() {
        let (w, h, pixels) = tile_map();
        let texture = |level: u32| {
            let mut png = Vec::new();
            let level = ZlibLevel::new(level).expect("a zlib level");
            encode_texture_into(&mut png, w as u32, h as u32, &pixels, level).expect("encodes");
            let back = decode_png(Cursor::new(&png), "t").expect("decodes");
            assert!(back.pixels == pixels, "level {level:?} round trips");
            png
        };
        let fastest = texture(1);
        let sprite = encode_png(w as u32, h as u32, &pixels).expect("encodes");
        assert!(
            fastest.len() * 10 < sprite.len() * 7,
            "texture {} bytes, through the sprite deflate {}",
            fastest.len(),
            sprite.len()
        );
        // The level is used: level 2 writes dynamic Huffman codes, level 1 only zlib's
        // fixed ones; 9 searches hardest.
        let two = texture(2);
        let smallest = texture(9);
        assert!(
            smallest.len() < two.len() && two.len() * 10 < fastest.len() * 9,
            "levels 1, 2, 9: {} {} {} bytes",
            fastest.len(),
            two.len(),
            smallest.len()
        );
        // Fewer rows than a strip: one zlib strip.
        let mut small = Vec::new();
        let level = ZlibLevel::DEFAULT;
        encode_texture_into(&mut small, 8, 8, &pixels[..8 * 8 * 4], level).expect("encodes");
        let back = decode_png(Cursor::new(&small), "t").expect("decodes");
        assert!(back.pixels == pixels[..8 * 8 * 4]);
    }

    #[test]
    fn texture_levels_are_zlibs_one_to_nine() {
        assert_eq!(ZlibLevel::new(0), None, "0 stores without compressing");
        assert_eq!(ZlibLevel::new(10), None);
        assert_eq!(ZlibLevel::new(u32::MAX), None);
        for l in 1..=9 {
            assert_eq!(ZlibLevel::new(l).map(ZlibLevel::get), Some(l));
        }
        assert_eq!(ZlibLevel::default(), ZlibLevel::DEFAULT);
    }

    #[test]
    fn adler32_combines_like_the_whole() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
        for cut in [0, 1, 65_521, 100_000, 199_999] {
            let (a, b) = data.split_at(cut);
            let combined = adler32_combine(
                simd_adler32::adler32(&a),
                simd_adler32::adler32(&b),
                b.len() as u64,
            );
            assert_eq!(
                combined,
                simd_adler32::adler32(&data.as_slice()),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_damaged_stream_is_refused_by_the_decoder() {
        let pixels: Vec<u8> = (0..=255u8).cycle().take(16 * 16 * 4).collect();
        let mut png = encode_png(16, 16, &pixels).expect("encodes");
        let n = png.len();
        png[n - 20] ^= 0xff; // inside the IDAT: its CRC (and Adler-32) no longer match
        assert!(decode_png(Cursor::new(&png), "t").is_err());
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

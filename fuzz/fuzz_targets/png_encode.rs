//! The PNG writer: any RGBA8 image (width from the first byte, as many whole rows as the
//! rest holds), on one thread (our own deflate) or in two parallel strips (zlib-rs); and,
//! when the rest holds a whole 50×50 cell, that cell upscaled 2-5 times (`Sub`/`Up` rows);
//! and the same image as a chunk texture at a zlib level 1-9 (`Sub` or unfiltered rows).
//! Property: the PNG decodes to exactly the pixels given (upscaled).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pipeline::atlas::decode_png;
use pipeline::encode::{ZlibLevel, encode_png_into_threads, encode_texture_into, upscale_nearest};
use pipeline::{CELL, CELL_BYTES, encode_cell};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let width = usize::from(pick % 64) + 1;
    let height = rest.len() / (width * 4);
    if height == 0 {
        return;
    }
    let pixels = &rest[..width * height * 4];
    if let Some(bytes) = rest.get(..CELL_BYTES) {
        let mut cell = [0u8; CELL_BYTES];
        cell.copy_from_slice(bytes);
        let scale = u32::from(pick % 4) + 2;
        let png = encode_cell(&cell, scale).expect("a cell encodes");
        let back = decode_png(Cursor::new(&png), "fuzz").expect("our PNG decodes");
        let big = upscale_nearest(CELL, CELL, &cell, scale as usize);
        assert!(
            back.pixels == big,
            "upscaled pixels differ after a round trip"
        );
    }
    let threads = if pick >= 128 { 2 } else { 1 };
    let mut png = Vec::new();
    encode_png_into_threads(&mut png, width as u32, height as u32, pixels, threads)
        .expect("a well-sized image encodes");
    let back = decode_png(Cursor::new(&png), "fuzz").expect("our PNG decodes");
    assert_eq!((back.width as usize, back.height as usize), (width, height));
    assert!(back.pixels == pixels, "pixels differ after a round trip");
    let level = ZlibLevel::new(u32::from(pick % 9) + 1).expect("1..=9 is a level");
    png.clear();
    encode_texture_into(&mut png, width as u32, height as u32, pixels, level)
        .expect("a well-sized texture encodes");
    let back = decode_png(Cursor::new(&png), "fuzz").expect("our texture decodes");
    assert!(back.pixels == pixels, "texture pixels differ at {level:?}");
});

//! What a user's sprite folder feeds the loader: sheet PNGs (any colour type, bit depth,
//! size), `spritesIndex.json` and `spritesOffsetMap.json`. The first byte picks which.
//! Property: no panic, no allocation beyond the decoder's limits; a decoded image holds
//! exactly width × height × 4 bytes.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pipeline::atlas::{decode_png, parse_index, parse_offset_map};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 3 {
        0 => {
            if let Ok(img) = decode_png(Cursor::new(rest), "fuzz.png") {
                assert_eq!(
                    img.pixels.len() as u64,
                    u64::from(img.width) * u64::from(img.height) * 4
                );
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = parse_index(text);
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = parse_offset_map(text);
            }
        }
    }
});

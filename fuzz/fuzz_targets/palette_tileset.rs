//! Palette files and tileset descriptions, as a user's data folder holds them.
//! The first byte picks which; a tileset gets an image whose size comes from two bytes.
//! Property: no panic; a tileset that loads answers every tile's rectangle and rows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::atlas::RgbaImage;
use pipeline::chunk::Tileset;
use pipeline::palette::PaletteSet;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(rest) else {
            return;
        };
        let mut set = PaletteSet::default();
        if set.add_file("fuzz", &value).is_ok() {
            for name in set.names() {
                let id = set.colour(name).expect("a listed name resolves");
                let colour = set.get(id);
                let mut px = [120u8, 80, 40, 255, 0, 0, 0, 0, 255, 255, 255, 128];
                if colour.recolour.unusable().is_none() {
                    colour.recolour.apply_rgba(&mut px);
                }
            }
        }
        return;
    }
    let Some((size, json)) = rest.split_first_chunk::<2>() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(json) else {
        return;
    };
    let (width, height) = (u32::from(size[0]) + 1, u32::from(size[1]) + 1);
    let image = RgbaImage {
        width,
        height,
        pixels: vec![7; (width * height * 4) as usize],
    };
    if let Ok(set) = Tileset::from_parts("fuzz.json", json, image) {
        for name in set.ground_names().into_iter().chain(set.sprite_names()) {
            let id = set.id(name).expect("a listed name resolves");
            let rect = set.rect(id);
            for y in 0..rect.h {
                assert_eq!(set.row(id, y).len(), rect.w as usize * 4);
            }
        }
    }
});

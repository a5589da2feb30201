//! The committed tileset is exactly what the generator makes: decoded pixels and JSON bytes.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    assert_eq!(info.color_type, png::ColorType::Rgba, "atlas must be RGBA8");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn the_generator_reproduces_the_committed_terrain_png_and_json() {
    let out = tilegen::generate();
    let png = std::fs::read(root().join("sprites/tilesets/terrain.png")).expect("committed png");
    let (w, h, pixels) = decode(&png);
    assert_eq!((w, h), (out.atlas.w, out.atlas.h), "atlas size");
    let fresh = out.atlas.bytes();
    let differing = pixels
        .chunks(4)
        .zip(fresh.chunks(4))
        .position(|(a, b)| a != b);
    assert_eq!(
        differing, None,
        "first differing pixel index (run `cargo run -p tilegen`)"
    );
    let json =
        std::fs::read_to_string(root().join("data/tilesets/terrain.json")).expect("committed json");
    assert_eq!(
        json, out.json,
        "terrain.json differs (run `cargo run -p tilegen`)"
    );
}

#[test]
fn every_ground_tile_is_opaque_and_sprites_use_partial_alpha() {
    let out = tilegen::generate();
    let desc: serde_json::Value = serde_json::from_str(&out.json).expect("json");
    let px = |x: u64, y: u64| out.atlas.px[(y * u64::from(out.atlas.w) + x) as usize];
    for (name, r) in desc["tiles"].as_object().expect("tiles") {
        let (x0, y0) = (r["x"].as_u64().expect("x"), r["y"].as_u64().expect("y"));
        for y in y0..y0 + 32 {
            for x in x0..x0 + 32 {
                assert_eq!(px(x, y)[3], 255, "{name} at ({x}, {y})");
            }
        }
    }
    for (name, r) in desc["sprites"].as_object().expect("sprites") {
        let (x0, y0) = (r["x"].as_u64().expect("x"), r["y"].as_u64().expect("y"));
        let (w, h) = (r["w"].as_u64().expect("w"), r["h"].as_u64().expect("h"));
        let alphas: Vec<u8> = (y0..y0 + h)
            .flat_map(|y| (x0..x0 + w).map(move |x| (x, y)))
            .map(|(x, y)| px(x, y)[3])
            .collect();
        assert!(alphas.contains(&0), "{name} has no transparent pixels");
        assert!(alphas.contains(&255), "{name} has no opaque pixels");
        assert!(
            alphas.iter().any(|&a| a > 0 && a < 255),
            "{name} has no partial alpha"
        );
    }
}

#[test]
fn path_edges_meet_their_neighbours_without_a_seam_in_the_border_shape() {
    // path_n beside path_ne: along the shared north edge both show grass to the same depth
    // at x = 0 of the right tile and x = 31 of the left; the wobble is the same function.
    let out = tilegen::generate();
    let desc: serde_json::Value = serde_json::from_str(&out.json).expect("json");
    let rect = |n: &str| {
        let r = &desc["tiles"][n];
        (r["x"].as_u64().expect("x"), r["y"].as_u64().expect("y"))
    };
    let grass_depth = |name: &str, col: u64| {
        let (x0, y0) = rect(name);
        (0..32)
            .take_while(|&y| {
                let p = out.atlas.px[((y0 + y) * u64::from(out.atlas.w) + x0 + col) as usize];
                // Grass is green-dominant, dirt red-dominant.
                p[1] > p[0]
            })
            .count()
    };
    // Columns 8.. lie past the west border of path_nw (at most 7 px deep).
    for col in 8..24 {
        assert_eq!(
            grass_depth("path_n", col),
            grass_depth("path_nw", col),
            "col {col}"
        );
        assert!(grass_depth("path_n", col) >= 5);
        assert_eq!(grass_depth("path_s", col), 0);
    }
}

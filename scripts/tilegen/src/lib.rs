//! The bundled terrain tileset, generated deterministically (our own art, no assets copied):
//! `sprites/tilesets/terrain.png` and `data/tilesets/terrain.json`.
//!
//! # Layout
//!
//! - [`rng`]: SplitMix64 seeded by tile name (no `rand` crate: output must never drift).
//! - [`img`]: a tiny RGBA8 image with `put`/`paste`.
//! - [`ground`]: 32×32 opaque ground tiles and their edge/corner variants.
//! - [`props`]: entity sprites with partial alpha (trees, rocks, bushes).
//! - this file: the atlas layout and the JSON description the `pipeline` crate loads
//!   (format documented in `pipeline::chunk::tileset` and `data/tilesets/README.md`).

pub mod ground;
pub mod img;
pub mod props;
pub mod rng;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::img::Img;

/// Tile edge length, px.
pub const TILE: u32 = 32;
/// Atlas width, px (eight tiles per row).
pub const ATLAS_WIDTH: u32 = 256;
/// The tileset's name (file stem of both outputs).
pub const NAME: &str = "terrain";

/// Where a square tile lies in the atlas.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TileRect {
    /// Left edge, px.
    pub x: u32,
    /// Top edge, px.
    pub y: u32,
}

/// Where an entity sprite lies in the atlas.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SpriteRect {
    /// Left edge, px.
    pub x: u32,
    /// Top edge, px.
    pub y: u32,
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
}

/// The JSON description, field for field what `pipeline::chunk::Tileset` reads.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TilesetJson {
    /// Tileset name as requests spell it.
    pub name: String,
    /// One line for people.
    pub description: String,
    /// Atlas file under `sprites/tilesets/`.
    pub image: String,
    /// Edge of every ground tile, px.
    pub tile_size: u32,
    /// Ground tiles by name (sorted: a `BTreeMap` keeps the bytes stable).
    pub tiles: BTreeMap<String, TileRect>,
    /// Entity sprites by name.
    pub sprites: BTreeMap<String, SpriteRect>,
}

/// The generated tileset.
#[derive(Debug)]
pub struct Output {
    /// The atlas.
    pub atlas: Img,
    /// Its description, pretty JSON with a trailing newline.
    pub json: String,
}

/// Every ground tile in atlas order.
fn ground_tiles() -> Vec<(String, Img)> {
    let mut tiles = vec![
        ("grass".to_owned(), ground::grass("grass")),
        ("grass_2".to_owned(), ground::grass("grass_2")),
        (
            "grass_flowers".to_owned(),
            ground::grass_flowers("grass_flowers"),
        ),
        ("dirt".to_owned(), ground::dirt("dirt", false)),
        ("sand".to_owned(), ground::sand("sand")),
        ("water".to_owned(), ground::water("water")),
        ("stone".to_owned(), ground::stone("stone")),
        ("path".to_owned(), ground::dirt("path", true)),
    ];
    // Paths are dirt bordered by grass; shores are water bordered by sand. Each variant
    // gets its own texture seed but the shared edge wobble, so neighbours line up.
    for (material, border) in [("path", "grass"), ("water", "sand")] {
        for (suffix, edges) in ground::edge_variants() {
            let name = format!("{material}{suffix}");
            let inner = if material == "path" {
                ground::dirt(&name, true)
            } else {
                ground::water(&name)
            };
            let outer = ground::grass(&format!("{name}/{border}"));
            let outer = if border == "sand" {
                ground::sand(&format!("{name}/{border}"))
            } else {
                outer
            };
            tiles.push((name, ground::edged(&inner, &outer, edges)));
        }
    }
    tiles
}

/// Every entity sprite in atlas order.
fn sprites() -> Vec<(&'static str, Img)> {
    vec![
        ("tree", props::tree("tree")),
        ("tree_pine", props::pine("tree_pine")),
        ("rock", props::rock("rock", false)),
        ("rock_small", props::rock("rock_small", true)),
        ("bush", props::bush("bush", false)),
        ("bush_berries", props::bush("bush_berries", true)),
    ]
}

/// Builds the atlas and its description.
#[must_use]
pub fn generate() -> Output {
    let tiles = ground_tiles();
    let per_row = ATLAS_WIDTH / TILE;
    let tile_rows = (tiles.len() as u32).div_ceil(per_row);
    let sprites = sprites();
    let sprite_top = tile_rows * TILE;
    let sprite_height = sprites.iter().map(|s| s.1.h).max().unwrap_or(0);
    let mut atlas = Img::new(ATLAS_WIDTH, sprite_top + sprite_height);

    let mut json = TilesetJson {
        name: NAME.to_owned(),
        description: "Bundled terrain: grass, dirt, sand, water, stone, paths and shores with \
                      edge (_n/_e/_s/_w), outer corner (_ne/_nw/_se/_sw) and inner corner \
                      (_inner_*) variants naming the sides that show the border material; \
                      trees, rocks and bushes as entity sprites."
            .to_owned(),
        image: format!("{NAME}.png"),
        tile_size: TILE,
        tiles: BTreeMap::new(),
        sprites: BTreeMap::new(),
    };
    for (i, (name, img)) in tiles.into_iter().enumerate() {
        let (x, y) = ((i as u32 % per_row) * TILE, (i as u32 / per_row) * TILE);
        atlas.paste(&img, x, y);
        json.tiles.insert(name, TileRect { x, y });
    }
    let mut x = 0;
    for (name, img) in sprites {
        atlas.paste(&img, x, sprite_top);
        json.sprites.insert(
            name.to_owned(),
            SpriteRect {
                x,
                y: sprite_top,
                w: img.w,
                h: img.h,
            },
        );
        x += img.w;
    }
    // Serialising plain structs with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    Output { atlas, json: text }
}

/// Encodes the atlas as an RGBA8 PNG.
///
/// # Errors
/// When the encoder fails.
pub fn encode_png(img: &Img) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, img.w, img.h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let mut w = enc.write_header()?;
    w.write_image_data(&img.bytes())?;
    w.finish()?;
    Ok(out)
}

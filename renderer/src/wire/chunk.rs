//! The `POST /render/chunk` body, typed for game servers (the server-side parser is
//! `pipeline::chunk::ChunkRequest`; field names and meanings are the same).

use serde::{Deserialize, Serialize};

/// One chunk: a grid of tile layers plus entities at pixel positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkJson {
    /// Chunk column in the world (echoed, not part of the texture's identity).
    pub chunk_x: i64,
    /// Chunk row in the world.
    pub chunk_y: i64,
    /// Tileset name (`terrain` is bundled).
    pub tileset: String,
    /// Grid width, tiles.
    pub width: u32,
    /// Grid height, tiles.
    pub height: u32,
    /// Tile edge, px.
    pub tile_size: u32,
    /// Row-major tile names per layer, `None` for empty.
    pub layers: Vec<Vec<Option<String>>>,
    /// Things drawn over the tiles.
    #[serde(default)]
    pub entities: Vec<EntityJson>,
}

/// One entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityJson {
    /// Left edge, px (may be negative; clipped).
    pub x: i32,
    /// Top edge, px.
    pub y: i32,
    /// Draw order; ties keep list order.
    #[serde(default)]
    pub z: i32,
    /// Mirror left to right.
    #[serde(default)]
    pub flip: bool,
    /// What to draw.
    #[serde(flatten)]
    pub kind: EntityKindJson,
}

/// What an entity draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntityKindJson {
    /// A cat atlas cell.
    Sprite {
        /// Sprite group, e.g. `tabbyGINGER`.
        group: String,
        /// Pose 0..=20.
        pose: u8,
    },
    /// A whole cat by CatGenerator parameters.
    Cat(serde_json::Value),
    /// A tile or sprite of the tileset (`tree`, `rock`, …).
    Tile(String),
}

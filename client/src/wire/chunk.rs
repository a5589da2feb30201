//! `POST /render/chunk`: the body ([`ChunkJson`], what game servers send; the server-side
//! parser is `pipeline::chunk::ChunkRequest`, which reads the same JSON and names the field
//! of any error) and the answer ([`ChunkResponse`]). Size limits are the server's settings
//! and are added to its OpenAPI document at start.

use serde::{Deserialize, Serialize};

use super::cat::CatParamsJson;

/// One chunk: a grid of tile layers plus entities at pixel positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = ChunkRequest))]
#[serde(rename_all = "camelCase")]
pub struct ChunkJson {
    /// Chunk column in the world (echoed, not part of the texture's identity or hash).
    #[serde(default)]
    pub chunk_x: i64,
    /// Chunk row in the world (echoed, not hashed).
    #[serde(default)]
    pub chunk_y: i64,
    /// Tileset name (`terrain` is bundled).
    pub tileset: String,
    /// Grid width, tiles.
    pub width: u32,
    /// Grid height, tiles.
    pub height: u32,
    /// Tile edge on the texture, px; tiles are scaled nearest-neighbour.
    pub tile_size: u32,
    /// Drawn first to last; each row-major with `width × height` tile names, `null` for
    /// empty.
    #[serde(default)]
    pub layers: Vec<Vec<Option<String>>>,
    /// Things drawn over the tiles.
    #[serde(default)]
    pub entities: Vec<EntityJson>,
}

/// One entity: exactly one of `sprite`, `cat`, `tile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = ChunkEntity))]
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
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = ChunkEntityKind))]
#[serde(rename_all = "camelCase")]
pub enum EntityKindJson {
    /// A cat atlas cell.
    Sprite {
        /// Sprite group, e.g. `tabbyGINGER`.
        group: String,
        /// Pose 0..=20.
        #[serde(default = "default_pose")]
        #[cfg_attr(feature = "schema", schema(maximum = 20, default = 8))]
        pose: u8,
    },
    /// A whole cat by CatGenerator parameters.
    Cat(CatParamsJson),
    /// A tile or sprite of the tileset (`tree`, `rock`, …).
    Tile(String),
}

const fn default_pose() -> u8 {
    8
}

/// The `POST /render/chunk` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChunkResponse {
    /// `/textures/<hash>.png`, relative to this server; any replica serves it.
    #[cfg_attr(feature = "schema", schema(example = "/textures/<hash>.png"))]
    pub texture_url: String,
    /// 64 hex digits: blake3 of the canonical request and the art.
    pub hash: String,
    /// Texture width, px.
    pub width: u32,
    /// Texture height, px.
    pub height: u32,
    /// True when the texture store (here or in Redis) already held it.
    pub cached: bool,
    /// Time spent on this request, ms.
    pub render_ms: f64,
    /// The request's `chunkX`, echoed.
    pub chunk_x: i64,
    /// The request's `chunkY`, echoed.
    pub chunk_y: i64,
}

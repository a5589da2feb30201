//! The chunk request: JSON in (errors name the field), typed [`ChunkRequest`] out, and its
//! canonical JSON form, which is both the hash input and the stored recipe.
//!
//! ```json
//! {"chunkX": 3, "chunkY": -1, "tileset": "terrain", "width": 16, "height": 16,
//!  "tileSize": 32,
//!  "layers": [["grass", "grass", …], [null, "path_n", …]],
//!  "entities": [
//!    {"x": 40, "y": 8, "z": 2, "flip": true, "tile": "tree"},
//!    {"x": 100, "y": 60, "z": 1, "sprite": {"group": "tabbyGINGER", "pose": 8}},
//!    {"x": 200, "y": 90, "cat": {"peltName": "Tabby", "colour": "GINGER"}}]}
//! ```
//!
//! Layers are row-major, `width * height` entries, drawn first to last. `x`, `y` are the
//! pixel position of an entity's top-left corner (may be negative: entities are clipped at
//! the canvas edges); `z` (default 0) orders entities, ties keep input order; `flip`
//! (default false) mirrors left to right. `chunkX`/`chunkY` are carried for the caller and
//! do not change the pixels, so they are not part of the canonical form or the hash:
//! identical chunks share one texture.

use serde::Serialize;
use serde_json::{Map, Value};

use super::limits::ChunkLimits;
use crate::cell::Pose;
use crate::params::{CatParams, ParamError};

/// A parsed, limit-checked chunk request (names not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRequest {
    /// Chunk column in the world (metadata, not hashed).
    pub chunk_x: i64,
    /// Chunk row in the world (metadata, not hashed).
    pub chunk_y: i64,
    /// Tileset name.
    pub tileset: String,
    /// Grid width, tiles.
    pub width: u32,
    /// Grid height, tiles.
    pub height: u32,
    /// Tile edge on the canvas, px.
    pub tile_size: u32,
    /// Tile layers, each `width * height` names or `None`, row-major.
    pub layers: Vec<Vec<Option<String>>>,
    /// Entities in input order.
    pub entities: Vec<Entity>,
}

/// Something drawn over the tiles at a pixel position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// Left edge on the canvas, px.
    pub x: i32,
    /// Top edge on the canvas, px.
    pub y: i32,
    /// Draw order: lower first; ties keep input order.
    pub z: i32,
    /// Mirror left to right.
    pub flip: bool,
    /// What to draw.
    #[serde(flatten)]
    pub kind: EntityKind,
}

/// What an entity draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EntityKind {
    /// One 50×50 cell of the cat atlases.
    Sprite {
        /// Sprite group (`tabbyGINGER`, `acc_herbsMAPLE LEAF`, …).
        group: String,
        /// Pose 0..=20.
        pose: Pose,
    },
    /// A whole cat, composed as `/render` would.
    Cat(Box<CatParams>),
    /// A tile or entity sprite of the chunk's tileset (trees, rocks, bushes), scaled with
    /// the tiles.
    Tile(String),
}

/// The hashed form: only what decides pixels, in a fixed field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Canonical<'a> {
    tileset: &'a str,
    width: u32,
    height: u32,
    tile_size: u32,
    layers: &'a [Vec<Option<String>>],
    entities: Vec<&'a Entity>,
}

impl ChunkRequest {
    /// Parses and limit-checks a request.
    ///
    /// # Errors
    /// [`ParamError`] naming the first bad field (`width`, `layers[1][17]`,
    /// `entities[3].cat.colour`, …).
    pub fn from_json(value: &Value, limits: &ChunkLimits) -> Result<Self, ParamError> {
        let obj = value
            .as_object()
            .ok_or_else(|| ParamError::new("request", "must be a JSON object"))?;
        let chunk_x = opt_int(
            obj,
            "chunkX",
            "chunkX",
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        )?
        .unwrap_or(0);
        let chunk_y = opt_int(
            obj,
            "chunkY",
            "chunkY",
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        )?
        .unwrap_or(0);
        let tileset = match obj.get("tileset") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(ParamError::new("tileset", "is required: a tileset name")),
        };
        let grid = i64::from(limits.max_grid);
        let width = req_int(obj, "width", 1, grid)? as u32;
        let height = req_int(obj, "height", 1, grid)? as u32;
        let tile_size = req_int(
            obj,
            "tileSize",
            i64::from(*limits.tile_size.start()),
            i64::from(*limits.tile_size.end()),
        )? as u32;
        for (field, tiles) in [("width", width), ("height", height)] {
            if u64::from(tiles) * u64::from(tile_size) > u64::from(limits.max_canvas) {
                return Err(ParamError::new(
                    field,
                    format!(
                        "{tiles} tiles of {tile_size} px exceed the canvas limit of {} px",
                        limits.max_canvas
                    ),
                ));
            }
        }
        let layers = parse_layers(obj, (width * height) as usize, limits.max_layers)?;
        let canvas = (width * tile_size, height * tile_size);
        let entities = parse_entities(obj, limits, canvas)?;
        Ok(Self {
            chunk_x,
            chunk_y,
            tileset,
            width,
            height,
            tile_size,
            layers,
            entities,
        })
    }

    /// Canvas width, px.
    #[must_use]
    pub fn width_px(&self) -> u32 {
        self.width * self.tile_size
    }

    /// Canvas height, px.
    #[must_use]
    pub fn height_px(&self) -> u32 {
        self.height * self.tile_size
    }

    /// Entity indices in draw order: by `z`, ties in input order.
    #[must_use]
    pub fn draw_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.entities.len()).collect();
        // `sort_by_key` is stable, which is what keeps ties in input order.
        order.sort_by_key(|&i| self.entities[i].z);
        order
    }

    /// The canonical JSON: defaults spelled out, keys in a fixed order, entities in draw
    /// order, cats in their own canonical form, chunk coordinates left out. Equal pixels
    /// requested in different spellings give equal bytes. It parses back with
    /// [`Self::from_json`] to the same canonical form, so it doubles as the recipe for
    /// re-rendering an evicted texture.
    #[must_use]
    pub fn canonical_json(&self) -> String {
        let c = Canonical {
            tileset: &self.tileset,
            width: self.width,
            height: self.height,
            tile_size: self.tile_size,
            layers: &self.layers,
            entities: self
                .draw_order()
                .into_iter()
                .map(|i| &self.entities[i])
                .collect(),
        };
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string(&c).unwrap_or_default()
    }
}

fn int_value(v: &Value, field: &str, lo: i64, hi: i64) -> Result<i64, ParamError> {
    match v.as_i64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(n) => Err(ParamError::new(
            field,
            format!("{n} is out of range {lo}..={hi}"),
        )),
        // Whole floats (`16.0`) are accepted, as JSON writers emit them.
        None => match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= lo as f64 && f <= hi as f64 => Ok(f as i64),
            _ => Err(ParamError::new(
                field,
                format!("must be an integer in {lo}..={hi}"),
            )),
        },
    }
}

fn opt_int(
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
    lo: i64,
    hi: i64,
) -> Result<Option<i64>, ParamError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int_value(v, field, lo, hi).map(Some),
    }
}

fn req_int(obj: &Map<String, Value>, key: &str, lo: i64, hi: i64) -> Result<i64, ParamError> {
    opt_int(obj, key, key, lo, hi)?
        .ok_or_else(|| ParamError::new(key, format!("is required: an integer in {lo}..={hi}")))
}

fn parse_layers(
    obj: &Map<String, Value>,
    cells: usize,
    max_layers: usize,
) -> Result<Vec<Vec<Option<String>>>, ParamError> {
    let list = match obj.get("layers") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ParamError::new("layers", "must be a list of tile arrays")),
    };
    if list.len() > max_layers {
        return Err(ParamError::new(
            "layers",
            format!("{} layers exceed the limit of {max_layers}", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(l, layer)| {
            let field = format!("layers[{l}]");
            let tiles = layer
                .as_array()
                .ok_or_else(|| ParamError::new(&field, "must be an array of tile names"))?;
            if tiles.len() != cells {
                return Err(ParamError::new(
                    &field,
                    format!("has {} entries; width × height is {cells}", tiles.len()),
                ));
            }
            tiles
                .iter()
                .enumerate()
                .map(|(i, t)| match t {
                    Value::Null => Ok(None),
                    Value::String(s) => Ok(Some(s.clone())),
                    _ => Err(ParamError::new(
                        format!("{field}[{i}]"),
                        "must be a tile name or null",
                    )),
                })
                .collect()
        })
        .collect()
}

fn parse_entities(
    obj: &Map<String, Value>,
    limits: &ChunkLimits,
    canvas: (u32, u32),
) -> Result<Vec<Entity>, ParamError> {
    let list = match obj.get("entities") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ParamError::new("entities", "must be a list of entities")),
    };
    if list.len() > limits.max_entities {
        return Err(ParamError::new(
            "entities",
            format!(
                "{} entities exceed the limit of {}",
                list.len(),
                limits.max_entities
            ),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, e)| parse_entity(e, &format!("entities[{i}]"), limits, canvas))
        .collect()
}

fn parse_entity(
    v: &Value,
    field: &str,
    limits: &ChunkLimits,
    canvas: (u32, u32),
) -> Result<Entity, ParamError> {
    let obj = v
        .as_object()
        .ok_or_else(|| ParamError::new(field, "must be an object"))?;
    let off = i64::from(limits.max_offset);
    let f = |k: &str| format!("{field}.{k}");
    let x = opt_int(obj, "x", &f("x"), -off, i64::from(canvas.0) + off)?
        .ok_or_else(|| ParamError::new(f("x"), "is required: the left edge in px"))?;
    let y = opt_int(obj, "y", &f("y"), -off, i64::from(canvas.1) + off)?
        .ok_or_else(|| ParamError::new(f("y"), "is required: the top edge in px"))?;
    let z = opt_int(obj, "z", &f("z"), -1_000_000, 1_000_000)?.unwrap_or(0);
    let flip = match obj.get("flip") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ParamError::new(f("flip"), "must be true or false")),
    };
    let kinds: Vec<&str> = ["sprite", "cat", "tile"]
        .into_iter()
        .filter(|k| obj.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    let kind = match kinds.as_slice() {
        ["sprite"] => {
            let s = obj["sprite"]
                .as_object()
                .ok_or_else(|| ParamError::new(f("sprite"), "must be {\"group\", \"pose\"}"))?;
            let group = match s.get("group") {
                Some(Value::String(g)) if !g.is_empty() => g.clone(),
                _ => {
                    return Err(ParamError::new(
                        f("sprite.group"),
                        "is required: a sprite group name",
                    ));
                }
            };
            let pose = opt_int(s, "pose", &f("sprite.pose"), 0, 20)?.unwrap_or(8);
            EntityKind::Sprite {
                group,
                // The range was checked above.
                pose: Pose::new(pose as u8)
                    .ok_or_else(|| ParamError::new(f("sprite.pose"), "must be 0..=20"))?,
            }
        }
        ["cat"] => {
            let cat = CatParams::from_json(&obj["cat"]).map_err(|mut e| {
                e.field = format!("{field}.cat.{}", e.field);
                e
            })?;
            EntityKind::Cat(Box::new(cat))
        }
        ["tile"] => match &obj["tile"] {
            Value::String(t) if !t.is_empty() => EntityKind::Tile(t.clone()),
            _ => return Err(ParamError::new(f("tile"), "must be a tile or sprite name")),
        },
        _ => {
            return Err(ParamError::new(
                field,
                "needs exactly one of `sprite`, `cat`, `tile`",
            ));
        }
    };
    Ok(Entity {
        // Both were range-checked against i32-sized bounds above.
        x: x as i32,
        y: y as i32,
        z: z as i32,
        flip,
        kind,
    })
}

//! [`ChunkPlan`]: a request with every name resolved against one atlas repository and one
//! tileset, plus its content hash. Cheap to build (no pixels touched), owned and `Send`, so
//! a request handler builds it on its own thread and hands it to a render worker.

use std::sync::Arc;

use super::request::{ChunkRequest, EntityKind};
use super::tileset::{TileId, Tileset, TilesetRegistry};
use crate::atlas::{AtlasRepository, CellId};
use crate::params::ParamError;
use crate::plan::Plan;
use crate::spec::CatSpec;

/// What one entity draws, resolved.
#[derive(Debug, Clone)]
pub enum Draw {
    /// A tileset tile or sprite, scaled like the tiles.
    Tile(TileId),
    /// One 50×50 cell of the cat atlases.
    Cell(CellId),
    /// A whole cat: its compositing plan, run on the CPU backend.
    Cat(Box<Plan>),
}

/// An entity ready to draw.
#[derive(Debug, Clone)]
pub struct PlannedEntity {
    /// Left edge, px.
    pub x: i32,
    /// Top edge, px.
    pub y: i32,
    /// Mirror left to right.
    pub flip: bool,
    /// What to draw.
    pub draw: Draw,
}

/// A resolved chunk: tile ids per layer, entities in draw order, and the hash that names
/// the texture.
#[derive(Debug, Clone)]
pub struct ChunkPlan {
    /// The tileset the ids refer to.
    pub tileset: Arc<Tileset>,
    /// Grid width, tiles.
    pub width: u32,
    /// Grid height, tiles.
    pub height: u32,
    /// Tile edge on the canvas, px.
    pub tile_size: u32,
    /// Per layer, `width * height` tiles row-major; `None` draws nothing.
    pub layers: Vec<Vec<Option<TileId>>>,
    /// Entities sorted by `z`, ties in input order.
    pub entities: Vec<PlannedEntity>,
    /// Hex blake3 of the canonical request and the fingerprints (see [`chunk_hash`]).
    pub hash: String,
}

impl ChunkPlan {
    /// Resolves every name of `req`.
    ///
    /// # Errors
    /// [`ParamError`] for an unknown tileset (allowed: the registered ones), an unknown or
    /// non-ground tile in a layer, an unknown tile entity, an unknown sprite group, or a cat
    /// whose names the repository lacks; the field names the offending entry.
    pub fn resolve(
        req: &ChunkRequest,
        repo: &AtlasRepository,
        registry: &TilesetRegistry,
    ) -> Result<Self, ParamError> {
        let tileset = lookup_tileset(req, registry)?;
        let mut layers = Vec::with_capacity(req.layers.len());
        for (l, layer) in req.layers.iter().enumerate() {
            let ids = layer
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let Some(name) = name else { return Ok(None) };
                    match tileset.id(name) {
                        Some(id) if tileset.is_ground(id) => Ok(Some(id)),
                        _ => Err(ParamError::unknown(
                            format!("layers[{l}][{i}]"),
                            name,
                            &tileset.ground_names(),
                        )),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            layers.push(ids);
        }
        let mut entities = Vec::with_capacity(req.entities.len());
        for i in req.draw_order() {
            let e = &req.entities[i];
            let field = format!("entities[{i}]");
            let draw = match &e.kind {
                EntityKind::Tile(name) => Draw::Tile(tileset.id(name).ok_or_else(|| {
                    let mut allowed = tileset.sprite_names();
                    allowed.extend(tileset.ground_names());
                    ParamError::unknown(format!("{field}.tile"), name, &allowed)
                })?),
                EntityKind::Sprite { group, pose } => {
                    let g = repo.group(group).ok_or_else(|| {
                        // Hundreds of groups: name the problem, not the list.
                        ParamError::new(
                            format!("{field}.sprite.group"),
                            format!("unknown sprite group `{group}` (see GET /sprites/index)"),
                        )
                    })?;
                    Draw::Cell(CellId::new(g, *pose))
                }
                EntityKind::Cat(params) => {
                    let spec = CatSpec::resolve(params, repo).map_err(|mut err| {
                        err.field = format!("{field}.cat.{}", err.field);
                        err
                    })?;
                    Draw::Cat(Box::new(Plan::for_cat(&spec)))
                }
            };
            entities.push(PlannedEntity {
                x: e.x,
                y: e.y,
                flip: e.flip,
                draw,
            });
        }
        Ok(Self {
            hash: chunk_hash(req, repo, &tileset),
            tileset,
            width: req.width,
            height: req.height,
            tile_size: req.tile_size,
            layers,
            entities,
        })
    }

    /// Whether a cat entity uses CatGenerator's float stages (then the CPU composes it).
    #[must_use]
    pub fn has_float_ops(&self) -> bool {
        self.entities
            .iter()
            .any(|e| matches!(&e.draw, Draw::Cat(p) if p.has_float_ops()))
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
}

fn lookup_tileset(
    req: &ChunkRequest,
    registry: &TilesetRegistry,
) -> Result<Arc<Tileset>, ParamError> {
    registry
        .get(&req.tileset)
        .cloned()
        .ok_or_else(|| ParamError::unknown("tileset", &req.tileset, &registry.names()))
}

/// The texture's name: hex blake3 of a format tag, the canonical request, the atlas set's
/// fingerprint and the tileset's fingerprint. The same chunk gets the same hash on every
/// replica loaded with the same art; new art changes every hash.
#[must_use]
pub fn chunk_hash(req: &ChunkRequest, repo: &AtlasRepository, tileset: &Tileset) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"cg3-chunk-v1\0");
    h.update(req.canonical_json().as_bytes());
    h.update(&[0]);
    h.update(&repo.fingerprint());
    h.update(&tileset.fingerprint());
    h.finalize().to_hex().to_string()
}

impl ChunkRequest {
    /// The texture hash of this request (see [`chunk_hash`]).
    ///
    /// # Errors
    /// [`ParamError`] on `tileset` when the registry has no such tileset.
    pub fn hash(
        &self,
        repo: &AtlasRepository,
        registry: &TilesetRegistry,
    ) -> Result<String, ParamError> {
        let tileset = lookup_tileset(self, registry)?;
        Ok(chunk_hash(self, repo, &tileset))
    }
}

//! What each scenario sends. A [`Generator`] turns a request number into a request; every
//! connection of a scenario draws numbers from one shared counter, so requests are distinct
//! across connections (wrk's Lua counters were per thread, so its threads repeated each
//! other's cats).

use std::num::{NonZeroU64, NonZeroUsize};
use std::str::FromStr;

use hyper::Method;
use hyper::body::Bytes;
use serde_json::{Value, json};

/// A load-test scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /render.png` of one cat, again and again: the result cache answers.
    Cached,
    /// `GET /render.png` rotating over [`VARIED_COUNT`] different cats.
    Varied,
    /// `POST /render` as CatGenerator's frontend sends it (JSON in, JSON with a data URL
    /// out), rotating over the same cats as [`Kind::Varied`].
    Catgen,
    /// `POST /render/chunk`, a different chunk each request (see [`ChunkShape`]).
    Chunk,
    /// `GET /health`.
    Health,
}

impl Kind {
    /// Every scenario, in the order reports list them.
    pub const ALL: [Self; 5] = [
        Self::Cached,
        Self::Varied,
        Self::Catgen,
        Self::Chunk,
        Self::Health,
    ];

    /// The name used on the command line and in reports.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Cached => "cached",
            Self::Varied => "varied",
            Self::Catgen => "catgen",
            Self::Chunk => "chunk",
            Self::Health => "health",
        }
    }
}

/// Why a `--scenario` value was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The name before the colon is not a scenario.
    #[error("unknown scenario `{0}`; known: cached, varied, catgen, chunk, health")]
    UnknownScenario(String),
    /// The part after the colon is not a whole number above 0.
    #[error("bad connection count `{0}`: a whole number above 0")]
    BadConnections(String),
}

/// A `--scenario` value: `name` or `name:connections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioSpec {
    /// Which scenario.
    pub kind: Kind,
    /// Its own connection count; `None` takes `--connections`.
    pub connections: Option<NonZeroUsize>,
}

impl FromStr for ScenarioSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, conns) = match s.split_once(':') {
            Some((n, c)) => (n, Some(c)),
            None => (s, None),
        };
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| SpecError::UnknownScenario(name.to_owned()))?;
        let connections = conns
            .map(|c| {
                c.parse::<NonZeroUsize>()
                    .map_err(|_| SpecError::BadConnections(c.to_owned()))
            })
            .transpose()?;
        Ok(Self { kind, connections })
    }
}

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// GET or POST.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// JSON body of a POST.
    pub body: Option<Bytes>,
}

impl Outgoing {
    fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            body: None,
        }
    }
}

/// The cat of the `cached` scenario (the one the old wrk script used).
pub const CACHED_PATH: &str =
    "/render.png?peltName=Tabby&colour=GINGER&spriteNumber=8&shading=true";

const COLOURS: [&str; 19] = [
    "WHITE",
    "PALEGREY",
    "SILVER",
    "GREY",
    "DARKGREY",
    "GHOST",
    "BLACK",
    "CREAM",
    "PALEGINGER",
    "GOLDEN",
    "GINGER",
    "DARKGINGER",
    "SIENNA",
    "LIGHTBROWN",
    "LILAC",
    "BROWN",
    "GOLDEN-BROWN",
    "DARKBROWN",
    "CHOCOLATE",
];
const PELTS: [&str; 6] = [
    "Tabby",
    "SingleColour",
    "Marbled",
    "Speckled",
    "Mackerel",
    "Classic",
];
const POSES: u64 = 21;

/// Distinct cats of the `varied` scenario: pose × colour × pelt × shading.
pub const VARIED_COUNT: u64 = POSES * COLOURS.len() as u64 * PELTS.len() as u64 * 2;

/// The `n`-th cat of the `varied` rotation (wraps after [`VARIED_COUNT`]): pelt, colour,
/// pose, shading.
fn varied_cat(n: u64) -> (&'static str, &'static str, u64, bool) {
    let mut i = n % VARIED_COUNT;
    let pose = i % POSES;
    i /= POSES;
    let colour = COLOURS[(i % COLOURS.len() as u64) as usize];
    i /= COLOURS.len() as u64;
    let pelt = PELTS[(i % PELTS.len() as u64) as usize];
    i /= PELTS.len() as u64;
    (pelt, colour, pose, i.is_multiple_of(2))
}

/// The `n`-th cat of the `varied` rotation as a `/render.png` URL.
#[must_use]
pub fn varied_path(n: u64) -> String {
    let (pelt, colour, pose, shading) = varied_cat(n);
    format!("/render.png?peltName={pelt}&colour={colour}&spriteNumber={pose}&shading={shading}")
}

/// The `n`-th cat of the `varied` rotation as the body of CatGenerator's `POST /render`
/// (`frontend/lib/cat-v3/api.ts`: the pose beside `params`, the fields its editor always
/// sends, no layers).
#[must_use]
pub fn catgen_body(n: u64) -> Value {
    let (pelt, colour, pose, shading) = varied_cat(n);
    json!({
        "payload": {
            "spriteNumber": pose,
            "params": {
                "peltName": pelt,
                "colour": colour,
                "isTortie": false,
                "eyeColour": "YELLOW",
                "skinColour": "PINK",
                "shading": shading,
                "reverse": false,
                "accessories": [],
                "scars": [],
                "tortie": [],
            },
        },
        "options": { "collectLayers": false, "includeLayerImages": false },
    })
}

/// Size and content of the chunks the `chunk` scenario posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkShape {
    /// Tiles along each side.
    pub tiles: u32,
    /// Tile size in pixels.
    pub tile_size: u32,
    /// Entities per chunk; `None`: about 20 per 512² of canvas (at least 5), as the
    /// criterion chunk benchmark draws.
    pub entities: Option<u32>,
    /// How many of the entities are whole cats (the rest are tileset sprites).
    pub cats: u32,
    /// Seed of the variation; the same seed gives the same sequence of chunks.
    pub seed: u64,
}

impl Default for ChunkShape {
    /// 16 × 16 tiles of 32 px (512²), ~20 entities, no cats.
    fn default() -> Self {
        Self {
            tiles: 16,
            tile_size: 32,
            entities: None,
            cats: 0,
            seed: 1,
        }
    }
}

impl ChunkShape {
    /// Canvas side in pixels.
    #[must_use]
    pub fn side_px(&self) -> u64 {
        u64::from(self.tiles) * u64::from(self.tile_size)
    }

    /// Entities per chunk.
    #[must_use]
    pub fn entity_count(&self) -> u32 {
        self.entities.unwrap_or_else(|| {
            let px = self.side_px();
            let n = (20 * px * px + 512 * 512 / 2) / (512 * 512);
            u32::try_from(n.max(5)).unwrap_or(u32::MAX)
        })
    }
}

const GROUND: [&str; 7] = [
    "grass",
    "grass_2",
    "grass_flowers",
    "dirt",
    "sand",
    "water",
    "stone",
];
const OVERLAY: [&str; 5] = ["path", "path_n", "path_e", "path_ne", "path_inner_sw"];
const SPRITES: [&str; 6] = [
    "tree",
    "tree_pine",
    "rock",
    "rock_small",
    "bush",
    "bush_berries",
];
const CAT_PELTS: [&str; 4] = ["Tabby", "SingleColour", "Speckled", "Classic"];
const CAT_COLOURS: [&str; 5] = ["GINGER", "BLACK", "WHITE", "SILVER", "CREAM"];

/// Ground cells that carry the request number in base 7: 7^22 < 2^64, so every request
/// number below 7^min(cells, 22) gives a different ground layer, hence a different texture
/// hash (chunk coordinates are not hashed, so they cannot be what differs).
const DIGIT_CELLS: u64 = 22;

/// SplitMix64: small, seedable, good enough to vary test content.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The `n`-th chunk of `shape`: a ground layer everywhere, a path overlay on about a quarter
/// of the cells, and [`ChunkShape::entity_count`] entities (the first `cats` whole cats).
#[must_use]
pub fn chunk_body(shape: &ChunkShape, n: u64) -> Value {
    let tiles = u64::from(shape.tiles);
    let cells = tiles * tiles;
    // The same base for every request, so that the digits alone decide the difference.
    let mut base = Rng(shape.seed);
    let mut rng = Rng(shape.seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F).wrapping_add(1));
    let mut digits = n;
    let ground: Vec<&str> = (0..cells)
        .map(|cell| {
            let b = base.below(GROUND.len() as u64);
            if cell < DIGIT_CELLS {
                let d = digits % GROUND.len() as u64;
                digits /= GROUND.len() as u64;
                GROUND[((b + d) % GROUND.len() as u64) as usize]
            } else {
                rng.pick(&GROUND)
            }
        })
        .collect();
    let overlay: Vec<Value> = (0..cells)
        .map(|_| {
            if rng.below(4) == 0 {
                json!(rng.pick(&OVERLAY))
            } else {
                Value::Null
            }
        })
        .collect();
    let px = shape.side_px().max(1);
    let count = shape.entity_count();
    let entities: Vec<Value> = (0..count)
        .map(|i| {
            let mut e = json!({
                "x": rng.below(px).cast_signed() - 16,
                "y": rng.below(px).cast_signed() - 32,
                "z": rng.below(4),
                "flip": rng.below(2) == 1,
            });
            if i < shape.cats {
                e["cat"] = json!({
                    "peltName": rng.pick(&CAT_PELTS),
                    "colour": rng.pick(&CAT_COLOURS),
                    "spriteNumber": rng.below(POSES),
                    "shading": true,
                    "eyeColour": "GREEN",
                });
            } else {
                e["tile"] = json!(rng.pick(&SPRITES));
            }
            e
        })
        .collect();
    json!({
        "chunkX": n % 1024,
        "chunkY": n / 1024,
        "tileset": "terrain",
        "width": shape.tiles,
        "height": shape.tiles,
        "tileSize": shape.tile_size,
        "layers": [ground, overlay],
        "entities": entities,
    })
}

/// Makes the requests of one scenario.
#[derive(Debug, Clone)]
pub struct Generator {
    /// Which scenario.
    kind: Kind,
    /// Request numbers are taken modulo this, so at most this many distinct requests are
    /// sent (lets the chunk scenario hit the texture store on purpose).
    distinct: Option<NonZeroU64>,
    /// Chunk size and content.
    chunk: ChunkShape,
}

impl Generator {
    /// A generator for `kind`.
    #[must_use]
    pub const fn new(kind: Kind, distinct: Option<NonZeroU64>, chunk: ChunkShape) -> Self {
        Self {
            kind,
            distinct,
            chunk,
        }
    }

    /// The scenario.
    #[must_use]
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// The `n`-th request.
    #[must_use]
    pub fn request(&self, n: u64) -> Outgoing {
        let n = self.distinct.map_or(n, |m| n % m.get());
        match self.kind {
            Kind::Cached => Outgoing::get(CACHED_PATH),
            Kind::Varied => Outgoing::get(varied_path(n)),
            Kind::Catgen => Outgoing {
                method: Method::POST,
                path: "/render".into(),
                body: Some(Bytes::from(catgen_body(n).to_string())),
            },
            Kind::Health => Outgoing::get("/health"),
            Kind::Chunk => Outgoing {
                method: Method::POST,
                path: "/render/chunk".into(),
                body: Some(Bytes::from(chunk_body(&self.chunk, n).to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn body_json(o: &Outgoing) -> Value {
        serde_json::from_slice(o.body.as_ref().expect("a body")).expect("JSON")
    }

    #[test]
    fn scenario_specs_parse_with_and_without_a_connection_count() {
        let s: ScenarioSpec = "varied:32".parse().expect("valid");
        assert_eq!(
            (s.kind, s.connections.map(NonZeroUsize::get)),
            (Kind::Varied, Some(32))
        );
        let s: ScenarioSpec = "health".parse().expect("valid");
        assert_eq!((s.kind, s.connections), (Kind::Health, None));
        assert_eq!(
            "cats:2".parse::<ScenarioSpec>(),
            Err(SpecError::UnknownScenario("cats".into()))
        );
        assert_eq!(
            "chunk:0".parse::<ScenarioSpec>(),
            Err(SpecError::BadConnections("0".into()))
        );
    }

    #[test]
    fn varied_cats_are_all_distinct_over_one_rotation_then_repeat() {
        let paths: HashSet<String> = (0..VARIED_COUNT).map(varied_path).collect();
        assert_eq!(paths.len() as u64, VARIED_COUNT);
        assert_eq!(VARIED_COUNT, 4788);
        assert_eq!(varied_path(VARIED_COUNT + 5), varied_path(5));
        assert_eq!(
            varied_path(0),
            "/render.png?peltName=Tabby&colour=WHITE&spriteNumber=0&shading=true"
        );
    }

    #[test]
    fn catgen_bodies_post_the_varied_cats_as_catgenerator_does() {
        let g = Generator::new(Kind::Catgen, None, ChunkShape::default());
        let o = g.request(VARIED_COUNT + 30);
        assert_eq!((&o.method, o.path.as_str()), (&Method::POST, "/render"));
        let body = body_json(&o);
        // Cat 30 of the rotation: pose 9, colour 1 (PALEGREY), Tabby, shading.
        assert_eq!(
            varied_path(30),
            "/render.png?peltName=Tabby&colour=PALEGREY&spriteNumber=9&shading=true"
        );
        assert_eq!(body["payload"]["spriteNumber"], 9);
        let params = &body["payload"]["params"];
        assert_eq!(
            (&params["peltName"], &params["colour"]),
            (&json!("Tabby"), &json!("PALEGREY"))
        );
        assert_eq!(params["shading"], true);
        assert_eq!(body["options"]["collectLayers"], false);
        let bodies: HashSet<String> = (0..VARIED_COUNT)
            .map(|n| catgen_body(n).to_string())
            .collect();
        assert_eq!(bodies.len() as u64, VARIED_COUNT);
    }

    #[test]
    fn a_512_chunk_has_two_full_layers_and_twenty_entities() {
        let shape = ChunkShape::default();
        let g = Generator::new(Kind::Chunk, None, shape);
        let o = g.request(7);
        assert_eq!(
            (o.method.clone(), o.path.as_str()),
            (Method::POST, "/render/chunk")
        );
        let v = body_json(&o);
        assert_eq!(v["tileset"], "terrain");
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(16), Some(16))
        );
        assert_eq!(v["tileSize"], 32);
        let layers = v["layers"].as_array().expect("layers");
        assert_eq!(layers.len(), 2);
        let ground = layers[0].as_array().expect("ground");
        let overlay = layers[1].as_array().expect("overlay");
        assert_eq!((ground.len(), overlay.len()), (256, 256));
        assert!(
            ground
                .iter()
                .all(|t| GROUND.contains(&t.as_str().expect("name")))
        );
        let paths = overlay.iter().filter(|t| !t.is_null()).count();
        assert!(
            (20..=110).contains(&paths),
            "sparse overlay: {paths} of 256"
        );
        assert!(
            overlay
                .iter()
                .filter_map(Value::as_str)
                .all(|t| OVERLAY.contains(&t))
        );
        let entities = v["entities"].as_array().expect("entities");
        assert_eq!(entities.len(), 20);
        for e in entities {
            assert!(
                e["x"].is_i64() && e["y"].is_i64() && e["z"].is_u64() && e["flip"].is_boolean()
            );
            assert!(SPRITES.contains(&e["tile"].as_str().expect("a tileset sprite")));
        }
    }

    #[test]
    fn chunk_cats_replace_the_first_entities_and_sizes_scale_the_entity_count() {
        let shape = ChunkShape {
            cats: 3,
            ..ChunkShape::default()
        };
        let v = chunk_body(&shape, 0);
        let entities = v["entities"].as_array().expect("entities");
        let cats = entities.iter().filter(|e| e.get("cat").is_some()).count();
        assert_eq!(cats, 3);
        assert!(
            entities[..3]
                .iter()
                .all(|e| e["cat"]["peltName"].is_string())
        );
        let count = |tiles| {
            ChunkShape {
                tiles,
                ..ChunkShape::default()
            }
            .entity_count()
        };
        assert_eq!(
            (count(8), count(16), count(32), count(64)),
            (5, 20, 80, 320)
        );
        let big = chunk_body(
            &ChunkShape {
                tiles: 64,
                ..ChunkShape::default()
            },
            1,
        );
        assert_eq!(big["layers"][0].as_array().map(Vec::len), Some(4096));
    }

    #[test]
    fn every_chunk_differs_in_its_hashed_content_and_the_sequence_is_seeded() {
        let shape = ChunkShape::default();
        let mut grounds = HashSet::new();
        for n in 0..5000 {
            let v = chunk_body(&shape, n);
            assert!(
                grounds.insert(v["layers"][0].to_string()),
                "chunk {n} repeats a ground layer"
            );
        }
        assert_eq!(chunk_body(&shape, 42), chunk_body(&shape, 42));
        let other_seed = ChunkShape { seed: 2, ..shape };
        assert_ne!(chunk_body(&shape, 42), chunk_body(&other_seed, 42));
    }

    #[test]
    fn distinct_bounds_the_variety_of_requests() {
        let g = Generator::new(Kind::Chunk, NonZeroU64::new(5), ChunkShape::default());
        let bodies: HashSet<Bytes> = (0..50).filter_map(|n| g.request(n).body).collect();
        assert_eq!(bodies.len(), 5);
        assert_eq!(g.request(3), g.request(8));
        let cached = Generator::new(Kind::Cached, None, ChunkShape::default());
        assert_eq!(cached.request(0), cached.request(99));
        assert_eq!(cached.request(0).path, CACHED_PATH);
        let health = Generator::new(Kind::Health, None, ChunkShape::default());
        assert_eq!(health.request(1).path, "/health");
    }
}

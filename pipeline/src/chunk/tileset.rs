//! Tilesets: an atlas PNG of square ground tiles and free-sized entity sprites, described by
//! a JSON file. [`TilesetRegistry`] loads every tileset of a data folder.
//!
//! # Format (`data/tilesets/<name>.json`, image in `sprites/tilesets/`)
//!
//! ```json
//! {
//!   "name": "terrain",
//!   "description": "optional, for people",
//!   "image": "terrain.png",
//!   "tileSize": 32,
//!   "tiles":   { "grass": {"x": 0, "y": 0}, "path_n": {"x": 32, "y": 64} },
//!   "sprites": { "tree":  {"x": 0, "y": 128, "w": 32, "h": 64} }
//! }
//! ```
//!
//! - `name` must equal the file stem; requests name the tileset by it.
//! - `tiles` are `tileSize`×`tileSize` squares at `(x, y)` in the image; tile layers use
//!   them. `sprites` have their own size; `tile` entities use them (and may also name a
//!   ground tile). A name may appear in only one of the two maps.
//! - Every rectangle must lie inside the image. Pixels are raw RGBA8 (no gamma), as for
//!   the cat atlases. Unknown keys are ignored.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::atlas::{AtlasError, RgbaImage, decode_png};

/// Why a tileset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TilesetError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The JSON description is malformed or inconsistent with its image.
    #[error("tileset {file}: {reason}")]
    Invalid {
        /// The description file (or tileset name).
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The atlas image could not be decoded.
    #[error(transparent)]
    Decode(#[from] AtlasError),
}

/// Index of a tile or sprite within its tileset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId(pub u32);

/// A rectangle of the atlas image, px.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct TileAt {
    x: u32,
    y: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TilesetFile {
    name: String,
    image: String,
    tile_size: u32,
    tiles: BTreeMap<String, TileAt>,
    #[serde(default)]
    sprites: BTreeMap<String, Rect>,
}

/// One loaded tileset: the decoded atlas and its named rectangles.
#[derive(Debug)]
pub struct Tileset {
    name: String,
    tile_size: u32,
    image: RgbaImage,
    rects: Vec<Rect>,
    /// Whether `rects[i]` is a ground tile (usable in layers) rather than a sprite.
    ground: Vec<bool>,
    /// Whether every pixel of `rects[i]` has alpha 255: a normal blit of it is then a copy.
    opaque: Vec<bool>,
    names: Vec<String>,
    by_name: HashMap<String, TileId>,
    fingerprint: [u8; 32],
}

impl Tileset {
    /// Parses a description and checks it against its decoded image.
    ///
    /// # Errors
    /// [`TilesetError::Invalid`] for malformed JSON, a zero tile size, a name used twice or
    /// a rectangle outside the image.
    pub fn from_parts(file: &str, json: &str, image: RgbaImage) -> Result<Self, TilesetError> {
        let invalid = |reason: String| TilesetError::Invalid {
            file: file.to_owned(),
            reason,
        };
        let desc: TilesetFile =
            serde_json::from_str(json).map_err(|e| invalid(format!("malformed JSON: {e}")))?;
        if desc.tile_size == 0 {
            return Err(invalid("tileSize must be at least 1".into()));
        }
        let ts = desc.tile_size;
        let entries = desc
            .tiles
            .iter()
            .map(|(n, t)| {
                let r = Rect {
                    x: t.x,
                    y: t.y,
                    w: ts,
                    h: ts,
                };
                (n, r, true)
            })
            .chain(desc.sprites.iter().map(|(n, r)| (n, *r, false)));
        let mut set = Self {
            name: desc.name.clone(),
            tile_size: ts,
            rects: Vec::new(),
            ground: Vec::new(),
            opaque: Vec::new(),
            names: Vec::new(),
            by_name: HashMap::new(),
            fingerprint: [0; 32],
            image,
        };
        for (name, r, ground) in entries {
            if name.is_empty() {
                return Err(invalid("a tile name is empty".into()));
            }
            let fits = r.w > 0
                && r.h > 0
                && u64::from(r.x) + u64::from(r.w) <= u64::from(set.image.width)
                && u64::from(r.y) + u64::from(r.h) <= u64::from(set.image.height);
            if !fits {
                return Err(invalid(format!(
                    "`{name}` ({}, {}, {}×{}) does not lie inside the {}×{} image",
                    r.x, r.y, r.w, r.h, set.image.width, set.image.height
                )));
            }
            let id = TileId(set.rects.len() as u32);
            if set.by_name.insert(name.clone(), id).is_some() {
                return Err(invalid(format!("`{name}` is both a tile and a sprite")));
            }
            set.rects.push(r);
            set.ground.push(ground);
            let opaque = (0..r.h).all(|y| set.row(id, y).chunks_exact(4).all(|p| p[3] == 255));
            set.opaque.push(opaque);
            set.names.push(name.clone());
        }
        set.fingerprint = set.digest();
        Ok(set)
    }

    /// Loads `<data_dir>/<name>.json` and the image it names from `sprite_dir`.
    ///
    /// # Errors
    /// As [`Self::from_parts`], plus unreadable files, undecodable images, and a `name`
    /// that differs from the file stem.
    pub fn load(json_path: &Path, sprite_dir: &Path) -> Result<Self, TilesetError> {
        let json = std::fs::read_to_string(json_path).map_err(|source| TilesetError::Io {
            path: json_path.to_owned(),
            source,
        })?;
        let file = json_path.display().to_string();
        let desc: TilesetFile = serde_json::from_str(&json).map_err(|e| TilesetError::Invalid {
            file: file.clone(),
            reason: format!("malformed JSON: {e}"),
        })?;
        let stem = json_path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if desc.name != stem {
            return Err(TilesetError::Invalid {
                file,
                reason: format!("name `{}` differs from the file stem `{stem}`", desc.name),
            });
        }
        let image_path =
            crate::atlas::inside(sprite_dir, &desc.image).ok_or_else(|| TilesetError::Invalid {
                file: file.clone(),
                reason: format!(
                    "image `{}` must name a file inside {}",
                    desc.image,
                    sprite_dir.display()
                ),
            })?;
        let bytes = std::fs::read(&image_path).map_err(|source| TilesetError::Io {
            path: image_path.clone(),
            source,
        })?;
        let image = decode_png(Cursor::new(bytes), &image_path.display().to_string())?;
        Self::from_parts(&file, &json, image)
    }

    fn digest(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(b"tileset-v1\0");
        h.update(self.name.as_bytes());
        h.update(&[0]);
        h.update(&self.tile_size.to_le_bytes());
        for ((name, r), ground) in self.names.iter().zip(&self.rects).zip(&self.ground) {
            h.update(name.as_bytes());
            h.update(&[0, u8::from(*ground)]);
            for v in [r.x, r.y, r.w, r.h] {
                h.update(&v.to_le_bytes());
            }
        }
        h.update(&self.image.width.to_le_bytes());
        h.update(&self.image.height.to_le_bytes());
        h.update(&self.image.pixels);
        *h.finalize().as_bytes()
    }

    /// The tileset's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Edge of a ground tile in the atlas, px.
    #[must_use]
    pub fn tile_size(&self) -> u32 {
        self.tile_size
    }

    /// The tile or sprite called `name`.
    #[must_use]
    pub fn id(&self, name: &str) -> Option<TileId> {
        self.by_name.get(name).copied()
    }

    /// Whether `id` is a ground tile (usable in layers).
    #[must_use]
    pub fn is_ground(&self, id: TileId) -> bool {
        self.ground[id.0 as usize]
    }

    /// Whether every pixel of `id` is opaque (its normal blit is a plain copy).
    #[must_use]
    pub fn is_opaque(&self, id: TileId) -> bool {
        self.opaque[id.0 as usize]
    }

    /// The rectangle of `id` in the atlas.
    #[must_use]
    pub fn rect(&self, id: TileId) -> Rect {
        self.rects[id.0 as usize]
    }

    /// The name of `id`.
    #[must_use]
    pub fn tile_name(&self, id: TileId) -> &str {
        &self.names[id.0 as usize]
    }

    /// Ground tile names, sorted.
    #[must_use]
    pub fn ground_names(&self) -> Vec<&str> {
        self.names_where(true)
    }

    /// Entity sprite names, sorted.
    #[must_use]
    pub fn sprite_names(&self) -> Vec<&str> {
        self.names_where(false)
    }

    fn names_where(&self, ground: bool) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .names
            .iter()
            .zip(&self.ground)
            .filter(|(_, g)| **g == ground)
            .map(|(n, _)| n.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// Number of tiles and sprites.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rects.len()
    }

    /// Whether the tileset has no tiles at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// The decoded atlas.
    #[must_use]
    pub fn image(&self) -> &RgbaImage {
        &self.image
    }

    /// Row `y` of `id`'s rectangle at the atlas's own scale (`rect.w * 4` bytes).
    #[inline]
    #[must_use]
    pub fn row(&self, id: TileId, y: u32) -> &[u8] {
        let r = self.rects[id.0 as usize];
        let start = ((r.y + y) as usize * self.image.width as usize + r.x as usize) * 4;
        &self.image.pixels[start..start + r.w as usize * 4]
    }

    /// A digest of everything that decides pixels: names, rectangles, tile size, image.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }
}

/// Every tileset of a data folder, by name, shared read-only by all renders.
#[derive(Debug, Default, Clone)]
pub struct TilesetRegistry {
    sets: BTreeMap<String, Arc<Tileset>>,
}

impl TilesetRegistry {
    /// Loads every `*.json` in `data_dir` with images from `sprite_dir`. A missing
    /// `data_dir` is an empty registry: a real CatGenerator sprite folder has no tilesets.
    ///
    /// # Errors
    /// The first tileset that fails to load, as [`Tileset::load`].
    pub fn load_dir(data_dir: &Path, sprite_dir: &Path) -> Result<Self, TilesetError> {
        let mut reg = Self::default();
        let entries = match std::fs::read_dir(data_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(reg),
            Err(source) => {
                return Err(TilesetError::Io {
                    path: data_dir.to_owned(),
                    source,
                });
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            reg.insert(Tileset::load(&f, sprite_dir)?);
        }
        Ok(reg)
    }

    /// The tilesets beside an atlas set: `<data_root>/tilesets/*.json` with images in
    /// `<sprite_root>/tilesets/`.
    ///
    /// # Errors
    /// As [`Self::load_dir`].
    pub fn load(paths: &crate::AtlasPaths) -> Result<Self, TilesetError> {
        Self::load_dir(
            &paths.data_root.join("tilesets"),
            &paths.sprite_root.join("tilesets"),
        )
    }

    /// Adds (or replaces) a tileset under its own name.
    pub fn insert(&mut self, set: Tileset) {
        self.sets.insert(set.name.clone(), Arc::new(set));
    }

    /// The tileset called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<Tileset>> {
        self.sets.get(name)
    }

    /// Every tileset name, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        self.sets.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: u32, h: u32) -> RgbaImage {
        RgbaImage {
            width: w,
            height: h,
            pixels: (0..w * h * 4).map(|i| (i % 251) as u8).collect(),
        }
    }

    #[test]
    fn a_tileset_image_outside_the_sprite_folder_is_refused_unread() {
        let dir = std::env::temp_dir().join(format!("cg3-tileset-inside-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for image in ["/etc/hostname", "../outside.png"] {
            let json = dir.join("t.json");
            let desc = format!(r#"{{"name":"t","image":"{image}","tileSize":8,"tiles":{{}}}}"#);
            std::fs::write(&json, desc).expect("write");
            let err = Tileset::load(&json, &dir).expect_err("refused");
            assert!(
                matches!(err, TilesetError::Invalid { .. }),
                "{image}: {err}"
            );
            assert!(err.to_string().contains("must name a file inside"), "{err}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_rectangle_outside_the_image_is_rejected_with_its_name() {
        let json = r#"{"name":"t","image":"t.png","tileSize":8,
            "tiles":{"a":{"x":0,"y":0},"b":{"x":12,"y":0}}}"#;
        let err = Tileset::from_parts("t.json", json, image(16, 8)).expect_err("must be rejected");
        assert!(err.to_string().contains("`b`"), "{err}");
    }

    #[test]
    fn a_name_used_as_tile_and_sprite_is_rejected() {
        let json = r#"{"name":"t","image":"t.png","tileSize":8,
            "tiles":{"a":{"x":0,"y":0}},"sprites":{"a":{"x":0,"y":0,"w":4,"h":4}}}"#;
        assert!(Tileset::from_parts("t.json", json, image(16, 8)).is_err());
    }

    #[test]
    fn rows_address_the_named_rectangle() {
        let json = r#"{"name":"t","image":"t.png","tileSize":4,
            "tiles":{"a":{"x":4,"y":2}},"sprites":{"s":{"x":1,"y":1,"w":2,"h":3}}}"#;
        let img = image(16, 8);
        let set = Tileset::from_parts("t.json", json, img.clone()).expect("loads");
        let a = set.id("a").expect("a");
        assert!(set.is_ground(a));
        let at = |x: usize, y: usize| &img.pixels[(y * 16 + x) * 4..(y * 16 + x) * 4 + 4];
        assert_eq!(&set.row(a, 1)[0..4], at(4, 3));
        assert_eq!(set.row(a, 1).len(), 16);
        let s = set.id("s").expect("s");
        assert!(!set.is_ground(s));
        assert_eq!(&set.row(s, 2)[4..8], at(2, 3));
        assert_eq!(set.ground_names(), ["a"]);
        assert_eq!(set.sprite_names(), ["s"]);
    }

    #[test]
    fn the_fingerprint_follows_pixels_and_rectangles() {
        let json = r#"{"name":"t","image":"t.png","tileSize":4,"tiles":{"a":{"x":0,"y":0}}}"#;
        let moved = r#"{"name":"t","image":"t.png","tileSize":4,"tiles":{"a":{"x":4,"y":0}}}"#;
        let fp = |j: &str, img: RgbaImage| {
            Tileset::from_parts("t", j, img)
                .expect("loads")
                .fingerprint()
        };
        let base = fp(json, image(8, 4));
        assert_eq!(base, fp(json, image(8, 4)));
        assert_ne!(base, fp(moved, image(8, 4)));
        let mut img = image(8, 4);
        img.pixels[100] ^= 1;
        assert_ne!(base, fp(json, img));
    }

    #[test]
    fn the_bundled_terrain_tileset_loads_with_its_paths_and_trees() {
        let reg = TilesetRegistry::load(&crate::AtlasPaths::bundled()).expect("loads");
        let t = reg.get("terrain").expect("terrain is bundled");
        assert_eq!(t.tile_size(), 32);
        for name in [
            "grass",
            "dirt",
            "sand",
            "water",
            "stone",
            "path_n",
            "path_inner_sw",
        ] {
            assert!(t.id(name).is_some_and(|id| t.is_ground(id)), "{name}");
        }
        for name in ["tree", "rock", "bush"] {
            assert!(t.id(name).is_some_and(|id| !t.is_ground(id)), "{name}");
        }
    }

    #[test]
    fn a_missing_tileset_folder_is_an_empty_registry() {
        let reg =
            TilesetRegistry::load_dir(Path::new("/nonexistent/x"), Path::new("/y")).expect("empty");
        assert!(reg.names().is_empty());
    }
}

//! CatGenerator V3's palette ("experimental") colours: folders of palette JSON files in its
//! format, and the colour each one gives a pelt.
//!
//! A palette colour is drawn as CatGenerator draws it: the pattern's `WHITE` pelt sprite,
//! recoloured in floating point by its `_apply_experimental_tint` (a flat `multiply`, then
//! optional `screen` and `overlay`, or a procedural `pattern` tile instead of the multiply).
//! The recoloured cell then takes part in the game's integer compositing like any sprite.
//!
//! - [`numeric`]: NumPy's float32/float64 arithmetic, step for step.
//! - [`tint`]: [`Recolour`], the per-channel tables and per-pixel pattern recolouring.
//! - [`pattern`]: the procedural pattern tiles.

pub mod numeric;
pub mod pattern;
pub mod tint;

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

pub use pattern::PatternError;
pub use tint::{Recolour, dark_forest_tint_px};

/// Index of a colour in a [`PaletteSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaletteColourId(pub u32);

/// One palette file's metadata, as `GET /palettes` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Palette {
    /// `id` of the file (its stem when absent).
    pub id: String,
    /// `label` (the id when absent).
    pub label: String,
    /// `description`, if any.
    pub description: Option<String>,
    /// The file's `colors` object as written.
    pub colors: Value,
}

/// One palette colour.
#[derive(Debug)]
pub struct PaletteColour {
    /// Its name, upper-cased (lookups ignore case, as CatGenerator's do).
    pub name: String,
    /// The palette that defines it.
    pub palette: String,
    /// What it does to a sprite.
    pub recolour: Recolour,
}

/// The palette colours of one folder.
#[derive(Debug, Default)]
pub struct PaletteSet {
    palettes: Vec<Palette>,
    colours: Vec<PaletteColour>,
    by_name: HashMap<String, PaletteColourId>,
    problems: Vec<String>,
    digest: [u8; 32],
}

/// A palette folder that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("reading palette folder {path}: {source}")]
pub struct PaletteError {
    /// The folder.
    pub path: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl PaletteSet {
    /// Loads every `*.json` file of `dir` in file-name order, as CatGenerator does. A file
    /// that does not parse is left out and reported in [`Self::problems`]; a colour defined
    /// twice keeps its last definition.
    ///
    /// # Errors
    /// [`PaletteError`] when the folder cannot be listed.
    pub fn load_dir(dir: &Path) -> Result<Self, PaletteError> {
        let err = |source| PaletteError {
            path: dir.display().to_string(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        files.sort();
        let mut set = Self::default();
        let mut hasher = blake3::Hasher::new();
        for path in files {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = match std::fs::read(&path) {
                Ok(t) => t,
                Err(e) => {
                    set.problems.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            match serde_json::from_slice::<Value>(&text) {
                Ok(v) => {
                    if let Err(e) = set.add_file(&stem, &v) {
                        set.problems.push(format!("{}: {e}", path.display()));
                        continue;
                    }
                    hasher.update(stem.as_bytes());
                    hasher.update(&[0]);
                    hasher.update(&text);
                }
                Err(e) => set.problems.push(format!("{}: {e}", path.display())),
            }
        }
        set.digest = *hasher.finalize().as_bytes();
        Ok(set)
    }

    /// Adds one parsed palette file.
    ///
    /// # Errors
    /// A message when the file is not a palette object.
    pub fn add_file(&mut self, stem: &str, v: &Value) -> Result<(), String> {
        let obj = v.as_object().ok_or("not a JSON object")?;
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let id = text("id").unwrap_or_else(|| stem.to_owned());
        let colors = obj
            .get("colors")
            .cloned()
            .unwrap_or(Value::Object(Default::default()));
        let map = colors.as_object().ok_or("`colors` is not an object")?;
        for (name, def) in map {
            let upper = name.to_uppercase();
            let recolour = Recolour::from_definition(def);
            let colour = PaletteColour {
                name: upper.clone(),
                palette: id.clone(),
                recolour,
            };
            match self.by_name.get(&upper) {
                Some(&PaletteColourId(i)) => self.colours[i as usize] = colour,
                None => {
                    let id = PaletteColourId(self.colours.len() as u32);
                    self.colours.push(colour);
                    self.by_name.insert(upper, id);
                }
            }
        }
        self.palettes.push(Palette {
            label: text("label").unwrap_or_else(|| id.clone()),
            description: text("description"),
            id,
            colors,
        });
        Ok(())
    }

    /// The colour called `name` (any case).
    #[must_use]
    pub fn colour(&self, name: &str) -> Option<PaletteColourId> {
        self.by_name.get(&name.to_uppercase()).copied()
    }

    /// The colour behind an id from this set.
    ///
    /// # Panics
    /// If `id` does not come from this set.
    #[must_use]
    pub fn get(&self, id: PaletteColourId) -> &PaletteColour {
        &self.colours[id.0 as usize]
    }

    /// Every palette, in file-name order.
    #[must_use]
    pub fn palettes(&self) -> &[Palette] {
        &self.palettes
    }

    /// Number of colours.
    #[must_use]
    pub fn len(&self) -> usize {
        self.colours.len()
    }

    /// No colours at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.colours.is_empty()
    }

    /// Every colour name, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.colours.iter().map(|c| c.name.as_str()).collect();
        v.sort_unstable();
        v
    }

    /// Files left out, with why.
    #[must_use]
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// A digest of every file loaded, for the repository's fingerprint.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn colours_are_found_in_any_case_and_a_later_definition_wins() {
        let mut set = PaletteSet::default();
        set.add_file(
            "a",
            &json!({"id": "a", "colors": {"Moss": {"multiply": [10, 20, 30]}}}),
        )
        .expect("palette");
        set.add_file(
            "b",
            &json!({"colors": {"MOSS": {"multiply": [40, 50, 60]}}}),
        )
        .expect("palette");
        let id = set.colour("moss").expect("found");
        assert_eq!(set.len(), 1);
        assert_eq!(set.get(id).palette, "b");
        assert_eq!(set.palettes()[1].label, "b");
    }

    #[test]
    fn a_file_that_is_not_a_palette_is_refused() {
        let mut set = PaletteSet::default();
        assert!(set.add_file("x", &json!([1, 2])).is_err());
        assert!(set.add_file("x", &json!({"colors": [1]})).is_err());
    }
}

//! The open vocabularies a sprite folder's data defines: scar categories and accessory
//! categories (`peltInfo.json`) and the tint tables (`tint.json`, `white_patches_tint.json`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{AtlasError, read_data_file};

/// A whole-surface tint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tint {
    /// RGB-multiply a fill of this colour (`tint_colours`).
    Multiply([u8; 3]),
    /// RGB-add a fill of this colour (`dilute_tint_colours`).
    Add([u8; 3]),
}

/// An accessory category, in the precedence order that picks an accessory's sprite prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccessoryCategory {
    /// The list's key in `peltInfo.json`.
    pub list_key: &'static str,
    /// The sprite-group prefix.
    pub prefix: &'static str,
}

/// Accessory categories in precedence order (spec §4 step 12).
pub const ACCESSORY_CATEGORIES: [AccessoryCategory; 12] = [
    cat("plant_accessories", "acc_herbs"),
    cat("wild_accessories", "acc_wild"),
    cat("collars", "collars"),
    cat("flower_accessories", "acc_flower"),
    cat("plant2_accessories", "acc_plant2"),
    cat("snake_accessories", "acc_snake"),
    cat("smallAnimal_accessories", "acc_smallAnimal"),
    cat("deadInsect_accessories", "acc_deadInsect"),
    cat("aliveInsect_accessories", "acc_aliveInsect"),
    cat("fruit_accessories", "acc_fruit"),
    cat("crafted_accessories", "acc_crafted"),
    cat("tail2_accessories", "acc_tail2"),
];

const fn cat(list_key: &'static str, prefix: &'static str) -> AccessoryCategory {
    AccessoryCategory { list_key, prefix }
}

/// Which step draws a scar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScarKind {
    /// scars1 / scars3: normal blit at step 7.
    Mark,
    /// scars2: RGBA-min at step 11.
    MissingPart,
}

/// The data-defined vocabulary of a sprite folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// `scars1` + `scars3` names.
    pub scar_marks: Vec<String>,
    /// `scars2` names (missing parts).
    pub missing_parts: Vec<String>,
    /// Accessory lists by `peltInfo.json` key (absent keys are empty).
    pub accessory_lists: BTreeMap<String, Vec<String>>,
    /// `tint_colours` and `dilute_tint_colours`, by name; `none` is not listed.
    pub tints: BTreeMap<String, Tint>,
    /// White-patch `tint_colours`, by name; `none` is not listed.
    pub white_tints: BTreeMap<String, [u8; 3]>,
}

impl Vocabulary {
    /// Reads `peltInfo.json`, `tint.json` and `white_patches_tint.json` from a data root.
    ///
    /// # Errors
    /// [`AtlasError`] when a file is missing or not shaped as the game writes it.
    pub fn load(data_root: &Path) -> Result<Self, AtlasError> {
        let json = |name: &str| -> Result<Value, AtlasError> {
            serde_json::from_str(&read_data_file(data_root, name)?)
                .map_err(|e| AtlasError::data(name, e))
        };
        let pelt = json("peltInfo.json")?;
        let tint = json("tint.json")?;
        let white = json("white_patches_tint.json")?;

        let list = |key: &str| -> Result<Vec<String>, AtlasError> {
            match pelt.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => {
                    let mut out: Vec<String> = Vec::with_capacity(items.len());
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            AtlasError::data("peltInfo.json", format!("`{key}` holds a non-string"))
                        })?;
                        if !out.iter().any(|o| o == s) {
                            out.push(s.to_owned());
                        }
                    }
                    Ok(out)
                }
                Some(_) => Err(AtlasError::data(
                    "peltInfo.json",
                    format!("`{key}` is not a list"),
                )),
            }
        };
        let mut scar_marks = list("scars1")?;
        scar_marks.extend(list("scars3")?);
        let missing_parts = list("scars2")?;
        let mut accessory_lists = BTreeMap::new();
        for c in ACCESSORY_CATEGORIES {
            accessory_lists.insert(c.list_key.to_owned(), list(c.list_key)?);
        }

        let mut tints = BTreeMap::new();
        for (name, rgb) in colour_table(&tint, "tint.json", "tint_colours")? {
            tints.insert(name, Tint::Multiply(rgb));
        }
        for (name, rgb) in colour_table(&tint, "tint.json", "dilute_tint_colours")? {
            tints.insert(name, Tint::Add(rgb));
        }
        let white_tints = colour_table(&white, "white_patches_tint.json", "tint_colours")?
            .into_iter()
            .collect();
        Ok(Self {
            scar_marks,
            missing_parts,
            accessory_lists,
            tints,
            white_tints,
        })
    }

    /// Which step draws scar `name`, if it is a scar at all.
    #[must_use]
    pub fn scar_kind(&self, name: &str) -> Option<ScarKind> {
        if self.scar_marks.iter().any(|s| s == name) {
            Some(ScarKind::Mark)
        } else if self.missing_parts.iter().any(|s| s == name) {
            Some(ScarKind::MissingPart)
        } else {
            None
        }
    }

    /// Whether the `peltInfo.json` list of `category` names `accessory`.
    #[must_use]
    pub fn lists_accessory(&self, category: &AccessoryCategory, accessory: &str) -> bool {
        self.accessory_lists
            .get(category.list_key)
            .is_some_and(|l| l.iter().any(|a| a == accessory))
    }

    pub(crate) fn hash_into(&self, h: &mut blake3::Hasher) {
        let mut put = |s: &str| {
            h.update(s.as_bytes());
            h.update(&[0]);
        };
        for s in self.scar_marks.iter().chain(&self.missing_parts) {
            put(s);
        }
        put("|");
        for (k, v) in &self.accessory_lists {
            put(k);
            for a in v {
                put(a);
            }
        }
        for (k, t) in &self.tints {
            put(k);
            put(&format!("{t:?}"));
        }
        for (k, t) in &self.white_tints {
            put(k);
            put(&format!("{t:?}"));
        }
    }
}

fn colour_table(doc: &Value, file: &str, key: &str) -> Result<Vec<(String, [u8; 3])>, AtlasError> {
    let Some(table) = doc.get(key) else {
        return Ok(Vec::new());
    };
    let table = table
        .as_object()
        .ok_or_else(|| AtlasError::data(file, format!("`{key}` is not an object")))?;
    let mut out = Vec::new();
    for (name, v) in table {
        if v.is_null() {
            continue;
        }
        let rgb: Option<Vec<u8>> = v.as_array().and_then(|a| {
            a.iter()
                .map(|c| c.as_u64().and_then(|c| u8::try_from(c).ok()))
                .collect()
        });
        match rgb.as_deref() {
            Some(&[r, g, b]) => out.push((name.clone(), [r, g, b])),
            _ => {
                return Err(AtlasError::data(
                    file,
                    format!("`{key}.{name}` is not [r, g, b] with 0..=255 values"),
                ));
            }
        }
    }
    Ok(out)
}

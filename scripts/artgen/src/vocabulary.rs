//! The names the atlases must contain, read from the committed `vocabulary.json`.
//!
//! `vocabulary.json` was extracted once from CatGenerator's index by
//! `extract_vocabulary.py`; the generator never reads the reference itself.

use serde::Deserialize;

/// The vocabulary file, compiled into the binary so a run needs no other input.
const VOCABULARY_JSON: &str = include_str!("../vocabulary.json");

/// Every group name, grouped by what kind of layer it is.
#[derive(Debug, Clone, Deserialize)]
pub struct Vocabulary {
    /// Pelt pattern prefixes (`single`, `tabby` …), 14.
    pub pelt_prefixes: Vec<String>,
    /// Coat colours, 19.
    pub colours: Vec<String>,
    /// Tortie patch masks, 43.
    pub tortie_masks: Vec<String>,
    /// White patches, points and vitiligo, all `white` + name, 130.
    pub white_patches: Vec<String>,
    /// Which white names are colour points.
    pub points: Vec<String>,
    /// Which white names are vitiligo.
    pub vitiligo: Vec<String>,
    /// Eye colours, 21 (used by `eyes` and `eyes2`).
    pub eye_colours: Vec<String>,
    /// Skin colours, 18.
    pub skins: Vec<String>,
    /// Scars drawn over the coat.
    pub scars1: Vec<String>,
    /// Missing parts, applied with RGBA-min.
    pub scars2: Vec<String>,
    /// More scars drawn over the coat (burns, frostbite …).
    pub scars3: Vec<String>,
    /// Accessory groups per prefix, in the precedence order of spec step 12.
    pub accessories: Vec<AccessoryPrefix>,
    /// ClanGen's own accessory lists (the base game), before LifeGen's additions.
    pub clangen_accessories: ClangenAccessories,
    /// Groups that are one of a kind (`lines`, `shaders`, `fademask0` …).
    pub single_groups: Vec<String>,
    /// Which tints each colour may get (copied into the tint tables).
    pub tint_groups: TintGroups,
}

/// Accessories that share a group-name prefix.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessoryPrefix {
    /// Group-name prefix, e.g. `acc_herbs`.
    pub prefix: String,
    /// The `peltInfo.json` category that lists these names, e.g. `plant_accessories`.
    pub category: String,
    /// Accessory names (group name = prefix + name; names may contain spaces).
    pub names: Vec<String>,
}

/// ClanGen's accessory categories, as the base game lists them.
#[derive(Debug, Clone, Deserialize)]
pub struct ClangenAccessories {
    /// Herbs and flowers (`acc_herbs`).
    pub plant_accessories: Vec<String>,
    /// Feathers and wings (`acc_wild`).
    pub wild_accessories: Vec<String>,
    /// Collars.
    pub collars: Vec<String>,
    /// The accessories that sit on the tail.
    pub tail_accessories: Vec<String>,
}

/// The colour-group tables of both tint files.
#[derive(Debug, Clone, Deserialize)]
pub struct TintGroups {
    /// For `tints/tint.json`.
    pub tint: TintGroup,
    /// For `tints/white_patches_tint.json`.
    pub white_patches_tint: TintGroup,
}

/// Colour → group, and group → allowed tints, as ordered pairs.
#[derive(Debug, Clone, Deserialize)]
pub struct TintGroup {
    /// `[colour, group]` pairs.
    pub colour_groups: Vec<(String, String)>,
    /// `[group, [tint …]]` pairs.
    pub possible_tints: Vec<(String, Vec<String>)>,
}

impl Vocabulary {
    /// The compiled-in vocabulary.
    ///
    /// # Errors
    /// Fails only if `vocabulary.json` is malformed, which the crate's tests rule out.
    pub fn load() -> anyhow::Result<Vocabulary> {
        Ok(serde_json::from_str(VOCABULARY_JSON)?)
    }

    /// Whether `name` is one of the colour points.
    pub fn is_point(&self, name: &str) -> bool {
        self.points.iter().any(|p| p == name)
    }

    /// Whether `name` is one of the vitiligo patterns.
    pub fn is_vitiligo(&self, name: &str) -> bool {
        self.vitiligo.iter().any(|p| p == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_has_the_documented_counts() -> anyhow::Result<()> {
        let v = Vocabulary::load()?;
        assert_eq!(v.pelt_prefixes.len(), 14);
        assert_eq!(v.colours.len(), 19);
        assert_eq!(v.tortie_masks.len(), 43);
        assert_eq!(v.white_patches.len(), 130);
        assert_eq!(v.eye_colours.len(), 21);
        assert_eq!(v.skins.len(), 18);
        assert_eq!(
            (v.scars1.len(), v.scars2.len(), v.scars3.len()),
            (33, 8, 12)
        );
        assert_eq!(v.accessories.len(), 12);
        assert_eq!(v.single_groups.len(), 17);
        Ok(())
    }
}

//! CatGenerator-style parameters: JSON in, typed [`CatParams`] out, with errors that name the
//! field and what is allowed. Names that only a sprite folder can check (masks, white
//! patches, scars, accessories, tints) are checked in [`crate::spec`].

use serde::Serialize;
use serde_json::{Map, Value};
use serde_json_borrow::{ObjectAsVec, Value as Borrowed};

use crate::cell::Pose;
use crate::names::{Colour, EyeColour, PeltName, SkinColour};

/// Bad input: which field, what is wrong, and (where it is a name) what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct ParamError {
    /// The parameter's name as the client sent it (`colour`, `tortie[1].mask`, …).
    pub field: String,
    /// What is wrong, in words, including the allowed values where there are few.
    pub message: String,
    /// The allowed values, when the field takes a name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl ParamError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    /// `value` is not one of `allowed`.
    pub fn unknown<S: AsRef<str>>(field: impl Into<String>, value: &str, allowed: &[S]) -> Self {
        let allowed: Vec<String> = allowed.iter().map(|s| s.as_ref().to_owned()).collect();
        Self {
            field: field.into(),
            message: format!("unknown value `{value}`; allowed: {}", allowed.join(", ")),
            allowed,
        }
    }
}

/// A coat colour: one of the game's, or a palette colour (checked against the palettes of a
/// sprite folder in [`crate::spec`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CoatColour {
    /// One of the game's 19 colours.
    Game(Colour),
    /// A palette ("experimental") colour, upper-cased.
    Palette(String),
}

impl CoatColour {
    /// A game colour by its exact name, else a palette name (upper-cased).
    #[must_use]
    pub fn parse(name: &str) -> Self {
        Colour::from_name(name).map_or_else(|| Self::Palette(name.to_uppercase()), Self::Game)
    }

    /// The name as the client would send it.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Game(c) => c.name(),
            Self::Palette(p) => p,
        }
    }
}

impl Serialize for CoatColour {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One tortie patch layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TortieLayer {
    /// Pattern of the patch (a pelt with a sprite prefix).
    pub pattern: PeltName,
    /// Colour of the patch.
    pub colour: CoatColour,
    /// Tortie mask name (`tortiemask<mask>`); `None` draws the patch whole, as CatGenerator
    /// does for a layer without a mask.
    pub mask: Option<String>,
}

/// A cat's parameters, typed. Defaults: pose 8, colour WHITE, eyes YELLOW, skin PINK,
/// opacity 100.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatParams {
    /// Pose.
    pub sprite_number: Pose,
    /// Pelt of the base coat (for Tortie/Calico: the pelt named by `tortieBase`).
    pub pelt_name: PeltName,
    /// Coat colour.
    pub colour: CoatColour,
    /// True exactly when `tortie` has layers. Written into the canonical JSON (only when
    /// true, so plain cats' bytes are unchanged) because the parser draws a `tortie` list
    /// only with `isTortie` (as CatGenerator does): without it a chunk recipe re-rendered
    /// from its canonical JSON lost its tortie patches (found by `fuzz/cat_params`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_tortie: bool,
    /// Tortie patch layers, drawn in order; empty for a plain coat.
    pub tortie: Vec<TortieLayer>,
    /// Whole-cat tint name.
    pub tint: Option<String>,
    /// White patches name.
    pub white_patches: Option<String>,
    /// Tint of white patches and points.
    pub white_patches_tint: Option<String>,
    /// Points name.
    pub points: Option<String>,
    /// Vitiligo name.
    pub vitiligo: Option<String>,
    /// Eye colour.
    pub eye_colour: EyeColour,
    /// Second eye colour (heterochromia).
    pub eye_colour2: Option<EyeColour>,
    /// Skin colour.
    pub skin_colour: SkinColour,
    /// Scars, in order (`scars`, then `scarSlots`, then `scar`), normalised as CatGenerator
    /// does (spaces and hyphens dropped, upper case).
    pub scars: Vec<String>,
    /// Accessories, in order (`accessories` then `accessory`).
    pub accessories: Vec<String>,
    /// Shading and lighting (alive cats only).
    pub shading: bool,
    /// Dead cats get dead lineart and may fade.
    pub dead: bool,
    /// Dark Forest (`darkForest` or `darkMode`): DF lineart, fog for dead cats.
    pub dark_forest: bool,
    /// CatGenerator V3's Dark Forest multiply stage: `darkForestTint` when given, else on
    /// for living Dark Forest cats (dead ones keep the game's exact output).
    pub dark_forest_tint: bool,
    /// 0..=100; dead cats at ≤ 97 fade.
    pub opacity: u8,
    /// Flip horizontally.
    pub reverse: bool,
}

/// Keys this parser reads; others are ignored (with a debug log).
const KNOWN_KEYS: &[&str] = &[
    "spriteNumber",
    "sprite_number",
    "peltName",
    "colour",
    "isTortie",
    "tortieBase",
    "tortiePattern",
    "tortieColour",
    "tortieMask",
    "tortie",
    "tint",
    "whitePatches",
    "whitePatchesTint",
    "points",
    "vitiligo",
    "eyeColour",
    "eyeColor",
    "eyeColour2",
    "eyeColor2",
    "skinColour",
    "skinColor",
    "scars",
    "scarSlots",
    "scar",
    "accessories",
    "accessory",
    "shading",
    "lighting",
    "dead",
    "darkForest",
    "darkMode",
    "darkForestTint",
    "opacity",
    "reverse",
];

impl CatParams {
    /// Parses a JSON object of CatGenerator parameters.
    ///
    /// # Errors
    /// [`ParamError`] naming the first field that is missing, of the wrong type or unknown.
    pub fn from_json(value: &Value) -> Result<Self, ParamError> {
        let obj = value
            .as_object()
            .ok_or_else(|| ParamError::new("params", "must be a JSON object"))?;
        Self::from_map(obj)
    }

    /// Parses an already-split JSON object. Lenient where CatGenerator V3 is: aliases
    /// (`eyeColor`, `skinColor`, `sprite_number`, `darkMode`), string booleans, `null` list
    /// entries, tortie layers without a mask, `isTortie` without layers (a plain coat).
    ///
    /// # Errors
    /// As [`Self::from_json`].
    pub fn from_map(obj: &Map<String, Value>) -> Result<Self, ParamError> {
        Self::from_object(&borrow_object(obj))
    }

    /// [`Self::from_map`] for an object read in place from a request body (keys and
    /// strings borrowed, entries in the order sent): `POST /render` reads its cat this way,
    /// without building a `serde_json::Map`. Of keys sent twice the last counts, as in a
    /// `serde_json::Map` (and in CatGenerator's Python `dict`).
    ///
    /// # Errors
    /// As [`Self::from_json`].
    pub fn from_object(obj: &ObjectAsVec<'_>) -> Result<Self, ParamError> {
        if tracing::enabled!(tracing::Level::DEBUG) {
            for key in obj.keys() {
                if !KNOWN_KEYS.contains(&key) {
                    tracing::debug!(key, "ignoring unknown cat parameter");
                }
            }
        }
        let f = Fields::new(obj);
        let pose_key = f.first_present(&["spriteNumber", "sprite_number"]);
        let sprite_number = match f.int(pose_key, 0, 20)? {
            None => Pose::new(8),
            Some(n) => Pose::new(n as u8),
        }
        .ok_or_else(|| ParamError::new(pose_key, "must be 0..=20"))?;
        let pelt = f
            .closed("peltName", PeltName::from_name, PeltName::NAMES)?
            .ok_or_else(|| required("peltName", PeltName::NAMES))?;
        let colour = f
            .text("colour")?
            .map_or(CoatColour::Game(Colour::White), CoatColour::parse);

        let patterned = PeltName::patterned_names();
        let game_tortie = matches!(pelt, PeltName::Tortie | PeltName::Calico);
        let pelt_name = if game_tortie {
            let base = f
                .closed("tortieBase", PeltName::from_name, patterned)?
                .ok_or_else(|| {
                    ParamError::new(
                        "tortieBase",
                        format!(
                            "required when peltName is {pelt}; allowed: {}",
                            patterned.join(", ")
                        ),
                    )
                })?;
            if base.sprite_prefix().is_none() {
                return Err(ParamError::unknown("tortieBase", base.name(), patterned));
            }
            base
        } else {
            pelt
        };
        let is_tortie = game_tortie || f.bool("isTortie")?;
        let tortie = if is_tortie {
            tortie_layers(&f, patterned)?
        } else {
            Vec::new()
        };
        let dark_key = f.first_present(&["darkForest", "darkMode"]);
        let dead = f.bool("dead")?;
        let dark_forest = f.bool(dark_key)?;
        let dark_forest_tint = match f.opt_bool("darkForestTint")? {
            Some(b) => b,
            None => dark_forest && !dead,
        };

        Ok(Self {
            sprite_number,
            pelt_name,
            colour,
            is_tortie: !tortie.is_empty(),
            tortie,
            tint: f.name("tint")?,
            white_patches: f.name("whitePatches")?,
            white_patches_tint: f.name("whitePatchesTint")?,
            points: f.name("points")?,
            vitiligo: f.name("vitiligo")?,
            eye_colour: f
                .closed(
                    f.first_present(&["eyeColour", "eyeColor"]),
                    EyeColour::from_name,
                    EyeColour::NAMES,
                )?
                .unwrap_or(EyeColour::Yellow),
            eye_colour2: f.closed(
                f.first_present(&["eyeColour2", "eyeColor2"]),
                EyeColour::from_name,
                EyeColour::NAMES,
            )?,
            skin_colour: f
                .closed(
                    f.first_present(&["skinColour", "skinColor"]),
                    SkinColour::from_name,
                    SkinColour::NAMES,
                )?
                .unwrap_or(SkinColour::Pink),
            scars: scar_names(f.list_and_single(&["scars", "scarSlots"], "scar")?),
            accessories: f.list_and_single(&["accessories"], "accessory")?,
            shading: f.bool("shading")?,
            dead,
            dark_forest,
            dark_forest_tint,
            opacity: f.int("opacity", 0, 100)?.map_or(100, |o| o as u8),
            reverse: f.bool("reverse")?,
        })
    }

    /// The canonical JSON form: every field spelled out with defaults applied, keys in a
    /// fixed order. Equal cats give equal bytes, whatever order or defaults the client used.
    #[must_use]
    pub fn canonical_json(&self) -> String {
        // A typical cat's form is 350–450 bytes: one allocation instead of three growths.
        let mut out = Vec::with_capacity(512);
        // Serialising plain data with string keys into memory cannot fail, and serde_json
        // writes only UTF-8.
        if serde_json::to_writer(&mut out, self).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// `obj` as a borrowed object, built in one pass (`serde_json_borrow`'s own conversion
/// inserts key by key, a scan each: quadratic in a hostile object's size).
fn borrow_object(obj: &Map<String, Value>) -> ObjectAsVec<'_> {
    obj.iter().map(|(k, v)| (k.as_str(), borrow(v))).collect()
}

fn borrow(v: &Value) -> Borrowed<'_> {
    match v {
        Value::Null => Borrowed::Null,
        Value::Bool(b) => Borrowed::Bool(*b),
        Value::Number(n) => n
            .as_u64()
            .map(Borrowed::from)
            .or_else(|| n.as_i64().map(Borrowed::from))
            .unwrap_or_else(|| Borrowed::from(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => Borrowed::Str(s.as_str().into()),
        Value::Array(items) => Borrowed::Array(items.iter().map(borrow).collect()),
        Value::Object(o) => Borrowed::Object(borrow_object(o)),
    }
}

/// Scar names normalised, then `NONE` and empty names dropped and duplicates removed — in
/// that order, so the canonical JSON parses back to the same list (`" none"` and
/// `"left-ear"` + `"LEFTEAR"` broke that before; found by `fuzz/cat_params`).
fn scar_names(raw: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for name in raw {
        let n = normalise_scar(&name);
        if !n.is_empty() && n != "NONE" && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// CatGenerator's scar spelling: no spaces or hyphens, upper case.
/// Spaces and hyphens go first and the trim comes last, so normalising twice changes nothing
/// (`"p15\u{2008}-"` kept a trailing Unicode space that a second pass trimmed: fuzz find).
fn normalise_scar(s: &str) -> String {
    s.chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect::<String>()
        .to_uppercase()
        .trim()
        .to_owned()
}

fn required<S: AsRef<str>>(field: &str, allowed: &[S]) -> ParamError {
    let mut e = ParamError::unknown(field, "", allowed);
    e.message = format!(
        "is required; allowed: {}",
        allowed
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    );
    e
}

/// The tortie layers, as CatGenerator V3 reads them: a non-empty `tortie` list wins (its
/// `null` entries and entries without a pattern are skipped; a missing colour is GINGER, a
/// missing mask draws the patch unmasked); else `tortiePattern` with `tortieColour` and
/// `tortieMask`; else none, and the cat is a plain coat.
fn tortie_layers(f: &Fields<'_>, patterned: &[&str]) -> Result<Vec<TortieLayer>, ParamError> {
    let closed_pattern = |field: &str, v: &str| {
        PeltName::from_name(v)
            .filter(|p| p.sprite_prefix().is_some())
            .ok_or_else(|| ParamError::unknown(field, v, patterned))
    };
    let colour_or_ginger =
        |c: Option<&str>| c.map_or(CoatColour::Game(Colour::Ginger), CoatColour::parse);
    if let Some(list) = f.get("tortie").filter(|v| !v.is_null()) {
        let items = list.as_array().ok_or_else(|| {
            ParamError::new("tortie", "must be a list of {pattern, colour, mask}")
        })?;
        if !items.is_empty() {
            if items.len() > 16 {
                return Err(ParamError::new("tortie", "at most 16 layers"));
            }
            let mut layers = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let field = |k: &str| format!("tortie[{i}].{k}");
                let obj = match item {
                    Borrowed::Null => continue,
                    Borrowed::Object(o) => o,
                    _ => {
                        return Err(ParamError::new(
                            format!("tortie[{i}]"),
                            "must be {pattern, colour, mask} or null",
                        ));
                    }
                };
                let layer = Fields::new(obj);
                let text = |k: &str| {
                    layer
                        .text(k)
                        .map_err(|e| ParamError::new(field(k), e.message))
                };
                let Some(pattern) = text("pattern")? else {
                    continue;
                };
                layers.push(TortieLayer {
                    pattern: closed_pattern(&field("pattern"), pattern)?,
                    colour: colour_or_ginger(text("colour")?),
                    mask: text("mask")?.map(str::to_owned),
                });
            }
            return Ok(layers);
        }
    }
    let Some(pattern) = f.text("tortiePattern")? else {
        return Ok(Vec::new());
    };
    Ok(vec![TortieLayer {
        pattern: closed_pattern("tortiePattern", pattern)?,
        colour: colour_or_ginger(f.text("tortieColour")?),
        mask: f.name("tortieMask")?,
    }])
}

/// Typed access to the fields of one JSON object.
struct Fields<'a> {
    obj: &'a ObjectAsVec<'a>,
    /// One bit per [`key_bit`] of each key the object has: a lookup of a key whose bit is
    /// clear skips the map's string comparisons. Most lookups are for absent keys (a cat
    /// names a few of the forty), and they were most of what reading a cat cost.
    present: u64,
}

/// A key's bit in [`Fields::present`] (from its length and first and last bytes).
fn key_bit(key: &str) -> u64 {
    let b = key.as_bytes();
    let (first, last) = (
        b.first().copied().unwrap_or(0),
        b.last().copied().unwrap_or(0),
    );
    1 << ((b.len() as u32 * 7 + u32::from(first) * 3 + u32::from(last)) % 64)
}

impl<'a> Fields<'a> {
    fn new(obj: &'a ObjectAsVec<'a>) -> Self {
        let present = obj.keys().fold(0, |bits, k| bits | key_bit(k));
        Self { obj, present }
    }

    /// The value of `key`; of a key sent twice, the last.
    fn get(&self, key: &str) -> Option<&'a Borrowed<'a>> {
        if self.present & key_bit(key) == 0 {
            return None;
        }
        let entries = self.obj.as_vec();
        entries
            .iter()
            .rev()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }
}

impl Fields<'_> {
    /// The first of `keys` the object has with a non-null, non-empty value (CatGenerator's
    /// `params.get(a) or params.get(b)`); the first key when none has.
    fn first_present<'k>(&self, keys: &[&'k str]) -> &'k str {
        keys.iter()
            .copied()
            .find(|k| match self.get(k) {
                None | Some(Borrowed::Null) => false,
                Some(Borrowed::Str(s)) => !s.is_empty(),
                Some(_) => true,
            })
            .unwrap_or(keys[0])
    }

    /// An optional name: absent, `null`, `""` and `"none"` (any case) mean absent.
    fn text(&self, key: &str) -> Result<Option<&str>, ParamError> {
        match self.get(key) {
            None | Some(Borrowed::Null) => Ok(None),
            Some(Borrowed::Str(s)) if s.is_empty() || s.eq_ignore_ascii_case("none") => Ok(None),
            Some(Borrowed::Str(s)) => Ok(Some(s)),
            Some(_) => Err(ParamError::new(key, "must be a string")),
        }
    }

    /// [`Self::text`], owned: for names the parameters keep.
    fn name(&self, key: &str) -> Result<Option<String>, ParamError> {
        Ok(self.text(key)?.map(str::to_owned))
    }

    fn closed<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Result<Option<T>, ParamError> {
        match self.text(key)? {
            None => Ok(None),
            Some(s) => parse(s)
                .map(Some)
                .ok_or_else(|| ParamError::unknown(key, s, allowed)),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, ParamError> {
        Ok(self.opt_bool(key)?.unwrap_or(false))
    }

    /// `true`/`false`, `0`/`1`, or the strings CatGenerator's `_truthy` reads (`"true"`,
    /// `"1"`, `"yes"`, `"on"`, and their opposites); `null` is absent.
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, ParamError> {
        let bad = || ParamError::new(key, "must be true or false (or \"true\"/\"false\", 1/0)");
        match self.get(key) {
            None | Some(Borrowed::Null) => Ok(None),
            Some(Borrowed::Bool(b)) => Ok(Some(*b)),
            Some(Borrowed::Number(n)) => match n.as_f64() {
                Some(0.0) => Ok(Some(false)),
                Some(1.0) => Ok(Some(true)),
                _ => Err(bad()),
            },
            Some(Borrowed::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(Some(true)),
                "false" | "0" | "no" | "off" | "" => Ok(Some(false)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }

    fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ParamError> {
        let bad = || ParamError::new(key, format!("must be a whole number in {min}..={max}"));
        let v = match self.get(key) {
            None | Some(Borrowed::Null) => return Ok(None),
            Some(Borrowed::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(bad)?,
            // Query strings and some clients send numbers as text.
            Some(Borrowed::Str(s)) => s.trim().parse::<i64>().map_err(|_| bad())?,
            Some(_) => return Err(bad()),
        };
        if (min..=max).contains(&v) {
            Ok(Some(v))
        } else {
            Err(bad())
        }
    }

    /// The names of every list in `list_keys` (`null`, `""` and `"none"` entries skipped),
    /// followed by `single_key` (one name), each once.
    fn list_and_single(
        &self,
        list_keys: &[&str],
        single_key: &str,
    ) -> Result<Vec<String>, ParamError> {
        let mut out: Vec<String> = Vec::new();
        for list_key in list_keys {
            match self.get(list_key) {
                None | Some(Borrowed::Null) => {}
                Some(Borrowed::Array(items)) => {
                    if items.len() > 32 {
                        return Err(ParamError::new(*list_key, "at most 32 entries"));
                    }
                    for (i, item) in items.iter().enumerate() {
                        match item {
                            Borrowed::Null => {}
                            Borrowed::Str(s) if s.is_empty() || s.eq_ignore_ascii_case("none") => {}
                            Borrowed::Str(s) => {
                                if !out.iter().any(|o| o == s) {
                                    out.push(s.to_string());
                                }
                            }
                            _ => {
                                return Err(ParamError::new(
                                    format!("{list_key}[{i}]"),
                                    "must be a string or null",
                                ));
                            }
                        }
                    }
                }
                Some(_) => {
                    return Err(ParamError::new(*list_key, "must be a list of strings"));
                }
            }
        }
        if let Some(single) = self.name(single_key)?
            && !out.contains(&single)
        {
            out.push(single);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_fill_what_a_minimal_cat_leaves_out() {
        let p =
            CatParams::from_json(&json!({"peltName": "Tabby", "colour": "GINGER"})).expect("valid");
        assert_eq!(p.sprite_number.get(), 8);
        assert_eq!(p.eye_colour, EyeColour::Yellow);
        assert_eq!(p.skin_colour, SkinColour::Pink);
        assert_eq!(p.opacity, 100);
        assert!(p.tortie.is_empty());
    }

    #[test]
    fn a_colour_outside_the_game_is_kept_as_a_palette_name_for_the_spec_to_check() {
        let p = CatParams::from_json(&json!({"peltName": "Tabby", "colour": "Purple"}))
            .expect("parsed");
        assert_eq!(p.colour, CoatColour::Palette("PURPLE".into()));
        let p = CatParams::from_json(&json!({"peltName": "Tabby"})).expect("parsed");
        assert_eq!(p.colour, CoatColour::Game(Colour::White));
    }

    #[test]
    fn pose_out_of_range_is_rejected() {
        let e = CatParams::from_json(
            &json!({"peltName": "Tabby", "colour": "GINGER", "spriteNumber": 21}),
        )
        .unwrap_err();
        assert_eq!(e.field, "spriteNumber");
    }

    #[test]
    fn game_tortie_uses_tortie_base_and_single_fields() {
        let p = CatParams::from_json(&json!({
            "peltName": "Calico", "tortieBase": "Smoke", "colour": "BLACK",
            "tortiePattern": "Tabby", "tortieColour": "GINGER", "tortieMask": "ONE"
        }))
        .expect("valid");
        assert_eq!(p.pelt_name, PeltName::Smoke);
        assert_eq!(p.tortie.len(), 1);
        assert_eq!(p.tortie[0].mask.as_deref(), Some("ONE"));
    }

    #[test]
    fn tortie_list_wins_over_single_fields_and_errors_name_the_layer() {
        let e = CatParams::from_json(&json!({
            "peltName": "Tabby", "colour": "BLACK", "isTortie": true,
            "tortie": [{"pattern": "Tabby", "colour": "GINGER", "mask": "ONE"},
                       {"pattern": "Tortie", "colour": "GINGER", "mask": "TWO"}]
        }))
        .unwrap_err();
        assert_eq!(e.field, "tortie[1].pattern");
    }

    #[test]
    fn scar_and_scars_merge_without_duplicates_and_none_means_absent() {
        let p = CatParams::from_json(&json!({
            "peltName": "Tabby", "colour": "BLACK", "scars": ["ONE", "TWO"], "scar": "ONE",
            "accessory": "none", "tint": ""
        }))
        .expect("valid");
        assert_eq!(p.scars, ["ONE", "TWO"]);
        assert!(p.accessories.is_empty());
        assert_eq!(p.tint, None);
    }

    #[test]
    fn wrong_types_are_rejected_with_the_field_named() {
        for (k, v) in [
            ("dead", json!("maybe")),
            ("shading", json!(2)),
            ("opacity", json!(101)),
            ("scars", json!("ONE")),
        ] {
            let mut obj = json!({"peltName": "Tabby", "colour": "BLACK"});
            obj[k] = v;
            let e = CatParams::from_json(&obj).unwrap_err();
            assert_eq!(e.field, k);
            assert!(e.message.contains("must"), "{}", e.message);
        }
    }

    #[test]
    fn fields_find_every_key_an_object_has_and_no_other() {
        let all: Map<String, Value> = KNOWN_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), json!(1)))
            .collect();
        let all = borrow_object(&all);
        let f = Fields::new(&all);
        for k in KNOWN_KEYS {
            assert!(f.get(k).is_some(), "{k} among all keys");
            let one: Map<String, Value> = [((*k).to_owned(), json!(1))].into_iter().collect();
            let one = borrow_object(&one);
            let single = Fields::new(&one);
            assert!(single.get(k).is_some(), "{k} alone");
            let others = KNOWN_KEYS.iter().filter(|o| *o != k);
            assert!(others.clone().all(|o| single.get(o).is_none()), "only {k}");
        }
        assert!(f.get("notAKey").is_none() && f.get("").is_none());
    }

    #[test]
    fn an_object_read_in_place_gives_the_cat_its_map_gives_and_the_last_duplicate_wins() {
        let text = r#"{"peltName": "Tabby", "colour": "BLACK", "colour": "GINGER",
            "scars": ["ONE", null, "TW\u004f"], "tortie": [{"pattern": "Tabby"}],
            "isTortie": "yes", "spriteNumber": 3.0, "opacity": "40", "dead": 1}"#;
        let value: Borrowed<'_> = serde_json::from_str(text).expect("JSON");
        let in_place = value.as_object().expect("an object");
        let map: Map<String, Value> = serde_json::from_str(text).expect("an object");
        let a = CatParams::from_object(in_place).expect("valid");
        assert_eq!(a, CatParams::from_map(&map).expect("valid"));
        assert_eq!(
            a.colour,
            CoatColour::Game(Colour::Ginger),
            "the last `colour`"
        );
        assert_eq!(a.scars, ["ONE", "TWO"], "escapes decoded");
        assert_eq!((a.sprite_number.get(), a.opacity, a.dead), (3, 40, true));
        assert_eq!(a.tortie.len(), 1);
    }

    #[test]
    fn canonical_json_ignores_key_order_and_explicit_defaults() {
        let a = CatParams::from_json(&json!({"colour": "BLACK", "peltName": "Tabby"})).expect("ok");
        let b = CatParams::from_json(&json!({"peltName": "Tabby", "colour": "BLACK",
            "spriteNumber": 8, "opacity": 100, "extra": 1}))
        .expect("ok");
        assert_eq!(a.canonical_json(), b.canonical_json());
    }

    #[test]
    fn canonical_json_parses_back_to_the_same_cat() {
        // Found by fuzz/cat_params: the canonical form of a tortie cat lacked `isTortie`, so
        // a chunk recipe re-rendered from it drew a plain coat.
        for cat in [
            json!({"peltName": "Smoke", "colour": "BROWN", "isTortie": true,
                   "tortie": [{"colour": "BLACK", "mask": "SWOOP", "pattern": "Mackerel"}]}),
            json!({"peltName": "Tortie", "colour": "BLACK", "tortieBase": "Tabby",
                   "tortiePattern": "Tabby", "tortieColour": "GINGER", "tortieMask": "ONE"}),
            json!({"peltName": "Tabby", "colour": "BLACK", "isTortie": true}),
            json!({"peltName": "Tabby", "colour": "BLACK"}),
            // Scar spellings that normalise to NONE or to a name already listed.
            json!({"peltName": "Tabby", "scar": " none", "scars": ["left-ear", "LEFTEAR", "-"]}),
            json!({"peltName": "Agouti", "scars": ["\tu1000", "p15\u{2008}-"]}),
        ] {
            let p = CatParams::from_json(&cat).expect("ok");
            let canonical = p.canonical_json();
            let again = CatParams::from_json(&serde_json::from_str(&canonical).expect("JSON"))
                .expect("canonical JSON parses");
            assert_eq!(again, p, "{canonical}");
            assert_eq!(canonical.contains("isTortie"), !p.tortie.is_empty());
        }
    }

    #[test]
    fn catgenerator_aliases_and_string_booleans_are_read_with_its_precedence() {
        let p = CatParams::from_json(&json!({
            "peltName": "Tabby", "colour": "BLACK", "sprite_number": 3, "eyeColor": "BLUE",
            "eyeColor2": "GREEN", "skinColor": "BLACK", "darkMode": "true", "shading": "1",
            "reverse": "off"
        }))
        .expect("valid");
        assert_eq!(p.sprite_number.get(), 3);
        assert_eq!(p.eye_colour, EyeColour::Blue);
        assert_eq!(p.eye_colour2, Some(EyeColour::Green));
        assert_eq!(p.skin_colour, SkinColour::Black);
        assert!(p.dark_forest && p.dark_forest_tint && p.shading && !p.reverse);
        let p = CatParams::from_json(&json!({
            "peltName": "Tabby", "spriteNumber": 5, "sprite_number": 3, "eyeColour": "AMBER",
            "eyeColor": "BLUE"
        }))
        .expect("valid");
        assert_eq!(p.sprite_number.get(), 5);
        assert_eq!(p.eye_colour, EyeColour::Amber);
    }

    #[test]
    fn dark_forest_tint_defaults_on_for_living_cats_only_and_the_flag_wins() {
        let cat = |extra: Value| {
            let mut o = json!({"peltName": "Tabby", "colour": "BLACK"});
            o.as_object_mut()
                .expect("object")
                .extend(extra.as_object().expect("object").clone());
            CatParams::from_json(&o).expect("valid")
        };
        assert!(cat(json!({"darkForest": true})).dark_forest_tint);
        assert!(!cat(json!({"darkForest": true, "dead": true})).dark_forest_tint);
        assert!(
            cat(json!({"darkForest": true, "dead": true, "darkForestTint": true})).dark_forest_tint
        );
        assert!(!cat(json!({"darkForest": true, "darkForestTint": false})).dark_forest_tint);
        assert!(cat(json!({"darkForestTint": true})).dark_forest_tint);
        assert!(!cat(json!({})).dark_forest_tint);
    }

    #[test]
    fn tortie_without_layers_is_a_plain_coat_and_empty_slots_are_skipped() {
        let p = CatParams::from_json(
            &json!({"peltName": "Tabby", "colour": "BLACK", "isTortie": true}),
        )
        .expect("valid");
        assert!(p.tortie.is_empty());
        let p = CatParams::from_json(&json!({
            "peltName": "Tabby", "colour": "BLACK", "isTortie": true,
            "tortie": [null, {"pattern": "Tabby"}, {"pattern": null, "colour": "GINGER"},
                       {"pattern": "Smoke", "colour": "Moss", "mask": "ONE"}],
            "scars": [null, "one", "LEFT EAR"], "accessories": [null, "", "none"]
        }))
        .expect("valid");
        assert_eq!(p.tortie.len(), 2);
        assert_eq!(p.tortie[0].colour, CoatColour::Game(Colour::Ginger));
        assert_eq!(p.tortie[0].mask, None);
        assert_eq!(p.tortie[1].colour, CoatColour::Palette("MOSS".into()));
        assert_eq!(p.scars, ["ONE", "LEFTEAR"]);
        assert!(p.accessories.is_empty());
    }
}

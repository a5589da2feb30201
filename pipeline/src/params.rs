//! CatGenerator-style parameters: JSON in, typed [`CatParams`] out, with errors that name the
//! field and what is allowed. Names that only a sprite folder can check (masks, white
//! patches, scars, accessories, tints) are checked in [`crate::spec`].

use serde::Serialize;
use serde_json::{Map, Value};

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

/// One tortie patch layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TortieLayer {
    /// Pattern of the patch (a pelt with a sprite prefix).
    pub pattern: PeltName,
    /// Colour of the patch.
    pub colour: Colour,
    /// Tortie mask name (`tortiemask<mask>`).
    pub mask: String,
}

/// A cat's parameters, typed. Defaults: pose 8, eyes YELLOW, skin PINK, opacity 100.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatParams {
    /// Pose.
    pub sprite_number: Pose,
    /// Pelt of the base coat (for Tortie/Calico: the pelt named by `tortieBase`).
    pub pelt_name: PeltName,
    /// Coat colour.
    pub colour: Colour,
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
    /// Scars, in order (`scars` then `scar`).
    pub scars: Vec<String>,
    /// Accessories, in order (`accessories` then `accessory`).
    pub accessories: Vec<String>,
    /// Shading and lighting (alive cats only).
    pub shading: bool,
    /// Dead cats get dead lineart and may fade.
    pub dead: bool,
    /// Dark Forest lineart and fog for dead cats.
    pub dark_forest: bool,
    /// 0..=100; dead cats at ≤ 97 fade.
    pub opacity: u8,
    /// Flip horizontally.
    pub reverse: bool,
}

/// Keys this parser reads; others are ignored (with a debug log).
const KNOWN_KEYS: &[&str] = &[
    "spriteNumber",
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
    "eyeColour2",
    "skinColour",
    "scars",
    "scar",
    "accessories",
    "accessory",
    "shading",
    "dead",
    "darkForest",
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

    /// Parses an already-split JSON object.
    ///
    /// # Errors
    /// As [`Self::from_json`].
    pub fn from_map(obj: &Map<String, Value>) -> Result<Self, ParamError> {
        for key in obj.keys() {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                tracing::debug!(key, "ignoring unknown cat parameter");
            }
        }
        let f = Fields(obj);
        let sprite_number = match f.int("spriteNumber", 0, 20)? {
            None => Pose::new(8),
            Some(n) => Pose::new(n as u8),
        }
        .ok_or_else(|| ParamError::new("spriteNumber", "must be 0..=20"))?;
        let pelt = f
            .closed("peltName", PeltName::from_name, PeltName::NAMES)?
            .ok_or_else(|| required("peltName", PeltName::NAMES))?;
        let colour = f
            .closed("colour", Colour::from_name, Colour::NAMES)?
            .ok_or_else(|| required("colour", Colour::NAMES))?;

        let patterned = PeltName::patterned_names();
        let game_tortie = matches!(pelt, PeltName::Tortie | PeltName::Calico);
        let pelt_name = if game_tortie {
            let base = f
                .closed("tortieBase", PeltName::from_name, &patterned)?
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
                return Err(ParamError::unknown("tortieBase", base.name(), &patterned));
            }
            base
        } else {
            pelt
        };
        let is_tortie = game_tortie || f.bool("isTortie")?;
        let tortie = if is_tortie {
            tortie_layers(&f, &patterned)?
        } else {
            Vec::new()
        };

        Ok(Self {
            sprite_number,
            pelt_name,
            colour,
            tortie,
            tint: f.name("tint")?,
            white_patches: f.name("whitePatches")?,
            white_patches_tint: f.name("whitePatchesTint")?,
            points: f.name("points")?,
            vitiligo: f.name("vitiligo")?,
            eye_colour: f
                .closed("eyeColour", EyeColour::from_name, EyeColour::NAMES)?
                .unwrap_or(EyeColour::Yellow),
            eye_colour2: f.closed("eyeColour2", EyeColour::from_name, EyeColour::NAMES)?,
            skin_colour: f
                .closed("skinColour", SkinColour::from_name, SkinColour::NAMES)?
                .unwrap_or(SkinColour::Pink),
            scars: f.list_and_single("scars", "scar")?,
            accessories: f.list_and_single("accessories", "accessory")?,
            shading: f.bool("shading")?,
            dead: f.bool("dead")?,
            dark_forest: f.bool("darkForest")?,
            opacity: f.int("opacity", 0, 100)?.map_or(100, |o| o as u8),
            reverse: f.bool("reverse")?,
        })
    }

    /// The canonical JSON form: every field spelled out with defaults applied, keys in a
    /// fixed order. Equal cats give equal bytes, whatever order or defaults the client used.
    #[must_use]
    pub fn canonical_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
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

fn tortie_layers(f: &Fields<'_>, patterned: &[&str]) -> Result<Vec<TortieLayer>, ParamError> {
    let closed_pattern = |field: &str, v: &str| {
        PeltName::from_name(v)
            .filter(|p| p.sprite_prefix().is_some())
            .ok_or_else(|| ParamError::unknown(field, v, patterned))
    };
    if let Some(list) = f.0.get("tortie").filter(|v| !v.is_null()) {
        let items = list.as_array().ok_or_else(|| {
            ParamError::new("tortie", "must be a list of {pattern, colour, mask}")
        })?;
        if !items.is_empty() {
            if items.len() > 16 {
                return Err(ParamError::new("tortie", "at most 16 layers"));
            }
            return items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let field = |k: &str| format!("tortie[{i}].{k}");
                    let obj = item.as_object().ok_or_else(|| {
                        ParamError::new(format!("tortie[{i}]"), "must be {pattern, colour, mask}")
                    })?;
                    let text = |k: &str| -> Result<&str, ParamError> {
                        obj.get(k)
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .ok_or_else(|| ParamError::new(field(k), "is required (a string)"))
                    };
                    Ok(TortieLayer {
                        pattern: closed_pattern(&field("pattern"), text("pattern")?)?,
                        colour: {
                            let c = text("colour")?;
                            Colour::from_name(c).ok_or_else(|| {
                                ParamError::unknown(field("colour"), c, Colour::NAMES)
                            })?
                        },
                        mask: text("mask")?.to_owned(),
                    })
                })
                .collect();
        }
    }
    let need = |k: &str| -> Result<String, ParamError> {
        f.name(k)?.ok_or_else(|| {
            ParamError::new(
                k,
                "is required for a tortie (or give a non-empty `tortie` list)",
            )
        })
    };
    let pattern = need("tortiePattern")?;
    let colour = need("tortieColour")?;
    Ok(vec![TortieLayer {
        pattern: closed_pattern("tortiePattern", &pattern)?,
        colour: Colour::from_name(&colour)
            .ok_or_else(|| ParamError::unknown("tortieColour", &colour, Colour::NAMES))?,
        mask: need("tortieMask")?,
    }])
}

/// Typed access to the fields of one JSON object.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    /// An optional name: absent, `null`, `""` and `"none"` (any case) mean absent.
    fn name(&self, key: &str) -> Result<Option<String>, ParamError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() || s.eq_ignore_ascii_case("none") => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ParamError::new(key, "must be a string")),
        }
    }

    fn closed<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Result<Option<T>, ParamError> {
        match self.name(key)? {
            None => Ok(None),
            Some(s) => parse(&s)
                .map(Some)
                .ok_or_else(|| ParamError::unknown(key, &s, allowed)),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, ParamError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ParamError::new(key, "must be true or false")),
        }
    }

    fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ParamError> {
        let bad = || ParamError::new(key, format!("must be a whole number in {min}..={max}"));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                let v = n
                    .as_i64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                    .ok_or_else(bad)?;
                if (min..=max).contains(&v) {
                    Ok(Some(v))
                } else {
                    Err(bad())
                }
            }
            Some(_) => Err(bad()),
        }
    }

    /// `list_key` (a list of names) followed by `single_key` (one name) when not already in
    /// the list.
    fn list_and_single(&self, list_key: &str, single_key: &str) -> Result<Vec<String>, ParamError> {
        let mut out: Vec<String> = Vec::new();
        match self.0.get(list_key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                if items.len() > 32 {
                    return Err(ParamError::new(list_key, "at most 32 entries"));
                }
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if s.is_empty() || s.eq_ignore_ascii_case("none") => {}
                        Value::String(s) => out.push(s.clone()),
                        _ => {
                            return Err(ParamError::new(
                                format!("{list_key}[{i}]"),
                                "must be a string",
                            ));
                        }
                    }
                }
            }
            Some(_) => return Err(ParamError::new(list_key, "must be a list of strings")),
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
    fn unknown_colour_names_the_field_and_lists_the_allowed_values() {
        let e =
            CatParams::from_json(&json!({"peltName": "Tabby", "colour": "PURPLE"})).unwrap_err();
        assert_eq!(e.field, "colour");
        assert!(e.message.contains("GINGER"), "{}", e.message);
        assert_eq!(e.allowed.len(), 19);
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
        assert_eq!(p.tortie[0].mask, "ONE");
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
            ("dead", json!("yes")),
            ("opacity", json!(101)),
            ("scars", json!("ONE")),
        ] {
            let mut obj = json!({"peltName": "Tabby", "colour": "BLACK"});
            obj[k] = v;
            let e = CatParams::from_json(&obj).unwrap_err();
            assert_eq!(e.field, k);
        }
    }

    #[test]
    fn canonical_json_ignores_key_order_and_explicit_defaults() {
        let a = CatParams::from_json(&json!({"colour": "BLACK", "peltName": "Tabby"})).expect("ok");
        let b = CatParams::from_json(&json!({"peltName": "Tabby", "colour": "BLACK",
            "spriteNumber": 8, "opacity": 100, "extra": 1}))
        .expect("ok");
        assert_eq!(a.canonical_json(), b.canonical_json());
    }
}

//! Pixel Cat Maker's URL dialect (`/render.png?peltName=Tabby&colour=GINGER&scale=4`): a query
//! string ([`query_string_to_params`]) or its decoded pairs ([`query_to_params`]) → a
//! CatGenerator parameter object for [`CatParams::from_map`] and an upscale factor.
//! [`QUERY_FIELDS`] is the dialect's one declaration: the parser reads it, and the renderer's
//! OpenAPI document lists its parameters from it.
//!
//! [`CatParams::from_map`]: crate::params::CatParams::from_map

use serde_json::{Map, Value};

use crate::cell::POSES;
use crate::params::ParamError;

/// Pixel Cat Maker's URL parameters: name → how to convert the text (and, for the
/// document, which names or numbers it takes).
pub const QUERY_FIELDS: &[(&str, Kind)] = &[
    ("peltName", Kind::Name("peltName")),
    ("colour", Kind::Name("colour")),
    ("spriteNumber", Kind::Int(0, POSES as i64 - 1)),
    ("isTortie", Kind::Bool),
    ("tortieBase", Kind::Name("tortieBase")),
    ("tortiePattern", Kind::Name("tortieBase")),
    ("tortieColour", Kind::Name("colour")),
    ("tortieMask", Kind::Name("tortieMask")),
    ("tint", Kind::Name("tint")),
    ("skinColour", Kind::Name("skinColour")),
    ("eyeColour", Kind::Name("eyeColour")),
    ("eyeColour2", Kind::Name("eyeColour")),
    ("whitePatches", Kind::Name("whitePatches")),
    ("points", Kind::Name("points")),
    ("whitePatchesTint", Kind::Name("whitePatchesTint")),
    ("vitiligo", Kind::Name("vitiligo")),
    ("accessory", Kind::Name("accessories")),
    ("scar", Kind::Name("scars")),
    ("shading", Kind::Bool),
    ("reverse", Kind::Bool),
    ("dead", Kind::Bool),
    ("darkForest", Kind::Bool),
    ("darkMode", Kind::Bool),
    ("darkForestTint", Kind::Bool),
    ("eyeColor", Kind::Name("eyeColour")),
    ("eyeColor2", Kind::Name("eyeColour")),
    ("skinColor", Kind::Name("skinColour")),
    ("opacity", Kind::Int(0, 100)),
];

/// `scale` of `/render.png`: nearest-neighbour upscale factors.
pub const QUERY_SCALES: std::ops::RangeInclusive<u32> = 1..=16;

/// What a query parameter holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A name from the `/vocabulary` list under this key (empty = absent).
    Name(&'static str),
    /// A whole number; the range is what the cat parameters allow (checked when planning).
    Int(i64, i64),
    /// `true`, `false`, `1` or `0`.
    Bool,
}

/// The spellings [`Kind::Bool`] accepts, true ones first.
pub const QUERY_BOOLS: [&str; 4] = ["true", "1", "false", "0"];

/// Decodes a query string (what follows `?` in the URL) as a form does (`%XX` escapes, `+`
/// for a space, invalid UTF-8 replaced, so no string is refused for its encoding) and
/// converts its pairs with [`query_to_params`]. A pair without escapes borrows from `query`
/// rather than being copied.
///
/// # Errors
/// As [`query_to_params`].
pub fn query_string_to_params(query: &str) -> Result<(Map<String, Value>, u32), ParamError> {
    if query.bytes().any(|b| b == b'%' || b == b'+') {
        params_from_pairs(form_urlencoded::parse(query.as_bytes()))
    } else {
        params_from_pairs(plain_pairs(query))
    }
}

/// The pairs of a query with nothing to decode (no `%`, no `+`), as `form_urlencoded`
/// splits them (empty pieces skipped, a name without `=` has an empty value), borrowed from
/// the query without its per-pair decoding passes (3,000 instructions for a four-parameter
/// cat, most of what reading its URL cost).
fn plain_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
}

/// Converts Pixel Cat Maker query pairs to a CatGenerator params object and a scale.
///
/// # Errors
/// [`ParamError`] naming the field for a bad boolean, number, scale or `params` object.
pub fn query_to_params<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
) -> Result<(Map<String, Value>, u32), ParamError> {
    params_from_pairs(pairs.iter().map(|(k, v)| (k, v)))
}

/// [`query_to_params`] over pairs as they are decoded, collected nowhere.
fn params_from_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Result<(Map<String, Value>, u32), ParamError> {
    let mut obj = Map::new();
    let mut scale = 1;
    for (k, v) in pairs {
        let (k, v) = (k.as_ref(), v.as_ref());
        if v.is_empty() {
            continue;
        }
        // The playground sends the whole cat as one JSON object; other keys refine it.
        if k == "params" {
            let parsed: Value = serde_json::from_str(v)
                .map_err(|e| ParamError::new("params", format!("must be a JSON object: {e}")))?;
            let Value::Object(m) = parsed else {
                return Err(ParamError::new("params", "must be a JSON object"));
            };
            for (key, val) in m {
                obj.entry(key).or_insert(val);
            }
            continue;
        }
        if k == "scale" {
            scale = v
                .parse::<u32>()
                .ok()
                .filter(|s| QUERY_SCALES.contains(s))
                .ok_or_else(|| {
                    ParamError::new(
                        "scale",
                        format!(
                            "must be a whole number in {}..={}",
                            QUERY_SCALES.start(),
                            QUERY_SCALES.end()
                        ),
                    )
                })?;
            continue;
        }
        let Some((_, kind)) = QUERY_FIELDS.iter().find(|(name, _)| *name == k) else {
            continue;
        };
        let value = match kind {
            Kind::Name(_) => Value::String(v.to_owned()),
            Kind::Int(..) => Value::from(
                v.parse::<i64>()
                    .map_err(|_| ParamError::new(k, "must be a whole number"))?,
            ),
            Kind::Bool => match QUERY_BOOLS.iter().position(|b| b.eq_ignore_ascii_case(v)) {
                Some(i) => Value::Bool(i < 2),
                None => {
                    return Err(ParamError::new(k, "must be true, false, 1 or 0"));
                }
            },
        };
        obj.insert(k.to_owned(), value);
    }
    Ok((obj, scale))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_parameters_become_typed_json_and_empty_means_absent() {
        let (obj, scale) = query_to_params(&[
            ("peltName", "Tabby"),
            ("spriteNumber", "3"),
            ("shading", "1"),
            ("reverse", "false"),
            ("tint", ""),
            ("scale", "4"),
            ("unrelated", "x"),
        ])
        .expect("valid");
        assert_eq!(obj["peltName"], json!("Tabby"));
        assert_eq!(obj["spriteNumber"], json!(3));
        assert_eq!(obj["shading"], json!(true));
        assert_eq!(obj["reverse"], json!(false));
        assert!(!obj.contains_key("tint"));
        assert!(!obj.contains_key("unrelated"));
        assert_eq!(scale, 4);
    }

    #[test]
    fn bad_booleans_and_scales_name_their_field() {
        // Booleans in any case, as before the comparison stopped lower-casing a copy.
        let (obj, _) = query_to_params(&[("shading", "TRUE"), ("reverse", "False")]).expect("ok");
        assert_eq!(
            (&obj["shading"], &obj["reverse"]),
            (&json!(true), &json!(false))
        );
        let e = query_to_params(&[("dead", "yes")]).expect_err("must fail");
        assert_eq!(e.field, "dead");
        let e = query_to_params(&[("scale", "17")]).expect_err("must fail");
        assert_eq!(e.field, "scale");
    }

    #[test]
    fn queries_without_escapes_split_as_form_urlencoded_splits_them() {
        for q in [
            "",
            "a",
            "a=",
            "=b",
            "&&a=b&",
            "a=b=c",
            "a&b=1&&c",
            "peltName=Tabby&colour=GINGER&spriteNumber=3&shading=true",
            "é=ü&x=ß",
        ] {
            let ours: Vec<(&str, &str)> = plain_pairs(q).collect();
            let theirs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let theirs: Vec<(&str, &str)> = theirs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(ours, theirs, "{q:?}");
        }
    }

    #[test]
    fn a_query_string_decodes_as_a_form_does() {
        let (obj, scale) =
            query_string_to_params("peltName=Tab%62y&colour=GIN+GER&tint=&scale=2&shading=1")
                .expect("valid");
        assert_eq!(obj["peltName"], json!("Tabby"), "%62 is b");
        assert_eq!(obj["colour"], json!("GIN GER"), "+ is a space");
        assert!(!obj.contains_key("tint"));
        assert_eq!(obj["shading"], json!(true));
        assert_eq!(scale, 2);
        let (obj, _) = query_string_to_params("colour=%FF").expect("decodes lossily");
        assert_eq!(obj["colour"], json!("\u{fffd}"));
        let (obj, scale) = query_string_to_params("").expect("empty");
        assert!(obj.is_empty());
        assert_eq!(scale, 1);
        let e = query_string_to_params("scale=%31%37").expect_err("17");
        assert_eq!(e.field, "scale");
    }
}

//! `spritesIndex.json` and `spritesOffsetMap.json`: where each group and pose lives.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::AtlasError;
use crate::cell::POSES;

/// One entry of `spritesIndex.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Sheet file name without `.png`.
    pub spritesheet: String,
    /// Left edge of the group's 150×350 block, px.
    pub x_offset: u32,
    /// Top edge of the group's block, px.
    pub y_offset: u32,
}

#[derive(Deserialize)]
struct RawEntry {
    spritesheet: String,
    #[serde(rename = "xOffset")]
    x_offset: f64,
    #[serde(rename = "yOffset")]
    y_offset: f64,
}

/// Parses `spritesIndex.json` (group name → entry), sorted by group name.
///
/// # Errors
/// [`AtlasError::Data`] on malformed JSON or offsets that are not whole non-negative numbers.
pub fn parse_index(text: &str) -> Result<BTreeMap<String, IndexEntry>, AtlasError> {
    let raw: BTreeMap<String, RawEntry> =
        serde_json::from_str(text).map_err(|e| AtlasError::data("spritesIndex.json", e))?;
    raw.into_iter()
        .map(|(name, e)| {
            let px = |v: f64, field: &str| {
                if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                    // Checked whole and in range just above.
                    Ok(v as u32)
                } else {
                    Err(AtlasError::data(
                        "spritesIndex.json",
                        format!("group `{name}`: {field} {v} is not a whole pixel offset"),
                    ))
                }
            };
            let entry = IndexEntry {
                x_offset: px(e.x_offset, "xOffset")?,
                y_offset: px(e.y_offset, "yOffset")?,
                spritesheet: e.spritesheet,
            };
            Ok((name, entry))
        })
        .collect()
}

/// The pose → (column, row) table of `spritesOffsetMap.json`, in cell units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMap(pub [(u32, u32); POSES]);

#[derive(Deserialize)]
struct RawOffset {
    x: u32,
    y: u32,
}

/// Parses `spritesOffsetMap.json`.
///
/// # Errors
/// [`AtlasError::Data`] unless it is an array of at least 21 `{"x", "y"}` objects.
pub fn parse_offset_map(text: &str) -> Result<OffsetMap, AtlasError> {
    let raw: Vec<RawOffset> =
        serde_json::from_str(text).map_err(|e| AtlasError::data("spritesOffsetMap.json", e))?;
    if raw.len() < POSES {
        return Err(AtlasError::data(
            "spritesOffsetMap.json",
            format!("{} poses listed, {POSES} needed", raw.len()),
        ));
    }
    let mut map = [(0, 0); POSES];
    for (slot, o) in map.iter_mut().zip(raw) {
        *slot = (o.x, o.y);
    }
    Ok(OffsetMap(map))
}

impl Default for OffsetMap {
    /// The legacy layout: pose `n` at `(n % 3, n / 3)`.
    fn default() -> Self {
        let mut map = [(0, 0); POSES];
        for (n, slot) in map.iter_mut().enumerate() {
            // n < 21, the casts cannot truncate.
            *slot = ((n % 3) as u32, (n / 3) as u32);
        }
        Self(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_offsets_written_as_whole_numbers_are_accepted() {
        let idx = parse_index(r#"{"a b": {"spritesheet": "s", "xOffset": 450.0, "yOffset": 7}}"#)
            .expect("parses");
        assert_eq!(idx["a b"].x_offset, 450);
        assert_eq!(idx["a b"].y_offset, 7);
    }

    #[test]
    fn fractional_offsets_are_rejected_with_the_group_named() {
        let err = parse_index(r#"{"g": {"spritesheet": "s", "xOffset": 1.5, "yOffset": 0}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("`g`"), "{err}");
    }

    #[test]
    fn a_short_offset_map_is_rejected() {
        assert!(parse_offset_map(r#"[{"x":0,"y":0}]"#).is_err());
    }
}

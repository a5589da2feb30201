//! `tints/tint.json` and `tints/white_patches_tint.json`: the colour tables of spec §2,
//! with the colour groups and allowed tints from the vocabulary.

use serde::Serialize;

use crate::json::{Ordered, to_pretty};
use crate::vocabulary::{TintGroup, Vocabulary};

/// Multiplied coat tints (spec §2, `tint_colours`).
const TINT: [(&str, [u8; 3]); 8] = [
    ("pink", [253, 237, 237]),
    ("gray", [225, 225, 225]),
    ("red", [248, 226, 228]),
    ("black", [195, 195, 195]),
    ("orange", [255, 247, 235]),
    ("yellow", [250, 248, 225]),
    ("purple", [235, 225, 244]),
    ("blue", [218, 237, 245]),
];

/// Added coat tints (spec §2, `dilute_tint_colours`).
const DILUTE: [(&str, [u8; 3]); 3] = [
    ("dilute", [20, 20, 20]),
    ("warmdilute", [25, 15, 7]),
    ("cooldilute", [7, 15, 25]),
];

/// Multiplied white-patch tints (spec §2).
const WHITE_PATCH: [(&str, [u8; 3]); 5] = [
    ("darkcream", [236, 229, 208]),
    ("cream", [247, 241, 225]),
    ("offwhite", [238, 249, 252]),
    ("gray", [208, 225, 229]),
    ("pink", [254, 248, 249]),
];

/// A value of a tint file: a group name, a list of tints, or a colour table.
#[derive(Serialize)]
#[serde(untagged)]
enum Value {
    Groups(Ordered<String>),
    Tints(Ordered<Vec<String>>),
    Colours(Ordered<Option<[u8; 3]>>),
}

/// A colour table with the trailing `"none": null` of the reference files.
fn colours(table: &[(&str, [u8; 3])]) -> Value {
    let mut rows: Vec<(String, Option<[u8; 3]>)> = table
        .iter()
        .map(|(k, c)| ((*k).to_owned(), Some(*c)))
        .collect();
    rows.push(("none".to_owned(), None));
    Value::Colours(Ordered(rows))
}

fn groups(g: &TintGroup) -> [(String, Value); 2] {
    [
        (
            "colour_groups".into(),
            Value::Groups(Ordered(g.colour_groups.clone())),
        ),
        (
            "possible_tints".into(),
            Value::Tints(Ordered(g.possible_tints.clone())),
        ),
    ]
}

/// `tints/tint.json`.
///
/// # Errors
/// Never in practice (plain data).
pub fn tint(v: &Vocabulary) -> anyhow::Result<String> {
    let mut out: Vec<(String, Value)> = groups(&v.tint_groups.tint).into_iter().collect();
    out.push(("tint_colours".into(), colours(&TINT)));
    out.push(("dilute_tint_colours".into(), colours(&DILUTE)));
    to_pretty(&Ordered(out))
}

/// `tints/white_patches_tint.json`.
///
/// # Errors
/// Never in practice (plain data).
pub fn white_patches_tint(v: &Vocabulary) -> anyhow::Result<String> {
    let mut out: Vec<(String, Value)> = groups(&v.tint_groups.white_patches_tint)
        .into_iter()
        .collect();
    out.push(("tint_colours".into(), colours(&WHITE_PATCH)));
    to_pretty(&Ordered(out))
}

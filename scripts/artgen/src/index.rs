//! `spritesIndex.json` (group → sheet and pixel offset) and `spritesOffsetMap.json` (pose →
//! cell within a group).

use serde::Serialize;

use crate::json::{Ordered, to_pretty};
use crate::sheets::Sheet;
use crate::silhouette::POSES;

/// One entry of `spritesIndex.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Sheet file name without `.png`.
    pub spritesheet: String,
    /// Left edge of the group, pixels.
    #[serde(rename = "xOffset")]
    pub x_offset: usize,
    /// Top edge of the group, pixels.
    #[serde(rename = "yOffset")]
    pub y_offset: usize,
}

/// The index of every group of `plan`, in plan order.
///
/// # Errors
/// Fails if two groups share a name (the plan would then be ambiguous).
pub fn sprites_index(plan: &[Sheet]) -> anyhow::Result<String> {
    let mut seen = std::collections::HashSet::new();
    let mut entries = Vec::new();
    for sheet in plan {
        for (g, group) in sheet.groups.iter().enumerate() {
            anyhow::ensure!(
                seen.insert(group.name.clone()),
                "group {:?} is planned twice",
                group.name
            );
            let (x_offset, y_offset) = sheet.offset(g);
            entries.push((
                group.name.clone(),
                Entry {
                    spritesheet: sheet.name.clone(),
                    x_offset,
                    y_offset,
                },
            ));
        }
    }
    to_pretty(&Ordered(entries))
}

/// One entry of `spritesOffsetMap.json`: a cell position in cell units.
#[derive(Debug, Clone, Serialize)]
struct Cell {
    x: usize,
    y: usize,
}

/// The 21 poses → cell `(n % 3, n / 3)`.
///
/// # Errors
/// Never in practice (plain data).
pub fn offset_map() -> anyhow::Result<String> {
    let cells: Vec<Cell> = (0..POSES).map(|n| Cell { x: n % 3, y: n / 3 }).collect();
    to_pretty(&cells)
}

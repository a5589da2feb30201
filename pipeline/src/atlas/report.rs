//! What a load found missing or odd, reported instead of failing later.

use serde::Serialize;

/// The result of validating a sprite folder against its index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// Groups that loaded.
    pub groups: usize,
    /// Sheets that loaded.
    pub sheets: usize,
    /// Sheets the index names that are not in the sprite root.
    pub missing_sheets: Vec<String>,
    /// Groups whose sheet is missing (left out of the repository).
    pub groups_without_sheet: Vec<String>,
    /// Groups whose every cell lies outside their sheet (they render transparent).
    pub groups_outside_sheet: Vec<String>,
}

impl LoadReport {
    /// True when nothing is missing.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.missing_sheets.is_empty() && self.groups_without_sheet.is_empty()
    }
}

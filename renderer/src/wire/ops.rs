//! Operator answers that are JSON (`/health`'s type lives with its snapshot in
//! [`crate::health`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ready {
    /// Atlases loaded and not draining.
    pub ready: bool,
    /// At least one sprite group loaded.
    pub atlases_loaded: bool,
    /// Shutdown has begun.
    pub draining: bool,
    /// Sprite groups loaded.
    pub groups: usize,
    /// Sheets the index names that were not found.
    pub missing_sheets: Vec<String>,
}

//! Where the sprite and data folders are: flags/env, else the bundled art found relative to
//! the current directory first, then the workspace the binary was built in.

use std::path::{Path, PathBuf};

use pipeline::AtlasPaths;

/// Resolves the folders to load; `None` means "the bundled one".
#[must_use]
pub fn resolve(sprite_root: Option<&Path>, data_root: Option<&Path>) -> AtlasPaths {
    let bundled = bundled();
    AtlasPaths {
        sprite_root: sprite_root.map_or(bundled.sprite_root, Path::to_path_buf),
        data_root: data_root.map_or(bundled.data_root, Path::to_path_buf),
        palette_root: None,
    }
}

/// `./sprites` + `./data` when both exist, else [`AtlasPaths::bundled`].
#[must_use]
pub fn bundled() -> AtlasPaths {
    let here = (PathBuf::from("sprites"), PathBuf::from("data"));
    if here.0.is_dir() && here.1.join("spritesIndex.json").is_file() {
        AtlasPaths {
            sprite_root: here.0,
            data_root: here.1,
            palette_root: None,
        }
    } else {
        AtlasPaths::bundled()
    }
}

/// Formats the load report's problems as warning lines (empty when complete).
#[must_use]
pub fn report_warnings(repo: &pipeline::AtlasRepository) -> Vec<String> {
    let r = repo.report();
    let mut out = Vec::new();
    if !r.missing_sheets.is_empty() {
        out.push(format!(
            "{} sheet(s) named by the index are missing: {}",
            r.missing_sheets.len(),
            r.missing_sheets.join(", ")
        ));
    }
    if !r.groups_without_sheet.is_empty() {
        out.push(format!(
            "{} group(s) left out because their sheet is missing",
            r.groups_without_sheet.len()
        ));
    }
    out
}

/// Resolves the two roots (as [`resolve`]) and loads the atlases, with an error naming both
/// folders. The CLI and the server both start this way.
///
/// # Errors
/// When the atlases cannot be loaded.
pub fn load(
    sprite_root: Option<&Path>,
    data_root: Option<&Path>,
) -> anyhow::Result<pipeline::AtlasRepository> {
    use anyhow::Context as _;
    let paths = resolve(sprite_root, data_root);
    pipeline::AtlasRepository::load(&paths).with_context(|| {
        format!(
            "loading sprites from {} and data from {}",
            paths.sprite_root.display(),
            paths.data_root.display()
        )
    })
}

//! Where the sprite and data folders are: flags/env, else the bundled art found relative to
//! the current directory first, then the workspace the binary was built in.

use std::path::{Path, PathBuf};

use pipeline::AtlasPaths;

/// Resolves the folders to load; `None` means "the bundled one". Palettes come from
/// `palette_root`, else `<data_root>/palettes`, else the bundled palettes, so a real sprite
/// folder without palettes still has the bundled colours.
#[must_use]
pub fn resolve(
    sprite_root: Option<&Path>,
    data_root: Option<&Path>,
    palette_root: Option<&Path>,
) -> AtlasPaths {
    let bundled = bundled();
    let data_root = data_root.map_or(bundled.data_root.clone(), Path::to_path_buf);
    let palette_root = palette_root.map(Path::to_path_buf).or_else(|| {
        [
            data_root.join("palettes"),
            bundled.data_root.join("palettes"),
        ]
        .into_iter()
        .find(|d| d.is_dir())
    });
    AtlasPaths {
        sprite_root: sprite_root.map_or(bundled.sprite_root, Path::to_path_buf),
        data_root,
        palette_root,
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
    for p in repo.palettes().problems() {
        out.push(format!("palette file left out: {p}"));
    }
    if !r.groups_without_sheet.is_empty() {
        out.push(format!(
            "{} group(s) left out because their sheet is missing",
            r.groups_without_sheet.len()
        ));
    }
    out
}

/// Loads the atlases of resolved paths (see [`resolve`]), with an error naming the folders.
/// The CLI and the server both start this way.
///
/// # Errors
/// When the atlases cannot be loaded.
pub fn load(paths: &AtlasPaths) -> anyhow::Result<pipeline::AtlasRepository> {
    use anyhow::Context as _;
    pipeline::AtlasRepository::load(paths).with_context(|| {
        format!(
            "loading sprites from {}, data from {} and palettes from {}",
            paths.sprite_root.display(),
            paths.data_root.display(),
            paths
                .palette_root
                .as_ref()
                .map_or_else(|| "nowhere".into(), |p| p.display().to_string())
        )
    })
}

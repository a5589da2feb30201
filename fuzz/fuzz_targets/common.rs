//! What every target shares: the bundled sprites, data and tilesets, loaded once per process.

use std::sync::LazyLock;

use pipeline::chunk::TilesetRegistry;
use pipeline::{AtlasPaths, AtlasRepository};

/// The repository's own bundled art (`sprites/`, `data/`).
pub static REPO: LazyLock<AtlasRepository> = LazyLock::new(|| {
    AtlasRepository::load(&AtlasPaths::bundled()).expect("the bundled sprites load")
});

/// The bundled tilesets (`data/tilesets`).
#[allow(dead_code)] // not every target composes chunks
pub static TILESETS: LazyLock<TilesetRegistry> = LazyLock::new(|| {
    TilesetRegistry::load(&AtlasPaths::bundled()).expect("the bundled tilesets load")
});

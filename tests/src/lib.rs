//! Shared helpers for the end-to-end tests in `tests/tests/`.
//!
//! - [`bundled_repo`]: the bundled atlases, loaded once per test binary.
//! - [`GoldenSheet`]: the committed golden cats (`tests/golden/cats.jsonl` + `cats.png`).
//! - [`render_cpu`]: params → PNG-ready pixels through the whole CPU pipeline.
//! - [`real_sprite_folder`]: the user's real sprite folder, named by the environment.
//! - [`skip`]: a test's `SKIPPED` line, seen past libtest's capture.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pipeline::atlas::decode_png;
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan};

/// Columns of the golden sheet (cat `i` at column `i % 20`, row `i / 20`).
pub const GOLDEN_COLUMNS: usize = 20;

/// The workspace root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled repository, loaded once.
///
/// # Panics
/// When the bundled art does not load: every test depends on it.
pub fn bundled_repo() -> &'static AtlasRepository {
    static REPO: OnceLock<AtlasRepository> = OnceLock::new();
    REPO.get_or_init(|| {
        let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases load");
        assert!(
            repo.report().is_complete(),
            "bundled art incomplete: {:?}",
            repo.report()
        );
        repo
    })
}

/// Says why a test skipped, past libtest's output capture so the line is always seen.
pub fn skip(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// The user's real sprite folder (CC BY-NC art, never in the repo), laid out like
/// CatGenerator's: `CG3_REAL_SPRITE_ROOT` and `CG3_REAL_DATA_ROOT`. Without both, prints the
/// test's `SKIPPED` line and returns `None`.
#[must_use]
pub fn real_sprite_folder() -> Option<AtlasPaths> {
    let (Some(sprite_root), Some(data_root)) = (
        std::env::var_os("CG3_REAL_SPRITE_ROOT"),
        std::env::var_os("CG3_REAL_DATA_ROOT"),
    ) else {
        skip("set CG3_REAL_SPRITE_ROOT and CG3_REAL_DATA_ROOT to a real sprite folder");
        return None;
    };
    Some(AtlasPaths {
        sprite_root: sprite_root.into(),
        data_root: data_root.into(),
        palette_root: None,
    })
}

/// `params` as the game would draw them: a living Dark Forest cat (which the game never
/// draws, but the goldens and random cats include) gets the game's rule, not CatGenerator's
/// Dark Forest treatment (`darkForestTint: false` unless the cat says otherwise).
#[must_use]
pub fn game_params(params: &serde_json::Value) -> serde_json::Value {
    let mut params = params.clone();
    if params.get("darkForest") == Some(&serde_json::Value::Bool(true))
        && params.get("dead") != Some(&serde_json::Value::Bool(true))
        && let Some(obj) = params.as_object_mut()
    {
        obj.entry("darkForestTint")
            .or_insert(serde_json::Value::Bool(false));
    }
    params
}

/// Renders a cat on the CPU backend, with the game's rules ([`game_params`]).
///
/// # Errors
/// When the parameters do not parse or resolve.
pub fn render_cpu(
    repo: &AtlasRepository,
    params: &serde_json::Value,
) -> anyhow::Result<Box<pipeline::Canvas>> {
    let params = CatParams::from_json(&game_params(params))?;
    let spec = CatSpec::resolve(&params, repo)?;
    let plan = Plan::for_cat(&spec);
    let mut cpu = CpuBackend::new();
    Ok(Box::new(*cpu.render(repo, &plan)))
}

/// The committed golden cats: one parameter object per line and one sheet of expected cells.
pub struct GoldenSheet {
    /// Parameter objects, in sheet order.
    pub params: Vec<serde_json::Value>,
    /// Sheet width in pixels.
    pub width: usize,
    /// Sheet pixels, RGBA8.
    pub pixels: Vec<u8>,
}

impl GoldenSheet {
    /// Loads `tests/golden/cats.jsonl` and `tests/golden/cats.png`.
    ///
    /// # Errors
    /// When either file is missing or malformed.
    pub fn load() -> anyhow::Result<Self> {
        let dir = workspace_root().join("tests/golden");
        let text = std::fs::read_to_string(dir.join("cats.jsonl"))?;
        let params = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        let png = std::fs::read(dir.join("cats.png"))?;
        let img = decode_png(Cursor::new(png), "cats.png")?;
        Ok(Self {
            params,
            width: img.width as usize,
            pixels: img.pixels,
        })
    }

    /// The expected 50×50 cell of cat `i`, contiguous.
    #[must_use]
    pub fn cell(&self, i: usize) -> Vec<u8> {
        let (cx, cy) = ((i % GOLDEN_COLUMNS) * 50, (i / GOLDEN_COLUMNS) * 50);
        let mut out = Vec::with_capacity(pipeline::CELL_BYTES);
        for y in 0..50 {
            let at = ((cy + y) * self.width + cx) * 4;
            out.extend_from_slice(&self.pixels[at..at + 200]);
        }
        out
    }
}

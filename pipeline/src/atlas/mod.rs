//! The atlas repository: a sprite folder (sheets) plus its data folder (index, offset map,
//! vocabulary), decoded once into a [`CellStore`] and answering "group + pose → 50×50 cell".
//! Sheets are decoded one at a time per loader thread and dropped once their cells are in
//! the store: no decoded sheet outlives the load.
//!
//! - `decode`: PNG → raw RGBA8.
//! - `index`: `spritesIndex.json` and `spritesOffsetMap.json`.
//! - `report`: what a load found missing.
//! - [`store`]: the cells as de-duplicated planar blocks.
//! - [`vocab`]: the data-defined vocabularies.

mod decode;
mod index;
mod report;
pub mod store;
pub mod vocab;

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use decode::decode_png_into;
pub use decode::{RgbaImage, decode_png};
pub use index::{IndexEntry, OffsetMap, parse_index, parse_offset_map};
pub use report::LoadReport;
pub use store::CellStore;

pub use crate::cell::CellView;

use crate::cell::{CELL, CELL_BYTES, CELL_ROW_BYTES, Canvas, POSES};
use crate::palette::PaletteSet;
use crate::planar::{BlockView, Facts};
use store::{CellStoreBuilder, ConvertedCell};
use vocab::Vocabulary;

/// Why a sprite folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AtlasError {
    /// The palette folder could not be read.
    #[error("{0}")]
    Palettes(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A PNG could not be decoded.
    #[error("cannot decode {file}: {reason}")]
    Decode {
        /// The file.
        file: String,
        /// The decoder's message.
        reason: String,
    },
    /// A data file is malformed.
    #[error("{file}: {reason}")]
    Data {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
}

impl AtlasError {
    pub(crate) fn data(file: &str, reason: impl ToString) -> Self {
        Self::Data {
            file: file.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// `root` joined with `relative` when `relative` names a file inside `root`: plain names and
/// sub-folders only (no `..`, no absolute path, no drive prefix), so a data file cannot make
/// a loader read outside its folder.
#[must_use]
pub fn inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    let plain = rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    (!relative.is_empty() && plain).then(|| root.join(rel))
}

/// Where to load from: the folder of sheet PNGs and the folder of JSON data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlasPaths {
    /// Folder holding `<spritesheet>.png` files.
    pub sprite_root: PathBuf,
    /// Folder holding `spritesIndex.json`, `spritesOffsetMap.json`, `peltInfo.json` and the
    /// tint tables (directly or under `tints/`).
    pub data_root: PathBuf,
    /// Folder of CatGenerator palette files; `None` reads `<data_root>/palettes` when it
    /// exists, else loads no palette colours.
    pub palette_root: Option<PathBuf>,
}

impl AtlasPaths {
    /// The bundled art of this repository (`sprites/` and `data/` at the workspace root).
    #[must_use]
    pub fn bundled() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Self {
            sprite_root: root.join("sprites"),
            data_root: root.join("data"),
            palette_root: None,
        }
    }
}

/// Index of a sprite group (e.g. `tabbyGINGER`) in a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub u32);

/// Index of one cell (group × pose) in a repository: `group * 21 + pose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u32);

impl CellId {
    /// The cell of `group` at `pose`.
    #[must_use]
    pub const fn new(group: GroupId, pose: crate::Pose) -> Self {
        // POSES is 21; group counts stay far below u32::MAX / 21.
        Self(group.0 * POSES as u32 + pose.get() as u32)
    }
}

/// A decoded sheet (the loader's and tests' input; the repository keeps only its cells).
#[derive(Debug)]
pub struct Sheet {
    /// File name without `.png`.
    pub name: String,
    /// The pixels.
    pub image: RgbaImage,
}

/// What the repository keeps of a sheet: its name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    /// File name without `.png`.
    pub name: String,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
}

/// Where each group's cells lie, from the index and offset map alone (before any sheet is
/// decoded): the groups whose sheet is present, and per sheet the cells cut from it.
struct Layout {
    group_names: Vec<String>,
    /// Per group, its sheet (index into the present sheets) and where its 21 cuts start in
    /// that sheet's `cuts`.
    group_cuts: Vec<(u32, usize)>,
    /// Per present sheet, `(cell index, x, y)` of each cell cut from it.
    cuts: Vec<Vec<(usize, u32, u32)>>,
    groups_without_sheet: Vec<String>,
    /// Digest of the index entries and offsets that were used.
    hasher: blake3::Hasher,
}

impl Layout {
    fn new(index: &BTreeMap<String, IndexEntry>, offsets: &OffsetMap, sheets: &[String]) -> Self {
        let sheet_ids: HashMap<&str, u32> = sheets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i as u32))
            .collect();
        let mut layout = Self {
            group_names: Vec::new(),
            group_cuts: Vec::new(),
            cuts: vec![Vec::new(); sheets.len()],
            groups_without_sheet: Vec::new(),
            hasher: blake3::Hasher::new(),
        };
        for (name, entry) in index {
            let Some(&sheet) = sheet_ids.get(entry.spritesheet.as_str()) else {
                layout.groups_without_sheet.push(name.clone());
                continue;
            };
            let first_cell = layout.group_names.len() * POSES;
            let first_cut = layout.cuts[sheet as usize].len();
            for (pose, &(cx, cy)) in offsets.0.iter().enumerate() {
                let x = entry
                    .x_offset
                    .saturating_add(cx.saturating_mul(CELL as u32));
                let y = entry
                    .y_offset
                    .saturating_add(cy.saturating_mul(CELL as u32));
                layout.cuts[sheet as usize].push((first_cell + pose, x, y));
            }
            let h = &mut layout.hasher;
            h.update(name.as_bytes());
            h.update(&[0]);
            h.update(entry.spritesheet.as_bytes());
            h.update(&entry.x_offset.to_le_bytes());
            h.update(&entry.y_offset.to_le_bytes());
            layout.group_names.push(name.clone());
            layout.group_cuts.push((sheet, first_cut));
        }
        for &(x, y) in &offsets.0 {
            layout.hasher.update(&x.to_le_bytes());
            layout.hasher.update(&y.to_le_bytes());
        }
        layout
    }

    fn cell_count(&self) -> usize {
        self.group_names.len() * POSES
    }
}

/// Puts the cells of one decoded sheet into the store; returns the sheet's digest (name,
/// size, pixels). Cells reaching past the sheet's edge are clipped (the rest transparent);
/// cells wholly outside stay transparent. Each cell is cut into `scratch` before the
/// store's lock is taken, so threads convert in parallel and share only the look-ups.
fn ingest(
    sheet: &Sheet,
    cuts: &[(usize, u32, u32)],
    store: &Mutex<CellStoreBuilder>,
    scratch: &mut ConvertedCell,
) -> Result<[u8; 32], AtlasError> {
    let poisoned = |_| AtlasError::data("sprites", "a loader thread panicked");
    let hasher = store.lock().map_err(poisoned)?.hasher();
    let img = &sheet.image;
    let mut h = blake3::Hasher::new();
    h.update(sheet.name.as_bytes());
    h.update(&img.width.to_le_bytes());
    h.update(&img.height.to_le_bytes());
    h.update(&img.pixels);
    let (w, hgt) = (u64::from(img.width), u64::from(img.height));
    let stride = img.width as usize * 4;
    let mut clipped: Box<Canvas> = Box::new([0; CELL_BYTES]);
    for &(cell, x, y) in cuts {
        let (x, y) = (u64::from(x), u64::from(y));
        if x >= w || y >= hgt {
            continue;
        }
        // In range: x < w and y < h, both u32.
        let at = (y as usize * img.width as usize + x as usize) * 4;
        if x + CELL as u64 <= w && y + CELL as u64 <= hgt {
            hasher.convert(&CellView::new(&img.pixels[at..], stride), scratch);
        } else {
            clipped.fill(0);
            let cols = (w - x).min(CELL as u64) as usize * 4;
            let rows = (hgt - y).min(CELL as u64) as usize;
            for r in 0..rows {
                let src = at + r * stride;
                clipped[r * CELL_ROW_BYTES..r * CELL_ROW_BYTES + cols]
                    .copy_from_slice(&img.pixels[src..src + cols]);
            }
            hasher.convert(&CellView::new(&clipped[..], CELL_ROW_BYTES), scratch);
        }
        store.lock().map_err(poisoned)?.insert(cell, scratch);
    }
    Ok(*h.finalize().as_bytes())
}

/// Decoded atlases and their data, shared read-only by every render.
#[derive(Debug)]
pub struct AtlasRepository {
    sheets: Vec<SheetInfo>,
    group_names: Vec<String>,
    /// By name, hashed with foldhash: several lookups per cat, keys from our own index.
    groups: hashbrown::HashMap<String, GroupId>,
    store: CellStore,
    vocabulary: Vocabulary,
    /// Palette colours (CatGenerator's experimental colours), if a palette folder was read.
    palettes: PaletteSet,
    report: LoadReport,
    /// Digest of the atlases and data alone, before palettes are added.
    atlas_fingerprint: [u8; 32],
    fingerprint: [u8; 32],
}

impl AtlasRepository {
    /// Loads and decodes a sprite folder. Sheets named by the index but missing from the
    /// sprite root are reported in [`Self::report`]; their groups are left out.
    ///
    /// # Errors
    /// When a data file is missing or malformed, or a sheet exists but cannot be decoded.
    pub fn load(paths: &AtlasPaths) -> Result<Self, AtlasError> {
        let data = |name: &str| read_data_file(&paths.data_root, name);
        let index = parse_index(&data("spritesIndex.json")?)?;
        let offsets = parse_offset_map(&data("spritesOffsetMap.json")?)?;
        let vocabulary = Vocabulary::load(&paths.data_root)?;

        let mut wanted: Vec<&str> = index.values().map(|e| e.spritesheet.as_str()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for name in wanted {
            let path = inside(&paths.sprite_root, &format!("{name}.png")).ok_or_else(|| {
                AtlasError::data(
                    "spritesIndex.json",
                    format!("spritesheet `{name}` must name a file inside the sprite folder"),
                )
            })?;
            if path.is_file() {
                present.push((name.to_owned(), path));
            } else {
                missing.push(name.to_owned());
            }
        }
        let names: Vec<String> = present.iter().map(|(n, _)| n.clone()).collect();
        let layout = Layout::new(&index, &offsets, &names);
        let store = Mutex::new(CellStoreBuilder::new(layout.cell_count()));
        let sheets = decode_parallel(&present, &layout, &store)?;
        let mut repo = Self::assemble(layout, sheets, store, vocabulary)?;
        repo.report.missing_sheets = missing;
        let palette_dir = paths
            .palette_root
            .clone()
            .or_else(|| Some(paths.data_root.join("palettes")).filter(|d| d.is_dir()));
        if let Some(dir) = palette_dir {
            let set =
                PaletteSet::load_dir(&dir).map_err(|e| AtlasError::Palettes(e.to_string()))?;
            repo = repo.with_palettes(set);
        }
        Ok(repo)
    }

    /// Builds a repository from decoded parts (tests and tools use this directly).
    ///
    /// # Panics
    /// Never in practice: the only error `assemble` can meet is a poisoned lock,
    /// and this function holds the only handle to it on one thread.
    #[must_use]
    pub fn from_parts(
        index: BTreeMap<String, IndexEntry>,
        offsets: &OffsetMap,
        sheets: Vec<Sheet>,
        vocabulary: Vocabulary,
    ) -> Self {
        let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
        let layout = Layout::new(&index, offsets, &names);
        let store = Mutex::new(CellStoreBuilder::new(layout.cell_count()));
        let mut scratch = ConvertedCell::new();
        let digested = sheets
            .iter()
            .zip(&layout.cuts)
            .map(|(sheet, cuts)| {
                ingest(sheet, cuts, &store, &mut scratch).map(|d| (info(sheet), d))
            })
            .collect::<Result<Vec<_>, _>>();
        #[expect(
            clippy::expect_used,
            reason = "one thread, no panic while the lock is held: it cannot be poisoned"
        )]
        let digested = digested.expect("store lock");
        #[expect(clippy::expect_used, reason = "as above")]
        Self::assemble(layout, digested, store, vocabulary).expect("store lock")
    }

    /// The repository from its layout, its sheets' sizes and digests, and the filled store.
    fn assemble(
        layout: Layout,
        sheets: Vec<(SheetInfo, [u8; 32])>,
        store: Mutex<CellStoreBuilder>,
        vocabulary: Vocabulary,
    ) -> Result<Self, AtlasError> {
        let store = store
            .into_inner()
            .map_err(|_| AtlasError::data("sprites", "a loader thread panicked"))?
            .finish();
        let mut hasher = layout.hasher;
        for (_, digest) in &sheets {
            hasher.update(digest);
        }
        vocabulary.hash_into(&mut hasher);
        let mut report = LoadReport {
            groups: layout.group_names.len(),
            sheets: sheets.len(),
            groups_without_sheet: layout.groups_without_sheet,
            ..LoadReport::default()
        };
        for (name, &(sheet, first)) in layout.group_names.iter().zip(&layout.group_cuts) {
            let size = &sheets[sheet as usize].0;
            let outside = layout.cuts[sheet as usize][first..first + POSES]
                .iter()
                .all(|&(_, x, y)| x >= size.width || y >= size.height);
            if outside {
                report.groups_outside_sheet.push(name.clone());
            }
        }
        let groups = layout
            .group_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), GroupId(i as u32)))
            .collect();
        Ok(Self {
            sheets: sheets.into_iter().map(|(info, _)| info).collect(),
            group_names: layout.group_names,
            groups,
            store,
            vocabulary,
            palettes: PaletteSet::default(),
            report,
            atlas_fingerprint: *hasher.finalize().as_bytes(),
            fingerprint: [0; 32],
        }
        .with_palettes(PaletteSet::default()))
    }

    /// This repository with `palettes` as its palette colours (the fingerprint covers them).
    #[must_use]
    pub fn with_palettes(mut self, palettes: PaletteSet) -> Self {
        // Without palettes the fingerprint is the atlases' own, as before palettes existed.
        self.fingerprint = if palettes.is_empty() {
            self.atlas_fingerprint
        } else {
            let mut h = blake3::Hasher::new();
            h.update(&self.atlas_fingerprint);
            h.update(&palettes.digest());
            *h.finalize().as_bytes()
        };
        self.palettes = palettes;
        self
    }

    /// The palette colours.
    #[must_use]
    pub fn palettes(&self) -> &PaletteSet {
        &self.palettes
    }

    /// The group called `name`, if the index has it and its sheet exists.
    #[must_use]
    pub fn group(&self, name: &str) -> Option<GroupId> {
        self.groups.get(name).copied()
    }

    /// The group called `prefix` + `name` (`eyes` + `BLUE`), joined on the stack: a cat
    /// looks up half a dozen such names per render request.
    #[must_use]
    pub fn group_joined(&self, prefix: &str, name: &str) -> Option<GroupId> {
        let mut buf = [0u8; 64];
        let len = prefix.len() + name.len();
        let Some(joined) = buf.get_mut(..len) else {
            return self.group(&format!("{prefix}{name}"));
        };
        joined[..prefix.len()].copy_from_slice(prefix.as_bytes());
        joined[prefix.len()..].copy_from_slice(name.as_bytes());
        // Two strings joined are UTF-8.
        std::str::from_utf8(joined).ok().and_then(|s| self.group(s))
    }

    /// The name of a group.
    #[must_use]
    pub fn group_name(&self, id: GroupId) -> &str {
        &self.group_names[id.0 as usize]
    }

    /// Every group name, sorted.
    #[must_use]
    pub fn group_names(&self) -> &[String] {
        &self.group_names
    }

    /// A cell as planar blocks.
    #[inline(always)]
    #[must_use]
    pub fn cell_blocks(&self, id: CellId) -> BlockView<'_> {
        self.store.view(id.0 as usize)
    }

    /// The exact facts of a cell's blocks.
    #[inline(always)]
    #[must_use]
    pub fn cell_facts(&self, id: CellId) -> Facts {
        self.store.facts(id.0 as usize)
    }

    /// A cell as an RGBA8 canvas, written into `out`.
    pub fn cell_into(&self, id: CellId, out: &mut Canvas) {
        self.cell_blocks(id).to_canvas(out);
    }

    /// A cell as a new RGBA8 canvas.
    #[must_use]
    pub fn cell_canvas(&self, id: CellId) -> Box<Canvas> {
        let mut out = crate::cell::transparent_canvas();
        self.cell_into(id, &mut out);
        out
    }

    /// The cells, in the form the backends read.
    #[must_use]
    pub fn store(&self) -> &CellStore {
        &self.store
    }

    /// The sheets that loaded (names and sizes; their pixels live on as cells).
    #[must_use]
    pub fn sheets(&self) -> &[SheetInfo] {
        &self.sheets
    }

    /// The number of addressable cells (`groups × 21`).
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.store.len()
    }

    /// Scar and accessory categories and tint tables of this sprite folder.
    #[must_use]
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// What was missing or odd at load time.
    #[must_use]
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// A digest of everything that decides pixels: index, offsets, vocabulary, sheet pixels.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }
}

/// Reads `name` from the data root, or from `tints/` below it.
pub(crate) fn read_data_file(root: &Path, name: &str) -> Result<String, AtlasError> {
    let direct = root.join(name);
    let path = if direct.is_file() {
        direct
    } else {
        root.join("tints").join(name)
    };
    std::fs::read_to_string(&path).map_err(|source| AtlasError::Io { path, source })
}

fn info(sheet: &Sheet) -> SheetInfo {
    SheetInfo {
        name: sheet.name.clone(),
        width: sheet.image.width,
        height: sheet.image.height,
    }
}

/// Decodes the sheets on up to 8 threads, each putting a sheet's cells into `store` and
/// dropping its pixels before decoding the next; returns each sheet's size and digest, in
/// `files` order.
fn decode_parallel(
    files: &[(String, PathBuf)],
    layout: &Layout,
    store: &Mutex<CellStoreBuilder>,
) -> Result<Vec<(SheetInfo, [u8; 32])>, AtlasError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .zip(layout.cuts.chunks(chunk))
            .map(|(part, cuts)| {
                scope.spawn(move || {
                    let mut buffers = SheetBuffers::default();
                    let mut scratch = ConvertedCell::new();
                    part.iter()
                        .zip(cuts)
                        .map(|(file, cuts)| {
                            let sheet = load_sheet(file, &mut buffers)?;
                            let digest = ingest(&sheet, cuts, store, &mut scratch)?;
                            let info = info(&sheet);
                            buffers.pixels = sheet.image.pixels;
                            Ok((info, digest))
                        })
                        .collect::<Vec<Result<_, AtlasError>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(files.len());
        for h in handles {
            match h.join() {
                Ok(results) => {
                    for r in results {
                        out.push(r?);
                    }
                }
                Err(_) => {
                    return Err(AtlasError::data("sprites", "a decoder thread panicked"));
                }
            }
        }
        Ok(out)
    })
}

/// A loader thread's file and pixel buffers, reused from sheet to sheet: two allocations per
/// thread instead of two per sheet, so the allocator keeps no freed sheets' worth of memory
/// after the load (glibc raises its mmap threshold when the first such buffer is freed, and
/// the later ones would come from arenas that do not shrink).
#[derive(Default)]
struct SheetBuffers {
    file: Vec<u8>,
    pixels: Vec<u8>,
}

fn load_sheet(
    (name, path): &(String, PathBuf),
    buffers: &mut SheetBuffers,
) -> Result<Sheet, AtlasError> {
    let io = |source| AtlasError::Io {
        path: path.clone(),
        source,
    };
    buffers.file.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut buffers.file))
        .map_err(io)?;
    let (width, height) = decode_png_into(
        Cursor::new(&buffers.file[..]),
        &path.display().to_string(),
        &mut buffers.pixels,
    )?;
    Ok(Sheet {
        name: name.clone(),
        image: RgbaImage {
            width,
            height,
            pixels: std::mem::take(&mut buffers.pixels),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pose;

    #[test]
    fn a_joined_group_name_finds_what_the_whole_name_finds() {
        let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
        for name in repo.group_names() {
            for split in [0, 1, name.len() / 2, name.len()] {
                if let (Some(prefix), Some(rest)) = (name.get(..split), name.get(split..)) {
                    assert_eq!(repo.group_joined(prefix, rest), repo.group(name), "{name}");
                }
            }
        }
        assert_eq!(repo.group_joined("eyes", "NOSUCHCOLOUR"), None);
        // Longer than the stack buffer: the same answer by the heap path.
        let long = "x".repeat(80);
        assert_eq!(repo.group_joined(&long, "BLUE"), None);
        let first = &repo.group_names()[0];
        let padded = format!("{first}{}", "y".repeat(70));
        assert_eq!(
            repo.group_joined(first, &"y".repeat(70)),
            repo.group(&padded)
        );
    }

    #[test]
    fn data_files_cannot_name_files_outside_their_folder() {
        let root = Path::new("/srv/sprites");
        assert_eq!(inside(root, "lineart.png"), Some(root.join("lineart.png")));
        assert_eq!(inside(root, "sub/a.png"), Some(root.join("sub/a.png")));
        for bad in [
            "../secret.png",
            "a/../../b.png",
            "/etc/passwd",
            "",
            "./a.png",
        ] {
            assert_eq!(inside(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn an_index_naming_a_sheet_outside_the_sprite_folder_stops_the_load() {
        let dir = std::env::temp_dir().join(format!("cg3-inside-{}", std::process::id()));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).expect("mkdir");
        let bundled = AtlasPaths::bundled();
        for f in ["spritesOffsetMap.json", "peltInfo.json"] {
            std::fs::copy(bundled.data_root.join(f), data.join(f)).expect("copy");
        }
        let tints = bundled.data_root.join("tints");
        std::fs::create_dir_all(data.join("tints")).expect("mkdir");
        for e in std::fs::read_dir(&tints).expect("tints") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), data.join("tints").join(e.file_name())).expect("copy");
        }
        std::fs::write(
            data.join("spritesIndex.json"),
            r#"{"lineartGINGER": {"spritesheet": "../../etc/passwd", "xOffset": 0, "yOffset": 0}}"#,
        )
        .expect("write");
        let paths = AtlasPaths {
            sprite_root: dir.join("sprites"),
            data_root: data,
            palette_root: None,
        };
        let err = AtlasRepository::load(&paths).expect_err("refused");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            err.to_string().contains("inside the sprite folder"),
            "{err}"
        );
    }

    fn sheet(name: &str, w: u32, h: u32) -> Sheet {
        let pixels = (0..w * h)
            .flat_map(|i| [(i % 251) as u8, (i / 251 % 251) as u8, 7, 200])
            .collect();
        Sheet {
            name: name.into(),
            image: RgbaImage {
                width: w,
                height: h,
                pixels,
            },
        }
    }

    fn entry(sheet: &str, x: u32, y: u32) -> IndexEntry {
        IndexEntry {
            spritesheet: sheet.into(),
            x_offset: x,
            y_offset: y,
        }
    }

    #[test]
    fn cells_outside_odd_sized_sheets_are_transparent_and_partial_ones_clipped() {
        let mut index = BTreeMap::new();
        index.insert("inside".to_owned(), entry("s", 0, 0));
        index.insert("partial".to_owned(), entry("s", 130, 0));
        index.insert("outside".to_owned(), entry("s", 500, 0));
        index.insert("nosheet".to_owned(), entry("gone", 0, 0));
        let repo = AtlasRepository::from_parts(
            index,
            &OffsetMap::default(),
            vec![sheet("s", 174, 384)],
            Vocabulary::default(),
        );
        let pose0 = Pose::new(0).expect("pose");
        let cell = |g: &str| repo.cell_canvas(CellId::new(repo.group(g).expect("g"), pose0));
        let row = |c: &Canvas, y: usize| c[y * CELL_ROW_BYTES..(y + 1) * CELL_ROW_BYTES].to_vec();
        let inside = cell("inside");
        assert_eq!(&row(&inside, 1)[0..4], &[174, 0, 7, 200]);

        let partial = cell("partial");
        // Columns 0..44 exist (130..174), the rest is transparent.
        assert_eq!(row(&partial, 0)[43 * 4 + 3], 200);
        assert_eq!(&row(&partial, 0)[44 * 4..44 * 4 + 4], &[0, 0, 0, 0]);

        let outside = cell("outside");
        assert!(outside.iter().all(|&b| b == 0));
        assert_eq!(
            repo.report().groups_outside_sheet,
            vec!["outside".to_owned()]
        );
        assert_eq!(
            repo.report().groups_without_sheet,
            vec!["nosheet".to_owned()]
        );
        assert!(repo.group("nosheet").is_none());
    }

    #[test]
    fn fingerprint_changes_when_one_pixel_changes() {
        let mk = |bump: bool| {
            let mut s = sheet("s", 150, 350);
            if bump {
                s.image.pixels[5] ^= 1;
            }
            let mut index = BTreeMap::new();
            index.insert("g".to_owned(), entry("s", 0, 0));
            AtlasRepository::from_parts(
                index,
                &OffsetMap::default(),
                vec![s],
                Vocabulary::default(),
            )
            .fingerprint()
        };
        assert_eq!(mk(false), mk(false));
        assert_ne!(mk(false), mk(true));
    }
}

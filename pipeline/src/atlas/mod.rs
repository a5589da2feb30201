//! The atlas repository: a sprite folder (sheets) plus its data folder (index, offset map,
//! vocabulary), decoded once and answering "group + pose → 50×50 cell" without copying.

mod decode;
mod index;
mod report;
pub mod vocab;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use decode::{RgbaImage, decode_png};
pub use index::{IndexEntry, OffsetMap, parse_index, parse_offset_map};
pub use report::LoadReport;

pub use crate::cell::CellView;

use crate::cell::{CELL, CELL_BYTES, CELL_ROW_BYTES, POSES};
use crate::palette::PaletteSet;
use crate::planar::PlanarSprite;
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

/// A decoded sheet.
#[derive(Debug)]
pub struct Sheet {
    /// File name without `.png`.
    pub name: String,
    /// The pixels.
    pub image: RgbaImage,
}

/// Index of a sheet in [`AtlasRepository::sheets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SheetId(pub u32);

/// Where a cell's top-left pixel lies; the 50×50 rectangle may reach past the sheet's edge,
/// and pixels outside it are transparent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellOrigin {
    /// The sheet.
    pub sheet: SheetId,
    /// Left edge, px.
    pub x: u32,
    /// Top edge, px.
    pub y: u32,
}

static TRANSPARENT: [u8; CELL_BYTES] = [0; CELL_BYTES];

#[derive(Debug, Clone, Copy)]
enum CellLoc {
    /// Wholly inside its sheet: byte offset of its top-left pixel.
    InSheet { sheet: u32, offset: usize },
    /// Partly outside its sheet: a clipped copy in `AtlasRepository::clipped`.
    Clipped(u32),
    /// Wholly outside its sheet, or its sheet is missing.
    Transparent,
}

/// Decoded atlases and their data, shared read-only by every render.
#[derive(Debug)]
pub struct AtlasRepository {
    sheets: Vec<Sheet>,
    group_names: Vec<String>,
    groups: HashMap<String, GroupId>,
    origins: Vec<Option<CellOrigin>>,
    cells: Vec<CellLoc>,
    clipped: Vec<Box<[u8; CELL_BYTES]>>,
    /// Planar copies for the CPU backend, made on first use so memory follows what is drawn.
    planar: Vec<OnceLock<Box<PlanarSprite>>>,
    /// How many of `planar` are converted (their memory grows with the cells traffic has
    /// touched, up to every cell: operators see it as `renderer_atlas_planar_bytes`).
    planar_converted: AtomicUsize,
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
        let sheets = decode_parallel(&present)?;
        let mut repo = Self::from_parts(index, &offsets, sheets, vocabulary);
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
    #[must_use]
    pub fn from_parts(
        index: BTreeMap<String, IndexEntry>,
        offsets: &OffsetMap,
        sheets: Vec<Sheet>,
        vocabulary: Vocabulary,
    ) -> Self {
        let sheet_ids: HashMap<&str, u32> = sheets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i as u32))
            .collect();
        let mut report = LoadReport::default();
        let mut group_names = Vec::new();
        let mut groups = HashMap::new();
        let mut origins = Vec::new();
        let mut cells = Vec::new();
        let mut clipped = Vec::new();
        let mut hasher = blake3::Hasher::new();
        for (name, entry) in &index {
            let Some(&sheet_idx) = sheet_ids.get(entry.spritesheet.as_str()) else {
                report.groups_without_sheet.push(name.clone());
                continue;
            };
            let sheet = &sheets[sheet_idx as usize].image;
            let gid = GroupId(group_names.len() as u32);
            let mut outside = 0;
            for &(cx, cy) in &offsets.0 {
                let x = entry.x_offset.saturating_add(cx * CELL as u32);
                let y = entry.y_offset.saturating_add(cy * CELL as u32);
                origins.push(Some(CellOrigin {
                    sheet: SheetId(sheet_idx),
                    x,
                    y,
                }));
                let loc = locate(sheet, sheet_idx, x, y, &mut clipped);
                if matches!(loc, CellLoc::Transparent) {
                    outside += 1;
                }
                cells.push(loc);
            }
            if outside == POSES {
                report.groups_outside_sheet.push(name.clone());
            }
            hasher.update(name.as_bytes());
            hasher.update(&[0]);
            hasher.update(entry.spritesheet.as_bytes());
            hasher.update(&entry.x_offset.to_le_bytes());
            hasher.update(&entry.y_offset.to_le_bytes());
            groups.insert(name.clone(), gid);
            group_names.push(name.clone());
        }
        for s in &sheets {
            hasher.update(s.name.as_bytes());
            hasher.update(&s.image.width.to_le_bytes());
            hasher.update(&s.image.height.to_le_bytes());
            hasher.update(&s.image.pixels);
        }
        for &(x, y) in &offsets.0 {
            hasher.update(&x.to_le_bytes());
            hasher.update(&y.to_le_bytes());
        }
        vocabulary.hash_into(&mut hasher);
        report.groups = group_names.len();
        report.sheets = sheets.len();
        let planar = std::iter::repeat_with(OnceLock::new)
            .take(cells.len())
            .collect();
        Self {
            sheets,
            group_names,
            groups,
            origins,
            cells,
            clipped,
            planar,
            planar_converted: AtomicUsize::new(0),
            vocabulary,
            palettes: PaletteSet::default(),
            report,
            atlas_fingerprint: *hasher.finalize().as_bytes(),
            fingerprint: [0; 32],
        }
        .with_palettes(PaletteSet::default())
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

    /// The pixels of a cell, borrowed from its sheet.
    #[inline]
    #[must_use]
    pub fn cell(&self, id: CellId) -> CellView<'_> {
        match self.cells[id.0 as usize] {
            CellLoc::InSheet { sheet, offset } => {
                let img = &self.sheets[sheet as usize].image;
                CellView::new(&img.pixels[offset..], img.width as usize * 4)
            }
            CellLoc::Clipped(i) => CellView::new(&self.clipped[i as usize][..], CELL_ROW_BYTES),
            CellLoc::Transparent => CellView::new(&TRANSPARENT, CELL_ROW_BYTES),
        }
    }

    /// The cell as planes `[R, G, B, A]` with its row facts (converted once, on first use).
    #[inline]
    #[must_use]
    pub fn planar_cell(&self, id: CellId) -> &PlanarSprite {
        self.planar[id.0 as usize].get_or_init(|| {
            self.planar_converted.fetch_add(1, Ordering::Relaxed);
            PlanarSprite::from_view(&self.cell(id))
        })
    }

    /// Bytes held by the cells converted to planes so far (each converted on first use and
    /// kept; at most every cell of the repository).
    #[must_use]
    pub fn planar_bytes(&self) -> usize {
        self.planar_converted.load(Ordering::Relaxed) * std::mem::size_of::<PlanarSprite>()
    }

    /// Where a cell lies in its sheet (for backends that address sheets themselves).
    #[must_use]
    pub fn cell_origin(&self, id: CellId) -> Option<CellOrigin> {
        self.origins.get(id.0 as usize).copied().flatten()
    }

    /// The decoded sheets.
    #[must_use]
    pub fn sheets(&self) -> &[Sheet] {
        &self.sheets
    }

    /// The number of addressable cells (`groups × 21`).
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.cells.len()
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

fn locate(
    sheet: &RgbaImage,
    sheet_idx: u32,
    x: u32,
    y: u32,
    clipped: &mut Vec<Box<[u8; CELL_BYTES]>>,
) -> CellLoc {
    let (w, h) = (sheet.width, sheet.height);
    let cell = CELL as u32;
    if x >= w || y >= h {
        return CellLoc::Transparent;
    }
    if x + cell <= w && y + cell <= h {
        return CellLoc::InSheet {
            sheet: sheet_idx,
            offset: (y as usize * w as usize + x as usize) * 4,
        };
    }
    let mut buf = Box::new([0u8; CELL_BYTES]);
    let cols = (w - x).min(cell) as usize;
    let rows = (h - y).min(cell) as usize;
    for r in 0..rows {
        let src = ((y as usize + r) * w as usize + x as usize) * 4;
        buf[r * CELL_ROW_BYTES..r * CELL_ROW_BYTES + cols * 4]
            .copy_from_slice(&sheet.pixels[src..src + cols * 4]);
    }
    clipped.push(buf);
    CellLoc::Clipped((clipped.len() - 1) as u32)
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

fn decode_parallel(files: &[(String, PathBuf)]) -> Result<Vec<Sheet>, AtlasError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(load_sheet).collect::<Vec<_>>()))
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

fn load_sheet((name, path): &(String, PathBuf)) -> Result<Sheet, AtlasError> {
    let bytes = std::fs::read(path).map_err(|source| AtlasError::Io {
        path: path.clone(),
        source,
    })?;
    let image = decode_png(
        BufReader::new(Cursor::new(bytes)),
        &path.display().to_string(),
    )?;
    Ok(Sheet {
        name: name.clone(),
        image,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pose;

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
        let inside = repo.cell(CellId::new(repo.group("inside").expect("g"), pose0));
        assert_eq!(&inside.row(1)[0..4], &[174, 0, 7, 200]);

        let partial = repo.cell(CellId::new(repo.group("partial").expect("g"), pose0));
        // Columns 0..44 exist (130..174), the rest is transparent.
        assert_eq!(partial.row(0)[43 * 4 + 3], 200);
        assert_eq!(&partial.row(0)[44 * 4..44 * 4 + 4], &[0, 0, 0, 0]);

        let outside = repo.cell(CellId::new(repo.group("outside").expect("g"), pose0));
        assert!((0..50).all(|y| outside.row(y).iter().all(|&b| b == 0)));
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

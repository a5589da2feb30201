//! The committed atlases and data files are exactly what the generator produces.
//!
//! Generates into a fresh temporary folder and compares with the repository: JSON files
//! byte for byte, PNGs on decoded pixels and size (never on PNG bytes, which may change
//! with the `png` crate's compressor). A canary makes sure the comparison can fail.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use artgen::png_io::{decode, encode};

/// The repository root: two levels above this crate.
fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Generated files, read back into memory: (path relative to the output folder, bytes).
struct Generated {
    files: Vec<(String, Vec<u8>)>,
    sprites_bytes: u64,
}

/// One generation per test binary, into a unique temporary folder that is removed again
/// once its files are read back.
fn generated() -> &'static Generated {
    static OUT: OnceLock<Generated> = OnceLock::new();
    OUT.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("artgen-reproduces-{}-{nanos}", std::process::id()));
        let report = artgen::generate(&dir).expect("generation into a temporary folder failed");
        let files = report
            .files
            .iter()
            .map(|f| (f.clone(), read(&dir.join(f))))
            .collect();
        // Best effort: a leftover temporary folder is harmless.
        let _ = std::fs::remove_dir_all(&dir);
        Generated {
            files,
            sprites_bytes: report.sprites_bytes,
        }
    })
}

/// Why `generated` and `committed` (the bytes of file `path`) differ, if they do.
fn difference(path: &str, generated: &[u8], committed: &[u8]) -> Option<String> {
    if !path.ends_with(".png") {
        if generated == committed {
            return None;
        }
        let at = generated
            .iter()
            .zip(committed)
            .position(|(a, b)| a != b)
            .unwrap_or(generated.len().min(committed.len()));
        let line = 1 + committed[..at.min(committed.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Some(format!("{path}: bytes differ from line {line} (byte {at})"));
    }
    let (ours, theirs) = match (decode(generated), decode(committed)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => return Some(format!("{path}: generated PNG does not decode: {e}")),
        (_, Err(e)) => return Some(format!("{path}: committed PNG does not decode: {e}")),
    };
    if (ours.width, ours.height) != (theirs.width, theirs.height) {
        return Some(format!(
            "{path}: size {}x{} generated, {}x{} committed",
            ours.width, ours.height, theirs.width, theirs.height
        ));
    }
    let px = ours
        .rgba
        .chunks_exact(4)
        .zip(theirs.rgba.chunks_exact(4))
        .position(|(a, b)| a != b)?;
    let (x, y) = (px % ours.width, px / ours.width);
    Some(format!(
        "{path}: pixel ({x}, {y}) is {:?} generated, {:?} committed",
        &ours.rgba[px * 4..px * 4 + 4],
        &theirs.rgba[px * 4..px * 4 + 4]
    ))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn committed_atlases_and_data_equal_a_fresh_generation() {
    let generated = generated();
    let root = repo_root();
    for (file, bytes) in &generated.files {
        let committed = root.join(file);
        assert!(
            committed.exists(),
            "{file} is generated but not committed; run `cargo run --release -p artgen -- --out .` at the repository root"
        );
        if let Some(why) = difference(file, bytes, &read(&committed)) {
            panic!(
                "first differing file: {why}\nrefresh with `cargo run --release -p artgen -- --out .` at the repository root"
            );
        }
    }
    assert!(
        generated.files.len() > 40,
        "suspiciously few files: {}",
        generated.files.len()
    );
}

#[test]
fn comparison_catches_a_single_changed_pixel() {
    // Canary: a comparator that cannot fail proves nothing.
    let files = &generated().files;
    let (sheet, bytes) = files
        .iter()
        .find(|f| f.0.ends_with("lineart.png"))
        .expect("lineart sheet is generated");
    let mut img = decode(bytes).expect("generated PNG decodes");
    img.rgba[4 * 1234 + 3] ^= 1;
    let changed = encode(&img).expect("re-encoding works");
    let why = difference(sheet, &changed, bytes).expect("a flipped alpha bit must be reported");
    assert!(
        why.contains("lineart.png") && why.contains("pixel"),
        "{why}"
    );
    assert!(difference(sheet, bytes, bytes).is_none());
    let (json, text) = files
        .iter()
        .find(|f| f.0.ends_with(".json"))
        .expect("a JSON file is generated");
    let mut edited = text.clone();
    edited[10] ^= 1;
    assert!(difference(json, &edited, text).is_some());
}

#[test]
fn sprites_stay_well_under_twelve_megabytes() {
    let bytes = generated().sprites_bytes;
    println!("sprites/ total: {bytes} bytes");
    assert!(bytes < 12_000_000, "sprites/ is {bytes} bytes");
}

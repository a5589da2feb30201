//! A sprite folder laid out like CatGenerator's, rendered by the Rust CPU backend and by the
//! pygame oracle (`scripts/golden/oracle.py`), compared on every channel of every pixel.
//!
//! - `real_sprite_folder_renders_equal_to_pygame`: the user's real art, from
//!   `CG3_REAL_SPRITE_ROOT` + `CG3_REAL_DATA_ROOT` (CC BY-NC art never enters the repo).
//! - `catgenerator_layout_fixture_renders_equal_to_pygame`: CatGenerator's real index, offset
//!   map, peltInfo and tints (`../shared/reference/catgenerator`) over synthetic sheets that
//!   are hard on a loader: odd sizes, palette/grey/16-bit/interlaced PNGs, gamma chunks.
//!
//! Both need python3 with pygame-ce and skip visibly without their inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::{GOLDEN_COLUMNS, skip, workspace_root};
use pipeline::atlas::decode_png;
use pipeline::compare::{compare_rgba, write_diff_strip};
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan};

fn pygame_available() -> bool {
    Command::new("python3")
        .args(["-c", "import pygame"])
        .env("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn python(args: &[&str]) {
    let out = Command::new("python3")
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Generates varied cats from the folder's own vocabulary, renders them with pygame and
/// with the CPU backend, and compares.
fn compare_folder_with_pygame(sprite_root: &Path, data_root: &Path, label: &str) {
    let work = std::env::temp_dir().join(format!("cg3-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let params = work.join("cats.jsonl");
    let sheet = work.join("cats.png");
    let (s, d) = (
        sprite_root.to_str().expect("utf-8"),
        data_root.to_str().expect("utf-8"),
    );
    python(&[
        "scripts/golden/make_params.py",
        "--data-root",
        d,
        "--sprite-root",
        s,
        "--out",
        params.to_str().expect("utf-8"),
        "--total",
        "340",
    ]);
    python(&[
        "scripts/golden/oracle.py",
        "render",
        "--data-root",
        d,
        "--sprite-root",
        s,
        "--params",
        params.to_str().expect("utf-8"),
        "--sheet",
        sheet.to_str().expect("utf-8"),
        "--columns",
        &GOLDEN_COLUMNS.to_string(),
    ]);

    let repo = AtlasRepository::load(&AtlasPaths {
        sprite_root: sprite_root.to_path_buf(),
        data_root: data_root.to_path_buf(),
        palette_root: None,
    })
    .expect("sprite folder loads");
    let png = std::fs::read(&sheet).expect("oracle sheet");
    let expected = decode_png(std::io::Cursor::new(png), "oracle sheet").expect("decodes");
    let width = expected.width as usize;
    let text = std::fs::read_to_string(&params).expect("params");
    let mut cpu = CpuBackend::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        count += 1;
        let json: serde_json::Value = serde_json::from_str(line).expect("json line");
        let spec = CatParams::from_json(&e2e::game_params(&json))
            .map_err(anyhow::Error::from)
            .and_then(|p| CatSpec::resolve(&p, &repo).map_err(anyhow::Error::from));
        let spec = match spec {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("cat {i}: pygame rendered it, we rejected it: {e}"));
                continue;
            }
        };
        let actual = cpu.render(&repo, &Plan::for_cat(&spec));
        let (cx, cy) = ((i % GOLDEN_COLUMNS) * 50, (i / GOLDEN_COLUMNS) * 50);
        let mut cell = Vec::with_capacity(10_000);
        for y in 0..50 {
            let at = ((cy + y) * width + cx) * 4;
            cell.extend_from_slice(&expected.pixels[at..at + 200]);
        }
        if let Some(m) = compare_rgba(50, &cell, &actual[..]) {
            let path = workspace_root().join(format!("target/{label}-failures/cat_{i:03}.png"));
            let _ = write_diff_strip(&path, 50, &cell, &actual[..]);
            failures.push(format!("cat {i}: {m} ({}) params: {line}", path.display()));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(count >= 300, "only {count} cats generated");
    assert!(
        failures.is_empty(),
        "{} of {count} cats differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{label}: {count} cats equal to pygame");
}

#[test]
fn real_sprite_folder_renders_equal_to_pygame() {
    let Some(paths) = e2e::real_sprite_folder() else {
        return;
    };
    assert!(
        pygame_available(),
        "pygame-ce is needed: pip install -r scripts/golden/requirements.txt"
    );
    compare_folder_with_pygame(&paths.sprite_root, &paths.data_root, "real-sprites");
}

#[test]
fn catgenerator_layout_fixture_renders_equal_to_pygame() {
    let reference = std::env::var_os("CG3_REFERENCE_DIR").map_or_else(
        || workspace_root().join("../shared/reference/catgenerator"),
        PathBuf::from,
    );
    if !reference.join("spritesIndex.json").is_file() {
        skip(&format!(
            "no CatGenerator reference data at {}",
            reference.display()
        ));
        return;
    }
    if !pygame_available() {
        skip("pygame-ce is not installed (pip install -r scripts/golden/requirements.txt)");
        return;
    }
    let fixture = std::env::temp_dir().join(format!("cg3-fixture-{}", std::process::id()));
    python(&[
        "scripts/golden/make_fixture.py",
        "--reference",
        reference.to_str().expect("utf-8"),
        "--out",
        fixture.to_str().expect("utf-8"),
    ]);
    let (sprites, data) = if fixture.join("sprites").is_dir() {
        (fixture.join("sprites"), fixture.join("data"))
    } else {
        (fixture.clone(), fixture.clone())
    };
    compare_folder_with_pygame(&sprites, &data, "fixture");
    let _ = std::fs::remove_dir_all(&fixture);
}

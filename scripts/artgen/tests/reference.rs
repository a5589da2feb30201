//! Our bundled index covers CatGenerator's: every group name of the reference
//! `spritesIndex.json` resolves in `data/spritesIndex.json` to a rectangle inside its sheet,
//! and the facts of the layout (offset map, tint tables, scar and accessory lists) agree.
//!
//! The reference folder is `$CG3_REFERENCE_DIR`, or `shared/reference/catgenerator` beside
//! the checkout; without it these tests print "SKIPPED" and pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Write};
use std::path::PathBuf;

use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn reference_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CG3_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference/catgenerator"
            ))
        });
    if dir.join("spritesIndex.json").is_file() {
        Some(dir)
    } else {
        // Straight to stderr, past the test harness's capture, so the skip is visible.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: reference folder not found ({})",
            dir.display()
        );
        None
    }
}

fn json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Width and height of a PNG, from its header only.
fn png_size(path: &PathBuf) -> (u64, u64) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let info = reader.info();
    (u64::from(info.width), u64::from(info.height))
}

#[test]
fn every_reference_group_resolves_inside_one_of_our_sheets() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let theirs = json(reference.join("spritesIndex.json"));
    let ours = json(repo_root().join("data/spritesIndex.json"));
    let (Some(theirs), Some(ours)) = (theirs.as_object(), ours.as_object()) else {
        panic!("both indexes must be JSON objects");
    };
    assert_eq!(theirs.len(), 919, "the reference index changed size");
    let mut sizes: HashMap<String, (u64, u64)> = HashMap::new();
    let mut missing = Vec::new();
    for name in theirs.keys() {
        let Some(entry) = ours.get(name) else {
            missing.push(name.clone());
            continue;
        };
        let sheet = entry["spritesheet"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: spritesheet is not a string"));
        let x = entry["xOffset"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: xOffset is not a whole number"));
        let y = entry["yOffset"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: yOffset is not a whole number"));
        let (w, h) = *sizes
            .entry(sheet.to_owned())
            .or_insert_with(|| png_size(&repo_root().join(format!("sprites/{sheet}.png"))));
        assert!(
            x + 150 <= w && y + 350 <= h,
            "{name}: group at ({x}, {y}) does not fit {sheet}.png ({w}x{h})"
        );
    }
    assert!(
        missing.is_empty(),
        "{} reference groups are missing from our index: {missing:?}",
        missing.len()
    );
    assert_eq!(
        ours.len(),
        theirs.len(),
        "our index has groups the reference lacks"
    );
}

#[test]
fn offset_map_and_tint_tables_match_the_reference() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let data = repo_root().join("data");
    assert_eq!(
        json(data.join("spritesOffsetMap.json")),
        json(reference.join("spritesOffsetMap.json"))
    );
    for file in ["tints/tint.json", "tints/white_patches_tint.json"] {
        assert_eq!(
            json(data.join(file)),
            json(reference.join(file)),
            "{file} differs from the reference"
        );
    }
}

#[test]
fn pelt_info_holds_every_reference_scar_and_accessory() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let theirs = json(reference.join("peltInfo.json"));
    let ours = json(repo_root().join("data/peltInfo.json"));
    let list = |v: &Value, key: &str| -> BTreeSet<String> {
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is not a list"))
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    for key in ["scars1", "scars2", "scars3", "tail_accessories"] {
        assert_eq!(list(&ours, key), list(&theirs, key), "{key} differs");
    }
    for key in ["plant_accessories", "wild_accessories", "collars"] {
        let missing: Vec<_> = list(&theirs, key)
            .difference(&list(&ours, key))
            .cloned()
            .collect();
        assert!(missing.is_empty(), "{key} lacks {missing:?}");
    }
    assert_eq!(
        list(&ours, "extra_accessories"),
        list(&theirs, "extra_accessories")
    );
    // Every list is free of duplicates, and every accessory group is reachable.
    let index = json(repo_root().join("data/spritesIndex.json"));
    let mut reachable = BTreeMap::new();
    for (key, value) in ours.as_object().into_iter().flatten() {
        let names: Vec<&str> = value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{key} has duplicates");
        reachable.insert(
            key.clone(),
            unique.into_iter().map(str::to_owned).collect::<Vec<_>>(),
        );
    }
    let prefixes = [
        ("plant_accessories", "acc_herbs"),
        ("wild_accessories", "acc_wild"),
        ("collars", "collars"),
        ("flower_accessories", "acc_flower"),
        ("plant2_accessories", "acc_plant2"),
        ("snake_accessories", "acc_snake"),
        ("smallAnimal_accessories", "acc_smallAnimal"),
        ("deadInsect_accessories", "acc_deadInsect"),
        ("aliveInsect_accessories", "acc_aliveInsect"),
        ("fruit_accessories", "acc_fruit"),
        ("crafted_accessories", "acc_crafted"),
        ("tail2_accessories", "acc_tail2"),
    ];
    let mut covered = BTreeSet::new();
    for (category, prefix) in prefixes {
        for name in reachable
            .get(category)
            .unwrap_or_else(|| panic!("peltInfo lacks {category}"))
        {
            let group = format!("{prefix}{name}");
            assert!(
                index.get(&group).is_some(),
                "{category} lists {name:?} but {group:?} is not in the index"
            );
            covered.insert(group);
        }
    }
    let accessory_groups: BTreeSet<String> = index
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .filter(|k| prefixes.iter().any(|(_, p)| k.starts_with(p)))
        .collect();
    let unreachable: Vec<_> = accessory_groups.difference(&covered).collect();
    assert!(
        unreachable.is_empty(),
        "accessory groups no category reaches: {unreachable:?}"
    );
}

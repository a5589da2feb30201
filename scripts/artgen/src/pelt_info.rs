//! `peltInfo.json`: scar categories and accessory categories.
//!
//! ClanGen's lists come first, as the base game has them (duplicates removed); the names
//! LifeGen added under the same prefixes are appended, so every accessory group is reachable
//! through exactly the category its prefix belongs to (spec step 12). LifeGen's own
//! categories (`flower_accessories` …) list the names of their prefix. `extra_accessories`
//! lists, sorted, every accessory that is not in ClanGen's base lists, as CatGenerator does.

use std::collections::BTreeSet;

use crate::json::{Ordered, to_pretty};
use crate::vocabulary::Vocabulary;

/// Keeps the first occurrence of each name.
fn dedup<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// The `peltInfo.json` text.
///
/// # Errors
/// Fails if the vocabulary lacks one of the three ClanGen prefixes.
pub fn pelt_info(v: &Vocabulary) -> anyhow::Result<String> {
    let base = &v.clangen_accessories;
    let names_of = |prefix: &str| -> anyhow::Result<&Vec<String>> {
        v.accessories
            .iter()
            .find(|a| a.prefix == prefix)
            .map(|a| &a.names)
            .ok_or_else(|| anyhow::anyhow!("vocabulary has no accessory prefix {prefix}"))
    };
    let mut out: Vec<(String, Vec<String>)> = vec![
        ("scars1".into(), dedup(&v.scars1)),
        ("scars2".into(), dedup(&v.scars2)),
        ("scars3".into(), dedup(&v.scars3)),
        (
            "plant_accessories".into(),
            dedup(base.plant_accessories.iter().chain(names_of("acc_herbs")?)),
        ),
        (
            "wild_accessories".into(),
            dedup(base.wild_accessories.iter().chain(names_of("acc_wild")?)),
        ),
        ("tail_accessories".into(), dedup(&base.tail_accessories)),
        (
            "collars".into(),
            dedup(base.collars.iter().chain(names_of("collars")?)),
        ),
    ];
    for acc in &v.accessories {
        if matches!(acc.prefix.as_str(), "acc_herbs" | "acc_wild" | "collars") {
            continue;
        }
        out.push((acc.category.clone(), dedup(&acc.names)));
    }
    let in_base: BTreeSet<&String> = base
        .plant_accessories
        .iter()
        .chain(&base.wild_accessories)
        .chain(&base.collars)
        .collect();
    let extra: BTreeSet<String> = v
        .accessories
        .iter()
        .flat_map(|a| &a.names)
        .filter(|n| !in_base.contains(n))
        .cloned()
        .collect();
    out.push(("extra_accessories".into(), extra.into_iter().collect()));
    to_pretty(&Ordered(out))
}

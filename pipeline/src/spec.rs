//! [`CatSpec`]: parameters resolved against one sprite folder — every name checked and turned
//! into a [`GroupId`] — so planning and rendering never look anything up by string.

use crate::atlas::{AtlasRepository, GroupId};
use crate::cell::Pose;
use crate::names::{Colour, PeltName};
use crate::palette::PaletteColourId;
use crate::params::{CatParams, CoatColour, ParamError};
use crate::vocab::{ACCESSORY_CATEGORIES, ScarKind, Tint};

/// A coat sprite: a pelt group, recoloured when the colour is a palette colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Coat {
    /// The pelt group (`<prefix>WHITE` for a palette colour).
    pub group: GroupId,
    /// The palette colour CatGenerator recolours the `WHITE` sprite with.
    pub recolour: Option<PaletteColourId>,
}

/// One resolved tortie patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TortiePatch {
    /// The patch's coat.
    pub pattern: Coat,
    /// Its `tortiemask` group; `None` draws the patch whole.
    pub mask: Option<GroupId>,
}

/// A cat ready to plan: every layer named by group, in the spec's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CatSpec {
    /// Pose.
    pub pose: Pose,
    /// Base coat.
    pub base: Coat,
    /// Tortie patches in order.
    pub tortie: Vec<TortiePatch>,
    /// Whole-cat tint.
    pub tint: Option<Tint>,
    /// White patches.
    pub white_patches: Option<GroupId>,
    /// Points.
    pub points: Option<GroupId>,
    /// Tint of white patches and points.
    pub white_tint: Option<[u8; 3]>,
    /// Vitiligo.
    pub vitiligo: Option<GroupId>,
    /// Eyes.
    pub eyes: GroupId,
    /// Second eye colour's `eyes2` group.
    pub eyes2: Option<GroupId>,
    /// scars1/scars3 groups, in order.
    pub scars: Vec<GroupId>,
    /// `shaders` and `lighting`, when shading applies (alive and requested).
    pub shading: Option<(GroupId, GroupId)>,
    /// CatGenerator V3's Dark Forest multiply, after shading and before the lineart.
    pub dark_forest_tint: bool,
    /// `lines`, `lineartdead` or `lineartdf`.
    pub lineart: GroupId,
    /// Skin group.
    pub skin: GroupId,
    /// scars2 (missing part) groups, in order.
    pub missing_parts: Vec<GroupId>,
    /// Accessory groups, in order.
    pub accessories: Vec<GroupId>,
    /// `fademask<stage>` and the fog group, when the cat fades.
    pub fading: Option<(GroupId, GroupId)>,
    /// Flip horizontally.
    pub reverse: bool,
}

impl CatSpec {
    /// Resolves parameters against a repository.
    ///
    /// # Errors
    /// [`ParamError`] naming the field whose value this sprite folder has no sprite for,
    /// with the values it does have.
    pub fn resolve(p: &CatParams, repo: &AtlasRepository) -> Result<Self, ParamError> {
        let r = Resolver { repo };
        let base = r.coat("peltName", "colour", p.pelt_name, &p.colour)?;
        let mut tortie = Vec::with_capacity(p.tortie.len());
        for (i, layer) in p.tortie.iter().enumerate() {
            let field = |list: &str, single: &str| {
                if p.tortie.len() > 1 {
                    format!("tortie[{i}].{list}")
                } else {
                    single.to_owned()
                }
            };
            tortie.push(TortiePatch {
                pattern: r.coat(
                    &field("pattern", "tortiePattern"),
                    &field("colour", "tortieColour"),
                    layer.pattern,
                    &layer.colour,
                )?,
                mask: layer
                    .mask
                    .as_deref()
                    .map(|m| r.named(&field("mask", "tortieMask"), "tortiemask", m))
                    .transpose()?,
            });
        }
        let vocab = repo.vocabulary();
        let tint = match &p.tint {
            None => None,
            Some(name) => Some(*vocab.tints.get(&name.to_lowercase()).ok_or_else(|| {
                let mut allowed: Vec<&str> = vocab.tints.keys().map(String::as_str).collect();
                allowed.push("none");
                ParamError::unknown("tint", name, &allowed)
            })?),
        };
        let white_tint = match &p.white_patches_tint {
            None => None,
            // CatGenerator offers coat and palette colours as white-patch tints and draws
            // them untinted (its tint table has only the white-patch tints).
            Some(name)
                if !vocab.white_tints.contains_key(&name.to_lowercase())
                    && (Colour::from_name(&name.to_uppercase()).is_some()
                        || repo.palettes().colour(name).is_some()) =>
            {
                None
            }
            Some(name) => Some(*vocab.white_tints.get(&name.to_lowercase()).ok_or_else(|| {
                let mut allowed: Vec<&str> = vocab.white_tints.keys().map(String::as_str).collect();
                allowed.push("none");
                ParamError::unknown("whitePatchesTint", name, &allowed)
            })?),
        };
        let white = |field: &str, v: &Option<String>| {
            v.as_deref().map(|n| r.named(field, "white", n)).transpose()
        };

        let mut scars = Vec::new();
        let mut missing_parts = Vec::new();
        for name in &p.scars {
            let unknown = || {
                let all: Vec<&str> = vocab
                    .scar_marks
                    .iter()
                    .chain(&vocab.missing_parts)
                    .map(String::as_str)
                    .collect();
                ParamError::unknown("scars", name, &all)
            };
            let kind = vocab.scar_kind(name).ok_or_else(unknown)?;
            let group = repo.group_joined("scars", name).ok_or_else(unknown)?;
            match kind {
                ScarKind::Mark => scars.push(group),
                ScarKind::MissingPart => missing_parts.push(group),
            }
        }

        let mut accessories = Vec::new();
        for name in &p.accessories {
            accessories.push(r.accessory(name)?);
        }

        let shading = if p.shading && !p.dead {
            Some((
                r.group("shading", "shaders")?,
                r.group("shading", "lighting")?,
            ))
        } else {
            None
        };
        // Dead cats as the game draws them; a living Dark Forest cat as CatGenerator does
        // (DF lineart and its tint) unless `darkForestTint` is off, which keeps the game's rule.
        let lineart = r.group(
            "dead",
            match (p.dead, p.dark_forest) {
                (false, true) if p.dark_forest_tint => "lineartdf",
                (false, _) => "lines",
                (true, true) => "lineartdf",
                (true, false) => "lineartdead",
            },
        )?;
        let fading = if p.dead && p.opacity <= 97 {
            let stage = match p.opacity {
                81.. => 0,
                46..=80 => 1,
                _ => 2,
            };
            let fog = if p.dark_forest {
                "fadedf"
            } else {
                "fadestarclan"
            };
            Some((
                r.group("opacity", &format!("fademask{stage}"))?,
                r.group("opacity", &format!("{fog}{stage}"))?,
            ))
        } else {
            None
        };

        Ok(Self {
            pose: p.sprite_number,
            base,
            tortie,
            tint,
            white_patches: white("whitePatches", &p.white_patches)?,
            points: white("points", &p.points)?,
            white_tint,
            vitiligo: white("vitiligo", &p.vitiligo)?,
            eyes: r.joined("eyeColour", "eyes", p.eye_colour.name())?,
            eyes2: p
                .eye_colour2
                .map(|c| r.joined("eyeColour2", "eyes2", c.name()))
                .transpose()?,
            scars,
            shading,
            dark_forest_tint: p.dark_forest_tint,
            lineart,
            skin: r.joined("skinColour", "skin", p.skin_colour.name())?,
            missing_parts,
            accessories,
            fading,
            reverse: p.reverse,
        })
    }
}

/// Points names (spec §2); the other `white` groups are white patches or vitiligo.
const POINTS: [&str; 5] = [
    "COLOURPOINT",
    "RAGDOLL",
    "SEPIAPOINT",
    "MINKPOINT",
    "SEALPOINT",
];
/// Vitiligo names (spec §2).
const VITILIGO: [&str; 8] = [
    "VITILIGO",
    "VITILIGOTWO",
    "MOON",
    "PHANTOM",
    "KARPATI",
    "POWDER",
    "BLEACHED",
    "SMOKEY",
];

/// A group the cat needs is not in this sprite folder.
fn missing(field: &str, group: &str) -> ParamError {
    ParamError::new(
        field,
        format!("this sprite folder has no sprite group `{group}`"),
    )
}

/// Every value each cat parameter takes with this repository: the lists the 422 errors
/// quote, for pickers (`GET /vocabulary`). Keys are the parameter names.
#[must_use]
pub fn allowed_values(repo: &AtlasRepository) -> serde_json::Value {
    use crate::names::{EyeColour, SkinColour};
    let r = Resolver { repo };
    let vocab = repo.vocabulary();
    let white = r.suffixes("white");
    let of = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| white.contains(n))
            .map(|n| (*n).to_owned())
            .collect()
    };
    let patches: Vec<&str> = white
        .iter()
        .copied()
        .filter(|n| !POINTS.contains(n) && !VITILIGO.contains(n))
        .collect();
    let scar = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|n| repo.group(&format!("scars{n}")).is_some())
            .cloned()
            .collect()
    };
    let accessories = r.accessory_names();
    let palettes: Vec<serde_json::Value> = repo
        .palettes()
        .palettes()
        .iter()
        .map(|p| {
            let colours: Vec<String> = p
                .colors
                .as_object()
                .map(|o| o.keys().map(|k| k.to_uppercase()).collect())
                .unwrap_or_default();
            serde_json::json!({"id": p.id, "label": p.label, "colours": colours})
        })
        .collect();
    serde_json::json!({
        "spriteNumber": {"min": 0, "max": 20, "default": 8},
        "peltName": PeltName::NAMES,
        "tortieBase": PeltName::patterned_names(),
        "colour": Colour::NAMES,
        "paletteColours": palettes,
        "tortieMask": r.suffixes("tortiemask"),
        "tint": vocab.tints.keys().collect::<Vec<_>>(),
        "whitePatchesTint": vocab.white_tints.keys().collect::<Vec<_>>(),
        "whitePatches": patches,
        "points": of(&POINTS),
        "vitiligo": of(&VITILIGO),
        "eyeColour": EyeColour::NAMES,
        "skinColour": SkinColour::NAMES,
        "scars": scar(&vocab.scar_marks),
        "missingParts": scar(&vocab.missing_parts),
        "accessories": accessories,
        "opacity": {"min": 0, "max": 100, "default": 100},
        "flags": ["isTortie", "shading", "dead", "darkForest", "darkForestTint", "reverse"],
    })
}

struct Resolver<'a> {
    repo: &'a AtlasRepository,
}

impl Resolver<'_> {
    /// A pelt in a game or palette colour. A palette colour draws the pelt's `WHITE` sprite
    /// recoloured, as CatGenerator V3 does.
    fn coat(
        &self,
        pelt_field: &str,
        colour_field: &str,
        pelt: PeltName,
        colour: &CoatColour,
    ) -> Result<Coat, ParamError> {
        let prefix = pelt.sprite_prefix().unwrap_or("single");
        match colour {
            CoatColour::Game(c) => Ok(Coat {
                group: self.joined(pelt_field, prefix, c.name())?,
                recolour: None,
            }),
            CoatColour::Palette(name) => {
                let palettes = self.repo.palettes();
                let Some(id) = palettes.colour(name) else {
                    let mut allowed: Vec<&str> = Colour::NAMES.to_vec();
                    allowed.extend(palettes.names());
                    return Err(ParamError::unknown(colour_field, name, &allowed));
                };
                if let Some(why) = palettes.get(id).recolour.unusable() {
                    return Err(ParamError::new(
                        colour_field,
                        format!("palette colour `{name}` cannot be drawn: {why}"),
                    ));
                }
                Ok(Coat {
                    group: self.joined(pelt_field, prefix, "WHITE")?,
                    recolour: Some(id),
                })
            }
        }
    }

    /// A group that must exist under exactly this name.
    fn group(&self, field: &str, group: &str) -> Result<GroupId, ParamError> {
        self.repo.group(group).ok_or_else(|| missing(field, group))
    }

    /// A group that must exist under `prefix + name`.
    fn joined(&self, field: &str, prefix: &str, name: &str) -> Result<GroupId, ParamError> {
        self.repo
            .group_joined(prefix, name)
            .ok_or_else(|| missing(field, &format!("{prefix}{name}")))
    }

    /// `prefix + name`, listing the names with that prefix when it is missing.
    fn named(&self, field: &str, prefix: &str, name: &str) -> Result<GroupId, ParamError> {
        self.repo.group_joined(prefix, name).ok_or_else(|| {
            let allowed = self.suffixes(prefix);
            ParamError::unknown(field, name, &allowed)
        })
    }

    fn suffixes(&self, prefix: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .repo
            .group_names()
            .iter()
            .filter_map(|g| g.strip_prefix(prefix))
            .filter(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        // `white` also prefixes nothing else, but `eyes` prefixes `eyes2…`; the digit filter
        // above keeps those apart.
        out.sort_unstable();
        out
    }

    /// Spec §4 step 12: the first category that holds the accessory decides its prefix.
    fn accessory(&self, name: &str) -> Result<GroupId, ParamError> {
        let vocab = self.repo.vocabulary();
        for cat in &ACCESSORY_CATEGORIES {
            let group = format!("{}{name}", cat.prefix);
            let listed = vocab.lists_accessory(cat, name);
            match self.repo.group(&group) {
                Some(id) => return Ok(id),
                None if listed => {
                    return Err(ParamError::new(
                        "accessories",
                        format!(
                            "`{name}` is a {} accessory but this sprite folder has no `{group}`",
                            cat.list_key
                        ),
                    ));
                }
                _ => {}
            }
        }
        // CatGenerator also takes a raw group name (`collarsBLUE`) of any accessory prefix.
        if ACCESSORY_CATEGORIES.iter().any(|c| {
            name.strip_prefix(c.prefix)
                .is_some_and(|rest| !rest.is_empty())
        }) && let Some(id) = self.repo.group(name)
        {
            return Ok(id);
        }
        Err(ParamError::unknown(
            "accessories",
            name,
            &self.accessory_names(),
        ))
    }

    /// Every accessory name this folder has, under any category's prefix, sorted.
    fn accessory_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = ACCESSORY_CATEGORIES
            .iter()
            .flat_map(|c| self.suffixes(c.prefix))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

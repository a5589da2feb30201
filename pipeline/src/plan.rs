//! A render plan: the ordered stages of spec §4, each a run of ops over two 50×50 registers.
//!
//! Both registers start transparent; the `cat` register holds the result; the `scratch` register holds
//! a group being composed on its own (tortie patches, tinted white patches, eyes, fog), since
//! integer alpha compositing is not associative. Both backends execute the same plan.

use serde::Serialize;

use crate::atlas::CellId;
use crate::blend::BlendMode;
use crate::palette::PaletteColourId;
use crate::spec::{CatSpec, Coat};
use crate::vocab::Tint;

/// A register of the plan machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reg {
    /// The cat being drawn; the result.
    Cat,
    /// A group composed apart before it is blitted.
    Scratch,
}

impl Reg {
    /// The other register.
    #[must_use]
    pub const fn other(self) -> Self {
        match self {
            Self::Cat => Self::Scratch,
            Self::Scratch => Self::Cat,
        }
    }
}

/// What an op reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A sprite cell.
    Cell(CellId),
    /// An opaque fill `(r, g, b, 255)`.
    Fill([u8; 3]),
    /// The register the op does not write.
    Other,
    /// Not a read: the op rewrites its target with a stage CatGenerator V3 computes in
    /// floating point (see [`FloatOp`]); its `blend` is `None`.
    Float(FloatOp),
}

/// A stage only CatGenerator draws, in its float arithmetic rather than the game's integer
/// blits. Plans with one ([`Plan::has_float_ops`]) are executed by the CPU backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloatOp {
    /// Recolour the target with a palette colour (`_apply_experimental_tint`).
    Recolour(PaletteColourId),
    /// The Dark Forest multiply (`_stage_dark_forest`).
    DarkForestTint,
}

/// One step: `target = source` or `target = blend(target, source)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    /// The register written.
    pub target: Reg,
    /// What is read.
    pub source: Source,
    /// `None` copies the source; otherwise the blend applied.
    pub blend: Option<BlendMode>,
}

/// The stages of spec §4, in render order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Step 1, base coat.
    Base,
    /// Step 1, tortie patches.
    TortiePatches,
    /// Step 2.
    Tint,
    /// Step 3.
    WhitePatches,
    /// Step 4.
    Points,
    /// Step 5.
    Vitiligo,
    /// Step 6.
    Eyes,
    /// Step 7.
    Scars,
    /// Step 8.
    Shading,
    /// CatGenerator V3's Dark Forest multiply, between steps 8 and 9.
    DarkForestTint,
    /// Step 9.
    Lineart,
    /// Step 10.
    Skin,
    /// Step 11.
    MissingParts,
    /// Step 12.
    Accessories,
    /// Step 13.
    Fading,
    /// Step 14.
    Flip,
}

impl StageKind {
    /// How many kinds there are (`Flip` is the last): a plan has at most one stage of each.
    pub const COUNT: usize = Self::Flip as usize + 1;

    /// The stage's name as layer ids and file names use it.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::TortiePatches => "tortie_patches",
            Self::Tint => "tint",
            Self::WhitePatches => "white_patches",
            Self::Points => "points",
            Self::Vitiligo => "vitiligo",
            Self::Eyes => "eyes",
            Self::Scars => "scars",
            Self::Shading => "shading",
            Self::DarkForestTint => "dark_forest_tint",
            Self::Lineart => "lineart",
            Self::Skin => "skin",
            Self::MissingParts => "missing_parts",
            Self::Accessories => "accessories",
            Self::Fading => "fading",
            Self::Flip => "flip",
        }
    }

    /// A human label for a layer inspector.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Base => "Base coat",
            Self::TortiePatches => "Tortie patches",
            Self::Tint => "Tint",
            Self::WhitePatches => "White patches",
            Self::Points => "Points",
            Self::Vitiligo => "Vitiligo",
            Self::Eyes => "Eyes",
            Self::Scars => "Scars",
            Self::Shading => "Shading and lighting",
            Self::DarkForestTint => "Dark Forest tint",
            Self::Lineart => "Lineart",
            Self::Skin => "Skin",
            Self::MissingParts => "Missing parts",
            Self::Accessories => "Accessories",
            Self::Fading => "Fading",
            Self::Flip => "Flip",
        }
    }
}

/// A stage: its kind and the range of [`Plan::ops`] it owns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stage {
    /// Which step.
    pub kind: StageKind,
    /// Start of its ops.
    pub start: usize,
    /// End (exclusive) of its ops.
    pub end: usize,
}

/// An executable plan. Reuse one across renders with [`Plan::clear`] so planning does not
/// allocate on the hot path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Plan {
    /// Every op, in order.
    pub ops: Vec<Op>,
    /// Stage boundaries over `ops`; only stages that do something are listed.
    pub stages: Vec<Stage>,
    /// Mirror the result horizontally at the end.
    pub flip: bool,
}

impl Plan {
    /// Empties the plan, keeping its capacity.
    pub fn clear(&mut self) {
        self.ops.clear();
        self.stages.clear();
        self.flip = false;
    }

    /// The plan of one cat.
    #[must_use]
    pub fn for_cat(cat: &CatSpec) -> Self {
        // Sized once for a typical cat (8–20 ops; at most one stage per kind), instead of
        // growing both from four on the async thread of every uncached request.
        let mut plan = Self {
            ops: Vec::with_capacity(32),
            stages: Vec::with_capacity(StageKind::COUNT),
            flip: false,
        };
        plan.build(cat);
        plan
    }

    /// Replaces this plan with the plan of `cat` (spec §4, steps 0–14).
    pub fn build(&mut self, cat: &CatSpec) {
        use BlendMode::{Normal, RgbAdd, RgbMultiply, RgbaMin, RgbaMultiply};
        use Reg::{Cat, Scratch};
        self.clear();
        let cell = |g| Source::Cell(CellId::new(g, cat.pose));

        let coat = |p: &mut Self, target: Reg, coat: Coat| {
            p.copy(target, cell(coat.group));
            if let Some(colour) = coat.recolour {
                p.copy(target, Source::Float(FloatOp::Recolour(colour)));
            }
        };

        // 0–1. A normal blit onto the all-transparent start copies the source whole.
        self.stage(StageKind::Base, |p| coat(p, Cat, cat.base));
        self.stage(StageKind::TortiePatches, |p| {
            for patch in &cat.tortie {
                coat(p, Scratch, patch.pattern);
                if let Some(mask) = patch.mask {
                    p.blend(Scratch, cell(mask), RgbaMultiply);
                }
                p.blend(Cat, Source::Other, Normal);
            }
        });
        // 2.
        self.stage(StageKind::Tint, |p| match cat.tint {
            Some(Tint::Multiply(rgb)) => p.blend(Cat, Source::Fill(rgb), RgbMultiply),
            Some(Tint::Add(rgb)) => p.blend(Cat, Source::Fill(rgb), RgbAdd),
            None => {}
        });
        // 3–4.
        for (kind, group) in [
            (StageKind::WhitePatches, cat.white_patches),
            (StageKind::Points, cat.points),
        ] {
            self.stage(kind, |p| {
                if let Some(g) = group {
                    match cat.white_tint {
                        Some(rgb) => {
                            p.copy(Scratch, cell(g));
                            p.blend(Scratch, Source::Fill(rgb), RgbMultiply);
                            p.blend(Cat, Source::Other, Normal);
                        }
                        None => p.blend(Cat, cell(g), Normal),
                    }
                }
            });
        }
        // 5.
        self.stage(StageKind::Vitiligo, |p| {
            if let Some(g) = cat.vitiligo {
                p.blend(Cat, cell(g), Normal);
            }
        });
        // 6.
        self.stage(StageKind::Eyes, |p| match cat.eyes2 {
            Some(e2) => {
                p.copy(Scratch, cell(cat.eyes));
                p.blend(Scratch, cell(e2), Normal);
                p.blend(Cat, Source::Other, Normal);
            }
            None => p.blend(Cat, cell(cat.eyes), Normal),
        });
        // 7.
        self.stage(StageKind::Scars, |p| {
            for &g in &cat.scars {
                p.blend(Cat, cell(g), Normal);
            }
        });
        // 8.
        self.stage(StageKind::Shading, |p| {
            if let Some((shaders, lighting)) = cat.shading {
                p.blend(Cat, cell(shaders), RgbMultiply);
                p.blend(Cat, cell(lighting), Normal);
            }
        });
        self.stage(StageKind::DarkForestTint, |p| {
            if cat.dark_forest_tint {
                p.copy(Cat, Source::Float(FloatOp::DarkForestTint));
            }
        });
        // 9–10.
        self.stage(StageKind::Lineart, |p| {
            p.blend(Cat, cell(cat.lineart), Normal)
        });
        self.stage(StageKind::Skin, |p| p.blend(Cat, cell(cat.skin), Normal));
        // 11.
        self.stage(StageKind::MissingParts, |p| {
            for &g in &cat.missing_parts {
                p.blend(Cat, cell(g), RgbaMin);
            }
        });
        // 12.
        self.stage(StageKind::Accessories, |p| {
            for &g in &cat.accessories {
                p.blend(Cat, cell(g), Normal);
            }
        });
        // 13.
        self.stage(StageKind::Fading, |p| {
            if let Some((mask, fog)) = cat.fading {
                p.blend(Cat, cell(mask), RgbaMultiply);
                p.copy(Scratch, cell(fog));
                p.blend(Scratch, Source::Other, Normal);
                p.copy(Cat, Source::Other);
            }
        });
        // 14.
        if cat.reverse {
            self.flip = true;
            let at = self.ops.len();
            self.stages.push(Stage {
                kind: StageKind::Flip,
                start: at,
                end: at,
            });
        }
    }

    fn stage(&mut self, kind: StageKind, add: impl FnOnce(&mut Self)) {
        let start = self.ops.len();
        add(self);
        if self.ops.len() > start {
            self.stages.push(Stage {
                kind,
                start,
                end: self.ops.len(),
            });
        }
    }

    fn copy(&mut self, target: Reg, source: Source) {
        self.ops.push(Op {
            target,
            source,
            blend: None,
        });
    }

    fn blend(&mut self, target: Reg, source: Source, mode: BlendMode) {
        self.ops.push(Op {
            target,
            source,
            blend: Some(mode),
        });
    }

    /// The plan of a frame showing the stages `kinds` alone, as CatGenerator's layer
    /// frames do: the drawing stages from a transparent start, or, for the stages that
    /// rewrite the whole cat (tint, missing parts), the cat as it is after them. Empty
    /// (a transparent frame) when the cat has none of them.
    #[must_use]
    pub fn layer_only(&self, kinds: &[StageKind]) -> Self {
        let whole_cat = kinds
            .iter()
            .any(|k| matches!(k, StageKind::Tint | StageKind::MissingParts));
        let mut out = Self {
            flip: self.flip,
            ..Self::default()
        };
        for stage in self.stages.iter().filter(|s| kinds.contains(&s.kind)) {
            if whole_cat {
                out.ops = self.ops[..stage.end].to_vec();
            } else {
                out.ops.extend_from_slice(&self.ops[stage.start..stage.end]);
            }
        }
        if let (false, Some(&kind)) = (out.ops.is_empty(), kinds.first()) {
            out.stages.push(Stage {
                kind,
                start: 0,
                end: out.ops.len(),
            });
        }
        out
    }

    /// Whether an op is one of CatGenerator's float stages, which only the CPU backend
    /// executes.
    #[must_use]
    pub fn has_float_ops(&self) -> bool {
        self.ops
            .iter()
            .any(|op| matches!(op.source, Source::Float(_)))
    }

    /// The blend of a stage's last op that writes the cat, for diagnostics.
    #[must_use]
    pub fn stage_blend(&self, stage: &Stage) -> Option<BlendMode> {
        self.ops[stage.start..stage.end]
            .iter()
            .rev()
            .find(|op| op.target == Reg::Cat)
            .map(|op| op.blend.unwrap_or(BlendMode::Normal))
    }
}

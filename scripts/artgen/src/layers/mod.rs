//! One module per kind of layer; [`Layer`] names what a group holds and [`Layer::draw`]
//! paints one pose of it.

pub mod accessory;
pub mod coat;
pub mod eyes;
pub mod fade;
pub mod lineart;
pub mod missing;
pub mod patches;
pub mod scars;
pub mod shading;
pub mod skin;

use crate::paint::Paint;
use crate::silhouette::PoseMap;

/// What one group of the atlas holds.
#[derive(Debug, Clone)]
pub enum Layer {
    /// A coat: pattern prefix (`tabby` …) and colour name.
    Coat {
        /// Pelt prefix.
        pattern: String,
        /// Colour name.
        colour: String,
    },
    /// A tortie patch mask (soft alpha, white RGB), applied with RGBA-multiply.
    TortieMask(String),
    /// White patches, colour points or vitiligo.
    White(String),
    /// Eyes of one colour: both eyes, or (for `eyes2`) only the far one.
    Eyes {
        /// Eye colour name.
        colour: String,
        /// False for `eyes2`, which holds the second eye only (heterochromia).
        both: bool,
    },
    /// Nose, pads and inner ears.
    Skin(String),
    /// A scar drawn over the coat (scars1 and scars3).
    Scar(String),
    /// A missing part (scars2): opaque white with a transparent hole, applied with RGBA-min.
    Missing(String),
    /// Outline of the figure in one of the line styles.
    Lines(lineart::Style),
    /// Opaque grey shading, applied with RGB-multiply.
    Shaders,
    /// Semi-transparent highlight.
    Lighting,
    /// Fading mask of the given stage, applied with RGBA-multiply.
    FadeMask(usize),
    /// Fog of the afterlife behind a fading cat.
    Fog {
        /// StarClan (bluish, starry) or the Dark Forest (reddish, dark).
        dark_forest: bool,
        /// Fading stage 0..=2.
        stage: usize,
    },
    /// An accessory: group prefix (`acc_herbs`, `collars` …) and name.
    Accessory {
        /// Group-name prefix.
        prefix: String,
        /// Accessory name.
        name: String,
    },
}

impl Layer {
    /// Paints this layer for the pose of `map`.
    pub fn draw(&self, map: &PoseMap, vocab: &crate::vocabulary::Vocabulary) -> Paint {
        match self {
            Layer::Coat { pattern, colour } => coat::draw(map, pattern, colour),
            Layer::TortieMask(name) => patches::tortie_mask(map, name),
            Layer::White(name) => {
                let kind = if vocab.is_point(name) {
                    patches::WhiteKind::Point
                } else if vocab.is_vitiligo(name) {
                    patches::WhiteKind::Vitiligo
                } else {
                    patches::WhiteKind::Patch
                };
                patches::white(map, name, kind)
            }
            Layer::Eyes { colour, both } => eyes::draw(map, colour, *both),
            Layer::Skin(colour) => skin::draw(map, colour),
            Layer::Scar(name) => scars::draw(map, name),
            Layer::Missing(name) => missing::draw(map, name),
            Layer::Lines(style) => lineart::draw(map, *style),
            Layer::Shaders => shading::shaders(map),
            Layer::Lighting => shading::lighting(map),
            Layer::FadeMask(stage) => fade::mask(map, *stage),
            Layer::Fog { dark_forest, stage } => fade::fog(map, *dark_forest, *stage),
            Layer::Accessory { prefix, name } => accessory::draw(map, prefix, name),
        }
    }
}

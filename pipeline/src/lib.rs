//! Pixel-exact compositing of ClanGen-style cat sprites, bit for bit what the game's pygame
//! blits produce. No HTTP, no async runtime, no environment or clock reads.
//!
//! # Layout
//!
//! - [`atlas`]: `AtlasRepository` — loads a sprite folder and its data once (raw RGBA, no
//!   gamma) into a store of distinct planar blocks, validates it, answers group + pose →
//!   50×50 cell.
//! - [`names`]: the closed vocabularies as enums (`PeltName`, `Colour`, `EyeColour`,
//!   `SkinColour`).
//! - [`vocab`] (in [`atlas`], loaded with it): the data-defined vocabularies (scar and
//!   accessory categories, tint tables).
//! - [`params`]: CatGenerator JSON → typed `CatParams`, errors naming field and allowed values.
//! - [`query`]: Pixel Cat Maker's URL dialect → a CatGenerator parameter object + scale.
//! - [`spec`]: `CatSpec` — parameters resolved against one repository (every name → group id).
//! - [`plan`]: `Plan` — the ordered stages of the spec as ops over two registers.
//! - [`blend`]: the colour math, one function per blend mode (WGSL twin in `gpu/`).
//! - [`cpu`]: `CpuBackend`, the reference executor.
//! - [`gpu`]: `GpuBackend`, the wgpu integer compute executor (feature `gpu`).
//! - [`palette`]: CatGenerator's palette colours (`PaletteSet`) and its float recolouring,
//!   and the Dark Forest multiply it draws.
//! - [`encode`]: PNG encoding, nearest-neighbour upscaling, one cell at a scale.
//! - [`layers`]: a render stage by stage, each stage's canvas, counts and PNG.
//! - [`sheet`]: sprite sheets — layout, placing finished cats into tiles, CPU rendering.
//! - [`compare`]: pixel comparison with expected | actual | diff images for tests.
//! - [`cell`]: cell geometry (`Canvas`, `Pose`, `CellView`, flip).
//! - [`planar`]: cells as R, G, B, A planes, the layout the CPU backend composes in.
//! - [`threads`]: how many cores the parallel steps (chunk bands, PNG strips) use.

pub mod atlas;
pub mod blend;
pub mod cell;
pub mod chunk;
pub mod compare;
pub mod cpu;
pub mod encode;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod layers;
pub mod names;
pub mod palette;
pub mod params;
pub mod plan;
pub mod planar;
pub mod query;
pub mod sheet;
pub mod spec;
pub mod threads;
pub use atlas::vocab;

pub use atlas::{AtlasError, AtlasPaths, AtlasRepository, CellId, GroupId};
pub use blend::BlendMode;
pub use cell::{CELL, CELL_BYTES, Canvas, POSES, Pose};
pub use cpu::CpuBackend;
pub use encode::{encode_cell, encode_png, encode_png_into};
pub use params::{CatParams, ParamError};
pub use plan::{Plan, StageKind};
pub use spec::CatSpec;

//! Composes a [`ChunkPlan`] on the CPU: tile layers first to last, then entities in draw
//! order, every pixel through pygame's normal blit ([`crate::blend`]); whole-row loops and
//! buffers reused across chunks, nothing allocated per pixel. Large canvases are drawn in
//! horizontal bands, one per core, each band every blit clipped to its rows: a pixel meets
//! the same blits in the same order either way.
//!
//! Tile size: the request's `tileSize` may differ from the tileset's; tiles and tileset
//! sprites are then scaled by nearest neighbour (`src = dst * tileset / request`, floored),
//! once per used tile per chunk. Cat atlas cells and whole cats are always drawn at 50×50.

use super::plan::{ChunkPlan, Draw};
use super::tileset::{TileId, Tileset};
use crate::atlas::{AtlasRepository, RgbaImage};
use crate::blend::{BlendMode, blend_row};
use crate::cell::{CELL, CELL_ROW_BYTES, Canvas, transparent_canvas};
use crate::cpu::CpuBackend;

/// Where a scaled copy of a tile lies in the composer's arena.
#[derive(Debug, Clone, Copy)]
struct Scaled {
    offset: usize,
    w: usize,
    h: usize,
}

/// Canvases of at least this many bytes (1024², composed in about a millisecond) are drawn
/// in bands, one per core; at 512² starting a thread cost more than it saved (BENCHMARKS.md).
const BAND_MIN_BYTES: usize = 4 << 20;

/// Reusable state for composing chunks (a render worker keeps one).
#[derive(Debug, Default)]
pub struct ChunkComposer {
    /// What each band's thread draws with; the first also serves every small chunk.
    bands: Vec<BandScratch>,
    /// Scaled tiles of the current chunk, back to back.
    arena: Vec<u8>,
    /// Per tile id of the current tileset: its scaled copy, if made.
    scaled: Vec<Option<Scaled>>,
}

/// One drawing thread's scratch.
#[derive(Debug, Default)]
struct BandScratch {
    /// Renders cat entities.
    cpu: CpuBackend,
    /// One mirrored source row for flipped entities.
    flipped: Vec<u8>,
    /// An atlas cell entity as RGBA8 (made on first use).
    cell: Option<Box<Canvas>>,
}

/// Composes `plan` with a fresh composer; prefer a long-lived [`ChunkComposer`] in workers.
#[must_use]
pub fn compose_chunk(plan: &ChunkPlan, repo: &AtlasRepository) -> RgbaImage {
    ChunkComposer::new().compose(plan, repo)
}

impl ChunkComposer {
    /// A composer with empty buffers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Composes `plan` into a new image.
    #[must_use]
    pub fn compose(&mut self, plan: &ChunkPlan, repo: &AtlasRepository) -> RgbaImage {
        let mut pixels = Vec::new();
        self.compose_into(plan, repo, &mut pixels);
        RgbaImage {
            width: plan.width_px(),
            height: plan.height_px(),
            pixels,
        }
    }

    /// Composes `plan` into `out` (cleared and resized to `width_px * height_px * 4`), in
    /// one band per core when the canvas is large.
    pub fn compose_into(&mut self, plan: &ChunkPlan, repo: &AtlasRepository, out: &mut Vec<u8>) {
        let bytes = plan.width_px() as usize * plan.height_px() as usize * 4;
        let bands = if bytes >= BAND_MIN_BYTES {
            crate::threads::cores()
        } else {
            1
        };
        self.compose_in_bands(plan, repo, out, bands);
    }

    /// [`Self::compose_into`] in `bands` horizontal bands drawn at once, each on its own
    /// thread (the first on this one).
    pub(crate) fn compose_in_bands(
        &mut self,
        plan: &ChunkPlan,
        repo: &AtlasRepository,
        out: &mut Vec<u8>,
        bands: usize,
    ) {
        let (w, h) = (plan.width_px() as usize, plan.height_px() as usize);
        let len = w * h * 4;
        // A new canvas comes zeroed from the allocator (untouched pages, faulted in by the
        // bands as they draw); a reused one is cleared by each band's own thread.
        let zeroed = out.capacity() < len;
        if zeroed {
            *out = vec![0; len];
        } else {
            out.resize(len, 0);
        }
        if len == 0 {
            return;
        }
        let native = plan.tile_size == plan.tileset.tile_size();
        if !native {
            self.scale_used_tiles(plan);
        }
        let per = h.div_ceil(bands.clamp(1, h));
        let count = h.div_ceil(per);
        if self.bands.len() < count {
            self.bands.resize_with(count, BandScratch::default);
        }
        let sources = Sources {
            plan,
            native,
            arena: &self.arena,
            scaled: &self.scaled,
        };
        let mut parts = out
            .chunks_mut(per * w * 4)
            .zip(&mut self.bands)
            .enumerate()
            .map(|(i, (pixels, scratch))| {
                let target = Target {
                    pixels,
                    width: w,
                    y0: (i * per) as i64,
                    y1: ((i + 1) * per).min(h) as i64,
                };
                (target, scratch)
            });
        let first = parts.next();
        let band = move |mut target: Target<'_>, scratch: &mut BandScratch| {
            if !zeroed {
                target.pixels.fill(0);
            }
            draw(plan, repo, sources, scratch, &mut target);
        };
        std::thread::scope(|scope| {
            for (target, scratch) in parts {
                scope.spawn(move || band(target, scratch));
            }
            if let Some((target, scratch)) = first {
                band(target, scratch);
            }
        });
    }

    /// Makes nearest-neighbour copies, at the request's scale, of every tile the plan uses.
    fn scale_used_tiles(&mut self, plan: &ChunkPlan) {
        let set = &*plan.tileset;
        self.arena.clear();
        self.scaled.clear();
        self.scaled.resize(set.len(), None);
        let used =
            plan.layers
                .iter()
                .flatten()
                .flatten()
                .copied()
                .chain(plan.entities.iter().filter_map(|e| match e.draw {
                    Draw::Tile(id) => Some(id),
                    _ => None,
                }));
        for id in used {
            if self.scaled[id.0 as usize].is_none() {
                self.scaled[id.0 as usize] =
                    Some(scale_into(&mut self.arena, set, id, plan.tile_size));
            }
        }
    }
}

/// Appends `id` scaled from the tileset's tile size to `tile_size` to `arena`.
fn scale_into(arena: &mut Vec<u8>, set: &Tileset, id: TileId, tile_size: u32) -> Scaled {
    let r = set.rect(id);
    let (from, to) = (u64::from(set.tile_size()), u64::from(tile_size));
    let w = ((u64::from(r.w) * to / from).max(1)) as usize;
    let h = ((u64::from(r.h) * to / from).max(1)) as usize;
    let offset = arena.len();
    arena.reserve(w * h * 4);
    for y in 0..h {
        let sy = ((y as u64 * from / to) as u32).min(r.h - 1);
        let row = set.row(id, sy);
        for x in 0..w {
            let sx = ((x as u64 * from / to) as usize).min(r.w as usize - 1);
            arena.extend_from_slice(&row[sx * 4..sx * 4 + 4]);
        }
    }
    Scaled { offset, w, h }
}

/// Draws every layer and entity of `plan` onto `canvas`, clipped to its rows.
fn draw(
    plan: &ChunkPlan,
    repo: &AtlasRepository,
    sources: Sources<'_>,
    scratch: &mut BandScratch,
    canvas: &mut Target<'_>,
) {
    let ts = plan.tile_size as usize;
    let BandScratch { cpu, flipped, cell } = scratch;
    for layer in &plan.layers {
        for (i, tile) in layer.iter().enumerate() {
            if let Some(id) = *tile {
                let (gx, gy) = (i % plan.width as usize, i / plan.width as usize);
                let s = sources.get(id);
                canvas.blit(
                    (gx * ts) as i64,
                    (gy * ts) as i64,
                    s.w,
                    s.h,
                    false,
                    s.opaque,
                    flipped,
                    |y| s.row(y),
                );
            }
        }
    }
    for e in &plan.entities {
        let (x, y) = (i64::from(e.x), i64::from(e.y));
        match &e.draw {
            Draw::Tile(id) => {
                let s = sources.get(*id);
                canvas.blit(x, y, s.w, s.h, e.flip, s.opaque, flipped, |r| s.row(r));
            }
            // Cells and cats are drawn only where they touch this band's rows.
            Draw::Cell(id) if canvas.touches(y, CELL) => {
                let cell = cell.get_or_insert_with(transparent_canvas);
                repo.cell_into(*id, cell);
                canvas.blit(x, y, CELL, CELL, e.flip, false, flipped, |r| {
                    &cell[r * CELL_ROW_BYTES..(r + 1) * CELL_ROW_BYTES]
                });
            }
            Draw::Cat(cat_plan) if canvas.touches(y, CELL) => {
                let cat = cpu.render(repo, cat_plan);
                canvas.blit(x, y, CELL, CELL, e.flip, false, flipped, |r| {
                    &cat[r * CELL_ROW_BYTES..(r + 1) * CELL_ROW_BYTES]
                });
            }
            Draw::Cell(_) | Draw::Cat(_) => {}
        }
    }
}

/// Where each tile's pixels come from: the tileset itself at its own tile size, else the
/// composer's scaled copies.
#[derive(Clone, Copy)]
struct Sources<'a> {
    plan: &'a ChunkPlan,
    native: bool,
    arena: &'a [u8],
    scaled: &'a [Option<Scaled>],
}

impl<'a> Sources<'a> {
    fn get(&self, id: TileId) -> Source<'a> {
        let set: &'a Tileset = &self.plan.tileset;
        if self.native {
            let r = set.rect(id);
            let iw = set.image().width as usize;
            Source {
                data: &set.image().pixels[(r.y as usize * iw + r.x as usize) * 4..],
                stride: iw * 4,
                w: r.w as usize,
                h: r.h as usize,
                opaque: set.is_opaque(id),
            }
        } else {
            // Every used id was scaled in `scale_used_tiles`.
            let s = self.scaled[id.0 as usize].unwrap_or(Scaled {
                offset: 0,
                w: 0,
                h: 0,
            });
            Source {
                data: &self.arena[s.offset..],
                stride: s.w * 4,
                w: s.w,
                h: s.h,
                // Nearest-neighbour copies hold only the tile's own pixels.
                opaque: set.is_opaque(id),
            }
        }
    }
}

/// A source image: `h` rows of `w` pixels, `stride` bytes apart.
#[derive(Debug, Clone, Copy)]
struct Source<'a> {
    data: &'a [u8],
    stride: usize,
    w: usize,
    h: usize,
    opaque: bool,
}

impl<'a> Source<'a> {
    #[inline]
    fn row(&self, y: usize) -> &'a [u8] {
        &self.data[y * self.stride..y * self.stride + self.w * 4]
    }
}

/// The rows `y0..y1` of the chunk canvas being drawn on (all of it, or one band).
struct Target<'a> {
    pixels: &'a mut [u8],
    width: usize,
    y0: i64,
    y1: i64,
}

impl Target<'_> {
    /// True when rows `y..y + h` meet this target's rows.
    fn touches(&self, y: i64, h: usize) -> bool {
        y < self.y1 && y + h as i64 > self.y0
    }

    /// Normal-blits a `sw`×`sh` source with its top-left at `(x, y)`, clipped to the canvas,
    /// mirrored left to right when `flip` (`flipped` holds one mirrored row at a time).
    /// `opaque`: every source pixel has alpha 255, so rows are copied.
    #[expect(
        clippy::too_many_arguments,
        reason = "a blit is position, size, flip and source; bundling them helps no one"
    )]
    fn blit<'s>(
        &mut self,
        x: i64,
        y: i64,
        sw: usize,
        sh: usize,
        flip: bool,
        opaque: bool,
        flipped: &mut Vec<u8>,
        rows: impl Fn(usize) -> &'s [u8],
    ) {
        let cw = self.width as i64;
        let (x0, x1) = (x.max(0), (x + sw as i64).min(cw));
        let (y0, y1) = (y.max(self.y0), (y + sh as i64).min(self.y1));
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        // Source columns [sx0, sx1) land on canvas columns [x0, x1).
        let (sx0, sx1) = ((x0 - x) as usize, (x1 - x) as usize);
        for cy in y0..y1 {
            let src = rows((cy - y) as usize);
            let s = if flip {
                // Mirrored column c is source column sw-1-c: the visible span reversed.
                flipped.clear();
                for px in src[(sw - sx1) * 4..(sw - sx0) * 4].chunks_exact(4).rev() {
                    flipped.extend_from_slice(px);
                }
                &flipped[..]
            } else {
                &src[sx0 * 4..sx1 * 4]
            };
            let at = ((cy - self.y0) as usize * self.width + x0 as usize) * 4;
            let dst = &mut self.pixels[at..at + (x1 - x0) as usize * 4];
            if opaque {
                // Normal blit with source alpha 255 yields the source exactly (spec §3:
                // `(d*0 + s*256) >> 8 = s`, alpha `255 + dA - dA = 255`), so copy.
                dst.copy_from_slice(s);
            } else {
                blend_row(BlendMode::Normal, dst, s);
            }
        }
    }
}

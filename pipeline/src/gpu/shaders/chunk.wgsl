// chunk.wgsl: composes one chunk texture, bit for bit what `ChunkComposer`
// (pipeline/src/chunk/compose.rs) draws: tile layers first to last, then entities in draw
// order, every source pixel through pygame's normal blit (`normal_px` in common.wgsl, which
// this file is compiled after). Integer math only.
//
// One invocation per canvas pixel, 16×16 pixels per workgroup. A pixel lies in exactly one
// grid cell, so the tile layers cost one load per layer. Entities are culled per workgroup:
// in rounds of 512, the workgroup marks in a 512-bit mask which entities touch its 16×16
// square, then every pixel walks the set bits in order (draw order is kept, which a
// compacted list built with atomic counters would not keep).
//
// Cats drawn as entities were rendered earlier in the same submission by composite.wgsl;
// their 2,500 pixels each are read from `cats`.

const GROUP_EDGE: u32 = 16u;
const GROUP_SIZE: u32 = 256u;
// Entities culled per round: one bit each in `hits`.
const ENTITY_ROUND: u32 = 512u;
const HIT_WORDS: u32 = 16u;
// Words per entity record and per ground-tile record in `data` (layout.rs, `ChunkEncoding`).
const ENTITY_WORDS: u32 = 8u;
const TILE_WORDS: u32 = 2u;
const CELL_EDGE: u32 = 50u;

// Entity kinds (`ENTITY_*` in gpu/chunk.rs).
const ENTITY_TILE: u32 = 0u;
const ENTITY_CELL: u32 = 1u;
const ENTITY_CAT: u32 = 2u;

// Mirrors `GpuChunkParams` in gpu/chunk.rs. Binding 0.
struct ChunkParams {
    // Canvas, px.
    width: u32,
    height: u32,
    // Grid width, tiles.
    grid_width: u32,
    // The request's tile edge on the canvas, px.
    tile_size: u32,
    // Tile layers, and words per layer (grid width × height) at the start of `data`.
    layer_count: u32,
    layer_words: u32,
    // Entities, and where their records start in `data`.
    entity_count: u32,
    entities_at: u32,
    // Where the ground-tile records start in `data`.
    tiles_at: u32,
    // The tileset image's width, px (its row stride in `tileset`).
    tileset_width: u32,
    // Nearest-neighbour scaling of tileset pixels: source = canvas * from / to.
    scale_from: u32,
    scale_to: u32,
}

@group(0) @binding(0) var<uniform> chunk: ChunkParams;
// Layer grids (tile record index + 1, 0 = empty), then ground-tile records
// [first pixel, w | h << 16], then entity records
// [x, y (i32), w, h (drawn size), kind | flip << 8, a, b, c]:
//   tile: a = first pixel in `tileset`, b = source w | h << 16;
//   cell: a = the first word of its block table (as `atlas_px`);
//   cat:  a = index of its first pixel in `cats`.
@group(0) @binding(1) var<storage, read> data: array<u32>;
// The tileset image, packed RGBA8.
@group(0) @binding(2) var<storage, read> tileset: array<u32>;
// The canvas, packed RGBA8, row after row: the readback is the image bytes.
@group(0) @binding(3) var<storage, read_write> canvas: array<u32>;
// Bindings 4-7: the atlases, declared in common.wgsl.
// The chunk's cats, 2,500 pixels each, rendered by composite.wgsl.
@group(0) @binding(8) var<storage, read> cats: array<u32>;

var<workgroup> hits: array<atomic<u32>, HIT_WORDS>;

// Pixel (x, y) of a tileset rectangle drawn scaled: (x, y) are on the canvas-sized copy,
// mapped back by nearest neighbour and clamped to the rectangle (`scale_into` in
// compose.rs).
fn tileset_px(first: u32, size: u32, x: u32, y: u32) -> vec4<u32> {
    let w = size & 0xffffu;
    let h = size >> 16u;
    let sx = min(x * chunk.scale_from / chunk.scale_to, w - 1u);
    let sy = min(y * chunk.scale_from / chunk.scale_to, h - 1u);
    return unpack_px(tileset[first + sy * chunk.tileset_width + sx]);
}

// Canvas pixel (px, py) after blending entity `i` over `d`; `d` unchanged outside it.
fn draw_entity(d: vec4<u32>, i: u32, px: i32, py: i32) -> vec4<u32> {
    let e = chunk.entities_at + i * ENTITY_WORDS;
    let lx = px - bitcast<i32>(data[e]);
    let ly = py - bitcast<i32>(data[e + 1u]);
    let w = data[e + 2u];
    let h = data[e + 3u];
    if lx < 0 || ly < 0 || u32(lx) >= w || u32(ly) >= h {
        return d;
    }
    let head = data[e + 4u];
    // A flipped entity shows its columns right to left (`Target::blit` in compose.rs).
    let x = select(u32(lx), w - 1u - u32(lx), ((head >> 8u) & 1u) != 0u);
    let y = u32(ly);
    var s: vec4<u32>;
    switch head & 0xffu {
        case ENTITY_TILE: { s = tileset_px(data[e + 5u], data[e + 6u], x, y); }
        case ENTITY_CELL: { s = atlas_px(data[e + 5u], x, y); }
        case ENTITY_CAT, default: { s = unpack_px(cats[data[e + 5u] + y * CELL_EDGE + x]); }
    }
    return normal_px(d, s);
}

// Whether entity `i` overlaps the square of edge GROUP_EDGE at (x0, y0).
fn touches(i: u32, x0: i32, y0: i32) -> bool {
    let e = chunk.entities_at + i * ENTITY_WORDS;
    let x = bitcast<i32>(data[e]);
    let y = bitcast<i32>(data[e + 1u]);
    let edge = i32(GROUP_EDGE);
    return x < x0 + edge && y < y0 + edge && x + i32(data[e + 2u]) > x0
        && y + i32(data[e + 3u]) > y0;
}

@compute @workgroup_size(16, 16)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) index: u32,
) {
    let px = group.x * GROUP_EDGE + local.x;
    let py = group.y * GROUP_EDGE + local.y;
    // Invocations past the canvas still take part in the culling and its barriers.
    let inside = px < chunk.width && py < chunk.height;
    var d = vec4<u32>(0u);
    if inside {
        let cell = (py / chunk.tile_size) * chunk.grid_width + px / chunk.tile_size;
        let tx = px % chunk.tile_size;
        let ty = py % chunk.tile_size;
        for (var l = 0u; l < chunk.layer_count; l += 1u) {
            let t = data[l * chunk.layer_words + cell];
            if t != 0u {
                let r = chunk.tiles_at + (t - 1u) * TILE_WORDS;
                d = normal_px(d, tileset_px(data[r], data[r + 1u], tx, ty));
            }
        }
    }
    let x0 = i32(group.x * GROUP_EDGE);
    let y0 = i32(group.y * GROUP_EDGE);
    for (var first = 0u; first < chunk.entity_count; first += ENTITY_ROUND) {
        if index < HIT_WORDS {
            atomicStore(&hits[index], 0u);
        }
        workgroupBarrier();
        for (var k = index; k < ENTITY_ROUND; k += GROUP_SIZE) {
            let i = first + k;
            if i < chunk.entity_count && touches(i, x0, y0) {
                atomicOr(&hits[k / 32u], 1u << (k % 32u));
            }
        }
        workgroupBarrier();
        if inside {
            for (var w = 0u; w < HIT_WORDS; w += 1u) {
                var bits = atomicLoad(&hits[w]);
                while bits != 0u {
                    let b = firstTrailingBit(bits);
                    bits &= bits - 1u;
                    d = draw_entity(d, first + w * 32u + b, i32(px), i32(py));
                }
            }
        }
        workgroupBarrier();
    }
    if inside {
        canvas[py * chunk.width + px] = pack_px(d);
    }
}

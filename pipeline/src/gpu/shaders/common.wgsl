// common.wgsl: what composite.wgsl and chunk.wgsl share, compiled in front of each: pixel
// packing, the colour functions that are the WGSL twins of `pipeline/src/blend.rs`
// (`mul8`, `normal_px`), and the atlas bindings with their cell reads.
// Every channel is a u32 holding 0..=255; no floats anywhere.

// The atlas store (`AtlasPacking` in layout.rs): blocks of 32 pixels, 32 packed RGBA8 words
// each (r in the low byte), split over four bindings so a store larger than one binding's
// limit still fits; then, in atlas0, each cell's table of 79 block entries. Unused bindings
// hold a dummy word.
@group(0) @binding(4) var<storage, read> atlas0: array<u32>;
@group(0) @binding(5) var<storage, read> atlas1: array<u32>;
@group(0) @binding(6) var<storage, read> atlas2: array<u32>;
@group(0) @binding(7) var<storage, read> atlas3: array<u32>;

fn unpack_px(p: u32) -> vec4<u32> {
    return vec4<u32>(p & 0xffu, (p >> 8u) & 0xffu, (p >> 16u) & 0xffu, p >> 24u);
}

fn pack_px(c: vec4<u32>) -> u32 {
    return c.x | (c.y << 8u) | (c.z << 16u) | (c.w << 24u);
}

fn atlas_load(binding: u32, index: u32) -> u32 {
    switch binding {
        case 0u: { return atlas0[index]; }
        case 1u: { return atlas1[index]; }
        case 2u: { return atlas2[index]; }
        default: { return atlas3[index]; }
    }
}

// `mul8` in blend.rs: (d*s + 255) >> 8, per channel.
fn mul8(d: vec4<u32>, s: vec4<u32>) -> vec4<u32> {
    return (d * s + vec4<u32>(255u)) >> vec4<u32>(8u);
}

// `normal_px` in blend.rs: pygame's alpha blit; an empty destination takes the source whole.
fn normal_px(d: vec4<u32>, s: vec4<u32>) -> vec4<u32> {
    let sa = s.w;
    let da = d.w;
    let rgb = (d.xyz * (256u - sa) + s.xyz * (sa + 1u)) >> vec3<u32>(8u);
    let a = sa + da - (sa * da) / 255u;
    return select(vec4<u32>(rgb, a), s, da == 0u);
}

// Pixel (x, y) of a 50×50 atlas cell whose table starts at word `table` of atlas0
// (`CellTables` in layout.rs). Pixel i = 50y + x is pixel i % 32 of block i / 32; the
// block's entry is its binding (bits 30-31) and its index there (bits 0-29). Pixels past
// a sheet's edge were stored transparent when the store was built (spec §1).
fn atlas_px(table: u32, x: u32, y: u32) -> vec4<u32> {
    let i = y * 50u + x;
    let entry = atlas0[table + i / 32u];
    return unpack_px(atlas_load(entry >> 30u, (entry & 0x3fffffffu) * 32u + i % 32u));
}

// common.wgsl: what composite.wgsl and chunk.wgsl share, compiled in front of each: pixel
// packing, the colour functions that are the WGSL twins of `pipeline/src/blend.rs`
// (`mul8`, `normal_px`), and the atlas bindings with their bounds-checked cell reads.
// Every channel is a u32 holding 0..=255; no floats anywhere.

// The sheets, packed RGBA8 (r in the low byte), split over four bindings so an atlas set
// larger than one binding's limit still fits; unused bindings hold a dummy word.
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

// Pixel (x, y) of a 50×50 atlas cell: `control` bits 8-9 are the atlas binding, bits 16-23
// the cell's columns inside its sheet and bits 24-31 its rows (`CellSlot` in layout.rs);
// `base` is the index of its top-left pixel and `stride` the sheet's width. Pixels past the
// sheet's edge are transparent (spec §1).
fn atlas_px(control: u32, base: u32, stride: u32, x: u32, y: u32) -> vec4<u32> {
    let cols = (control >> 16u) & 0xffu;
    let rows = control >> 24u;
    if x >= cols || y >= rows {
        return vec4<u32>(0u);
    }
    return unpack_px(atlas_load((control >> 8u) & 3u, base + y * stride + x));
}

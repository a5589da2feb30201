// composite.wgsl: the GPU executor of a batch of render plans, integer colour math only.
//
// Compiled after common.wgsl (the colour functions and the atlas bindings it shares with
// chunk.wgsl). `blend_px` here is the per-pixel body of `blend_row` in
// `pipeline/src/blend.rs`; a change to one is a change to both, guarded by
// tests/tests/gpu_equals_cpu.rs. Every channel is a u32 holding 0..=255; every
// step's result fits 8 bits again, exactly as the CPU stores each step as u8 (spec §3).
// No floats, no samplers, no fixed-function blending.
//
// One workgroup renders 256 of the 2,500 pixels of one job (ten workgroups per job, the
// last 60 invocations idle), so every invocation of a workgroup runs the same op sequence:
// op loads are broadcasts and the blend `switch` never diverges.

const CELL: u32 = 50u;
const CELL_PIXELS: u32 = 2500u;
const WORKGROUP: u32 = 256u;

// `BlendMode::code()` in blend.rs; COPY is `Op::blend == None`.
const MODE_NORMAL: u32 = 0u;
const MODE_RGB_MULTIPLY: u32 = 1u;
const MODE_RGB_ADD: u32 = 2u;
const MODE_RGBA_MULTIPLY: u32 = 3u;
const MODE_RGBA_MIN: u32 = 4u;
const MODE_COPY: u32 = 5u;

// `Source` in plan.rs.
const SOURCE_CELL: u32 = 0u;
const SOURCE_FILL: u32 = 1u;
const SOURCE_OTHER: u32 = 2u;

// Mirrors `GpuParams` in gpu/layout.rs. Binding 0.
struct Params {
    // Jobs in this dispatch; workgroups past it return at once.
    job_count: u32,
    // Workgroups along y; the job of workgroup (x, y, z) is y + z * groups_y.
    groups_y: u32,
    reserved0: u32,
    reserved1: u32,
}

// Mirrors `GpuJob` in gpu/layout.rs. Binding 1.
struct Job {
    // First op of this job in `ops`.
    op_start: u32,
    // Number of ops.
    op_count: u32,
    // 1: mirror the result horizontally (spec §4 step 14, always last).
    flip: u32,
    reserved: u32,
}

// Mirrors `GpuOp` in gpu/layout.rs. Binding 2.
struct Op {
    // bit 0: target register (0 cat, 1 scratch); bits 1-2: source kind (SOURCE_*);
    // bits 4-7: mode (MODE_*).
    control: u32,
    // Cell: the first word of the cell's block table in atlas0.
    // Fill: the colour packed as r | g << 8 | b << 16 | 255 << 24.
    base: u32,
    // Unused.
    stride: u32,
    reserved: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> jobs: array<Job>;
@group(0) @binding(2) var<storage, read> ops: array<Op>;
// 2,500 packed RGBA8 pixels per job, job after job: the readback is the image bytes.
@group(0) @binding(3) var<storage, read_write> out_pixels: array<u32>;
// Bindings 4-7: the atlases, declared in common.wgsl.

// One pixel of `blend_row` in blend.rs (and of `blend_row_fill`, whose source is the fill
// colour with alpha 255), plus MODE_COPY for an op without a blend.
fn blend_px(mode: u32, d: vec4<u32>, s: vec4<u32>) -> vec4<u32> {
    switch mode {
        case MODE_NORMAL: { return normal_px(d, s); }
        case MODE_RGB_MULTIPLY: { return vec4<u32>(mul8(d, s).xyz, d.w); }
        case MODE_RGB_ADD: { return vec4<u32>(min(d.xyz + s.xyz, vec3<u32>(255u)), d.w); }
        case MODE_RGBA_MULTIPLY: { return mul8(d, s); }
        case MODE_RGBA_MIN: { return min(d, s); }
        case MODE_COPY, default: { return s; }
    }
}

// A pixel of the op's cell (`atlas_px` in common.wgsl).
fn cell_px(op: Op, x: u32, y: u32) -> vec4<u32> {
    return atlas_px(op.base, x, y);
}

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let job_index = group.y + group.z * params.groups_y;
    let p = group.x * WORKGROUP + local;
    if job_index >= params.job_count || p >= CELL_PIXELS {
        return;
    }
    let x = p % CELL;
    let y = p / CELL;
    let job = jobs[job_index];
    // The two registers of the plan machine (`Reg` in plan.rs), one pixel of each.
    var cat = vec4<u32>(0u);
    var scratch = vec4<u32>(0u);
    let end = job.op_start + job.op_count;
    for (var i = job.op_start; i < end; i += 1u) {
        let op = ops[i];
        let to_scratch = (op.control & 1u) != 0u;
        let kind = (op.control >> 1u) & 3u;
        let mode = (op.control >> 4u) & 15u;
        var s: vec4<u32>;
        switch kind {
            case SOURCE_CELL: { s = cell_px(op, x, y); }
            case SOURCE_FILL: { s = unpack_px(op.base); }
            case SOURCE_OTHER, default: { s = select(scratch, cat, to_scratch); }
        }
        let d = select(cat, scratch, to_scratch);
        let r = blend_px(mode, d, s);
        if to_scratch {
            scratch = r;
        } else {
            cat = r;
        }
    }
    // Flip is always the plan's last step, so it only moves where the pixel lands.
    let out_x = select(x, CELL - 1u - x, job.flip != 0u);
    out_pixels[job_index * CELL_PIXELS + y * CELL + out_x] = pack_px(cat);
}

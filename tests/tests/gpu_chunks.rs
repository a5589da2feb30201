//! GPU chunk textures = CPU chunk textures, bit for bit: `GpuBackend::compose_chunk` against
//! `ChunkComposer` on the committed golden chunks, on seeded random chunks over the bundled
//! art (every entity kind, flips, off-canvas positions, scaling up and down), on a synthetic
//! tileset with odd sprite sizes and soft alpha, on more entities than one culling round of
//! the shader, and on the largest canvas the default limits allow.
//!
//! Without an adapter each test prints `SKIPPED: ...` and passes, unless `CG3_REQUIRE_GPU=1`
//! (CI installs Mesa's software Vulkan and sets it). Mismatches leave `expected | diff |
//! actual` strips under `target/gpu-failures/`.

mod gpu_support;

use std::io::Cursor;
use std::path::PathBuf;

use e2e::{bundled_repo, workspace_root};
use gpu_support::{CatGen, Rng, synthetic_repository};
use pipeline::atlas::{RgbaImage, decode_png};
use pipeline::chunk::{
    ChunkComposer, ChunkLimits, ChunkPlan, ChunkRequest, Tileset, TilesetRegistry,
};
use pipeline::compare::{compare_rgba, write_diff_strip};
use pipeline::gpu::{GpuBackend, GpuError};
use pipeline::{AtlasPaths, AtlasRepository};
use serde_json::{Value, json};

fn open(repo: &AtlasRepository) -> Option<GpuBackend> {
    let gpu =
        GpuBackend::try_new_for_tests(repo, gpu_required_here()).expect("GPU backend must start");
    if let Some(g) = &gpu {
        eprintln!("GPU adapter: {}", g.adapter_info());
    }
    gpu
}

fn bundled_tilesets() -> TilesetRegistry {
    TilesetRegistry::load(&AtlasPaths::bundled()).expect("bundled tilesets load")
}

/// Generous limits, so the random requests and the stress cases are not refused.
fn limits() -> ChunkLimits {
    ChunkLimits {
        tile_size: 1..=128,
        max_entities: 2048,
        ..ChunkLimits::default()
    }
}

fn plan(repo: &AtlasRepository, tilesets: &TilesetRegistry, request: &Value) -> ChunkPlan {
    let req = ChunkRequest::from_json(request, &limits())
        .unwrap_or_else(|e| panic!("request refused: {e}\n{request}"));
    ChunkPlan::resolve(&req, repo, tilesets).unwrap_or_else(|e| panic!("{e}\n{request}"))
}

/// Composes `plan` on both backends and fails with a diff strip on any difference. The
/// CPU canvas must have drawn something, so blank images cannot pass by themselves.
fn assert_gpu_equals_cpu(
    label: &str,
    repo: &AtlasRepository,
    gpu: &mut GpuBackend,
    plan: &ChunkPlan,
) -> Vec<u8> {
    let actual = gpu_equals_cpu(label, repo, gpu, plan);
    assert!(
        drawn(&actual),
        "{label}: the canvas is blank; the case tests nothing"
    );
    actual
}

/// As [`assert_gpu_equals_cpu`], for cases that may legitimately draw nothing.
fn gpu_equals_cpu(
    label: &str,
    repo: &AtlasRepository,
    gpu: &mut GpuBackend,
    plan: &ChunkPlan,
) -> Vec<u8> {
    let expected = ChunkComposer::new().compose(plan, repo);
    let mut actual = Vec::new();
    gpu.compose_chunk(repo, plan, &mut actual)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_same(label, expected.width, &expected.pixels, &actual);
    actual
}

fn drawn(rgba: &[u8]) -> bool {
    rgba.iter().skip(3).step_by(4).any(|&a| a != 0)
}

fn assert_same(label: &str, width: u32, expected: &[u8], actual: &[u8]) {
    if let Some(m) = compare_rgba(width as usize, expected, actual) {
        let path = workspace_root()
            .join("target/gpu-failures")
            .join(format!("chunk-{label}.png"));
        let _ = write_diff_strip(&path, width as usize, expected, actual);
        panic!("{label}: {m} (strip: {})", path.display());
    }
}

#[test]
fn gpu_chunks_equal_the_cpu_and_the_committed_golden_pngs() {
    let repo = bundled_repo();
    let Some(mut gpu) = open(repo) else { return };
    let tilesets = bundled_tilesets();
    let dir = workspace_root().join("tests/golden/chunks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden/chunks")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no golden chunk requests in {}",
        dir.display()
    );
    for file in files {
        let name = file
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let request: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        let plan = plan(repo, &tilesets, &request);
        let actual = assert_gpu_equals_cpu(&name, repo, &mut gpu, &plan);
        let png = std::fs::read(file.with_extension("png")).expect("golden png");
        let golden = decode_png(Cursor::new(png), &name).expect("decodes");
        assert_eq!(
            (golden.width, golden.height),
            (plan.width_px(), plan.height_px())
        );
        assert_same(
            &format!("{name}-golden"),
            golden.width,
            &golden.pixels,
            &actual,
        );
    }
}

/// A random request over the bundled terrain tileset and cat atlases.
fn random_request(rng: &mut Rng, cats: &mut CatGen, set: &Tileset, groups: &[String]) -> Value {
    let (w, h) = (1 + rng.below(16), 1 + rng.below(16));
    let tile_size = *rng.pick(&[8usize, 12, 16, 20, 32, 32, 33, 48, 64]);
    let ground = set.ground_names();
    let sprites = set.sprite_names();
    let layers: Vec<Vec<Value>> = (0..rng.below(4))
        .map(|layer| {
            (0..w * h)
                .map(|_| {
                    // The first layer mostly covers the ground; later ones are sparse.
                    if rng.chance(if layer == 0 { 90 } else { 30 }) {
                        json!(rng.pick(&ground))
                    } else {
                        Value::Null
                    }
                })
                .collect()
        })
        .collect();
    let (cw, ch) = ((w * tile_size) as i64, (h * tile_size) as i64);
    let entities: Vec<Value> = (0..rng.below(41))
        .map(|_| {
            let mut e = json!({
                "x": rng.below((cw + 160) as usize) as i64 - 100,
                "y": rng.below((ch + 160) as usize) as i64 - 100,
                "z": rng.below(4),
                "flip": rng.chance(40),
            });
            match rng.below(5) {
                0 => e["cat"] = cats.next_json(),
                1 => e["sprite"] = json!({"group": rng.pick(groups), "pose": rng.below(21)}),
                2 => e["tile"] = json!(rng.pick(&ground)),
                _ => e["tile"] = json!(rng.pick(&sprites)),
            }
            e
        })
        .collect();
    json!({"chunkX": rng.below(9), "chunkY": 0, "tileset": set.name(), "width": w,
           "height": h, "tileSize": tile_size, "layers": layers, "entities": entities})
}

#[test]
fn gpu_equals_cpu_on_random_chunks_over_the_bundled_art() {
    let repo = bundled_repo();
    let Some(mut gpu) = open(repo) else { return };
    let tilesets = bundled_tilesets();
    let set = tilesets
        .get("terrain")
        .expect("bundled terrain tileset")
        .clone();
    let groups: Vec<String> = repo.group_names().to_vec();
    let mut cats = CatGen::new(repo, 7);
    let mut rng = Rng::new(11);
    let mut entities = 0;
    let mut blank = 0;
    for case in 0..60 {
        let request = random_request(&mut rng, &mut cats, &set, &groups);
        entities += request["entities"].as_array().map_or(0, Vec::len);
        let plan = plan(repo, &tilesets, &request);
        if !drawn(&gpu_equals_cpu(
            &format!("random{case}"),
            repo,
            &mut gpu,
            &plan,
        )) {
            blank += 1;
        }
        if case % 10 == 0 {
            // Cat batches between chunks share the output buffer and the composite bind
            // group with the chunks' cat pass; they must not disturb each other.
            let plans: Vec<pipeline::Plan> = (0..5)
                .map(|_| gpu_support::plan_of(repo, &cats.next_json()))
                .collect();
            let refs: Vec<&pipeline::Plan> = plans.iter().collect();
            let mut out = Vec::new();
            gpu.render_batch(repo, &refs, &mut out).expect("cat batch");
            let mut cpu = pipeline::CpuBackend::new();
            for (i, p) in plans.iter().enumerate() {
                assert_same(
                    &format!("cat-after-chunk{case}-{i}"),
                    50,
                    cpu.render(repo, p),
                    &out[i * pipeline::CELL_BYTES..(i + 1) * pipeline::CELL_BYTES],
                );
            }
        }
    }
    assert!(entities > 500, "only {entities} entities");
    assert!(blank <= 6, "{blank} of 60 random chunks drew nothing");
}

/// Random pixels with every kind of alpha: opaque, clear (with colour under it) and soft.
fn soft_image(rng: &mut Rng, w: u32, h: u32) -> RgbaImage {
    let pixels = (0..w * h)
        .flat_map(|_| {
            let a = match rng.below(4) {
                0 => 0,
                1 => 255,
                _ => rng.below(256) as u8,
            };
            [
                rng.below(256) as u8,
                rng.below(256) as u8,
                rng.below(256) as u8,
                a,
            ]
        })
        .collect();
    RgbaImage {
        width: w,
        height: h,
        pixels,
    }
}

#[test]
fn gpu_equals_cpu_on_a_tileset_with_odd_sprite_sizes_and_soft_alpha() {
    // Cats from a synthetic repository whose sheets clip cells at odd edges.
    let repo = synthetic_repository(3);
    let Some(mut gpu) = open(&repo) else { return };
    let mut rng = Rng::new(5);
    let description = r#"{"name": "odd", "image": "odd.png", "tileSize": 10,
        "tiles": {"a": {"x": 0, "y": 0}, "b": {"x": 10, "y": 0}, "c": {"x": 20, "y": 3}},
        "sprites": {"dot": {"x": 0, "y": 20, "w": 1, "h": 1},
                    "pole": {"x": 5, "y": 11, "w": 3, "h": 37},
                    "wide": {"x": 31, "y": 0, "w": 26, "h": 7},
                    "big": {"x": 1, "y": 1, "w": 55, "h": 47}}}"#;
    let set = Tileset::from_parts("odd.json", description, soft_image(&mut rng, 57, 49))
        .expect("valid tileset");
    let mut tilesets = TilesetRegistry::default();
    tilesets.insert(set);
    let groups: Vec<String> = repo.group_names().to_vec();
    let mut cats = CatGen::new(&repo, 9);
    for (case, tile_size) in [10, 3, 7, 10, 13, 25, 40].into_iter().enumerate() {
        let (w, h) = (3 + case, 2 + case % 3);
        let layer = |rng: &mut Rng| -> Vec<Value> {
            (0..w * h)
                .map(|_| [json!("a"), json!("b"), json!("c"), Value::Null][rng.below(4)].clone())
                .collect()
        };
        let entities: Vec<Value> = (0..30)
            .map(|i| {
                let mut e = json!({"x": rng.below(w * tile_size + 120) as i64 - 60,
                                   "y": rng.below(h * tile_size + 120) as i64 - 60,
                                   "z": i % 3, "flip": rng.chance(50)});
                match rng.below(6) {
                    0 => e["cat"] = cats.next_json(),
                    1 => e["sprite"] = json!({"group": rng.pick(&groups), "pose": rng.below(21)}),
                    _ => e["tile"] = json!(rng.pick(&["dot", "pole", "wide", "big", "c"])),
                }
                e
            })
            .collect();
        let request = json!({"tileset": "odd", "width": w, "height": h, "tileSize": tile_size,
                             "layers": [layer(&mut rng), layer(&mut rng)],
                             "entities": entities});
        let plan = plan(&repo, &tilesets, &request);
        assert_gpu_equals_cpu(&format!("odd{case}-{tile_size}px"), &repo, &mut gpu, &plan);
    }
}

#[test]
fn more_entities_than_one_culling_round_keep_their_draw_order() {
    // 1,100 soft-edged entities piled on one spot: three rounds of 512 in the shader, and
    // any change of order changes the pixels.
    let repo = bundled_repo();
    let Some(mut gpu) = open(repo) else { return };
    let tilesets = bundled_tilesets();
    let mut cats = CatGen::new(repo, 21);
    let mut rng = Rng::new(1);
    let entities: Vec<Value> = (0..1100)
        .map(|i| {
            let mut e = json!({"x": rng.below(40) as i64 - 10, "y": rng.below(40) as i64 - 10,
                               "z": rng.below(3), "flip": i % 2 == 0});
            if i % 7 == 0 {
                e["cat"] = cats.next_json();
            } else {
                e["tile"] = json!(["tree", "bush", "rock"][i % 3]);
            }
            e
        })
        .collect();
    let request = json!({"tileset": "terrain", "width": 3, "height": 3, "tileSize": 32,
                         "layers": [vec![json!("grass"); 9]], "entities": entities});
    let plan = plan(repo, &tilesets, &request);
    assert_gpu_equals_cpu("pile-of-1100", repo, &mut gpu, &plan);
}

#[test]
fn the_largest_default_canvas_composes_equal() {
    let repo = bundled_repo();
    let Some(mut gpu) = open(repo) else { return };
    let tilesets = bundled_tilesets();
    let mut rng = Rng::new(3);
    let set = tilesets.get("terrain").expect("terrain").clone();
    let ground = set.ground_names();
    let cells: Vec<Value> = (0..64 * 64).map(|_| json!(rng.pick(&ground))).collect();
    let entities: Vec<Value> = (0..300)
        .map(|i| {
            let tile = ["tree", "bush", "rock"][i % 3];
            json!({"x": rng.below(2100) as i64 - 30, "y": rng.below(2100) as i64 - 30,
                   "tile": tile, "flip": i % 5 == 0})
        })
        .collect();
    let request = json!({"tileset": "terrain", "width": 64, "height": 64, "tileSize": 32,
                         "layers": [cells], "entities": entities});
    let plan = plan(repo, &tilesets, &request);
    assert_eq!((plan.width_px(), plan.height_px()), (2048, 2048));
    assert_gpu_equals_cpu("canvas-2048", repo, &mut gpu, &plan);
}

#[test]
fn a_chunk_planned_over_another_repository_is_an_error_not_a_panic() {
    let repo = bundled_repo();
    let other = synthetic_repository(1);
    let Some(mut gpu) = open(&other) else { return };
    let request = json!({"tileset": "terrain", "width": 1, "height": 1, "tileSize": 32,
                         "layers": [["grass"]]});
    let plan = plan(repo, &bundled_tilesets(), &request);
    let mut out = Vec::new();
    assert_eq!(
        gpu.compose_chunk(repo, &plan, &mut out),
        Err(GpuError::WrongRepository)
    );
}

#[test]
fn a_real_device_loss_is_an_error_on_every_later_call_not_a_panic() {
    let repo = bundled_repo();
    let Some(mut gpu) = open(repo) else { return };
    let request = json!({"tileset": "terrain", "width": 2, "height": 2, "tileSize": 32,
                         "layers": [["grass", "dirt", "sand", "water"]],
                         "entities": [{"x": 3, "y": 4, "cat": {"peltName": "Tabby", "colour": "GINGER"}}]});
    let plan = plan(repo, &bundled_tilesets(), &request);
    assert_gpu_equals_cpu("before-loss", repo, &mut gpu, &plan);
    gpu.lose_device_for_tests();
    let mut out = Vec::new();
    for attempt in 0..2 {
        let chunk = gpu.compose_chunk(repo, &plan, &mut out);
        assert!(
            matches!(chunk, Err(GpuError::DeviceLost(_))),
            "chunk after loss, attempt {attempt}: {chunk:?}"
        );
        let cat = gpu_support::plan_of(repo, &json!({"peltName": "Tabby", "colour": "BLACK"}));
        let cats = gpu.render_batch(repo, &[&cat], &mut out);
        assert!(
            matches!(cats, Err(GpuError::DeviceLost(_))),
            "cats after loss, attempt {attempt}: {cats:?}"
        );
    }
}

/// Whether this run demands an adapter (CI sets `CG3_REQUIRE_GPU=1`).
fn gpu_required_here() -> bool {
    pipeline::gpu::gpu_required(
        std::env::var(pipeline::gpu::REQUIRE_GPU_VAR)
            .ok()
            .as_deref(),
    )
}

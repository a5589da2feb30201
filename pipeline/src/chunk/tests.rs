//! Chunk tests: parsing errors name their field, hashing is canonical, composition equals a
//! per-pixel reference twin, and the golden chunks still match.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;
use crate::atlas::{IndexEntry, OffsetMap, RgbaImage, Sheet};
use crate::blend::normal_px;
use crate::compare::{compare_rgba, write_diff_strip};
use crate::vocab::Vocabulary;
use crate::{AtlasPaths, AtlasRepository, CpuBackend, Plan};

/// Pixels with every kind of alpha, varied per position and seed.
fn pattern(w: u32, h: u32, seed: u32) -> Vec<u8> {
    (0..w * h)
        .flat_map(|i| {
            let v = i
                .wrapping_mul(2_654_435_761)
                .wrapping_add(seed.wrapping_mul(97));
            let a = [0u8, 255, 255, 128, 7, 200, 255, 64][(v >> 7) as usize % 8];
            [(v >> 3) as u8, (v >> 11) as u8, (v >> 19) as u8, a]
        })
        .collect()
}

/// A repository whose groups cover a plain Tabby GINGER cat, plus `g` for sprite entities.
fn repo() -> AtlasRepository {
    let names = [
        "g",
        "tabbyGINGER",
        "eyesYELLOW",
        "lines",
        "skinPINK",
        "lineartdead",
    ];
    let mut index = BTreeMap::new();
    let mut sheets = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let sheet = format!("s{i}");
        index.insert(
            (*n).to_owned(),
            IndexEntry {
                spritesheet: sheet.clone(),
                x_offset: 0,
                y_offset: 0,
            },
        );
        sheets.push(Sheet {
            name: sheet,
            image: RgbaImage {
                width: 150,
                height: 350,
                pixels: pattern(150, 350, i as u32 + 1),
            },
        });
    }
    AtlasRepository::from_parts(index, &OffsetMap::default(), sheets, Vocabulary::default())
}

/// A 4-px tileset: ground tiles `a` (opaque), `b` (partial alpha), `c`; sprite `tall` 3×6.
fn small_tileset(seed: u32) -> Tileset {
    let json = r#"{"name":"small","image":"small.png","tileSize":4,
        "tiles":{"a":{"x":0,"y":0},"b":{"x":4,"y":0},"c":{"x":8,"y":0}},
        "sprites":{"tall":{"x":12,"y":0,"w":3,"h":6}}}"#;
    let mut pixels = pattern(16, 6, seed);
    // Tile `a` opaque, so the first layer covers the canvas.
    for y in 0..4 {
        for x in 0..4 {
            pixels[(y * 16 + x) * 4 + 3] = 255;
        }
    }
    let image = RgbaImage {
        width: 16,
        height: 6,
        pixels,
    };
    Tileset::from_parts("small.json", json, image).expect("valid tileset")
}

fn registry() -> TilesetRegistry {
    let mut r = TilesetRegistry::default();
    r.insert(small_tileset(5));
    r
}

/// Default limits but for the tile size: the small test tileset has 4 px tiles.
fn parse(v: &Value) -> Result<ChunkRequest, crate::ParamError> {
    let limits = ChunkLimits {
        tile_size: 1..=128,
        ..ChunkLimits::default()
    };
    ChunkRequest::from_json(v, &limits)
}

fn base() -> Value {
    json!({
        "chunkX": 1, "chunkY": 2, "tileset": "small", "width": 3, "height": 2, "tileSize": 4,
        "layers": [["a","a","b","c","a","a"], [null,"b",null,null,"c",null]],
        "entities": [
            {"x": -1, "y": 3, "z": 2, "flip": true, "tile": "tall"},
            {"x": 5, "y": -2, "z": 1, "sprite": {"group": "g", "pose": 4}}
        ]
    })
}

fn hash_of(v: &Value) -> String {
    parse(v)
        .expect("parses")
        .hash(&repo(), &registry())
        .expect("hashes")
}

// --- parsing ---------------------------------------------------------------------------

#[test]
fn a_layer_of_the_wrong_length_names_the_layer() {
    let mut v = base();
    v["layers"][1] = json!(["a"]);
    let err = parse(&v).expect_err("must be rejected");
    assert_eq!(err.field, "layers[1]");
    assert!(err.message.contains('6'), "{}", err.message);
}

#[test]
fn an_unknown_tile_names_its_layer_and_index_and_lists_the_tiles() {
    let mut v = base();
    v["layers"][0][4] = json!("lava");
    let req = parse(&v).expect("names are checked on resolve");
    let err = ChunkPlan::resolve(&req, &repo(), &registry()).expect_err("must be rejected");
    assert_eq!(err.field, "layers[0][4]");
    assert_eq!(err.allowed, ["a", "b", "c"]);
}

#[test]
fn a_sprite_is_not_a_ground_tile() {
    let mut v = base();
    v["layers"][0][0] = json!("tall");
    let err = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo(), &registry())
        .expect_err("must be rejected");
    assert_eq!(err.field, "layers[0][0]");
}

#[test]
fn an_unknown_tileset_lists_the_registered_ones() {
    let mut v = base();
    v["tileset"] = json!("moon");
    let err = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo(), &registry())
        .expect_err("must be rejected");
    assert_eq!(err.field, "tileset");
    assert_eq!(err.allowed, ["small"]);
}

#[test]
fn limits_reject_oversized_grids_canvases_layer_counts_and_tile_sizes() {
    let limits = ChunkLimits::default();
    let mut v = base();
    v["width"] = json!(65);
    assert_eq!(parse(&v).expect_err("must be rejected").field, "width");
    for bad in [7, 129] {
        let mut v = base();
        v["tileSize"] = json!(bad);
        let err = ChunkRequest::from_json(&v, &limits).expect_err("must be rejected");
        assert_eq!(err.field, "tileSize");
    }
    let mut v = base();
    v["tileSize"] = json!(8);
    assert!(ChunkRequest::from_json(&v, &limits).is_ok());
    // 32 tiles of 128 px = 4096 px > 2048.
    let v = json!({"tileset": "small", "width": 32, "height": 1, "tileSize": 128});
    let err = parse(&v).expect_err("must be rejected");
    assert_eq!(err.field, "width");
    assert!(err.message.contains("2048"), "{}", err.message);
    let mut v = base();
    v["layers"] = json!(vec![vec![Value::Null; 6]; limits.max_layers + 1]);
    assert_eq!(parse(&v).expect_err("must be rejected").field, "layers");
    let mut v = base();
    let e = json!({"x": 0, "y": 0, "tile": "tall"});
    v["entities"] = json!(vec![e; limits.max_entities + 1]);
    assert_eq!(parse(&v).expect_err("must be rejected").field, "entities");
    let mut v = base();
    v["entities"][0]["x"] = json!(-5000);
    assert_eq!(
        parse(&v).expect_err("must be rejected").field,
        "entities[0].x"
    );
}

#[test]
fn an_entity_needs_exactly_one_kind() {
    let mut v = base();
    v["entities"][1]["tile"] = json!("tall");
    assert_eq!(
        parse(&v).expect_err("must be rejected").field,
        "entities[1]"
    );
    let mut v = base();
    v["entities"][0] = json!({"x": 0, "y": 0});
    assert_eq!(
        parse(&v).expect_err("must be rejected").field,
        "entities[0]"
    );
}

#[test]
fn cat_entity_errors_carry_the_entity_path() {
    let mut v = base();
    v["entities"][0] = json!({"x": 0, "y": 0, "cat": {"peltName": "Tabby", "eyeColour": "PLAID"}});
    let err = parse(&v).expect_err("must be rejected");
    assert_eq!(err.field, "entities[0].cat.eyeColour");
    assert!(err.allowed.iter().any(|c| c == "GREEN"));
}

#[test]
fn an_unknown_sprite_group_names_the_entity() {
    let mut v = base();
    v["entities"][1]["sprite"]["group"] = json!("nope");
    let err = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo(), &registry())
        .expect_err("must be rejected");
    assert_eq!(err.field, "entities[1].sprite.group");
}

// --- hashing ---------------------------------------------------------------------------

#[test]
fn key_order_whitespace_and_spelled_out_defaults_do_not_change_the_hash() {
    let text = serde_json::to_string_pretty(&base()).expect("json");
    let reordered: Value = serde_json::from_str(
        r#"{ "entities": [
              {"tile": "tall", "flip": true, "z": 2, "y": 3, "x": -1},
              {"sprite": {"pose": 4, "group": "g"}, "flip": false, "z": 1, "y": -2, "x": 5}
            ],
            "layers": [["a","a","b","c","a","a"], [null,"b",null,null,"c",null]],
            "tileSize": 4.0, "height": 2, "width": 3, "tileset": "small" }"#,
    )
    .expect("json");
    let a = hash_of(&serde_json::from_str(&text).expect("json"));
    assert_eq!(a, hash_of(&reordered));
    assert_eq!(a.len(), 64);
    assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn chunk_coordinates_do_not_change_the_hash_so_equal_chunks_share_a_texture() {
    let mut v = base();
    v["chunkX"] = json!(-40);
    assert_eq!(hash_of(&base()), hash_of(&v));
}

#[test]
fn swapping_entities_of_different_z_keeps_the_hash() {
    let mut v = base();
    let e = v["entities"].as_array().expect("list").clone();
    v["entities"] = json!([e[1], e[0]]);
    assert_eq!(hash_of(&base()), hash_of(&v));
}

#[test]
fn every_visible_change_changes_the_hash() {
    let h = hash_of(&base());
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("tile", Box::new(|v| v["layers"][0][0] = json!("c"))),
        ("null", Box::new(|v| v["layers"][1][1] = Value::Null)),
        (
            "layer order",
            Box::new(|v| {
                let l = v["layers"].as_array().expect("l").clone();
                v["layers"] = json!([l[1], l[0]]);
            }),
        ),
        ("tile size", Box::new(|v| v["tileSize"] = json!(8))),
        (
            "grid shape",
            Box::new(|v| {
                v["width"] = json!(2);
                v["height"] = json!(3);
            }),
        ),
        ("entity x", Box::new(|v| v["entities"][0]["x"] = json!(0))),
        ("entity y", Box::new(|v| v["entities"][0]["y"] = json!(4))),
        (
            "flip",
            Box::new(|v| v["entities"][0]["flip"] = json!(false)),
        ),
        (
            "pose",
            Box::new(|v| v["entities"][1]["sprite"]["pose"] = json!(5)),
        ),
        ("z order", Box::new(|v| v["entities"][1]["z"] = json!(3))),
        ("kind", Box::new(|v| v["entities"][0]["tile"] = json!("a"))),
    ];
    for (what, edit) in edits {
        let mut v = base();
        edit(&mut v);
        assert_ne!(h, hash_of(&v), "{what}");
    }
}

#[test]
fn new_art_changes_the_hash() {
    let req = parse(&base()).expect("parses");
    let h = req.hash(&repo(), &registry()).expect("hash");
    let mut other = TilesetRegistry::default();
    other.insert(small_tileset(6));
    assert_ne!(h, req.hash(&repo(), &other).expect("hash"));
    let empty = AtlasRepository::from_parts(
        BTreeMap::new(),
        &OffsetMap::default(),
        Vec::new(),
        Vocabulary::default(),
    );
    assert_ne!(h, req.hash(&empty, &registry()).expect("hash"));
}

#[test]
fn the_canonical_form_parses_back_to_itself() {
    let mut v = base();
    v["entities"]
        .as_array_mut()
        .expect("list")
        .push(json!({"x": 9, "y": 1, "cat": {"peltName": "Tabby", "colour": "GINGER"}}));
    let req = parse(&v).expect("parses");
    let canon = req.canonical_json();
    let back = parse(&serde_json::from_str(&canon).expect("json")).expect("canonical parses");
    assert_eq!(back.canonical_json(), canon);
    assert_eq!(
        back.hash(&repo(), &registry()),
        req.hash(&repo(), &registry())
    );
}

// --- composition -----------------------------------------------------------------------

/// The per-pixel reference: every source pixel placed by explicit coordinate math and
/// blended with `normal_px`, in the documented order. Shares no code with the compositor
/// but the one-pixel colour formula.
fn reference(plan: &ChunkPlan, repo: &AtlasRepository) -> Vec<u8> {
    let (w, h) = (plan.width_px() as i64, plan.height_px() as i64);
    let mut out = vec![0u8; (w * h * 4) as usize];
    let set = &*plan.tileset;
    let (from, to) = (i64::from(set.tile_size()), i64::from(plan.tile_size));
    let mut put = |x: i64, y: i64, s: [u8; 4]| {
        if (0..w).contains(&x) && (0..h).contains(&y) {
            let i = ((y * w + x) * 4) as usize;
            let d = [out[i], out[i + 1], out[i + 2], out[i + 3]];
            out[i..i + 4].copy_from_slice(&normal_px(d, s));
        }
    };
    let tile_px = |id: TileId, x: i64, y: i64| -> [u8; 4] {
        let r = set.rect(id);
        let sx = (x * from / to).min(i64::from(r.w) - 1) + i64::from(r.x);
        let sy = (y * from / to).min(i64::from(r.h) - 1) + i64::from(r.y);
        let i = ((sy * i64::from(set.image().width) + sx) * 4) as usize;
        let p = &set.image().pixels[i..i + 4];
        [p[0], p[1], p[2], p[3]]
    };
    let scaled = |id: TileId| {
        let r = set.rect(id);
        (
            (i64::from(r.w) * to / from).max(1),
            (i64::from(r.h) * to / from).max(1),
        )
    };
    for layer in &plan.layers {
        for (i, t) in layer.iter().enumerate() {
            let Some(id) = *t else { continue };
            let (gx, gy) = (
                (i % plan.width as usize) as i64,
                (i / plan.width as usize) as i64,
            );
            for y in 0..to {
                for x in 0..to {
                    put(gx * to + x, gy * to + y, tile_px(id, x, y));
                }
            }
        }
    }
    let mut cpu = CpuBackend::new();
    for e in &plan.entities {
        let (ex, ey) = (i64::from(e.x), i64::from(e.y));
        let cell: Vec<u8>;
        type Pixel<'p> = Box<dyn Fn(i64, i64) -> [u8; 4] + 'p>;
        let (sw, sh, px): (i64, i64, Pixel<'_>) = match &e.draw {
            Draw::Tile(id) => {
                let (sw, sh) = scaled(*id);
                (sw, sh, Box::new(move |x, y| tile_px(*id, x, y)))
            }
            Draw::Cell(id) => {
                cell = repo.cell_canvas(*id).to_vec();
                (
                    50,
                    50,
                    Box::new(|x, y| {
                        let i = ((y * 50 + x) * 4) as usize;
                        [cell[i], cell[i + 1], cell[i + 2], cell[i + 3]]
                    }),
                )
            }
            Draw::Cat(p) => {
                cell = cpu.render(repo, p).to_vec();
                (
                    50,
                    50,
                    Box::new(|x, y| {
                        let i = ((y * 50 + x) * 4) as usize;
                        [cell[i], cell[i + 1], cell[i + 2], cell[i + 3]]
                    }),
                )
            }
        };
        for y in 0..sh {
            for x in 0..sw {
                let sx = if e.flip { sw - 1 - x } else { x };
                put(ex + x, ey + y, px(sx, y));
            }
        }
    }
    out
}

fn assert_same(what: &str, width: u32, expected: &[u8], actual: &[u8]) {
    if let Some(m) = compare_rgba(width as usize, expected, actual) {
        let path = std::env::temp_dir().join(format!("chunk-{what}.png"));
        let _ = write_diff_strip(&path, width as usize, expected, actual);
        panic!("{what}: {m} (strip: {})", path.display());
    }
}

/// SplitMix64 for seeded random requests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

fn random_request(rng: &mut Rng) -> Value {
    let (w, h) = (1 + rng.below(5), 1 + rng.below(4));
    let tile_size = [4, 4, 8, 9, 12, 16][rng.below(6) as usize];
    let names = [json!("a"), json!("b"), json!("c"), Value::Null];
    let layers: Vec<Vec<Value>> = (0..1 + rng.below(3))
        .map(|_| {
            (0..w * h)
                .map(|_| names[rng.below(4) as usize].clone())
                .collect()
        })
        .collect();
    let (cw, ch) = (w * tile_size, h * tile_size);
    let entities: Vec<Value> = (0..rng.below(9))
        .map(|_| {
            let mut e = json!({
                "x": rng.below((cw + 80) as u64) - 55,
                "y": rng.below((ch + 80) as u64) - 55,
                "z": rng.below(3),
                "flip": rng.below(2) == 1,
            });
            match rng.below(4) {
                0 => e["sprite"] = json!({"group": "g", "pose": rng.below(21)}),
                1 => {
                    e["cat"] = json!({"peltName": "Tabby", "colour": "GINGER",
                                        "reverse": rng.below(2) == 1})
                }
                2 => e["tile"] = json!("tall"),
                _ => e["tile"] = json!(["a", "b"][rng.below(2) as usize]),
            }
            e
        })
        .collect();
    json!({"tileset": "small", "width": w, "height": h, "tileSize": tile_size,
           "layers": layers, "entities": entities})
}

#[test]
fn composition_equals_the_per_pixel_reference_on_random_chunks() {
    let (repo, reg) = (repo(), registry());
    let mut composer = ChunkComposer::new();
    let mut rng = Rng(42);
    for case in 0..150 {
        let v = random_request(&mut rng);
        let plan = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo, &reg)
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{v}"));
        // The same composer across cases: reused buffers must not leak between chunks.
        let img = composer.compose(&plan, &repo);
        assert_eq!((img.width, img.height), (plan.width_px(), plan.height_px()));
        let expected = reference(&plan, &repo);
        assert_same(&format!("random{case}"), img.width, &expected, &img.pixels);
        // Drawn in bands on several threads (large canvases are): every blit clipped to
        // each band's rows, cats and cells straddling band edges included.
        let mut banded = Vec::new();
        for bands in [2, 3, 7] {
            composer.compose_in_bands(&plan, &repo, &mut banded, bands);
            assert_same(
                &format!("random{case} in {bands} bands"),
                img.width,
                &expected,
                &banded,
            );
        }
    }
}

#[test]
fn one_opaque_tile_layer_at_native_size_is_the_atlas_tile() {
    let v = json!({"tileset": "small", "width": 1, "height": 1, "tileSize": 4,
                   "layers": [["a"]]});
    let plan =
        ChunkPlan::resolve(&parse(&v).expect("parses"), &repo(), &registry()).expect("resolves");
    let img = compose_chunk(&plan, &repo());
    let set = small_tileset(5);
    let a = set.id("a").expect("a");
    let tile: Vec<u8> = (0..4).flat_map(|y| set.row(a, y).to_vec()).collect();
    assert_eq!(img.pixels, tile);
}

#[test]
fn doubling_the_tile_size_repeats_each_tile_pixel_in_a_two_by_two_block() {
    let v = json!({"tileset": "small", "width": 1, "height": 1, "tileSize": 8,
                   "layers": [["a"]]});
    let plan =
        ChunkPlan::resolve(&parse(&v).expect("parses"), &repo(), &registry()).expect("resolves");
    let img = compose_chunk(&plan, &repo());
    let set = small_tileset(5);
    let a = set.id("a").expect("a");
    let tile: Vec<u8> = (0..4).flat_map(|y| set.row(a, y).to_vec()).collect();
    assert_eq!(img.pixels, crate::encode::upscale_nearest(4, 4, &tile, 2));
}

#[test]
fn higher_z_draws_on_top_and_equal_z_keeps_input_order() {
    let (repo, reg) = (repo(), registry());
    let draw = |entities: Value| {
        let v = json!({"tileset": "small", "width": 1, "height": 1, "tileSize": 4,
                       "entities": entities});
        let plan = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo, &reg).expect("ok");
        compose_chunk(&plan, &repo).pixels
    };
    let a = json!({"x": 0, "y": 0, "tile": "a"});
    let c = json!({"x": 0, "y": 0, "tile": "c"});
    let mut a_hi = a.clone();
    a_hi["z"] = json!(5);
    // `a` is opaque: whatever is drawn last and is `a` shows `a` alone.
    let only_a = draw(json!([a.clone()]));
    assert_eq!(draw(json!([a_hi, c.clone()])), only_a);
    assert_eq!(draw(json!([c.clone(), a.clone()])), only_a);
    assert_ne!(draw(json!([a, c])), only_a);
}

#[test]
fn a_flipped_entity_mirrors_its_columns_and_one_off_canvas_draws_nothing() {
    let (repo, reg) = (repo(), registry());
    let draw = |e: Value| {
        let v = json!({"tileset": "small", "width": 2, "height": 2, "tileSize": 4,
                       "entities": [e]});
        let plan = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo, &reg).expect("ok");
        compose_chunk(&plan, &repo).pixels
    };
    let plain = draw(json!({"x": 0, "y": 0, "tile": "a"}));
    let flipped = draw(json!({"x": 0, "y": 0, "flip": true, "tile": "a"}));
    for y in 0..4 {
        for x in 0..4 {
            let at = |img: &[u8], x: usize| img[(y * 8 + x) * 4..(y * 8 + x) * 4 + 4].to_vec();
            assert_eq!(at(&plain, x), at(&flipped, 3 - x), "({x}, {y})");
        }
    }
    assert!(
        draw(json!({"x": -4, "y": 0, "tile": "a"}))
            .iter()
            .all(|&b| b == 0)
    );
    assert!(
        draw(json!({"x": 8, "y": 3, "tile": "a"}))
            .iter()
            .all(|&b| b == 0)
    );
}

#[test]
fn a_cat_entity_is_the_cpu_backend_cat_placed_at_its_position() {
    let repo = repo();
    let v = json!({"tileset": "small", "width": 16, "height": 16, "tileSize": 4,
                   "entities": [{"x": 7, "y": 3, "cat": {"peltName": "Tabby",
                                 "colour": "GINGER"}}]});
    let plan =
        ChunkPlan::resolve(&parse(&v).expect("parses"), &repo, &registry()).expect("resolves");
    let img = compose_chunk(&plan, &repo);
    let Draw::Cat(cat_plan) = &plan.entities[0].draw else {
        panic!("a cat entity plans a cat")
    };
    let cat = CpuBackend::new().render(&repo, cat_plan).to_vec();
    assert!(cat.chunks(4).any(|p| p[3] != 0), "the cat is not empty");
    for y in 0..50 {
        let at = ((y + 3) * 64 + 7) * 4;
        assert_eq!(
            &img.pixels[at..at + 200],
            &cat[y * 200..y * 200 + 200],
            "row {y}"
        );
    }
    // The cat's plan is the one `/render` would use for the same parameters.
    let params = crate::CatParams::from_json(&json!({"peltName": "Tabby", "colour": "GINGER"}))
        .expect("params");
    let spec = crate::CatSpec::resolve(&params, &repo).expect("spec");
    assert_eq!(
        CpuBackend::new()
            .render(&repo, &Plan::for_cat(&spec))
            .to_vec(),
        cat
    );
}

// --- goldens ---------------------------------------------------------------------------

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/chunks")
}

/// The committed chunk requests render to the committed PNGs, exactly. The goldens use the
/// bundled terrain tileset and no cat art, so they hold whatever the cat atlases are;
/// `UPDATE_GOLDEN=1` rewrites them (review the images before committing).
#[test]
fn golden_chunks_match_their_committed_pngs() {
    let reg = TilesetRegistry::load(&AtlasPaths::bundled()).expect("bundled tilesets");
    let repo = AtlasRepository::from_parts(
        BTreeMap::new(),
        &OffsetMap::default(),
        Vec::new(),
        Vocabulary::default(),
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden/chunks exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden chunk requests");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for json_path in files {
        let name = json_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_owned();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read"))
            .expect("json");
        let plan = ChunkPlan::resolve(&parse(&v).expect("parses"), &repo, &reg).expect("resolves");
        let img = compose_chunk(&plan, &repo);
        let png_path = json_path.with_extension("png");
        if update {
            let png = crate::encode_png(img.width, img.height, &img.pixels).expect("encode");
            std::fs::write(&png_path, png).expect("write golden");
            continue;
        }
        let bytes = std::fs::read(&png_path).expect("golden png (UPDATE_GOLDEN=1 writes it)");
        let golden = crate::atlas::decode_png(std::io::Cursor::new(bytes), &name).expect("decode");
        assert_eq!(
            (golden.width, golden.height),
            (img.width, img.height),
            "{name}"
        );
        assert_same(&name, img.width, &golden.pixels, &img.pixels);
    }
}

//! The configuration's tests: layering, every setting's three names, refusals.

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone())
}

#[test]
fn defaults_match_the_design() {
    let c = Config::load(None, env_of(&[]), &[]).expect("defaults load");
    assert_eq!(c.port, 8001);
    assert_eq!(c.max_queue_size.get(), 120);
    assert_eq!(c.worker_count.get(), 4);
    assert_eq!(c.circuit_failure_threshold.get(), 8);
    assert_eq!(c.circuit_reset, Duration::from_secs(12));
}

#[test]
fn file_is_overridden_by_environment_which_is_overridden_by_flags() {
    let dir = std::env::temp_dir().join(format!("cg3-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("c.toml");
    std::fs::write(&file, "port = 9000\nworker_count = 2\nmax_queue_size = 7\n").expect("write");
    let c = Config::load(
        Some(&file),
        env_of(&[("CG3_PORT", "9100"), ("CG3_WORKER_COUNT", "3")]),
        &[("port", "9200".to_owned())],
    )
    .expect("loads");
    assert_eq!(c.port, 9200);
    assert_eq!(c.worker_count.get(), 3);
    assert_eq!(c.max_queue_size.get(), 7);
}

#[test]
fn async_threads_follow_the_render_threads_up_to_the_cores_unless_set() {
    let auto = Config::load(None, env_of(&[]), &[]).expect("loads");
    assert_eq!(auto.async_threads, None);
    let cores = pipeline::threads::cores();
    assert_eq!(
        auto.async_thread_count(),
        cores.min(4),
        "four workers by default"
    );
    let one = Config::load(None, env_of(&[("CG3_WORKER_COUNT", "1")]), &[]).expect("loads");
    assert_eq!(one.async_thread_count(), 1);
    let set = Config::load(None, env_of(&[("CG3_ASYNC_THREADS", "3")]), &[]).expect("loads");
    assert_eq!(set.async_thread_count(), 3);
    let back = Config::load(None, env_of(&[("CG3_ASYNC_THREADS", "Auto")]), &[]).expect("loads");
    assert_eq!(back.async_threads, None);
    for bad in ["0", "two", "-1"] {
        let e = Config::load(None, env_of(&[("CG3_ASYNC_THREADS", bad)]), &[]).expect_err(bad);
        let msg = e.to_string();
        assert!(
            msg.contains("CG3_ASYNC_THREADS") && msg.contains("auto"),
            "{msg}"
        );
    }
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let e = Config::load(None, env_of(&[("CG3_WORKER_COUNT", "0")]), &[]).expect_err("must fail");
    let msg = e.to_string();
    assert!(msg.contains("CG3_WORKER_COUNT"), "{msg}");
    let e = Config::load(None, env_of(&[("CG3_BACKEND", "tpu")]), &[]).expect_err("must fail");
    assert!(e.to_string().contains("CG3_BACKEND"), "{e}");
}

#[test]
fn chunk_limits_and_texture_budgets_come_from_the_environment() {
    let c = Config::load(
        None,
        env_of(&[
            ("CG3_CHUNK_MAX_GRID", "16"),
            ("CG3_CHUNK_MIN_TILE_SIZE", "16"),
            ("CG3_CHUNK_MAX_TILE_SIZE", "32"),
            ("CG3_CHUNK_MAX_CANVAS", "512"),
            ("CG3_CHUNK_MAX_LAYERS", "2"),
            ("CG3_CHUNK_MAX_ENTITIES", "10"),
            ("CG3_CHUNK_MAX_OFFSET", "64"),
            ("CG3_TEXTURE_CACHE_BYTES", "1000"),
            ("CG3_TEXTURE_RECIPES", "5"),
            ("CG3_TEXTURE_RECIPE_BYTES", "2000"),
            ("CG3_TEXTURE_PNG_LEVEL", "6"),
        ]),
        &[],
    )
    .expect("loads");
    let l = &c.chunk_limits;
    assert_eq!((l.max_grid, l.max_canvas, l.max_offset), (16, 512, 64));
    assert_eq!(l.tile_size, 16..=32);
    assert_eq!((l.max_layers, l.max_entities), (2, 10));
    assert_eq!(
        (
            c.texture_cache_bytes,
            c.texture_recipes,
            c.texture_recipe_bytes
        ),
        (1000, 5, 2000)
    );
    assert_eq!(c.texture_png_level.get(), 6);
    assert_eq!(Config::default().texture_png_level, ZlibLevel::DEFAULT);
    for bad in ["0", "10", "fast"] {
        let e = Config::load(None, env_of(&[("CG3_TEXTURE_PNG_LEVEL", bad)]), &[])
            .expect_err("not a zlib level");
        assert!(e.to_string().contains("CG3_TEXTURE_PNG_LEVEL"), "{e}");
    }
    let e = Config::load(None, env_of(&[("CG3_CHUNK_MAX_GRID", "0")]), &[])
        .expect_err("a zero grid is refused");
    assert!(e.to_string().contains("CG3_CHUNK_MAX_GRID"), "{e}");
    let e = Config::load(None, env_of(&[("CG3_CHUNK_MIN_TILE_SIZE", "200")]), &[])
        .expect_err("min above max is refused");
    assert!(e.to_string().contains("CG3_CHUNK_MIN_TILE_SIZE"), "{e}");
}

#[test]
fn gpu_chunk_min_pixels_comes_from_file_environment_and_flags_and_zero_is_allowed() {
    assert_eq!(
        Config::default().gpu_chunk_min_pixels,
        1024 * 1024,
        "1024×1024 until measured"
    );
    let dir = std::env::temp_dir().join(format!("cg3-config-chunk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("c.toml");
    std::fs::write(&file, "gpu_chunk_min_pixels = 4096\n").expect("write");
    let c = Config::load(Some(&file), env_of(&[]), &[]).expect("loads");
    assert_eq!(c.gpu_chunk_min_pixels, 4096);
    let c = Config::load(
        Some(&file),
        env_of(&[("CG3_GPU_CHUNK_MIN_PIXELS", "0")]),
        &[],
    )
    .expect("loads");
    assert_eq!(c.gpu_chunk_min_pixels, 0, "0 sends every chunk to the GPU");
    let c = Config::load(
        None,
        env_of(&[("CG3_GPU_CHUNK_MIN_PIXELS", "0")]),
        &[("gpu_chunk_min_pixels", "65536".to_owned())],
    )
    .expect("loads");
    assert_eq!(c.gpu_chunk_min_pixels, 65536);
    let e = Config::load(None, env_of(&[("CG3_GPU_CHUNK_MIN_PIXELS", "-1")]), &[])
        .expect_err("negative is refused");
    assert!(e.to_string().contains("CG3_GPU_CHUNK_MIN_PIXELS"), "{e}");
    let e = Config::load(
        None,
        env_of(&[]),
        &[("gpu_chunk_min_pixels", "lots".into())],
    )
    .expect_err("not a number is refused");
    assert!(e.to_string().contains("--gpu-chunk-min-pixels"), "{e}");
}

#[test]
fn every_setting_is_read_from_its_variable_file_key_and_flag_and_its_default_round_trips() {
    let defaults = Config::default();
    for s in SETTINGS {
        let shown = (s.show)(&defaults);
        // Settings whose default is "not set" show a description, not a value.
        let value = match s.key {
            "sprite_root" | "data_root" | "palette_root" => "/srv/x".to_owned(),
            "allowed_origins" => "https://a.example".to_owned(),
            "redis_url" => "redis://127.0.0.1:1/0".to_owned(),
            "gpu_adapter" => "nvidia".to_owned(),
            _ => shown.clone(),
        };
        let from_env = Config::load(None, env_of(&[(&s.env_var(), &value)]), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", s.env_var()));
        let from_flag = Config::load(None, env_of(&[]), &[(s.key, value.clone())]).expect("flag");
        assert_eq!(from_env, from_flag, "{}", s.key);
        if value == shown {
            assert_eq!(from_env, defaults, "{} shows its default as {shown}", s.key);
        } else {
            assert_ne!(from_env, defaults, "{} = {value} changes nothing", s.key);
        }
        let e = Config::load(None, env_of(&[]), &[(s.key, "\u{1}bad".into())]);
        if let Err(e) = e {
            assert!(e.to_string().contains(&s.flag()), "{e}");
        }
    }
    let keys: std::collections::HashSet<_> = SETTINGS.iter().map(|s| s.key).collect();
    assert_eq!(keys.len(), SETTINGS.len(), "a key is declared twice");
}

#[test]
fn the_redis_settings_parse_and_refuse_what_they_cannot_use() {
    let c = Config::load(
        None,
        env_of(&[
            ("CG3_REDIS_URL", "redis://cache:6379/2"),
            ("CG3_REDIS_RETENTION_SECONDS", "3600"),
            ("CG3_REDIS_TEXTURE_MAX_BYTES", "2097152"),
        ]),
        &[],
    )
    .expect("loads");
    assert_eq!(c.redis_url.as_deref(), Some("redis://cache:6379/2"));
    assert_eq!(c.redis_retention, Duration::from_secs(3600));
    assert_eq!(c.redis_texture_max_bytes, 2 << 20);
    for (var, bad) in [
        ("CG3_REDIS_URL", "http://cache:6379"),
        ("CG3_REDIS_URL", "rediss://cache:6379"),
        ("CG3_REDIS_RETENTION_SECONDS", "0"),
        ("CG3_REDIS_TEXTURE_MAX_BYTES", "-1"),
    ] {
        let e = Config::load(None, env_of(&[(var, bad)]), &[]).expect_err(var);
        assert!(e.to_string().contains(var), "{e}");
    }
}

#[test]
fn the_configuration_reference_in_docs_is_what_help_prints() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/configuration.md");
    let want = format!(
        "# Configuration\n\nGenerated from the settings table (`renderer/src/config/settings.rs`); \
         `renderer --help` prints the same. Regenerate with \
         `CG3_UPDATE_DOCS=1 cargo test -p renderer --lib configuration_reference`.\n\n\
         ```text\n{}\n```\n",
        env_help()
    );
    if std::env::var_os("CG3_UPDATE_DOCS").is_some() {
        std::fs::write(path, &want).expect("write docs/configuration.md");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/configuration.md is stale; regenerate it with \
         CG3_UPDATE_DOCS=1 cargo test -p renderer --lib configuration_reference"
    );
}

#[test]
fn unknown_keys_in_the_file_are_rejected() {
    let dir = std::env::temp_dir().join(format!("cg3-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("c.toml");
    std::fs::write(&file, "prot = 9000\n").expect("write");
    assert!(Config::load(Some(&file), env_of(&[]), &[]).is_err());
}

//! [`SETTINGS`]: every setting of `renderer serve`, declared once (its default lives in
//! [`Config::default`]), and the parsers the table uses.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use pipeline::encode::ZlibLevel;

use super::{BackendChoice, Config, LogFormat, Origin};

/// One setting, declared once: its file key (the environment variable is `CG3_` + the key
/// in upper case, the flag `--` + the key with dashes), its help line, how it is parsed
/// into a [`Config`] and how its default is shown. The default itself lives in
/// [`Config::default`].
pub struct Setting {
    /// Key in the TOML file.
    pub key: &'static str,
    /// Heading it is listed under in `--help`.
    pub section: &'static str,
    /// One-line meaning.
    pub help: &'static str,
    /// Parses a raw value into the configuration; `Err` says what is allowed.
    pub(super) apply: fn(&mut Config, &str) -> Result<(), String>,
    /// The value as `--help` shows it.
    pub(super) show: fn(&Config) -> String,
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting").field("key", &self.key).finish()
    }
}

impl Setting {
    /// The environment variable, `CG3_<KEY>`.
    #[must_use]
    pub fn env_var(&self) -> String {
        format!("CG3_{}", self.key.to_ascii_uppercase())
    }

    /// The flag, `--<key-with-dashes>`.
    #[must_use]
    pub fn flag(&self) -> String {
        format!("--{}", self.key.replace('_', "-"))
    }

    /// The name a value from `origin` was given under.
    pub(super) fn name_in(&self, origin: Origin) -> String {
        match origin {
            Origin::File => self.key.to_owned(),
            Origin::Env => self.env_var(),
            Origin::Flag => self.flag(),
        }
    }
}

const SERVICE: &str = "Service";
const CHUNKS: &str = "Chunk textures (POST /render/chunk, GET /textures/{hash}.png)";
const SHARED: &str = "Shared layer for several replicas (Redis)";
const CONNECTIONS: &str = "Connections (slow and greedy clients)";

/// Every setting of `renderer serve`, in `--help` order.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "host",
        section: SERVICE,
        help: "bind address",
        apply: |c, v| {
            if v.is_empty() {
                return Err("must not be empty".into());
            }
            c.host = v.to_owned();
            Ok(())
        },
        show: |c| c.host.clone(),
    },
    Setting {
        key: "port",
        section: SERVICE,
        help: "bind port (0 = any free port)",
        apply: |c, v| num(v).map(|n| c.port = n),
        show: |c| c.port.to_string(),
    },
    Setting {
        key: "sprite_root",
        section: SERVICE,
        help: "folder of sheet PNGs",
        apply: |c, v| {
            c.sprite_root = Some(PathBuf::from(v));
            Ok(())
        },
        show: |c| path_or(c.sprite_root.as_deref(), "bundled sprites/"),
    },
    Setting {
        key: "data_root",
        section: SERVICE,
        help: "folder of index/offset/tint JSON",
        apply: |c, v| {
            c.data_root = Some(PathBuf::from(v));
            Ok(())
        },
        show: |c| path_or(c.data_root.as_deref(), "bundled data/"),
    },
    Setting {
        key: "palette_root",
        section: SERVICE,
        help: "folder of CatGenerator palette JSON",
        apply: |c, v| {
            c.palette_root = Some(PathBuf::from(v));
            Ok(())
        },
        show: |c| path_or(c.palette_root.as_deref(), "<data root>/palettes"),
    },
    Setting {
        key: "allowed_origins",
        section: SERVICE,
        help: "comma-separated CORS origins, * for any",
        apply: |c, v| {
            c.allowed_origins = v
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
            match c
                .allowed_origins
                .iter()
                .find(|o| *o != "*" && !(o.starts_with("http://") || o.starts_with("https://")))
            {
                Some(o) => Err(format!(
                    "`{o}` is not an origin; use http(s)://host[:port] or *"
                )),
                None => Ok(()),
            }
        },
        show: |c| {
            if c.allowed_origins.is_empty() {
                "none: CORS off".into()
            } else {
                c.allowed_origins.join(",")
            }
        },
    },
    Setting {
        key: "backend",
        section: SERVICE,
        help: "auto | cpu | gpu",
        apply: |c, v| {
            c.backend = match v.to_ascii_lowercase().as_str() {
                "auto" => BackendChoice::Auto,
                "cpu" => BackendChoice::Cpu,
                "gpu" => BackendChoice::Gpu,
                _ => return Err("must be auto, cpu or gpu".into()),
            };
            Ok(())
        },
        show: |c| format!("{:?}", c.backend).to_ascii_lowercase(),
    },
    Setting {
        key: "max_queue_size",
        section: SERVICE,
        help: "jobs that may wait; beyond: 503",
        apply: |c, v| non_zero(v).map(|n| c.max_queue_size = n),
        show: |c| c.max_queue_size.to_string(),
    },
    Setting {
        key: "worker_count",
        section: SERVICE,
        help: "render threads",
        apply: |c, v| non_zero(v).map(|n| c.worker_count = n),
        show: |c| c.worker_count.to_string(),
    },
    Setting {
        key: "async_threads",
        section: SERVICE,
        help: "threads answering HTTP; auto = as many as CG3_WORKER_COUNT, at most one per core",
        apply: |c, v| {
            c.async_threads = if v.eq_ignore_ascii_case("auto") {
                None
            } else {
                Some(non_zero(v).map_err(|_| "must be auto or a whole number of at least 1")?)
            };
            Ok(())
        },
        show: |c| {
            c.async_threads
                .map_or_else(|| "auto".into(), |n| n.to_string())
        },
    },
    Setting {
        key: "pin_connections",
        section: SERVICE,
        help: "keep each connection on one async thread: ~10 % less server CPU per request, but fewer renders under a zero-backoff retry storm",
        apply: |c, v| boolean(v).map(|b| c.pin_connections = b),
        show: |c| c.pin_connections.to_string(),
    },
    Setting {
        key: "circuit_failure_threshold",
        section: SERVICE,
        help: "consecutive failures that open the breaker",
        apply: |c, v| non_zero(v).map(|n| c.circuit_failure_threshold = n),
        show: |c| c.circuit_failure_threshold.to_string(),
    },
    Setting {
        key: "circuit_reset_seconds",
        section: SERVICE,
        help: "seconds open before one probe",
        apply: |c, v| num(v).map(|n| c.circuit_reset = Duration::from_secs(n)),
        show: |c| c.circuit_reset.as_secs().to_string(),
    },
    Setting {
        key: "render_timeout_ms",
        section: SERVICE,
        help: "request deadline incl. queue wait, ms",
        apply: |c, v| positive_millis(v).map(|d| c.render_timeout = d),
        show: |c| c.render_timeout.as_millis().to_string(),
    },
    Setting {
        key: "shed_delay_ms",
        section: SERVICE,
        help: "hold a queue_full 503 this long before sending it (slows zero-backoff retry storms), ms; 0 = at once",
        apply: |c, v| num::<u64>(v).map(|ms| c.shed_delay = Duration::from_millis(ms)),
        show: |c| c.shed_delay.as_millis().to_string(),
    },
    Setting {
        key: "cache_bytes",
        section: SERVICE,
        help: "result cache budget in bytes, 0 = off",
        apply: |c, v| num(v).map(|n| c.cache_bytes = n),
        show: |c| c.cache_bytes.to_string(),
    },
    Setting {
        key: "max_body_bytes",
        section: SERVICE,
        help: "largest request body",
        apply: |c, v| non_zero(v).map(|n| c.max_body_bytes = n),
        show: |c| c.max_body_bytes.to_string(),
    },
    Setting {
        key: "max_batch",
        section: SERVICE,
        help: "most variants per /render/batch",
        apply: |c, v| non_zero(v).map(|n| c.max_batch = n),
        show: |c| c.max_batch.to_string(),
    },
    Setting {
        key: "gpu_batch",
        section: SERVICE,
        help: "most queued jobs the GPU worker renders in one GPU call",
        apply: |c, v| non_zero(v).map(|n| c.gpu_batch = n),
        show: |c| c.gpu_batch.to_string(),
    },
    Setting {
        key: "gpu_chunk_min_pixels",
        section: SERVICE,
        help: "chunk canvases of at least this many pixels compose on the GPU; 0 = all",
        apply: |c, v| num(v).map(|n| c.gpu_chunk_min_pixels = n),
        show: |c| c.gpu_chunk_min_pixels.to_string(),
    },
    Setting {
        key: "gpu_allow_software",
        section: SERVICE,
        help: "let auto use a software adapter such as lavapipe",
        apply: |c, v| boolean(v).map(|n| c.gpu_allow_software = n),
        show: |c| c.gpu_allow_software.to_string(),
    },
    Setting {
        key: "gpu_adapter",
        section: SERVICE,
        help: "use the first GPU adapter whose name contains this, e.g. nvidia",
        apply: |c, v| {
            c.gpu_adapter = Some(v.trim().to_owned()).filter(|n| !n.is_empty());
            Ok(())
        },
        show: |c| {
            c.gpu_adapter
                .clone()
                .unwrap_or_else(|| "none: wgpu picks".into())
        },
    },
    Setting {
        key: "shutdown_grace_seconds",
        section: SERVICE,
        help: "drain time after SIGTERM",
        apply: |c, v| num(v).map(|n| c.shutdown_grace = Duration::from_secs(n)),
        show: |c| c.shutdown_grace.as_secs().to_string(),
    },
    Setting {
        key: "log_format",
        section: SERVICE,
        help: "human | json; RUST_LOG sets the filter",
        apply: |c, v| {
            c.log_format = match v.to_ascii_lowercase().as_str() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                _ => return Err("must be human or json".into()),
            };
            Ok(())
        },
        show: |c| format!("{:?}", c.log_format).to_ascii_lowercase(),
    },
    Setting {
        key: "chunk_max_grid",
        section: CHUNKS,
        help: "most tiles along either side of a chunk",
        apply: |c, v| positive(v).map(|n| c.chunk_limits.max_grid = n),
        show: |c| c.chunk_limits.max_grid.to_string(),
    },
    Setting {
        key: "chunk_min_tile_size",
        section: CHUNKS,
        help: "smallest tileSize, px",
        apply: |c, v| {
            let end = *c.chunk_limits.tile_size.end();
            c.chunk_limits.tile_size = positive(v)?..=end;
            Ok(())
        },
        show: |c| c.chunk_limits.tile_size.start().to_string(),
    },
    Setting {
        key: "chunk_max_tile_size",
        section: CHUNKS,
        help: "largest tileSize, px",
        apply: |c, v| {
            let start = *c.chunk_limits.tile_size.start();
            c.chunk_limits.tile_size = start..=positive(v)?;
            Ok(())
        },
        show: |c| c.chunk_limits.tile_size.end().to_string(),
    },
    Setting {
        key: "chunk_max_canvas",
        section: CHUNKS,
        help: "most pixels along either side of a texture",
        apply: |c, v| positive(v).map(|n| c.chunk_limits.max_canvas = n),
        show: |c| c.chunk_limits.max_canvas.to_string(),
    },
    Setting {
        key: "chunk_max_layers",
        section: CHUNKS,
        help: "most tile layers",
        apply: |c, v| num(v).map(|n| c.chunk_limits.max_layers = n),
        show: |c| c.chunk_limits.max_layers.to_string(),
    },
    Setting {
        key: "chunk_max_entities",
        section: CHUNKS,
        help: "most entities",
        apply: |c, v| num(v).map(|n| c.chunk_limits.max_entities = n),
        show: |c| c.chunk_limits.max_entities.to_string(),
    },
    Setting {
        key: "chunk_max_offset",
        section: CHUNKS,
        help: "px an entity may lie outside the canvas",
        apply: |c, v| num(v).map(|n| c.chunk_limits.max_offset = n),
        show: |c| c.chunk_limits.max_offset.to_string(),
    },
    Setting {
        key: "texture_cache_bytes",
        section: CHUNKS,
        help: "texture store budget in bytes; evicted ones re-render",
        apply: |c, v| num(v).map(|n| c.texture_cache_bytes = n),
        show: |c| c.texture_cache_bytes.to_string(),
    },
    Setting {
        key: "texture_png_level",
        section: CHUNKS,
        help: "zlib level of texture PNGs, 1 (fastest) to 9 (smallest); 2: 38 % smaller than 1 for ~65 % more encoding time",
        apply: |c, v| {
            let level = num::<u32>(v)?;
            c.texture_png_level = ZlibLevel::new(level).ok_or("must be 1 to 9")?;
            Ok(())
        },
        show: |c| c.texture_png_level.get().to_string(),
    },
    Setting {
        key: "texture_recipes",
        section: CHUNKS,
        help: "most recipes kept for re-rendering; beyond (and not shared): 404",
        apply: |c, v| num(v).map(|n| c.texture_recipes = n),
        show: |c| c.texture_recipes.to_string(),
    },
    Setting {
        key: "texture_recipe_bytes",
        section: CHUNKS,
        help: "recipe store budget in bytes",
        apply: |c, v| num(v).map(|n| c.texture_recipe_bytes = n),
        show: |c| c.texture_recipe_bytes.to_string(),
    },
    Setting {
        key: "redis_url",
        section: SHARED,
        help: "redis://host:port/db holding recipes (and textures) for every replica",
        apply: |c, v| {
            if v.starts_with("rediss://") {
                return Err(
                    "TLS (rediss://) is not built in; use redis:// (through a TLS \
                            sidecar such as stunnel where the link needs encryption)"
                        .into(),
                );
            }
            if !v.starts_with("redis://") {
                return Err("must be a redis://host:port/db URL".into());
            }
            c.redis_url = Some(v.to_owned());
            Ok(())
        },
        show: |c| {
            c.redis_url
                .clone()
                .unwrap_or_else(|| "none: local only".into())
        },
    },
    Setting {
        key: "redis_retention_seconds",
        section: SHARED,
        help: "how long a texture URL stays valid after its last POST (recipe TTL)",
        apply: |c, v| {
            let s: u64 = num(v)?;
            if s == 0 {
                return Err("must be at least 1".into());
            }
            c.redis_retention = Duration::from_secs(s);
            Ok(())
        },
        show: |c| c.redis_retention.as_secs().to_string(),
    },
    Setting {
        key: "redis_texture_max_bytes",
        section: SHARED,
        help: "PNGs up to this size are shared too (Redis's LRU evicts); 0 = recipes only",
        apply: |c, v| num(v).map(|n| c.redis_texture_max_bytes = n),
        show: |c| c.redis_texture_max_bytes.to_string(),
    },
    Setting {
        key: "max_connections",
        section: CONNECTIONS,
        help: "connections served at once; past it probes still answer, the rest get 503",
        apply: |c, v| non_zero(v).map(|n| c.max_connections = n),
        show: |c| c.max_connections.to_string(),
    },
    Setting {
        key: "header_read_timeout_ms",
        section: CONNECTIONS,
        help: "a request head must arrive whole within this; also the idle keep-alive limit",
        apply: |c, v| positive_millis(v).map(|d| c.header_read_timeout = d),
        show: |c| c.header_read_timeout.as_millis().to_string(),
    },
    Setting {
        key: "body_read_timeout_ms",
        section: CONNECTIONS,
        help: "a request body must arrive whole within this, or 408",
        apply: |c, v| positive_millis(v).map(|d| c.body_read_timeout = d),
        show: |c| c.body_read_timeout.as_millis().to_string(),
    },
    Setting {
        key: "max_header_bytes",
        section: CONNECTIONS,
        help: "largest request head (request line and headers), or 431",
        apply: |c, v| non_zero(v).map(|n| c.max_header_bytes = n),
        show: |c| c.max_header_bytes.to_string(),
    },
];

fn path_or(p: Option<&Path>, default: &str) -> String {
    p.map_or_else(|| default.to_owned(), |p| p.display().to_string())
}

/// Every setting with its environment variable, meaning and default (for `--help`).
#[must_use]
pub fn env_help() -> String {
    use std::fmt::Write as _;
    let defaults = Config::default();
    let mut out = String::from(
        "Settings: defaults < --config TOML (lower-case keys) < CG3_* environment < flags",
    );
    let mut section = "";
    for s in SETTINGS {
        if s.section != section {
            section = s.section;
            let _ = write!(out, "\n{section}:");
        }
        let _ = write!(
            out,
            "\n  {:<31}{} ({})",
            s.env_var(),
            s.help,
            (s.show)(&defaults)
        );
    }
    out
}

/// The setting whose file key is `key`.
pub(super) fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

fn num<T: FromStr>(v: &str) -> Result<T, String> {
    v.parse::<T>()
        .map_err(|_| format!("must be a whole number in 0..={}", max_of::<T>()))
}

fn max_of<T>() -> &'static str {
    match std::mem::size_of::<T>() {
        2 => "65535",
        4 => "4294967295",
        _ => "2^64-1",
    }
}

fn positive(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "must be a whole number in 1..=4294967295".to_owned())
}

fn positive_millis(v: &str) -> Result<Duration, String> {
    match num::<u64>(v)? {
        0 => Err("must be at least 1".into()),
        ms => Ok(Duration::from_millis(ms)),
    }
}

fn non_zero(v: &str) -> Result<NonZeroUsize, String> {
    v.parse::<NonZeroUsize>()
        .map_err(|_| "must be a whole number of at least 1".to_owned())
}

fn boolean(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

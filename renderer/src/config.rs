//! Service configuration: defaults < optional TOML file < `CG3_*` environment < flags,
//! parsed once into typed values. A bad value stops start-up with a message naming it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use pipeline::chunk::ChunkLimits;

/// Which render backend the workers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// GPU when an adapter exists, CPU otherwise.
    Auto,
    /// Always the CPU reference backend.
    Cpu,
    /// The GPU backend; start-up fails without an adapter.
    Gpu,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value could not be parsed; `source` names where it came from.
    #[error("{name} = {value:?} ({origin}): {reason}")]
    Invalid {
        /// Setting name (`CG3_PORT`, `port` in the file, `--port`).
        name: String,
        /// The raw value.
        value: String,
        /// Where it came from.
        origin: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The TOML file could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The parsed configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0 = any).
    pub port: u16,
    /// Sheet folder; `None` = bundled.
    pub sprite_root: Option<PathBuf>,
    /// Data folder; `None` = bundled.
    pub data_root: Option<PathBuf>,
    /// CatGenerator palette folder; `None` = `<data_root>/palettes`, else the bundled one.
    pub palette_root: Option<PathBuf>,
    /// Origins allowed to call the API from a browser (CORS); empty = no CORS headers,
    /// `*` = any origin.
    pub allowed_origins: Vec<String>,
    /// Redis for chunk recipes shared by every replica (`redis://host:port/db`); `None` =
    /// each replica keeps its recipes to itself.
    pub redis_url: Option<String>,
    /// How long a shared recipe (so a texture URL) outlives its last hand-out.
    pub redis_retention: Duration,
    /// Largest PNG also written to Redis (0 = recipes only).
    pub redis_texture_max_bytes: usize,
    /// Backend choice.
    pub backend: BackendChoice,
    /// Jobs that may wait in the queue.
    pub max_queue_size: NonZeroUsize,
    /// Render threads.
    pub worker_count: NonZeroUsize,
    /// Consecutive failures that open the breaker.
    pub circuit_failure_threshold: NonZeroUsize,
    /// Time the breaker stays open before one probe.
    pub circuit_reset: Duration,
    /// Deadline of one render request, queue wait included.
    pub render_timeout: Duration,
    /// Result cache budget, bytes (0 disables the cache).
    pub cache_bytes: usize,
    /// Largest request body, bytes.
    pub max_body_bytes: NonZeroUsize,
    /// Most variants in one `/render/batch`.
    pub max_batch: NonZeroUsize,
    /// Most jobs the GPU worker takes from the queue for one GPU call.
    pub gpu_batch: NonZeroUsize,
    /// Chunks whose canvas has at least this many pixels are composed on the GPU (0 = every
    /// chunk); smaller ones on the CPU, where they cost less than a GPU round trip.
    pub gpu_chunk_min_pixels: u64,
    /// Whether `auto` may use a software GPU adapter (lavapipe, llvmpipe). Off by default:
    /// a software adapter is correct but slower than the CPU backend.
    pub gpu_allow_software: bool,
    /// Use the first GPU adapter whose name contains this (ignoring case), for machines with
    /// several; `None` lets wgpu pick (high performance first).
    pub gpu_adapter: Option<String>,
    /// How long queued work may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Most connections served at once; more get the overflow lane (probes only) or are
    /// closed, so idle or slow clients cannot exhaust file descriptors and tasks.
    pub max_connections: NonZeroUsize,
    /// Deadline for a whole request head; also how long a keep-alive connection may sit idle
    /// (a slowloris or a parked connection is closed when it runs out).
    pub header_read_timeout: Duration,
    /// Deadline for a whole request body, so a body trickled slowly cannot hold a request
    /// open for longer.
    pub body_read_timeout: Duration,
    /// Largest request head (request line and headers), bytes: larger ones get 431.
    pub max_header_bytes: NonZeroUsize,
    /// Log format.
    pub log_format: LogFormat,
    /// Bounds of `POST /render/chunk` requests.
    pub chunk_limits: ChunkLimits,
    /// Chunk texture store budget, bytes of PNG (0 keeps none: every GET re-renders).
    pub texture_cache_bytes: usize,
    /// Most chunk recipes (hash → canonical request) kept for re-rendering evicted textures.
    pub texture_recipes: usize,
    /// Byte budget of the recipe store (a recipe of a large chunk is hundreds of KiB).
    pub texture_recipe_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8001,
            sprite_root: None,
            data_root: None,
            palette_root: None,
            allowed_origins: Vec::new(),
            redis_url: None,
            redis_retention: Duration::from_secs(30 * 24 * 3600),
            redis_texture_max_bytes: 0,
            backend: BackendChoice::Auto,
            max_queue_size: nz(120),
            worker_count: nz(4),
            circuit_failure_threshold: nz(8),
            circuit_reset: Duration::from_secs(12),
            render_timeout: Duration::from_millis(10_000),
            cache_bytes: 64 << 20,
            max_body_bytes: nz(1 << 20),
            max_batch: nz(256),
            gpu_batch: nz(256),
            gpu_chunk_min_pixels: 1 << 20,
            gpu_allow_software: false,
            gpu_adapter: None,
            shutdown_grace: Duration::from_secs(10),
            max_connections: nz(4096),
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_header_bytes: nz(16 << 10),
            log_format: LogFormat::Human,
            chunk_limits: ChunkLimits::default(),
            texture_cache_bytes: 256 << 20,
            texture_recipes: 100_000,
            texture_recipe_bytes: 256 << 20,
        }
    }
}

const fn nz(n: usize) -> NonZeroUsize {
    match NonZeroUsize::new(n) {
        Some(v) => v,
        None => NonZeroUsize::MIN,
    }
}

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
    apply: fn(&mut Config, &str) -> Result<(), String>,
    /// The value as `--help` shows it.
    show: fn(&Config) -> String,
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
    fn name_in(&self, origin: Origin) -> String {
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
fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// One source of raw settings, as `(file key, raw value)` pairs.
type Raw = Vec<(&'static str, String)>;

impl Config {
    /// Builds the configuration from an optional TOML file, an environment lookup and flag
    /// values (`(file key, value)` pairs, as [`crate::serve::ServeArgs`] holds them).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first bad setting.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &[(&'static str, String)],
    ) -> Result<Self, ConfigError> {
        let mut cfg = Self::default();
        if let Some(path) = file {
            cfg.apply(&read_file(path)?, Origin::File)?;
        }
        let env_raw: Raw = SETTINGS
            .iter()
            .filter_map(|s| env(&s.env_var()).map(|v| (s.key, v)))
            .collect();
        cfg.apply(&env_raw, Origin::Env)?;
        cfg.apply(flags, Origin::Flag)?;
        // Checked once every source is in: the two ends may come from different ones.
        let tiles = &cfg.chunk_limits.tile_size;
        if tiles.is_empty() {
            return Err(ConfigError::Invalid {
                name: "CG3_CHUNK_MIN_TILE_SIZE".into(),
                value: tiles.start().to_string(),
                origin: "combined settings",
                reason: format!("exceeds CG3_CHUNK_MAX_TILE_SIZE ({})", tiles.end()),
            });
        }
        Ok(cfg)
    }

    fn apply(&mut self, raw: &[(&'static str, String)], origin: Origin) -> Result<(), ConfigError> {
        for (key, value) in raw {
            let Some(s) = setting(key) else {
                return Err(ConfigError::Invalid {
                    name: (*key).to_owned(),
                    value: value.clone(),
                    origin: origin.describe(),
                    reason: "unknown setting".into(),
                });
            };
            (s.apply)(self, value.trim()).map_err(|reason| ConfigError::Invalid {
                name: s.name_in(origin),
                value: value.clone(),
                origin: origin.describe(),
                reason,
            })?;
        }
        Ok(())
    }
}

/// The settings of a TOML file; an unknown key is an error naming the known ones.
fn read_file(path: &Path) -> Result<Raw, ConfigError> {
    let fail = |reason: String| ConfigError::File {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    table
        .into_iter()
        .map(|(k, v)| {
            let s = setting(&k).ok_or_else(|| {
                let known: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
                fail(format!("unknown key `{k}`; known: {}", known.join(", ")))
            })?;
            let text = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            Ok((s.key, text))
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Origin {
    File,
    Env,
    Flag,
}

impl Origin {
    const fn describe(self) -> &'static str {
        match self {
            Self::File => "config file",
            Self::Env => "environment",
            Self::Flag => "command line",
        }
    }
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

#[cfg(test)]
mod tests {
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
        std::fs::write(&file, "port = 9000\nworker_count = 2\nmax_queue_size = 7\n")
            .expect("write");
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
    fn a_bad_environment_value_names_the_variable() {
        let e =
            Config::load(None, env_of(&[("CG3_WORKER_COUNT", "0")]), &[]).expect_err("must fail");
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
            let from_flag =
                Config::load(None, env_of(&[]), &[(s.key, value.clone())]).expect("flag");
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
            "# Configuration\n\nGenerated from the settings table (`renderer/src/config.rs`); \
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
}

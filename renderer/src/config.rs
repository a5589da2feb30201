//! Service configuration: defaults < optional TOML file < `CG3_*` environment < flags,
//! parsed once into typed values. A bad value stops start-up with a message naming it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use pipeline::chunk::ChunkLimits;
use serde::Deserialize;

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
    /// How long queued work may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
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
            shutdown_grace: Duration::from_secs(10),
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

/// Every environment variable read, with its meaning (for `--help`).
pub const ENV_HELP: &str = "\
Environment (defaults < --config TOML < environment < flags):
  CG3_HOST                       bind address (127.0.0.1)
  CG3_PORT                       bind port (8001)
  CG3_SPRITE_ROOT                folder of sheet PNGs (bundled sprites/)
  CG3_DATA_ROOT                  folder of index/offset/tint JSON (bundled data/)
  CG3_PALETTE_ROOT               folder of CatGenerator palette JSON (<data root>/palettes)
  CG3_ALLOWED_ORIGINS            comma-separated CORS origins, * for any (none: CORS off)
  CG3_REDIS_URL                  Redis for chunk recipes shared by replicas (none: local only)
  CG3_BACKEND                    auto | cpu | gpu (auto)
  CG3_MAX_QUEUE_SIZE             jobs that may wait; beyond: 503 (120)
  CG3_WORKER_COUNT               render threads (4)
  CG3_CIRCUIT_FAILURE_THRESHOLD  consecutive failures that open the breaker (8)
  CG3_CIRCUIT_RESET_SECONDS      seconds open before one probe (12)
  CG3_RENDER_TIMEOUT_MS          request deadline incl. queue wait (10000)
  CG3_CACHE_BYTES                result cache budget in bytes, 0 = off (67108864)
  CG3_MAX_BODY_BYTES             largest request body (1048576)
  CG3_MAX_BATCH                  most variants per /render/batch (256)
  CG3_GPU_BATCH                  most queued jobs the GPU worker renders in one GPU call (256)
  CG3_GPU_CHUNK_MIN_PIXELS       chunk canvases of at least this many pixels compose on the
                                 GPU (auto, gpu); smaller on the CPU; 0 = all (1048576)
  CG3_GPU_ALLOW_SOFTWARE         let auto use a software adapter such as lavapipe (false)
  CG3_SHUTDOWN_GRACE_SECONDS     drain time after SIGTERM (10)
  CG3_LOG_FORMAT                 human | json (human); RUST_LOG sets the filter
Chunk textures (POST /render/chunk, GET /textures/{hash}.png):
  CG3_CHUNK_MAX_GRID             most tiles along either side of a chunk (64)
  CG3_CHUNK_MIN_TILE_SIZE        smallest tileSize, px (8)
  CG3_CHUNK_MAX_TILE_SIZE        largest tileSize, px (128)
  CG3_CHUNK_MAX_CANVAS           most pixels along either side of a texture (2048)
  CG3_CHUNK_MAX_LAYERS           most tile layers (8)
  CG3_CHUNK_MAX_ENTITIES         most entities (512)
  CG3_CHUNK_MAX_OFFSET           px an entity may lie outside the canvas (1024)
  CG3_TEXTURE_CACHE_BYTES        texture store budget in bytes; evicted ones re-render (268435456)
  CG3_TEXTURE_RECIPES            most recipes kept for re-rendering; beyond: 404 (100000)
  CG3_TEXTURE_RECIPE_BYTES       recipe store budget in bytes (268435456)";

/// Settings as strings from one layer (file, environment or flags); `None` = not set there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// See [`Config::host`].
    pub host: Option<String>,
    /// See [`Config::port`].
    pub port: Option<toml::Value>,
    /// See [`Config::sprite_root`].
    pub sprite_root: Option<String>,
    /// See [`Config::data_root`].
    pub data_root: Option<String>,
    /// See [`Config::palette_root`].
    pub palette_root: Option<String>,
    /// See [`Config::allowed_origins`] (comma-separated).
    pub allowed_origins: Option<String>,
    /// See [`Config::redis_url`].
    pub redis_url: Option<String>,
    /// See [`Config::backend`].
    pub backend: Option<String>,
    /// See [`Config::max_queue_size`].
    pub max_queue_size: Option<toml::Value>,
    /// See [`Config::worker_count`].
    pub worker_count: Option<toml::Value>,
    /// See [`Config::circuit_failure_threshold`].
    pub circuit_failure_threshold: Option<toml::Value>,
    /// See [`Config::circuit_reset`].
    pub circuit_reset_seconds: Option<toml::Value>,
    /// See [`Config::render_timeout`].
    pub render_timeout_ms: Option<toml::Value>,
    /// See [`Config::cache_bytes`].
    pub cache_bytes: Option<toml::Value>,
    /// See [`Config::max_body_bytes`].
    pub max_body_bytes: Option<toml::Value>,
    /// See [`Config::max_batch`].
    pub max_batch: Option<toml::Value>,
    /// See [`Config::gpu_batch`].
    pub gpu_batch: Option<toml::Value>,
    /// See [`Config::gpu_chunk_min_pixels`].
    pub gpu_chunk_min_pixels: Option<toml::Value>,
    /// See [`Config::gpu_allow_software`].
    pub gpu_allow_software: Option<toml::Value>,
    /// See [`Config::shutdown_grace`].
    pub shutdown_grace_seconds: Option<toml::Value>,
    /// See [`Config::log_format`].
    pub log_format: Option<String>,
    /// See [`ChunkLimits::max_grid`].
    pub chunk_max_grid: Option<toml::Value>,
    /// See [`ChunkLimits::tile_size`] (lower end).
    pub chunk_min_tile_size: Option<toml::Value>,
    /// See [`ChunkLimits::tile_size`] (upper end).
    pub chunk_max_tile_size: Option<toml::Value>,
    /// See [`ChunkLimits::max_canvas`].
    pub chunk_max_canvas: Option<toml::Value>,
    /// See [`ChunkLimits::max_layers`].
    pub chunk_max_layers: Option<toml::Value>,
    /// See [`ChunkLimits::max_entities`].
    pub chunk_max_entities: Option<toml::Value>,
    /// See [`ChunkLimits::max_offset`].
    pub chunk_max_offset: Option<toml::Value>,
    /// See [`Config::texture_cache_bytes`].
    pub texture_cache_bytes: Option<toml::Value>,
    /// See [`Config::texture_recipes`].
    pub texture_recipes: Option<toml::Value>,
    /// See [`Config::texture_recipe_bytes`].
    pub texture_recipe_bytes: Option<toml::Value>,
}

/// The setting names, file key → environment variable → flag.
const NAMES: &[(&str, &str, &str)] = &[
    ("host", "CG3_HOST", "--host"),
    ("port", "CG3_PORT", "--port"),
    ("sprite_root", "CG3_SPRITE_ROOT", "--sprite-root"),
    ("data_root", "CG3_DATA_ROOT", "--data-root"),
    ("palette_root", "CG3_PALETTE_ROOT", "--palette-root"),
    (
        "allowed_origins",
        "CG3_ALLOWED_ORIGINS",
        "--allowed-origins",
    ),
    ("redis_url", "CG3_REDIS_URL", "--redis-url"),
    ("backend", "CG3_BACKEND", "--backend"),
    ("max_queue_size", "CG3_MAX_QUEUE_SIZE", "--max-queue-size"),
    ("worker_count", "CG3_WORKER_COUNT", "--worker-count"),
    (
        "circuit_failure_threshold",
        "CG3_CIRCUIT_FAILURE_THRESHOLD",
        "--circuit-failure-threshold",
    ),
    (
        "circuit_reset_seconds",
        "CG3_CIRCUIT_RESET_SECONDS",
        "--circuit-reset-seconds",
    ),
    (
        "render_timeout_ms",
        "CG3_RENDER_TIMEOUT_MS",
        "--render-timeout-ms",
    ),
    ("cache_bytes", "CG3_CACHE_BYTES", "--cache-bytes"),
    ("max_body_bytes", "CG3_MAX_BODY_BYTES", "--max-body-bytes"),
    ("max_batch", "CG3_MAX_BATCH", "--max-batch"),
    ("gpu_batch", "CG3_GPU_BATCH", "--gpu-batch"),
    (
        "gpu_chunk_min_pixels",
        "CG3_GPU_CHUNK_MIN_PIXELS",
        "--gpu-chunk-min-pixels",
    ),
    (
        "gpu_allow_software",
        "CG3_GPU_ALLOW_SOFTWARE",
        "--gpu-allow-software",
    ),
    (
        "shutdown_grace_seconds",
        "CG3_SHUTDOWN_GRACE_SECONDS",
        "--shutdown-grace-seconds",
    ),
    ("log_format", "CG3_LOG_FORMAT", "--log-format"),
    ("chunk_max_grid", "CG3_CHUNK_MAX_GRID", "--chunk-max-grid"),
    (
        "chunk_min_tile_size",
        "CG3_CHUNK_MIN_TILE_SIZE",
        "--chunk-min-tile-size",
    ),
    (
        "chunk_max_tile_size",
        "CG3_CHUNK_MAX_TILE_SIZE",
        "--chunk-max-tile-size",
    ),
    (
        "chunk_max_canvas",
        "CG3_CHUNK_MAX_CANVAS",
        "--chunk-max-canvas",
    ),
    (
        "chunk_max_layers",
        "CG3_CHUNK_MAX_LAYERS",
        "--chunk-max-layers",
    ),
    (
        "chunk_max_entities",
        "CG3_CHUNK_MAX_ENTITIES",
        "--chunk-max-entities",
    ),
    (
        "chunk_max_offset",
        "CG3_CHUNK_MAX_OFFSET",
        "--chunk-max-offset",
    ),
    (
        "texture_cache_bytes",
        "CG3_TEXTURE_CACHE_BYTES",
        "--texture-cache-bytes",
    ),
    (
        "texture_recipes",
        "CG3_TEXTURE_RECIPES",
        "--texture-recipes",
    ),
    (
        "texture_recipe_bytes",
        "CG3_TEXTURE_RECIPE_BYTES",
        "--texture-recipe-bytes",
    ),
];

/// One source of raw settings, as `(file key, raw value)` pairs.
type Raw = Vec<(&'static str, String)>;

impl Config {
    /// Builds the configuration from an optional TOML file, an environment lookup and flag
    /// values (`(file key, value)` pairs, as [`crate::serve::ServeArgs::flag_values`] gives).
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
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            let layer: Layer = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            cfg.apply(&layer_to_raw(&layer), Origin::File)?;
        }
        let env_raw: Raw = NAMES
            .iter()
            .filter_map(|(key, var, _)| env(var).map(|v| (*key, v)))
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
            let bad = |reason: String| {
                let name = NAMES
                    .iter()
                    .find(|n| n.0 == *key)
                    .map_or((*key).to_owned(), |n| match origin {
                        Origin::File => n.0.to_owned(),
                        Origin::Env => n.1.to_owned(),
                        Origin::Flag => n.2.to_owned(),
                    });
                ConfigError::Invalid {
                    name,
                    value: value.clone(),
                    origin: origin.describe(),
                    reason,
                }
            };
            let v = value.trim();
            match *key {
                "host" => {
                    if v.is_empty() {
                        return Err(bad("must not be empty".into()));
                    }
                    self.host = v.to_owned();
                }
                "port" => self.port = num::<u16>(v).map_err(bad)?,
                "sprite_root" => self.sprite_root = Some(PathBuf::from(v)),
                "data_root" => self.data_root = Some(PathBuf::from(v)),
                "palette_root" => self.palette_root = Some(PathBuf::from(v)),
                "redis_url" => {
                    if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
                        return Err(bad("must be a redis:// URL".into()));
                    }
                    self.redis_url = Some(v.to_owned());
                }
                "allowed_origins" => {
                    self.allowed_origins = v
                        .split(',')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if let Some(o) = self.allowed_origins.iter().find(|o| {
                        *o != "*" && !(o.starts_with("http://") || o.starts_with("https://"))
                    }) {
                        return Err(bad(format!(
                            "`{o}` is not an origin; use http(s)://host[:port] or *"
                        )));
                    }
                }
                "backend" => {
                    self.backend = match v.to_ascii_lowercase().as_str() {
                        "auto" => BackendChoice::Auto,
                        "cpu" => BackendChoice::Cpu,
                        "gpu" => BackendChoice::Gpu,
                        _ => return Err(bad("must be auto, cpu or gpu".into())),
                    }
                }
                "max_queue_size" => self.max_queue_size = non_zero(v).map_err(bad)?,
                "worker_count" => self.worker_count = non_zero(v).map_err(bad)?,
                "circuit_failure_threshold" => {
                    self.circuit_failure_threshold = non_zero(v).map_err(bad)?;
                }
                "circuit_reset_seconds" => {
                    self.circuit_reset = Duration::from_secs(num::<u64>(v).map_err(bad)?);
                }
                "render_timeout_ms" => {
                    let ms = num::<u64>(v).map_err(bad)?;
                    if ms == 0 {
                        return Err(bad("must be at least 1".into()));
                    }
                    self.render_timeout = Duration::from_millis(ms);
                }
                "cache_bytes" => self.cache_bytes = num::<usize>(v).map_err(bad)?,
                "max_body_bytes" => self.max_body_bytes = non_zero(v).map_err(bad)?,
                "max_batch" => self.max_batch = non_zero(v).map_err(bad)?,
                "gpu_batch" => self.gpu_batch = non_zero(v).map_err(bad)?,
                "gpu_chunk_min_pixels" => self.gpu_chunk_min_pixels = num(v).map_err(bad)?,
                "gpu_allow_software" => {
                    self.gpu_allow_software = match v.to_ascii_lowercase().as_str() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        _ => return Err(bad("must be true or false".into())),
                    }
                }
                "shutdown_grace_seconds" => {
                    self.shutdown_grace = Duration::from_secs(num::<u64>(v).map_err(bad)?);
                }
                "log_format" => {
                    self.log_format = match v.to_ascii_lowercase().as_str() {
                        "human" => LogFormat::Human,
                        "json" => LogFormat::Json,
                        _ => return Err(bad("must be human or json".into())),
                    }
                }
                "chunk_max_grid" => self.chunk_limits.max_grid = positive(v).map_err(bad)?,
                "chunk_min_tile_size" => {
                    let end = *self.chunk_limits.tile_size.end();
                    self.chunk_limits.tile_size = positive(v).map_err(bad)?..=end;
                }
                "chunk_max_tile_size" => {
                    let start = *self.chunk_limits.tile_size.start();
                    self.chunk_limits.tile_size = start..=positive(v).map_err(bad)?;
                }
                "chunk_max_canvas" => self.chunk_limits.max_canvas = positive(v).map_err(bad)?,
                "chunk_max_layers" => self.chunk_limits.max_layers = num(v).map_err(bad)?,
                "chunk_max_entities" => self.chunk_limits.max_entities = num(v).map_err(bad)?,
                "chunk_max_offset" => self.chunk_limits.max_offset = num(v).map_err(bad)?,
                "texture_cache_bytes" => self.texture_cache_bytes = num(v).map_err(bad)?,
                "texture_recipes" => self.texture_recipes = num(v).map_err(bad)?,
                "texture_recipe_bytes" => self.texture_recipe_bytes = num(v).map_err(bad)?,
                _ => return Err(bad("unknown setting".into())),
            }
        }
        Ok(())
    }
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
        _ => "2^64-1",
    }
}

fn positive(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "must be a whole number in 1..=4294967295".to_owned())
}

fn non_zero(v: &str) -> Result<NonZeroUsize, String> {
    v.parse::<NonZeroUsize>()
        .map_err(|_| "must be a whole number of at least 1".to_owned())
}

fn layer_to_raw(l: &Layer) -> Raw {
    let mut out = Raw::new();
    let mut s = |k: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            out.push((k, v.clone()));
        }
    };
    s("host", &l.host);
    s("sprite_root", &l.sprite_root);
    s("data_root", &l.data_root);
    s("palette_root", &l.palette_root);
    s("allowed_origins", &l.allowed_origins);
    s("redis_url", &l.redis_url);
    s("backend", &l.backend);
    s("log_format", &l.log_format);
    let mut n = |k: &'static str, v: &Option<toml::Value>| {
        if let Some(v) = v {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push((k, text));
        }
    };
    n("port", &l.port);
    n("max_queue_size", &l.max_queue_size);
    n("worker_count", &l.worker_count);
    n("circuit_failure_threshold", &l.circuit_failure_threshold);
    n("circuit_reset_seconds", &l.circuit_reset_seconds);
    n("render_timeout_ms", &l.render_timeout_ms);
    n("cache_bytes", &l.cache_bytes);
    n("max_body_bytes", &l.max_body_bytes);
    n("max_batch", &l.max_batch);
    n("gpu_batch", &l.gpu_batch);
    n("gpu_chunk_min_pixels", &l.gpu_chunk_min_pixels);
    n("gpu_allow_software", &l.gpu_allow_software);
    n("shutdown_grace_seconds", &l.shutdown_grace_seconds);
    n("chunk_max_grid", &l.chunk_max_grid);
    n("chunk_min_tile_size", &l.chunk_min_tile_size);
    n("chunk_max_tile_size", &l.chunk_max_tile_size);
    n("chunk_max_canvas", &l.chunk_max_canvas);
    n("chunk_max_layers", &l.chunk_max_layers);
    n("chunk_max_entities", &l.chunk_max_entities);
    n("chunk_max_offset", &l.chunk_max_offset);
    n("texture_cache_bytes", &l.texture_cache_bytes);
    n("texture_recipes", &l.texture_recipes);
    n("texture_recipe_bytes", &l.texture_recipe_bytes);
    out
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
    fn unknown_keys_in_the_file_are_rejected() {
        let dir = std::env::temp_dir().join(format!("cg3-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("c.toml");
        std::fs::write(&file, "prot = 9000\n").expect("write");
        assert!(Config::load(Some(&file), env_of(&[]), &[]).is_err());
    }
}

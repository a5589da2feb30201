//! Service configuration: defaults < optional TOML file < `CG3_*` environment < flags,
//! parsed once into typed values. A bad value stops start-up with a message naming it.
//!
//! - this file: [`Config`] (the typed values and their defaults), loading and layering.
//! - `settings`: `SETTINGS`, every setting declared once — file key (hence variable and
//!   flag), `--help` section and line, parser, how its default is shown — and the parsers.

mod settings;
#[cfg(test)]
mod tests;

use settings::setting;
pub use settings::{SETTINGS, Setting, env_help};

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pipeline::chunk::ChunkLimits;
use pipeline::encode::ZlibLevel;

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
    /// Threads of the async runtime (HTTP, queueing, answers); `None`: see
    /// [`Config::async_thread_count`].
    pub async_threads: Option<NonZeroUsize>,
    /// Each connection stays on the async thread it was accepted onto (one single-threaded
    /// runtime per thread, [`crate::connection_threads`]) instead of tokio's runtime whose
    /// threads share all connections. Less CPU per request; fewer renders under a
    /// zero-backoff retry storm (BENCHMARKS.md, "Connection threads").
    pub pin_connections: bool,
    /// Consecutive failures that open the breaker.
    pub circuit_failure_threshold: NonZeroUsize,
    /// Time the breaker stays open before one probe.
    pub circuit_reset: Duration,
    /// Deadline of one render request, queue wait included.
    pub render_timeout: Duration,
    /// How long a request refused because the queue is full is held before its 503 goes
    /// out (zero: at once). Clients that retry at once then cannot turn the CPU a refusal
    /// saves into more refusals, and probes stay fast under overload.
    pub shed_delay: Duration,
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
    /// zlib level chunk textures are compressed at (size against encoding time).
    pub texture_png_level: ZlibLevel,
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
            async_threads: None,
            pin_connections: false,
            circuit_failure_threshold: nz(8),
            circuit_reset: Duration::from_secs(12),
            render_timeout: Duration::from_millis(10_000),
            shed_delay: Duration::from_millis(2),
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
            texture_png_level: ZlibLevel::DEFAULT,
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

    /// Threads of the async runtime: the setting, or as many as there are render threads,
    /// at most one per core this process may use. Under saturation the scheduler shares the
    /// cores per runnable thread: more async threads than render threads let refusals take
    /// the render threads' CPU (zero-backoff clients answer every cheaper 503 with another
    /// request), fewer starve connection handling at high connection counts. On the 2-core
    /// box: one worker, 256 connections: renders 0.83–1.14× capacity with one async thread,
    /// 0.47–0.75× with two; four workers, 1,024 connections: 0.72–0.94× with two, 0.57–0.80×
    /// with one (BENCHMARKS.md, "How many async threads").
    #[must_use]
    pub fn async_thread_count(&self) -> usize {
        self.async_threads.map_or_else(
            || self.worker_count.get().min(pipeline::threads::cores()),
            NonZeroUsize::get,
        )
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
pub(super) enum Origin {
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

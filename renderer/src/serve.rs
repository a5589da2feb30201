//! `renderer serve`: configuration → atlases → workers → HTTP, and the shutdown sequence:
//!
//! 1. SIGTERM/SIGINT (or the test's trigger) → readiness false, the queue stops taking work,
//!    new renders get 503 `shutting_down`.
//! 2. The listener stops accepting; in-flight requests (and the queued jobs they wait on)
//!    finish, for at most the grace period.
//! 3. Workers finish what the queue still holds and exit; the process exits 0.
//!
//! `CG3_BACKEND` picks the workers' backends in [`crate::select`]: `cpu`, `gpu` (one GPU
//! worker doing all the work; start-up fails without an adapter) or `auto` (worker 0 on the
//! GPU when there is one, the rest on the CPU).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{Config, ENV_HELP, LogFormat};
use crate::state::{AppState, AtlasFiles};

/// Flags of `renderer serve` (each overrides its `CG3_*` variable; see below).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_help = ENV_HELP)]
pub struct ServeArgs {
    /// Optional TOML file (keys: host, port, max_queue_size, … as in the list below, lower case).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Bind address.
    #[arg(long)]
    pub host: Option<String>,
    /// Bind port.
    #[arg(long)]
    pub port: Option<String>,
    /// Folder of sheet PNGs.
    #[arg(long)]
    pub sprite_root: Option<String>,
    /// Folder of index/offset/tint JSON.
    #[arg(long)]
    pub data_root: Option<String>,
    /// Folder of CatGenerator palette JSON.
    #[arg(long)]
    pub palette_root: Option<String>,
    /// Comma-separated CORS origins (`*` for any).
    #[arg(long)]
    pub allowed_origins: Option<String>,
    /// Redis for recipes shared by replicas.
    #[arg(long)]
    pub redis_url: Option<String>,
    /// auto | cpu | gpu.
    #[arg(long)]
    pub backend: Option<String>,
    /// Jobs that may wait.
    #[arg(long)]
    pub max_queue_size: Option<String>,
    /// Render threads.
    #[arg(long)]
    pub worker_count: Option<String>,
    /// Consecutive failures that open the breaker.
    #[arg(long)]
    pub circuit_failure_threshold: Option<String>,
    /// Seconds the breaker stays open.
    #[arg(long)]
    pub circuit_reset_seconds: Option<String>,
    /// Request deadline in ms.
    #[arg(long)]
    pub render_timeout_ms: Option<String>,
    /// Result cache budget in bytes.
    #[arg(long)]
    pub cache_bytes: Option<String>,
    /// Largest request body in bytes.
    #[arg(long)]
    pub max_body_bytes: Option<String>,
    /// Most variants per batch.
    #[arg(long)]
    pub max_batch: Option<String>,
    /// Most jobs per GPU call.
    #[arg(long)]
    pub gpu_batch: Option<String>,
    /// Chunk canvases of at least this many pixels compose on the GPU (0 = all).
    #[arg(long)]
    pub gpu_chunk_min_pixels: Option<String>,
    /// Let auto use a software GPU adapter (true | false).
    #[arg(long)]
    pub gpu_allow_software: Option<String>,
    /// Drain time after SIGTERM, seconds.
    #[arg(long)]
    pub shutdown_grace_seconds: Option<String>,
    /// human | json.
    #[arg(long)]
    pub log_format: Option<String>,
    /// Most tiles along either side of a chunk.
    #[arg(long)]
    pub chunk_max_grid: Option<String>,
    /// Smallest chunk tileSize, px.
    #[arg(long)]
    pub chunk_min_tile_size: Option<String>,
    /// Largest chunk tileSize, px.
    #[arg(long)]
    pub chunk_max_tile_size: Option<String>,
    /// Most pixels along either side of a chunk texture.
    #[arg(long)]
    pub chunk_max_canvas: Option<String>,
    /// Most tile layers per chunk.
    #[arg(long)]
    pub chunk_max_layers: Option<String>,
    /// Most entities per chunk.
    #[arg(long)]
    pub chunk_max_entities: Option<String>,
    /// Pixels an entity may lie outside the chunk canvas.
    #[arg(long)]
    pub chunk_max_offset: Option<String>,
    /// Texture store budget in bytes.
    #[arg(long)]
    pub texture_cache_bytes: Option<String>,
    /// Most chunk recipes kept for re-rendering evicted textures.
    #[arg(long)]
    pub texture_recipes: Option<String>,
    /// Recipe store budget in bytes.
    #[arg(long)]
    pub texture_recipe_bytes: Option<String>,
}

impl ServeArgs {
    /// The flags that were given, as `(file key, value)` pairs for [`Config::load`].
    #[must_use]
    pub fn flag_values(&self) -> Vec<(&'static str, String)> {
        let all = [
            ("host", &self.host),
            ("port", &self.port),
            ("sprite_root", &self.sprite_root),
            ("data_root", &self.data_root),
            ("palette_root", &self.palette_root),
            ("allowed_origins", &self.allowed_origins),
            ("redis_url", &self.redis_url),
            ("backend", &self.backend),
            ("max_queue_size", &self.max_queue_size),
            ("worker_count", &self.worker_count),
            ("circuit_failure_threshold", &self.circuit_failure_threshold),
            ("circuit_reset_seconds", &self.circuit_reset_seconds),
            ("render_timeout_ms", &self.render_timeout_ms),
            ("cache_bytes", &self.cache_bytes),
            ("max_body_bytes", &self.max_body_bytes),
            ("max_batch", &self.max_batch),
            ("gpu_batch", &self.gpu_batch),
            ("gpu_chunk_min_pixels", &self.gpu_chunk_min_pixels),
            ("gpu_allow_software", &self.gpu_allow_software),
            ("shutdown_grace_seconds", &self.shutdown_grace_seconds),
            ("log_format", &self.log_format),
            ("chunk_max_grid", &self.chunk_max_grid),
            ("chunk_min_tile_size", &self.chunk_min_tile_size),
            ("chunk_max_tile_size", &self.chunk_max_tile_size),
            ("chunk_max_canvas", &self.chunk_max_canvas),
            ("chunk_max_layers", &self.chunk_max_layers),
            ("chunk_max_entities", &self.chunk_max_entities),
            ("chunk_max_offset", &self.chunk_max_offset),
            ("texture_cache_bytes", &self.texture_cache_bytes),
            ("texture_recipes", &self.texture_recipes),
            ("texture_recipe_bytes", &self.texture_recipe_bytes),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect()
    }
}

/// Sets up `tracing` output.
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}

/// Loads the atlases named by `config` and starts the workers.
///
/// # Errors
/// When the atlases cannot be loaded, the backend is unavailable, or threads fail.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    let paths = crate::atlas_paths::resolve(
        config.sprite_root.as_deref(),
        config.data_root.as_deref(),
        config.palette_root.as_deref(),
    );
    let t = Instant::now();
    let repo = crate::atlas_paths::load(&paths)?;
    for w in crate::atlas_paths::report_warnings(&repo) {
        tracing::warn!("{w}");
    }
    tracing::info!(
        groups = repo.report().groups,
        sheets = repo.report().sheets,
        palette_colours = repo.palettes().len(),
        ms = t.elapsed().as_millis() as u64,
        "atlases loaded"
    );
    let read = |name: &str| -> anyhow::Result<axum::body::Bytes> {
        let direct = paths.data_root.join(name);
        std::fs::read(&direct)
            .map(Into::into)
            .with_context(|| format!("reading {}", direct.display()))
    };
    let tilesets = pipeline::chunk::TilesetRegistry::load(&paths).with_context(|| {
        format!(
            "loading tilesets from {}",
            paths.data_root.join("tilesets").display()
        )
    })?;
    tracing::info!(tilesets = ?tilesets.names(), "tilesets loaded");
    let files = AtlasFiles {
        sprite_root: paths.sprite_root.clone(),
        index: read("spritesIndex.json")?,
        offsets: read("spritesOffsetMap.json")?,
        tilesets: Arc::new(tilesets),
    };
    crate::select::start_app(config, Arc::new(repo), files)
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains (module docs).
/// Returns true when everything admitted was answered within the grace period.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<bool> {
    let grace = state.config.shutdown_grace;
    let started = Arc::new(tokio::sync::Notify::new());
    let signal = {
        let (state, started) = (state.clone(), started.clone());
        async move {
            shutdown.await;
            tracing::info!(grace_s = grace.as_secs(), "shutdown: draining");
            state.begin_drain();
            started.notify_one();
        }
    };
    let server =
        axum::serve(listener, crate::http::app(state.clone())).with_graceful_shutdown(signal);
    let mut clean = true;
    tokio::select! {
        r = server => r?,
        () = async { started.notified().await; tokio::time::sleep(grace).await; } => {
            tracing::warn!("grace period over with requests still open");
            clean = false;
        }
    }
    let pool = state.pool.lock().take();
    if let Some(pool) = pool {
        let finished = tokio::task::spawn_blocking(move || pool.shutdown(grace))
            .await
            .unwrap_or(false);
        clean &= finished;
    }
    tracing::info!(clean, "shutdown complete");
    Ok(clean)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `renderer serve` from parsed flags.
///
/// # Errors
/// Configuration, atlas, bind or runtime failures.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(
        args.config.as_deref(),
        |k| std::env::var(k).ok(),
        &args.flag_values(),
    )?;
    init_logging(config.log_format);
    let addr = format!("{}:{}", config.host, config.port);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let state = tokio::task::spawn_blocking(move || build_state(config)).await??;
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        tracing::info!(addr = %listener.local_addr()?, workers = state.workers, backend = state.backend, "listening");
        serve(listener, state, signal()).await?;
        anyhow::Ok(())
    })
}

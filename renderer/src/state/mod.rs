//! `AppState`: what the handlers share — the [`RenderPath`], the configuration, the
//! documents served as they are — and the composition root that builds it with its worker
//! pool ([`App::start_parts`] → [`Service`]).
//!
//! # Layout
//!
//! - this file: [`App`], [`Service`], start-up.
//! - [`health`]: [`App::health`], the `/health` snapshot.

pub mod health;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use pipeline::AtlasRepository;
use pipeline::chunk::TilesetRegistry;

use crate::backend::{BackendFactory, CpuRenderBackend};
use crate::breaker::{CircuitBreaker, Clock, SystemClock};
use crate::config::Config;
use crate::health::GpuStatus;
use crate::metrics::{Metrics, Snapshot};
use crate::queue::JobQueue;
use crate::render_path::{RenderPath, RenderPathParts};
use crate::textures::Textures;
use crate::worker::WorkerPool;

/// Shared state; cheap to clone.
pub type AppState = Arc<App>;

/// The service's shared parts.
#[derive(Debug)]
pub struct App {
    /// Parsed configuration.
    pub config: Config,
    /// The one way to pixels: cache, coalescing, breaker, queue.
    pub path: RenderPath,
    /// The atlases (also the path's), for the routes that describe them.
    pub repo: Arc<AtlasRepository>,
    /// Counters and histograms (also the path's and the workers'), for the HTTP layer.
    pub metrics: Arc<Metrics>,
    /// Where sheet PNGs are served from.
    pub sprite_root: PathBuf,
    /// `spritesIndex.json` as loaded, served at `/sprites/index.json`.
    pub sprite_index: Bytes,
    /// `GET /palettes`, serialised once (CatGenerator's folder is a few hundred KiB).
    pub palettes_json: Bytes,
    /// `GET /vocabulary`, serialised once: every value of every parameter, and the tilesets.
    pub vocabulary_json: Bytes,
    /// `/openapi.json`, filled once by the HTTP layer when it builds the router (the
    /// document describes routes, which this layer does not know).
    pub openapi_json: std::sync::OnceLock<Bytes>,
    /// `spritesOffsetMap.json` as loaded.
    pub sprite_offsets: Bytes,
    /// Workers rendering now (the pool's counter, read by `/health` and `/metrics`).
    busy: Arc<AtomicUsize>,
    /// Worker thread count.
    pub workers: usize,
    /// `cpu`, `gpu`, `auto(gpu+cpu)` (or a test backend's name).
    pub backend: &'static str,
    /// The GPU's state for `/health` (`None` when rendering on the CPU alone).
    pub gpu: Option<Arc<dyn GpuStatus>>,
}

/// A started service: the state the handlers share, and the worker pool, whose lifecycle
/// the server owns (it drains and joins the pool at shutdown; dropping it instead leaves
/// the threads to end when the queue closes with the state).
#[derive(Debug)]
pub struct Service {
    /// What the handlers share.
    pub state: AppState,
    /// The render threads.
    pub pool: WorkerPool,
}

/// What [`App::start_parts`] needs besides configuration and atlases.
#[derive(Clone)]
pub struct StartParts {
    /// Builds each worker's backend.
    pub factory: BackendFactory,
    /// The service breaker's clock.
    pub clock: Arc<dyn Clock>,
    /// Counters and histograms (shared with a backend that records its own).
    pub metrics: Arc<Metrics>,
    /// The GPU's state for `/health`.
    pub gpu: Option<Arc<dyn GpuStatus>>,
    /// `backend` for `/health` and logs; `None` = the first worker backend's name.
    pub label: Option<&'static str>,
    /// Worker threads; `None` = `CG3_WORKER_COUNT`.
    pub workers: Option<usize>,
}

impl StartParts {
    /// Fresh metrics, no GPU, the factory's own name and the configured worker count.
    #[must_use]
    pub fn new(factory: BackendFactory, clock: Arc<dyn Clock>) -> Self {
        Self {
            factory,
            clock,
            metrics: Arc::new(Metrics::default()),
            gpu: None,
            label: None,
            workers: None,
        }
    }
}

/// Files that go with the atlases.
#[derive(Debug, Clone, Default)]
pub struct AtlasFiles {
    /// Folder of sheets.
    pub sprite_root: PathBuf,
    /// Raw index JSON.
    pub index: Bytes,
    /// Raw offset-map JSON.
    pub offsets: Bytes,
    /// Tilesets for chunk textures (empty: every chunk names an unknown tileset).
    pub tilesets: Arc<TilesetRegistry>,
}

impl App {
    /// Builds the state and starts the workers with CPU backends and the system clock.
    ///
    /// # Errors
    /// When worker threads cannot be started.
    pub fn start(
        config: Config,
        repo: Arc<AtlasRepository>,
        files: AtlasFiles,
    ) -> std::io::Result<Service> {
        let factory = CpuRenderBackend::factory(repo.clone());
        Self::start_with(config, repo, files, factory, Arc::new(SystemClock))
    }

    /// Builds the state with a chosen backend factory and breaker clock (tests use this).
    ///
    /// # Errors
    /// When worker threads cannot be started.
    pub fn start_with(
        config: Config,
        repo: Arc<AtlasRepository>,
        files: AtlasFiles,
        factory: BackendFactory,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Service> {
        Self::start_parts(config, repo, files, StartParts::new(factory, clock))
    }

    /// Builds the state from explicit parts (the GPU selection in [`crate::select`]).
    ///
    /// # Errors
    /// When worker threads cannot be started.
    pub fn start_parts(
        config: Config,
        repo: Arc<AtlasRepository>,
        files: AtlasFiles,
        parts: StartParts,
    ) -> std::io::Result<Service> {
        let StartParts {
            factory,
            clock,
            metrics,
            gpu,
            label,
            workers,
        } = parts;
        let breaker = Arc::new(CircuitBreaker::new(
            config.circuit_failure_threshold.get(),
            config.circuit_reset,
            clock,
        ));
        let queue = JobQueue::new(config.max_queue_size.get());
        let pool = WorkerPool::start(
            workers.unwrap_or(config.worker_count.get()),
            factory,
            &queue,
            breaker.clone(),
            metrics.clone(),
        )?;
        let vocabulary_json = vocabulary(&repo, &files.tilesets);
        let shared = config
            .redis_url
            .as_deref()
            .map(|url| {
                let settings = crate::shared::SharedSettings {
                    retention: config.redis_retention,
                    texture_max_bytes: config.redis_texture_max_bytes,
                };
                crate::shared::SharedStore::connect(url, settings)
            })
            .transpose()
            .map_err(std::io::Error::other)?;
        let path = RenderPath::new(RenderPathParts {
            repo: repo.clone(),
            queue,
            breaker,
            metrics: metrics.clone(),
            cache_bytes: config.cache_bytes,
            textures: Textures::new(&config, files.tilesets),
            shared,
            timeout: config.render_timeout,
            shed_delay: config.shed_delay,
        });
        let state = Arc::new(Self {
            vocabulary_json,
            openapi_json: std::sync::OnceLock::new(),
            sprite_root: files.sprite_root,
            sprite_index: files.index,
            // Serialising plain data with string keys cannot fail.
            palettes_json: serde_json::to_vec(repo.palettes().palettes())
                .unwrap_or_default()
                .into(),
            sprite_offsets: files.offsets,
            busy: pool.busy_counter(),
            workers: pool.workers(),
            backend: label.unwrap_or(pool.backend()),
            gpu,
            config,
            repo,
            metrics,
            path,
        });
        Ok(Service { state, pool })
    }

    /// Workers rendering now.
    #[must_use]
    pub fn busy_workers(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// True after shutdown began.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.path.is_draining()
    }

    /// Starts draining: readiness false, new work refused, queued work still done.
    pub fn begin_drain(&self) {
        self.path.begin_drain();
    }

    /// The service now, read from its owners (atomics and lengths, never the queue's
    /// contents, so it answers while renders pile up): `/metrics` exports it as gauges and
    /// `/health` shows it. Resident memory is left out (reading it is a system call that
    /// the health probe does not need); [`Snapshot::with_memory`] adds it.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let path = &self.path;
        let textures = &path.textures;
        Snapshot {
            queue_depth: path.queue.len(),
            queue_capacity: path.queue.capacity(),
            queue_stalled_refusals: path.queue.stalled_refusals(),
            busy_workers: self.busy_workers(),
            workers: self.workers,
            backend: self.backend,
            cache_bytes: path.cache.bytes(),
            cache_entries: path.cache.len(),
            circuit: path.breaker.state(),
            draining: self.is_draining(),
            memory: None,
            atlas_store_bytes: self.repo.store().bytes(),
            texture_store_bytes: textures.store.bytes(),
            texture_store_entries: textures.store.len(),
            texture_recipes: textures.recipes.len(),
            texture_recipe_bytes: textures.recipes.bytes(),
            gpu: self.gpu.as_ref().map(|g| g.gpu_health()),
            shared: path.shared.as_ref().map(|s| s.health()),
        }
    }
}

/// The cat vocabulary of `repo` ([`pipeline::spec::allowed_values`]) and each tileset's
/// tiles, as `GET /vocabulary` serves them.
fn vocabulary(repo: &AtlasRepository, tilesets: &pipeline::chunk::TilesetRegistry) -> Bytes {
    let mut v = pipeline::spec::allowed_values(repo);
    v["tilesets"] = tilesets
        .names()
        .iter()
        .filter_map(|n| tilesets.get(n))
        .map(|t| {
            serde_json::json!({
                "name": t.name(), "tileSize": t.tile_size(),
                "ground": t.ground_names(), "sprites": t.sprite_names(),
            })
        })
        .collect();
    // Serialising plain data with string keys cannot fail.
    serde_json::to_vec(&v).unwrap_or_default().into()
}

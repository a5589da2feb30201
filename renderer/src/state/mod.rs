//! `AppState`: everything the handlers share, and the one path every render takes —
//! cache → coalesce → breaker → bounded queue → worker → cache.
//!
//! # Layout
//!
//! - this file: [`App`] (the composition root) and the cat render path.
//! - [`chunks`]: the chunk-texture half of the render path on [`App`] (`plan_chunk`,
//!   `chunk_texture`, `fetch_texture`), re-rendering evicted textures from their recipes.
//! - [`health`]: [`App::health`], the `/health` snapshot.

pub mod chunks;
pub mod health;

pub use chunks::{PlannedChunk, Served};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Bytes;
use parking_lot::Mutex;
use pipeline::AtlasRepository;
use pipeline::chunk::TilesetRegistry;
use tokio::sync::oneshot;

use crate::backend::{BackendFactory, CpuRenderBackend, JobInput, JobOutput};
use crate::breaker::{CircuitBreaker, Clock, SystemClock};
use crate::cache::{Key, ResultCache};
use crate::coalesce::{Coalescer, Role, follow};
use crate::config::Config;
use crate::error::RenderError;
use crate::health::GpuStatus;
use crate::metrics::{Gauges, Metrics, Outcome};
use crate::queue::{Job, JobError, JobQueue, SubmitError};
use crate::textures::Textures;
use crate::worker::WorkerPool;

/// Shared state; cheap to clone.
pub type AppState = Arc<App>;

/// What a render request gets back.
pub type RenderResult = Result<Arc<JobOutput>, RenderError>;

/// The service's shared parts.
#[derive(Debug)]
pub struct App {
    /// Parsed configuration.
    pub config: Config,
    /// The atlases every render reads.
    pub repo: Arc<AtlasRepository>,
    /// Where sheet PNGs are served from.
    pub sprite_root: PathBuf,
    /// `spritesIndex.json` as loaded, served at `/sprites/index.json`.
    pub sprite_index: Bytes,
    /// Recipes shared with the other replicas through Redis (`CG3_REDIS_URL`), if set.
    pub shared: Option<Arc<crate::shared::SharedStore>>,
    /// `GET /palettes`, serialised once (CatGenerator's folder is a few hundred KiB).
    pub palettes_json: Bytes,
    /// `GET /vocabulary`, serialised once: every value of every parameter, and the tilesets.
    pub vocabulary_json: Bytes,
    /// `/openapi.json`, filled once by the HTTP layer when it builds the router (the
    /// document describes routes, which this layer does not know).
    pub openapi_json: std::sync::OnceLock<Bytes>,
    /// `spritesOffsetMap.json` as loaded.
    pub sprite_offsets: Bytes,
    /// The bounded queue.
    pub queue: JobQueue,
    /// The breaker.
    pub breaker: Arc<CircuitBreaker>,
    /// Counters and histograms.
    pub metrics: Arc<Metrics>,
    /// Finished results by content key.
    pub cache: ResultCache<JobOutput>,
    /// Identical work in flight.
    pub coalescer: Coalescer<RenderResult>,
    /// Set on SIGTERM: not ready, new work refused.
    pub draining: AtomicBool,
    /// The render threads (taken at shutdown).
    pub pool: Mutex<Option<WorkerPool>>,
    /// Workers rendering now (read by `/health` without touching the pool).
    busy: Arc<AtomicUsize>,
    /// Worker thread count.
    pub workers: usize,
    /// `cpu`, `gpu`, `auto(gpu+cpu)` (or a test backend's name).
    pub backend: &'static str,
    /// The GPU's state for `/health` (`None` when rendering on the CPU alone).
    pub gpu: Option<Arc<dyn GpuStatus>>,
    /// Chunk textures: tilesets, the texture and recipe stores, their metrics.
    pub textures: Textures,
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
    ) -> std::io::Result<AppState> {
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
    ) -> std::io::Result<AppState> {
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
    ) -> std::io::Result<AppState> {
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
        Ok(Arc::new(Self {
            vocabulary_json,
            openapi_json: std::sync::OnceLock::new(),
            shared,
            textures: Textures::new(&config, files.tilesets),
            cache: ResultCache::new(config.cache_bytes),
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
            pool: Mutex::new(Some(pool)),
            config,
            repo,
            queue,
            breaker,
            metrics,
            coalescer: Coalescer::default(),
            draining: AtomicBool::new(false),
        }))
    }

    /// Workers rendering now.
    #[must_use]
    pub fn busy_workers(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// True after shutdown began.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Starts draining: readiness false, new work refused, queued work still done.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::Release);
        self.queue.close();
    }

    /// Gauges for `/metrics`.
    #[must_use]
    pub fn gauges(&self) -> Gauges {
        Gauges {
            queue_depth: self.queue.len(),
            queue_capacity: self.queue.capacity(),
            busy_workers: self.busy_workers(),
            workers: self.workers,
            cache_bytes: self.cache.bytes(),
            cache_entries: self.cache.len(),
            circuit_state: self.breaker.state().code(),
            draining: self.is_draining(),
            memory: crate::process::ProcessMemory::read(),
            atlas_planar_bytes: self.repo.planar_bytes(),
        }
    }

    /// A content key: the atlas fingerprint plus `parts`.
    #[must_use]
    pub fn key(&self, parts: &[&[u8]]) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(&self.repo.fingerprint());
        for p in parts {
            h.update(&(p.len() as u64).to_le_bytes());
            h.update(p);
        }
        *h.finalize().as_bytes()
    }

    /// Renders `input` (or finds it): cache, then identical in-flight work, then the queue.
    /// Returns the output and whether it came from the cache.
    ///
    /// # Errors
    /// [`RenderError`] for refusals (queue full, breaker open, draining), deadlines and
    /// backend failures.
    pub async fn render(
        &self,
        key: Key,
        input: JobInput,
    ) -> Result<(Arc<JobOutput>, bool), RenderError> {
        if let Some(hit) = self.cache.get(&key) {
            self.metrics.cache(true);
            return Ok((hit, true));
        }
        self.metrics.cache(false);
        let mut input = Some(input);
        // A follower whose leader vanished tries again (and may lead); twice is plenty.
        for _ in 0..3 {
            match self.coalescer.join(key) {
                Role::Leader(leader) => {
                    let Some(input) = input.take() else { break };
                    let result = self.run_job(input).await;
                    if let Ok(out) = &result {
                        self.cache.insert(key, out.clone(), out.weight());
                    }
                    leader.finish(result.clone());
                    return result.map(|o| (o, false));
                }
                Role::Follower(rx) => {
                    self.metrics.coalesced();
                    if let Some(r) = follow(rx).await {
                        return r.map(|o| (o, false));
                    }
                }
            }
        }
        Err(RenderError::Internal)
    }

    /// Runs one job through the breaker, the bounded queue and a worker, without cache or
    /// coalescing (callers add their own; chunk textures use [`crate::textures`]).
    pub(crate) async fn run_job(&self, input: JobInput) -> RenderResult {
        if self.is_draining() {
            self.metrics.outcome(Outcome::ShuttingDown);
            return Err(RenderError::ShuttingDown);
        }
        if let Err(wait) = self.breaker.try_acquire() {
            self.metrics.outcome(Outcome::CircuitOpen);
            return Err(RenderError::CircuitOpen(wait));
        }
        let (tx, rx) = oneshot::channel();
        let now = Instant::now();
        let deadline = now + self.config.render_timeout;
        let job = Job {
            input,
            reply: tx,
            deadline,
            enqueued: now,
        };
        match self.queue.try_submit(job) {
            Ok(()) => {}
            Err(SubmitError::Full) => {
                self.metrics.outcome(Outcome::QueueFull);
                return Err(RenderError::QueueFull);
            }
            Err(SubmitError::Closed) => {
                self.metrics.outcome(Outcome::ShuttingDown);
                return Err(RenderError::ShuttingDown);
            }
        }
        match tokio::time::timeout_at(deadline.into(), rx).await {
            Ok(Ok(Ok(out))) => Ok(out),
            Ok(Ok(Err(JobError::DeadlineExceeded))) | Err(_) => Err(RenderError::DeadlineExceeded),
            Ok(Ok(Err(e))) => {
                tracing::warn!(error = %e, "render job failed");
                Err(RenderError::Internal)
            }
            Ok(Err(_)) => {
                tracing::error!("worker dropped a job without answering");
                Err(RenderError::Internal)
            }
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

//! [`RenderPath`]: the one way to pixels below the handlers, for cats and chunk textures
//! alike — result cache → identical work in flight → breaker → bounded queue → worker →
//! cache. It knows no HTTP: it answers images or a [`RenderError`].
//!
//! # Layout
//!
//! - this file: [`RenderPath`], its cat side (`render`, `cell`) and the job runner.
//! - [`key`]: [`RenderKey`], the typed cache keys.
//! - [`chunks`]: the chunk-texture side (`plan_chunk`, `chunk_texture`, `fetch_texture`),
//!   re-rendering evicted textures from their recipes.

pub mod chunks;
pub mod key;

pub use chunks::{PlannedChunk, Served};
pub use key::RenderKey;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pipeline::{AtlasRepository, CellId, GroupId, Pose};
use tokio::sync::oneshot;

use crate::breaker::CircuitBreaker;
use crate::cache::{Key, ResultCache};
use crate::coalesce::{Coalescer, Shared};
use crate::error::RenderError;
use crate::job::{JobInput, JobOutput};
use crate::log_throttle::LogThrottle;
use crate::metrics::{Metrics, Outcome};
use crate::queue::{Job, JobError, JobQueue, SubmitError};
use crate::shared::SharedStore;
use crate::textures::Textures;

/// What a render gets back.
pub type RenderResult = Result<Arc<JobOutput>, RenderError>;

/// The render path and everything it owns.
#[derive(Debug)]
pub struct RenderPath {
    /// The atlases every render reads; their fingerprint is in every cache key.
    pub repo: Arc<AtlasRepository>,
    /// The bounded queue the workers take jobs from.
    pub queue: JobQueue,
    /// Refuses work at once while the backend keeps failing.
    pub breaker: Arc<CircuitBreaker>,
    /// Counters and histograms, shared with the workers.
    pub metrics: Arc<Metrics>,
    /// Finished cat, sheet and cell results by [`RenderKey`].
    pub cache: ResultCache<JobOutput>,
    /// Identical work in flight, cats and chunks alike.
    coalescer: Coalescer<RenderResult>,
    /// Chunk textures: tilesets, the texture and recipe stores, their metrics.
    pub textures: Textures,
    /// Recipes (and small textures) shared with the other replicas, if configured.
    pub shared: Option<Arc<SharedStore>>,
    /// Deadline of one render, queue wait included.
    timeout: Duration,
    /// How long a queue-full refusal is held before it is answered.
    shed_delay: Duration,
    /// Set when shutdown begins: new work is refused, queued work still done.
    draining: AtomicBool,
}

/// What [`RenderPath::new`] is built from.
#[derive(Debug)]
pub struct RenderPathParts {
    /// The atlases.
    pub repo: Arc<AtlasRepository>,
    /// The queue the worker pool serves.
    pub queue: JobQueue,
    /// The service breaker (the workers record outcomes in it).
    pub breaker: Arc<CircuitBreaker>,
    /// Shared with the workers.
    pub metrics: Arc<Metrics>,
    /// Result cache budget, bytes.
    pub cache_bytes: usize,
    /// The chunk stores.
    pub textures: Textures,
    /// The shared layer.
    pub shared: Option<Arc<SharedStore>>,
    /// Deadline of one render.
    pub timeout: Duration,
    /// Hold of a queue-full refusal (`Config::shed_delay`).
    pub shed_delay: Duration,
}

impl RenderPath {
    /// The path over `parts`.
    #[must_use]
    pub fn new(parts: RenderPathParts) -> Self {
        Self {
            cache: ResultCache::new(parts.cache_bytes),
            coalescer: Coalescer::default(),
            repo: parts.repo,
            queue: parts.queue,
            breaker: parts.breaker,
            metrics: parts.metrics,
            textures: parts.textures,
            shared: parts.shared,
            timeout: parts.timeout,
            shed_delay: parts.shed_delay,
            draining: AtomicBool::new(false),
        }
    }

    /// The cache key of `key` for the loaded art.
    #[must_use]
    pub fn digest(&self, key: &RenderKey<'_>) -> Key {
        key.digest(&self.repo.fingerprint())
    }

    /// Renders what `input` makes (or finds it): cache, then identical in-flight work, then
    /// the queue. `input` runs only on a cache miss: a hit was planned (and its parameters
    /// checked against the same art, which the key covers) when it was rendered. Returns
    /// the output and whether it came from the cache.
    ///
    /// # Errors
    /// `input`'s error; [`RenderError`] for refusals (queue full, breaker open, draining),
    /// deadlines and backend failures.
    pub async fn render<E: From<RenderError>>(
        &self,
        key: RenderKey<'_>,
        input: impl FnOnce() -> Result<JobInput, E>,
    ) -> Result<(Arc<JobOutput>, bool), E> {
        let key = self.digest(&key);
        if let Some(hit) = self.cache.get(&key) {
            self.metrics.cache(true);
            return Ok((hit, true));
        }
        // A request whose input cannot be made (a name the art lacks) is not a miss.
        let input = input()?;
        self.metrics.cache(false);
        let work = || async {
            let result = self.run_job(input).await;
            if let Ok(out) = &result {
                self.cache.insert(key, out.clone(), out.weight());
            }
            result
        };
        match self.coalescer.run(key, work).await {
            Some((result, shared)) => {
                if shared == Shared::Followed {
                    self.metrics.coalesced();
                }
                result.map(|o| (o, false)).map_err(E::from)
            }
            None => Err(RenderError::Internal.into()),
        }
    }

    /// One atlas cell as PNG (`GET /sprites/{group}/{pose}.png`), through the cache and the
    /// queue like every other image.
    ///
    /// # Errors
    /// As [`Self::render`].
    pub async fn cell(
        &self,
        group: &str,
        id: GroupId,
        pose: Pose,
    ) -> Result<(Arc<JobOutput>, bool), RenderError> {
        let key = RenderKey::Cell {
            group,
            pose: pose.get(),
        };
        let cell = CellId::new(id, pose);
        self.render(key, || Ok::<_, RenderError>(JobInput::Cell { cell }))
            .await
    }

    /// True after shutdown began.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Starts draining: new work refused, queued work still done; the workers stop once the
    /// queue is empty.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::Release);
        self.queue.close();
    }

    /// Runs one job through the breaker, the bounded queue and a worker, without cache or
    /// coalescing (the callers add their own).
    async fn run_job(&self, input: JobInput) -> RenderResult {
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
        let deadline = now + self.timeout;
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
                // Counted above; logged once per 10 s, or the log becomes the overload's cost.
                static SHED: LogThrottle = LogThrottle::new(Duration::from_secs(10));
                if let Some(times) = SHED.tick() {
                    tracing::warn!(
                        target: "renderer.queue",
                        times,
                        "queue full: answering 503 queue_full"
                    );
                }
                if !self.shed_delay.is_zero() {
                    // Holds only this request's task (a timer, no thread, no CPU).
                    tokio::time::sleep(self.shed_delay).await;
                }
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

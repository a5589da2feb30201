//! [`SharedRecipes`]: the layer that lets every replica serve every texture URL. A chunk's
//! recipe (its canonical request, a few hundred bytes to a few hundred KiB) is written to
//! Redis (`CG3_REDIS_URL`) when its texture is handed out; a replica asked for a texture it
//! never rendered reads the recipe there and renders it.
//!
//! Redis is a helper, never a dependency of a render: every call has a short deadline, a
//! failing or absent Redis leaves each replica on its local stores, `/health` says
//! `degraded` with the reason, and the link comes back by itself (the connection manager
//! reconnects; until the first connection succeeds a background task keeps trying).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use serde::Serialize;

/// Longest wait for one Redis call: a slow Redis must not slow renders.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(150);

/// How long a recipe outlives its last hand-out (refreshed on every `POST /render/chunk`).
pub const RECIPE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Pause between attempts to make the first connection.
const CONNECT_RETRY: Duration = Duration::from_secs(2);

/// Redis key of a recipe.
fn recipe_key(hash_hex: &str) -> String {
    format!("cg3:recipe:{hash_hex}")
}

/// The shared recipe layer of one replica.
pub struct SharedRecipes {
    /// The connection, once the first one succeeded.
    conn: Arc<Mutex<Option<ConnectionManager>>>,
    /// Why the last call failed, while calls fail (cleared by a success).
    problem: Arc<Mutex<Option<String>>>,
    /// Recipes found in Redis.
    hits: AtomicU64,
    /// Recipes asked for and absent.
    misses: AtomicU64,
    /// Calls that failed or timed out.
    errors: Arc<AtomicU64>,
}

impl std::fmt::Debug for SharedRecipes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRecipes")
            .field("connected", &self.conn.lock().is_some())
            .field("problem", &*self.problem.lock())
            .finish_non_exhaustive()
    }
}

/// The shared layer as `/health` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SharedHealth {
    /// `ok` or `degraded`.
    pub state: &'static str,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Recipes found in Redis.
    pub hits: u64,
    /// Recipes asked for and absent.
    pub misses: u64,
    /// Calls that failed or timed out.
    pub errors: u64,
}

/// A `CG3_REDIS_URL` that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("CG3_REDIS_URL: {0}")]
pub struct SharedError(String);

impl SharedRecipes {
    /// Starts connecting to `url` in the background on the current tokio runtime.
    ///
    /// # Errors
    /// [`SharedError`] when the URL is malformed or no runtime is running.
    pub fn connect(url: &str) -> Result<Arc<Self>, SharedError> {
        let client = redis::Client::open(url).map_err(|e| SharedError(e.to_string()))?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| SharedError(e.to_string()))?;
        let this = Arc::new(Self {
            conn: Arc::new(Mutex::new(None)),
            problem: Arc::new(Mutex::new(Some("connecting".into()))),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            errors: Arc::new(AtomicU64::new(0)),
        });
        let (conn, problem, errors) =
            (this.conn.clone(), this.problem.clone(), this.errors.clone());
        runtime.spawn(async move {
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(CALL_TIMEOUT * 4)
                .set_response_timeout(CALL_TIMEOUT);
            loop {
                match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
                    Ok(c) => {
                        *conn.lock() = Some(c.clone());
                        *problem.lock() = None;
                        tracing::info!("shared recipe store (Redis) connected");
                        watch(c, problem, errors).await;
                        return;
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        *problem.lock() = Some(format!("cannot connect to Redis: {e}"));
                        tracing::warn!("shared recipe store (Redis) unavailable: {e}");
                        tokio::time::sleep(CONNECT_RETRY).await;
                    }
                }
            }
        });
        Ok(this)
    }

    /// Records the outcome of a call for `/health`.
    fn note<T>(
        &self,
        what: &str,
        r: Result<Result<T, redis::RedisError>, tokio::time::error::Elapsed>,
    ) -> Option<T> {
        match r {
            Ok(Ok(v)) => {
                *self.problem.lock() = None;
                Some(v)
            }
            Ok(Err(e)) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                *self.problem.lock() = Some(format!("Redis {what} failed: {e}"));
                tracing::warn!("Redis {what} failed: {e}");
                None
            }
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                *self.problem.lock() =
                    Some(format!("Redis {what} took longer than {CALL_TIMEOUT:?}"));
                None
            }
        }
    }

    /// The connection, if one was made (cloning a manager shares its connection).
    fn connection(&self) -> Option<ConnectionManager> {
        self.conn.lock().clone()
    }

    /// Stores a recipe (and refreshes its TTL). Best effort: a failure is recorded, not
    /// returned.
    pub async fn put(&self, hash_hex: &str, recipe: &str) {
        let Some(mut c) = self.connection() else {
            return;
        };
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            c.set_ex::<_, _, ()>(recipe_key(hash_hex), recipe, RECIPE_TTL.as_secs()),
        )
        .await;
        self.note("SET", r);
    }

    /// The recipe of `hash_hex`, if Redis has it and answers in time.
    pub async fn get(&self, hash_hex: &str) -> Option<String> {
        let mut c = self.connection()?;
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            c.get::<_, Option<String>>(recipe_key(hash_hex)),
        )
        .await;
        let found = self.note("GET", r).flatten();
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Appends the Prometheus text of the layer: `renderer_shared_recipes_total` by outcome
    /// and `renderer_shared_up` (0 while degraded).
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let h = self.health();
        let name = "renderer_shared_recipes_total";
        let _ = writeln!(
            out,
            "# HELP {name} Shared recipe store (Redis) lookups and failed calls.\n# TYPE {name} counter"
        );
        for (outcome, v) in [("hit", h.hits), ("miss", h.misses), ("error", h.errors)] {
            let _ = writeln!(out, "{name}{{outcome=\"{outcome}\"}} {v}");
        }
        let name = "renderer_shared_up";
        let up = u8::from(h.reason.is_none());
        let _ = writeln!(
            out,
            "# HELP {name} 1 while the shared recipe store answers, 0 while degraded.\n# TYPE {name} gauge\n{name} {up}"
        );
    }

    /// The layer's state for `/health`.
    #[must_use]
    pub fn health(&self) -> SharedHealth {
        let reason = self.problem.lock().clone();
        SharedHealth {
            state: if reason.is_some() { "degraded" } else { "ok" },
            reason,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

/// Pings Redis every [`CONNECT_RETRY`] so `/health` follows an outage and its end even
/// without traffic; ends with the runtime.
async fn watch(
    mut c: ConnectionManager,
    problem: Arc<Mutex<Option<String>>>,
    errors: Arc<AtomicU64>,
) {
    loop {
        tokio::time::sleep(CONNECT_RETRY).await;
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut c),
        )
        .await;
        match r {
            Ok(Ok(_)) => *problem.lock() = None,
            Ok(Err(e)) => {
                errors.fetch_add(1, Ordering::Relaxed);
                *problem.lock() = Some(format!("Redis PING failed: {e}"));
            }
            Err(_) => {
                errors.fetch_add(1, Ordering::Relaxed);
                *problem.lock() = Some(format!("Redis PING took longer than {CALL_TIMEOUT:?}"));
            }
        }
    }
}

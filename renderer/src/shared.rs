//! [`SharedStore`]: the layer that lets every replica serve every texture URL. A chunk's
//! recipe (its canonical request, a few hundred bytes to a few hundred KiB) is written to
//! Redis (`CG3_REDIS_URL`) when its texture is handed out, with a TTL of
//! `CG3_REDIS_RETENTION_SECONDS` refreshed on every hand-out; a replica asked for a texture
//! it never rendered reads the recipe there and renders it. PNGs up to
//! `CG3_REDIS_TEXTURE_MAX_BYTES` are written too (for at most [`TEXTURE_TTL`]), so that
//! replica can skip the render; with `maxmemory-policy volatile-ttl` Redis's own eviction
//! drops those before any recipe under memory pressure.
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

/// Longest life of a shared texture: shorter than any sensible recipe retention, so a Redis
/// with `maxmemory-policy volatile-ttl` evicts textures (cheap to render again) before
/// recipes (whose loss makes a URL unknown).
pub const TEXTURE_TTL: Duration = Duration::from_secs(24 * 3600);

/// After Redis answers again, how long an absent recipe still counts as "cannot tell":
/// other replicas are writing their backlogs (within one PING period), so a texture handed
/// out during the outage may be known to another replica but not yet to Redis.
const RECOVERY_WINDOW: Duration = Duration::from_secs(6);

/// Pause between attempts to make the first connection.
const CONNECT_RETRY: Duration = Duration::from_secs(2);

/// What is kept in Redis under a texture's hash. The key schema, declared once: bump the
/// version when the value format of either kind changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The canonical chunk request (JSON text).
    Recipe,
    /// The encoded PNG.
    Texture,
}

impl Kind {
    fn key(self, hash_hex: &str) -> String {
        match self {
            Self::Recipe => format!("cg3:v1:recipe:{hash_hex}"),
            Self::Texture => format!("cg3:v1:texture:{hash_hex}"),
        }
    }
}

/// The answer of a shared lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Redis has it.
    Found(T),
    /// Redis answered: no such entry.
    Absent,
    /// Redis could not be asked (no connection, an error, too slow).
    Unavailable,
}

impl<T> Lookup<T> {
    /// The value, if found.
    pub fn found(self) -> Option<T> {
        match self {
            Self::Found(v) => Some(v),
            Self::Absent | Self::Unavailable => None,
        }
    }
}

/// How long shared entries live and which textures are shared.
#[derive(Debug, Clone, Copy)]
pub struct SharedSettings {
    /// TTL of a recipe (and a texture), refreshed on every hand-out.
    pub retention: Duration,
    /// Largest PNG written to Redis; 0 = recipes only.
    pub texture_max_bytes: usize,
}

/// Lookups of one kind.
#[derive(Debug, Default)]
struct Lookups {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Lookups {
    fn count(&self, found: bool) {
        let c = if found { &self.hits } else { &self.misses };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// The shared layer of one replica.
pub struct SharedStore {
    settings: SharedSettings,
    /// The connection, once the first one succeeded.
    conn: Mutex<Option<ConnectionManager>>,
    /// Why the last call failed, while calls fail (cleared by a success).
    problem: Mutex<Option<String>>,
    /// When calls last started succeeding again after failing.
    recovered_at: Mutex<Option<std::time::Instant>>,
    /// Recipes handed out while Redis could not take them, written when it answers again
    /// (so URLs handed out during an outage work on every replica afterwards).
    backlog: Mutex<Backlog>,
    /// Recipe lookups.
    recipes: Lookups,
    /// Texture lookups.
    textures: Lookups,
    /// Calls that failed or timed out.
    errors: AtomicU64,
}

/// Most bytes of recipes kept for writing after an outage; beyond, the oldest are dropped
/// (their URLs then work only on the replica that handed them out).
const BACKLOG_BYTES: usize = 32 << 20;

/// Recipes not yet written, oldest first, bounded by [`BACKLOG_BYTES`].
#[derive(Debug, Default)]
struct Backlog {
    entries: std::collections::VecDeque<(String, String)>,
    /// The hashes in `entries`, so a recipe handed out again is not queued twice.
    queued: std::collections::HashSet<String>,
    bytes: usize,
    dropped: u64,
}

impl Backlog {
    fn push(&mut self, hash_hex: &str, recipe: &str) {
        if !self.queued.insert(hash_hex.to_owned()) {
            return;
        }
        self.bytes += hash_hex.len() + recipe.len();
        self.entries
            .push_back((hash_hex.to_owned(), recipe.to_owned()));
        while self.bytes > BACKLOG_BYTES {
            let Some((h, r)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= h.len() + r.len();
            self.queued.remove(&h);
            self.dropped += 1;
        }
    }

    fn take(&mut self) -> Vec<(String, String)> {
        self.bytes = 0;
        self.queued.clear();
        self.entries.drain(..).collect()
    }
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("connected", &self.conn.lock().is_some())
            .field("problem", &*self.problem.lock())
            .finish_non_exhaustive()
    }
}

/// The shared layer as `/health` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// Textures found in Redis.
    pub texture_hits: u64,
    /// Textures asked for and absent.
    pub texture_misses: u64,
    /// Calls that failed or timed out.
    pub errors: u64,
    /// Recipes waiting to be written once Redis answers.
    pub backlog: usize,
    /// Recipes dropped from a full backlog.
    pub backlog_dropped: u64,
}

/// A `CG3_REDIS_URL` that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("CG3_REDIS_URL: {0}")]
pub struct SharedError(String);

impl SharedStore {
    /// Starts connecting to `url` in the background on the current tokio runtime.
    ///
    /// # Errors
    /// [`SharedError`] when the URL is malformed or no runtime is running.
    pub fn connect(url: &str, settings: SharedSettings) -> Result<Arc<Self>, SharedError> {
        let client = redis::Client::open(url).map_err(|e| SharedError(e.to_string()))?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| SharedError(e.to_string()))?;
        let this = Arc::new(Self {
            settings,
            conn: Mutex::new(None),
            problem: Mutex::new(Some("connecting".into())),
            recovered_at: Mutex::new(None),
            backlog: Mutex::new(Backlog::default()),
            recipes: Lookups::default(),
            textures: Lookups::default(),
            errors: AtomicU64::new(0),
        });
        // The task holds a weak reference: it ends once the service drops the store.
        runtime.spawn(maintain(client, Arc::downgrade(&this)));
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
                if self.problem.lock().take().is_some() {
                    *self.recovered_at.lock() = Some(std::time::Instant::now());
                }
                Some(v)
            }
            Ok(Err(e)) => {
                self.fail(format!("Redis {what} failed: {e}"));
                None
            }
            Err(_) => {
                self.fail(format!("Redis {what} took longer than {CALL_TIMEOUT:?}"));
                None
            }
        }
    }

    /// Counts a failed call and records why; logs only when the layer turns degraded, not
    /// on every call (PINGs alone fail twice a second during an outage).
    fn fail(&self, reason: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut problem = self.problem.lock();
        if problem.is_none() {
            tracing::warn!("shared store (Redis) degraded: {reason}");
        }
        *problem = Some(reason);
    }

    /// The connection, if one was made (cloning a manager shares its connection).
    fn connection(&self) -> Option<ConnectionManager> {
        self.conn.lock().clone()
    }

    /// Writes `value` under `kind`'s key with the retention TTL. Best effort: a failure is
    /// recorded, not returned.
    async fn put(&self, kind: Kind, hash_hex: &str, value: &[u8]) -> bool {
        let Some(mut c) = self.connection() else {
            return false;
        };
        let ttl = match kind {
            Kind::Recipe => self.settings.retention,
            Kind::Texture => self.settings.retention.min(TEXTURE_TTL),
        }
        .as_secs();
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            c.set_ex::<_, _, ()>(kind.key(hash_hex), value, ttl),
        )
        .await;
        self.note("SET", r).is_some()
    }

    /// The value under `kind`'s key.
    async fn get(&self, kind: Kind, hash_hex: &str) -> Lookup<Vec<u8>> {
        let Some(mut c) = self.connection() else {
            return Lookup::Unavailable;
        };
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            c.get::<_, Option<Vec<u8>>>(kind.key(hash_hex)),
        )
        .await;
        let Some(answer) = self.note("GET", r) else {
            return Lookup::Unavailable;
        };
        match kind {
            Kind::Recipe => &self.recipes,
            Kind::Texture => &self.textures,
        }
        .count(answer.is_some());
        answer.map_or(Lookup::Absent, Lookup::Found)
    }

    /// Stores a recipe (and refreshes its TTL); while Redis cannot take it, it waits in
    /// the backlog.
    /// While Redis is known to be down the recipe goes straight to the backlog, so an
    /// outage costs a request no wait.
    pub async fn put_recipe(&self, hash_hex: &str, recipe: &str) {
        let down = self.problem.lock().is_some();
        if down || !self.put(Kind::Recipe, hash_hex, recipe.as_bytes()).await {
            self.backlog.lock().push(hash_hex, recipe);
        }
    }

    /// Writes the backlog once Redis answers again; at the first failure the rest stays
    /// for the next try.
    async fn flush_backlog(&self) {
        let pending = self.backlog.lock().take();
        let total = pending.len();
        let mut written = 0;
        let mut rest = pending.into_iter();
        for (hash_hex, recipe) in rest.by_ref() {
            if self.put(Kind::Recipe, &hash_hex, recipe.as_bytes()).await {
                written += 1;
            } else {
                let mut backlog = self.backlog.lock();
                backlog.push(&hash_hex, &recipe);
                break;
            }
        }
        let mut backlog = self.backlog.lock();
        for (hash_hex, recipe) in rest {
            backlog.push(&hash_hex, &recipe);
        }
        if total > 0 {
            tracing::info!(written, total, "recipes from the outage written to Redis");
        }
    }

    /// The recipe of `hash_hex` (a value that is not UTF-8 counts as absent). Just after
    /// an outage an absent recipe is reported as unavailable: see `RECOVERY_WINDOW`.
    pub async fn get_recipe(&self, hash_hex: &str) -> Lookup<String> {
        match self.get(Kind::Recipe, hash_hex).await {
            Lookup::Found(bytes) => String::from_utf8(bytes).map_or(Lookup::Absent, Lookup::Found),
            Lookup::Absent if self.recovering() => Lookup::Unavailable,
            Lookup::Absent => Lookup::Absent,
            Lookup::Unavailable => Lookup::Unavailable,
        }
    }

    /// Whether Redis came back less than [`RECOVERY_WINDOW`] ago.
    fn recovering(&self) -> bool {
        self.recovered_at
            .lock()
            .is_some_and(|t| t.elapsed() < RECOVERY_WINDOW)
    }

    /// Whether textures are shared at all, and this one is small enough.
    #[must_use]
    pub fn shares_texture(&self, len: usize) -> bool {
        len <= self.settings.texture_max_bytes
    }

    /// Stores a texture's PNG when it is within the size cap.
    pub async fn put_texture(&self, hash_hex: &str, png: &[u8]) {
        if self.shares_texture(png.len()) {
            self.put(Kind::Texture, hash_hex, png).await;
        }
    }

    /// The PNG of `hash_hex`, if textures are shared and Redis still has it.
    pub async fn get_texture(&self, hash_hex: &str) -> Option<Vec<u8>> {
        if self.settings.texture_max_bytes == 0 {
            return None;
        }
        self.get(Kind::Texture, hash_hex).await.found()
    }

    /// The layer's state for `/health`.
    #[must_use]
    pub fn health(&self) -> SharedHealth {
        let reason = self.problem.lock().clone();
        let backlog = self.backlog.lock();
        SharedHealth {
            state: if reason.is_some() { "degraded" } else { "ok" },
            reason,
            hits: self.recipes.hits.load(Ordering::Relaxed),
            misses: self.recipes.misses.load(Ordering::Relaxed),
            texture_hits: self.textures.hits.load(Ordering::Relaxed),
            texture_misses: self.textures.misses.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            backlog: backlog.entries.len(),
            backlog_dropped: backlog.dropped,
        }
    }
}

/// Connects (retrying every [`CONNECT_RETRY`]), then pings Redis as often so `/health`
/// follows an outage and its end even without traffic, writing the backlog whenever Redis
/// answers. Ends when the store is dropped.
async fn maintain(client: redis::Client, store: std::sync::Weak<SharedStore>) {
    // The manager reconnects by itself after a lost connection; its retries are kept short
    // (its default back-off grows to minutes) and, as a second line, the connection is
    // rebuilt from scratch after a few failed PINGs in a row.
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(CALL_TIMEOUT * 4)
        .set_response_timeout(CALL_TIMEOUT)
        .set_number_of_retries(2)
        .set_max_delay(CONNECT_RETRY.as_millis() as u64 / 4);
    let mut conn = loop {
        let attempt = ConnectionManager::new_with_config(client.clone(), config.clone()).await;
        let Some(this) = store.upgrade() else { return };
        match attempt {
            Ok(c) => {
                *this.conn.lock() = Some(c.clone());
                if this.problem.lock().take().is_some() && this.errors.load(Ordering::Relaxed) > 0 {
                    // Connected after failed attempts: other replicas may hold backlogs.
                    *this.recovered_at.lock() = Some(std::time::Instant::now());
                }
                tracing::info!("shared store (Redis) connected");
                break c;
            }
            Err(e) => {
                this.errors.fetch_add(1, Ordering::Relaxed);
                *this.problem.lock() = Some(format!("cannot connect to Redis: {e}"));
                tracing::warn!("shared store (Redis) unavailable: {e}");
            }
        }
        drop(this);
        tokio::time::sleep(CONNECT_RETRY).await;
    };
    // The backlog is written only while PINGs succeed.
    let mut failed_pings = 0;
    loop {
        if failed_pings == 0
            && let Some(this) = store.upgrade()
        {
            this.flush_backlog().await;
        }
        // While down, ask more often so recovery (and the backlog) is noticed quickly.
        let pause = if failed_pings > 0 {
            CONNECT_RETRY / 4
        } else {
            CONNECT_RETRY
        };
        tokio::time::sleep(pause).await;
        let r = tokio::time::timeout(
            CALL_TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await;
        let Some(this) = store.upgrade() else { return };
        if this.note("PING", r).is_some() {
            failed_pings = 0;
            continue;
        }
        failed_pings += 1;
        if failed_pings >= 6 {
            let fresh = tokio::time::timeout(
                CALL_TIMEOUT * 8,
                ConnectionManager::new_with_config(client.clone(), config.clone()),
            )
            .await;
            if let Ok(Ok(c)) = fresh {
                tracing::info!("shared store (Redis) reconnected");
                *this.conn.lock() = Some(c.clone());
                conn = c;
                failed_pings = 5;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backlog_keeps_one_copy_per_hash_and_drops_the_oldest_beyond_its_budget() {
        let mut b = Backlog::default();
        b.push("aa", "r1");
        b.push("aa", "r1");
        assert_eq!(b.entries.len(), 1, "deduplicated");
        let big = "x".repeat(BACKLOG_BYTES / 2 - 2);
        b.push("bb", &big);
        b.push("cc", &big);
        assert_eq!(b.dropped, 1, "the oldest went");
        let hashes: Vec<&str> = b.entries.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(hashes, ["bb", "cc"]);
        assert!(!b.queued.contains("aa"), "a dropped hash is forgotten");
        assert!(b.bytes <= BACKLOG_BYTES);
        assert_eq!(b.take().len(), 2);
        assert_eq!((b.entries.len(), b.bytes), (0, 0));
        b.push("aa", "r1");
        assert_eq!(
            b.entries.len(),
            1,
            "a dropped or written hash may be queued again"
        );
    }

    #[test]
    fn keys_carry_the_kind_and_a_schema_version() {
        assert_eq!(Kind::Recipe.key("ab"), "cg3:v1:recipe:ab");
        assert_eq!(Kind::Texture.key("ab"), "cg3:v1:texture:ab");
    }
}

//! `RendererClient`: chunk textures over HTTP(S) (reqwest: pooled connections, rustls) with
//! per-attempt timeouts, retries with jittered backoff on connection errors and 503
//! (honouring `Retry-After`), a circuit breaker, and a background `/health` check. Every
//! call ends in a [`ChunkOutcome`]; nothing here panics or blocks the caller past
//! `timeout * (1 + max_retries)` plus backoff.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url, header};

use crate::backoff::{Backoff, random_seed};
use crate::breaker::{Admission, Breaker, CircuitState};
use crate::config::ClientConfig;
use crate::stats::{ClientStats, StatsSnapshot};
use crate::wire::chunk::{ChunkJson, ChunkResponse};

const TARGET: &str = "renderer.client";

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL is not an absolute `http://` or `https://` URL.
    #[error("base URL `{0}` must be an absolute http:// or https:// URL")]
    BaseUrl(String),
    /// The HTTP client could not be built (TLS set-up, an unreadable certificate).
    #[error("HTTP client: {0}")]
    Http(String),
}

/// A finished texture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texture {
    /// Absolute URL of the PNG (content-addressed, cacheable forever).
    pub url: String,
    /// The texture's content hash.
    pub hash: String,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
}

/// Why no texture came back; the chunk goes out without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The breaker is open: the renderer failed recently, no request was sent.
    BreakerOpen,
    /// No connection (refused, reset, DNS) after the retries.
    Unreachable(String),
    /// 503 after the retries, or a `Retry-After` longer than we wait.
    Overloaded,
    /// An attempt ran past the timeout.
    Timeout,
    /// 4xx: the request itself is wrong (a bug in the game server, not an outage).
    Rejected {
        /// HTTP status.
        status: u16,
        /// The renderer's error message.
        message: String,
    },
    /// Another 5xx.
    ServerError {
        /// HTTP status.
        status: u16,
    },
    /// A 200 whose body was not the documented JSON.
    BadResponse(String),
}

impl Unavailable {
    /// A stable short code for logs and metrics.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BreakerOpen => "breaker_open",
            Self::Unreachable(_) => "unreachable",
            Self::Overloaded => "overloaded",
            Self::Timeout => "timeout",
            Self::Rejected { .. } => "rejected",
            Self::ServerError { .. } => "server_error",
            Self::BadResponse(_) => "bad_response",
        }
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BreakerOpen => write!(f, "renderer circuit open"),
            Self::Unreachable(e) => write!(f, "renderer unreachable: {e}"),
            Self::Overloaded => write!(f, "renderer overloaded (503)"),
            Self::Timeout => write!(f, "renderer timed out"),
            Self::Rejected { status, message } => write!(f, "rejected ({status}): {message}"),
            Self::ServerError { status } => write!(f, "renderer error ({status})"),
            Self::BadResponse(e) => write!(f, "unreadable renderer answer: {e}"),
        }
    }
}

/// What `render_chunk` ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Send the chunk with this texture.
    Texture(Texture),
    /// Send the chunk without a texture.
    Unavailable {
        /// Why.
        reason: Unavailable,
    },
}

impl ChunkOutcome {
    /// The texture URL, if any.
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Texture(t) => Some(&t.url),
            Self::Unavailable { .. } => None,
        }
    }
}

/// One attempt's end.
enum Attempt {
    Done(Texture),
    /// Worth another attempt after a backoff.
    Retry {
        why: Unavailable,
        retry_after: Option<Duration>,
    },
    /// No retry; `renderer_fault` decides whether the breaker counts it.
    Final {
        why: Unavailable,
        renderer_fault: bool,
    },
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    chunk_url: Url,
    health_url: Url,
    http: reqwest::Client,
    breaker: Mutex<Breaker>,
    stats: ClientStats,
    /// The last health check's verdict (true until a check says otherwise).
    healthy: AtomicBool,
    /// Per-call jitter seeds, so concurrent calls do not back off in step.
    seed: AtomicU64,
}

/// A cheap-to-clone handle; clones share the connection pool, breaker and counters.
#[derive(Debug, Clone)]
pub struct RendererClient {
    inner: Arc<Inner>,
}

impl RendererClient {
    /// A client for `config.base_url`. Needs a Tokio runtime when called.
    ///
    /// # Errors
    /// [`ClientError::BaseUrl`] when the base URL is not an absolute `http://` or
    /// `https://` URL; [`ClientError::Http`] when TLS cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let url = |path: &str| -> Result<Url, ClientError> {
            let u = Url::parse(&format!("{}{path}", config.base_url))
                .map_err(|_| ClientError::BaseUrl(config.base_url.clone()))?;
            if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
                return Err(ClientError::BaseUrl(config.base_url.clone()));
            }
            Ok(u)
        };
        let chunk_url = url("/render/chunk")?;
        let health_url = url("/health")?;
        let mut http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(30))
            .connect_timeout(config.timeout)
            .tcp_nodelay(true);
        for pem in &config.extra_root_certificates {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| ClientError::Http(format!("extra root certificate: {e}")))?;
            http = http.add_root_certificate(cert);
        }
        let http = http
            .build()
            .map_err(|e| ClientError::Http(error_chain(&e)))?;
        let breaker = Breaker::new(
            config.breaker_threshold as usize,
            config.breaker_cooldown,
            Instant::now(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                breaker: Mutex::new(breaker),
                config,
                chunk_url,
                health_url,
                http,
                stats: ClientStats::default(),
                healthy: AtomicBool::new(true),
                seed: AtomicU64::new(random_seed()),
            }),
        })
    }

    /// Asks the renderer for `chunk`'s texture.
    pub async fn render_chunk(&self, chunk: &ChunkJson) -> ChunkOutcome {
        let me = &*self.inner;
        let (cx, cy) = (chunk.chunk_x, chunk.chunk_y);
        if let Admission::Refused(_) = self.breaker().try_acquire(Instant::now()) {
            ClientStats::bump(&me.stats.breaker_open);
            tracing::debug!(target: TARGET, cx, cy, outcome = "breaker_open", "no texture");
            return ChunkOutcome::Unavailable {
                reason: Unavailable::BreakerOpen,
            };
        }
        // Plain data with string keys: serialising cannot fail.
        let body = bytes::Bytes::from(serde_json::to_vec(chunk).unwrap_or_default());
        let seed = me.seed.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let mut backoff = Backoff::new(me.config.backoff_base, me.config.backoff_max, seed);
        let started = Instant::now();
        let mut retry = 0;
        loop {
            let (why, renderer_fault) = match self.attempt(body.clone().into()).await {
                Attempt::Done(texture) => {
                    self.breaker().record_success();
                    ClientStats::bump(&me.stats.textures);
                    tracing::debug!(target: TARGET, cx, cy, outcome = "texture",
                        hash = %texture.hash, retries = retry,
                        ms = started.elapsed().as_millis() as u64, "texture ready");
                    return ChunkOutcome::Texture(texture);
                }
                Attempt::Retry { why, retry_after } => {
                    let delay = (retry < me.config.max_retries)
                        .then(|| backoff.delay(retry, retry_after))
                        .flatten();
                    if let Some(delay) = delay {
                        ClientStats::bump(&me.stats.retries);
                        tracing::debug!(target: TARGET, cx, cy, reason = why.code(),
                            delay_ms = delay.as_millis() as u64, "retrying");
                        tokio::time::sleep(delay).await;
                        retry += 1;
                        continue;
                    }
                    (why, true)
                }
                Attempt::Final {
                    why,
                    renderer_fault,
                } => (why, renderer_fault),
            };
            self.count(&why);
            if renderer_fault {
                // A failure only ever opens the breaker (or opens it again).
                if self.breaker().record_failure(Instant::now()).is_some() {
                    tracing::warn!(target: TARGET, reason = %why,
                        cooldown_ms = me.config.breaker_cooldown.as_millis() as u64,
                        "renderer circuit opened; sending chunks without textures");
                }
                tracing::info!(target: TARGET, cx, cy, outcome = why.code(), retries = retry,
                    "no texture: {why}");
            } else {
                // The renderer answered sensibly; our request was wrong.
                self.breaker().record_success();
                tracing::error!(target: TARGET, cx, cy, outcome = why.code(),
                    "renderer rejected the chunk: {why}");
            }
            return ChunkOutcome::Unavailable { reason: why };
        }
    }

    fn count(&self, why: &Unavailable) {
        let s = &self.inner.stats;
        ClientStats::bump(match why {
            Unavailable::BreakerOpen => &s.breaker_open,
            Unavailable::Unreachable(_) => &s.unreachable,
            Unavailable::Overloaded => &s.overloaded,
            Unavailable::Timeout => &s.timeouts,
            Unavailable::Rejected { .. } => &s.rejected,
            Unavailable::ServerError { .. } | Unavailable::BadResponse(_) => &s.server_errors,
        });
    }

    async fn attempt(&self, body: reqwest::Body) -> Attempt {
        let me = &*self.inner;
        let exchange = async {
            let resp = me
                .http
                .post(me.chunk_url.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(body)
                .send()
                .await?;
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let bytes = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, bytes))
        };
        match tokio::time::timeout(me.config.timeout, exchange).await {
            Err(_) => Attempt::Final {
                why: Unavailable::Timeout,
                renderer_fault: true,
            },
            Ok(Err(e)) if e.is_timeout() => Attempt::Final {
                why: Unavailable::Timeout,
                renderer_fault: true,
            },
            // Chunk requests are content-addressed and idempotent, so resending after a
            // broken connection is safe.
            Ok(Err(e)) => Attempt::Retry {
                why: Unavailable::Unreachable(error_chain(&e)),
                retry_after: None,
            },
            Ok(Ok((status, retry_after, bytes))) => self.judge(status, retry_after, &bytes),
        }
    }

    fn judge(&self, status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> Attempt {
        if status == StatusCode::OK {
            return match serde_json::from_slice::<ChunkResponse>(body) {
                Ok(a) => Attempt::Done(Texture {
                    url: self.absolute(&a.texture_url),
                    hash: a.hash,
                    width: a.width,
                    height: a.height,
                }),
                Err(e) => Attempt::Final {
                    why: Unavailable::BadResponse(e.to_string()),
                    renderer_fault: true,
                },
            };
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return Attempt::Retry {
                why: Unavailable::Overloaded,
                retry_after,
            };
        }
        if status.is_client_error() {
            let message = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
            return Attempt::Final {
                why: Unavailable::Rejected {
                    status: status.as_u16(),
                    message,
                },
                renderer_fault: false,
            };
        }
        Attempt::Final {
            why: Unavailable::ServerError {
                status: status.as_u16(),
            },
            renderer_fault: true,
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            format!("{}{url}", self.inner.config.base_url)
        }
    }

    /// One `GET /health`; true when it answers 200 within the timeout. A healthy answer
    /// while the breaker is open lets the next chunk call probe at once.
    pub async fn check_health(&self) -> bool {
        let me = &*self.inner;
        let ok = matches!(
            tokio::time::timeout(me.config.timeout, me.http.get(me.health_url.clone()).send())
                .await,
            Ok(Ok(resp)) if resp.status() == StatusCode::OK
        );
        let was = me.healthy.swap(ok, Ordering::Relaxed);
        if ok {
            ClientStats::bump(&me.stats.health_ok);
            self.breaker().end_cooldown(Instant::now());
            if !was {
                tracing::info!(target: TARGET, "renderer is healthy again");
            }
        } else {
            ClientStats::bump(&me.stats.health_failed);
            if was {
                tracing::warn!(target: TARGET, "renderer health check failed");
            }
        }
        ok
    }

    /// Checks `/health` every `health_interval` until the returned task is aborted.
    #[must_use = "abort the task to stop the checks"]
    pub fn spawn_health_check(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(this.inner.config.health_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                this.check_health().await;
            }
        })
    }

    /// The last health check's verdict.
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.inner.healthy.load(Ordering::Relaxed)
    }

    /// The breaker's state.
    #[must_use]
    pub fn breaker_state(&self) -> CircuitState {
        self.breaker().state()
    }

    /// The breaker, locked. A panic while it was held cannot leave it inconsistent (each
    /// method is one small state change), so a poisoned lock is used as it is.
    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.inner
            .breaker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The counters now.
    #[must_use]
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot()
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }
}

/// An error and its sources on one line ("client error (Connect): connection refused").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

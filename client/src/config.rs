//! Client settings, with defaults chosen for a game server's tick budget.

use std::time::Duration;

/// How a `RendererClient` talks to the renderer.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where the renderer listens: `http://renderer:8001`, or `https://…` behind a TLS
    /// terminator (rustls with the WebPKI roots).
    pub base_url: String,
    /// Limit for one attempt, connect + response body. Default 2 s.
    pub timeout: Duration,
    /// Extra attempts after the first, on connection errors and 503. Default 2.
    pub max_retries: u32,
    /// First backoff step; doubles per retry. Default 50 ms.
    pub backoff_base: Duration,
    /// Longest wait between attempts, also the most `Retry-After` we honour before giving
    /// up on this call. Default 1 s.
    pub backoff_max: Duration,
    /// Consecutive failed calls that open the breaker. Default 5.
    pub breaker_threshold: u32,
    /// How long the breaker stays open before one probe is let through. Default 5 s.
    pub breaker_cooldown: Duration,
    /// Period of the background `/health` check. Default 2 s.
    pub health_interval: Duration,
    /// PEM certificates trusted besides the WebPKI roots, for a renderer behind a TLS
    /// terminator with a private CA. Default none.
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl ClientConfig {
    /// Defaults for the renderer at `base_url`.
    #[must_use]
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(2),
            max_retries: 2,
            backoff_base: Duration::from_millis(50),
            backoff_max: Duration::from_secs(1),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(5),
            health_interval: Duration::from_secs(2),
            extra_root_certificates: Vec::new(),
        }
    }
}

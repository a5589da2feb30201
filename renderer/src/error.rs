//! `RenderError`: why the render path (cats, sheets, chunk textures) gave no image, in the
//! service's own terms. It knows no HTTP; `http::error` maps each variant to a status and a
//! stable code.

use std::time::Duration;

use pipeline::ParamError;

/// Why no image came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The request parses but is not allowed (unknown name, out of range, over a limit).
    #[error(transparent)]
    Invalid(#[from] ParamError),
    /// The queue is full.
    #[error("render queue is full")]
    QueueFull,
    /// The breaker refuses work for this long.
    #[error("circuit open for {0:?}")]
    CircuitOpen(Duration),
    /// Draining for shutdown.
    #[error("shutting down")]
    ShuttingDown,
    /// The deadline passed before the work was done.
    #[error("deadline exceeded")]
    DeadlineExceeded,
    /// No such texture (and no recipe to render it from).
    #[error("{0}")]
    NotFound(String),
    /// The texture is unknown here and the shared store cannot be asked now.
    #[error("shared store unavailable")]
    SharedUnavailable,
    /// A bug or a failed backend; the detail went to the log.
    #[error("internal error")]
    Internal,
}

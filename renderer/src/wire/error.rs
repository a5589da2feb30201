//! The error body every route answers with: `{"error": {"code", "message", "field"?,
//! "allowed"?}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The stable, machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 422: parses but is not allowed (unknown name, out of range).
    InvalidParams,
    /// 400: the body is not JSON.
    MalformedJson,
    /// 413: the body is larger than `CG3_MAX_BODY_BYTES`.
    BodyTooLarge,
    /// 408: the body did not arrive within `CG3_BODY_READ_TIMEOUT_MS`.
    BodyTimeout,
    /// 503: `CG3_MAX_CONNECTIONS` connections are open.
    TooManyConnections,
    /// 503: the render queue is full.
    QueueFull,
    /// 503: the breaker is open.
    CircuitOpen,
    /// 504: the render deadline passed.
    DeadlineExceeded,
    /// 404: no such route, sprite, sheet or texture.
    NotFound,
    /// 405: the path is served, not with this method.
    MethodNotAllowed,
    /// 503: draining for shutdown.
    ShuttingDown,
    /// 503: texture unknown here and Redis cannot be asked now.
    SharedStoreUnavailable,
    /// 500: a bug; details in the log only.
    Internal,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable message (no internal detail).
    pub message: String,
    /// The offending field (`payload.params.colour`, `layers[1][17]`, …) for 422s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The allowed values, when the field takes a name and the list is short enough.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

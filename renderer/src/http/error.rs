//! `ApiError`: every error the API answers, with its status, stable code and public message.
//! Internal detail never reaches the body; it goes to the log.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pipeline::ParamError;

use crate::error::RenderError;
use crate::wire::error::{ErrorBody, ErrorCode, ErrorDetail};

/// An API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Input that parses but is not allowed (unknown name, out of range): 422.
    #[error("{message}")]
    InvalidParams {
        /// The offending field.
        field: Option<String>,
        /// What is wrong.
        message: String,
        /// Allowed values, when the field takes a name.
        allowed: Vec<String>,
    },
    /// The body is not JSON: 400.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The body is larger than the limit: 413.
    #[error("request body larger than {0} bytes")]
    BodyTooLarge(usize),
    /// The body did not arrive whole within the body-read deadline: 408.
    #[error("request body not received within {} ms", .0.as_millis())]
    BodyTimeout(Duration),
    /// The server holds as many connections as it may (`CG3_MAX_CONNECTIONS`): 503 +
    /// Retry-After, and the connection is closed.
    #[error("too many open connections; retry shortly")]
    TooManyConnections,
    /// The queue is full: 503 + Retry-After.
    #[error("render queue is full; retry shortly")]
    QueueFull,
    /// The breaker is open: 503 + Retry-After.
    #[error("renderer is failing; circuit open")]
    CircuitOpen(Duration),
    /// The deadline passed: 504.
    #[error("render deadline exceeded")]
    DeadlineExceeded,
    /// No such route, sprite or sheet: 404.
    #[error("{0}")]
    NotFound(String),
    /// The method is not served on this path: 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Draining for shutdown: 503 + Retry-After.
    #[error("server is shutting down")]
    ShuttingDown,
    /// This replica does not know the texture and the shared store (Redis) cannot be asked
    /// now: 503 + Retry-After (another replica, or this one later, can answer).
    #[error("texture unknown to this replica and the shared store is unavailable; retry shortly")]
    SharedUnavailable,
    /// A bug; details are in the log only: 500.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A 422 naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidParams {
            field: Some(field.into()),
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParams { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::QueueFull
            | Self::TooManyConnections
            | Self::CircuitOpen(_)
            | Self::ShuttingDown
            | Self::SharedUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidParams { .. } => ErrorCode::InvalidParams,
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::BodyTooLarge(_) => ErrorCode::BodyTooLarge,
            Self::BodyTimeout(_) => ErrorCode::BodyTimeout,
            Self::TooManyConnections => ErrorCode::TooManyConnections,
            Self::QueueFull => ErrorCode::QueueFull,
            Self::CircuitOpen(_) => ErrorCode::CircuitOpen,
            Self::DeadlineExceeded => ErrorCode::DeadlineExceeded,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::ShuttingDown => ErrorCode::ShuttingDown,
            Self::SharedUnavailable => ErrorCode::SharedStoreUnavailable,
            Self::Internal => ErrorCode::Internal,
        }
    }

    /// Seconds a client should wait before retrying, for 503s.
    #[must_use]
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::QueueFull => Some(1),
            Self::CircuitOpen(d) => {
                Some(d.as_secs() + u64::from(d.subsec_nanos() > 0)).map(|s| s.max(1))
            }
            Self::ShuttingDown => Some(5),
            Self::SharedUnavailable | Self::TooManyConnections => Some(1),
            _ => None,
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> Self {
        Self::InvalidParams {
            field: Some(e.field),
            message: e.message,
            allowed: e.allowed,
        }
    }
}

impl From<RenderError> for ApiError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Invalid(p) => p.into(),
            RenderError::QueueFull => Self::QueueFull,
            RenderError::CircuitOpen(wait) => Self::CircuitOpen(wait),
            RenderError::ShuttingDown => Self::ShuttingDown,
            RenderError::DeadlineExceeded => Self::DeadlineExceeded,
            RenderError::NotFound(what) => Self::NotFound(what),
            RenderError::SharedUnavailable => Self::SharedUnavailable,
            RenderError::Internal => Self::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, code, retry_after) = (self.status(), self.code(), self.retry_after());
        let (field, allowed) = match self {
            Self::InvalidParams { field, allowed, .. } => (field, allowed),
            _ => (None, Vec::new()),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
                allowed,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

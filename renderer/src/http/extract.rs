//! `JsonBody<T>`: a JSON extractor (and `JsonBytes`, the body it reads, for types that
//! borrow from it) whose rejections are our JSON errors (axum's own are plain
//! text): too large → 413, not JSON → 400, JSON of the wrong shape → 422, not received
//! whole within `CG3_BODY_READ_TIMEOUT_MS` → 408 (a body trickled slower than that cannot
//! hold a connection and a task for longer).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::state::AppState;

/// A JSON body parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// A body read whole, not yet parsed: for handlers that [`parse`] it into a type borrowing
/// from it (`POST /render` reads its cat's names in place). Rejections as [`JsonBody`]'s.
#[derive(Debug)]
pub struct JsonBytes(pub Bytes);

impl FromRequest<AppState> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let deadline = state.config.body_read_timeout;
        let bytes = tokio::time::timeout(deadline, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::BodyTimeout(deadline))?
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge(state.config.max_body_bytes.get())
                } else {
                    ApiError::MalformedJson(r.body_text())
                }
            })?;
        Ok(Self(bytes))
    }
}

/// Parses JSON bytes: syntax errors are 400, shape errors 422.
///
/// # Errors
/// As described.
pub fn parse<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::InvalidParams {
                field: None,
                message: e.to_string(),
                allowed: Vec::new(),
            },
            Category::Io | Category::Syntax | Category::Eof => {
                ApiError::MalformedJson(e.to_string())
            }
        }
    })
}

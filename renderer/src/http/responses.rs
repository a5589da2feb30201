//! The answers several routes share, as OpenAPI response sets for the handlers'
//! `#[utoipa::path]` annotations: bodies are [`ErrorBody`]; the statuses are those
//! [`super::error::ApiError`] maps its variants to.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::{RefOr, Type};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

use crate::wire::error::ErrorBody;

/// A PNG image, as a response body's schema.
#[derive(Debug, Clone, Copy)]
pub struct PngBytes;

impl PartialSchema for PngBytes {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("image/png")
            .into()
    }
}

impl ToSchema for PngBytes {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Png")
    }
}

/// What a JSON body can be refused for.
#[derive(Debug, IntoResponses)]
pub enum BodyErrors {
    /// malformed_json: the body is not JSON, or not the documented shape.
    #[response(status = 400)]
    MalformedJson(ErrorBody),
    /// body_timeout: not received whole within `CG3_BODY_READ_TIMEOUT_MS`.
    #[response(status = 408)]
    BodyTimeout(ErrorBody),
    /// body_too_large: over `CG3_MAX_BODY_BYTES`.
    #[response(status = 413)]
    BodyTooLarge(ErrorBody),
    /// invalid_params: parses but is not allowed; `field` names it, `allowed` lists the
    /// names where the list is short.
    #[response(status = 422)]
    InvalidParams(ErrorBody),
}

/// Work the service cannot take now, or did not finish in time.
#[derive(Debug, IntoResponses)]
pub enum Refusals {
    /// queue_full, circuit_open or shutting_down; retry after `Retry-After` seconds.
    #[response(status = 503, headers(("Retry-After" = u64, description = "seconds to wait")))]
    Unavailable(ErrorBody),
    /// deadline_exceeded: the render did not finish within `CG3_RENDER_TIMEOUT_MS`.
    #[response(status = 504)]
    Deadline(ErrorBody),
}

/// A bug; the detail is in the log only.
#[derive(Debug, IntoResponses)]
#[response(status = 500)]
pub struct Internal(pub ErrorBody);

/// No such sprite, sheet, cell, texture or file.
#[derive(Debug, IntoResponses)]
#[response(status = 404)]
pub struct NotFound(pub ErrorBody);

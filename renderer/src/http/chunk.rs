//! Chunk texture routes: `POST /render/chunk` (JSON in, texture URL out) and
//! `GET /textures/{hash}.png` (the PNG, cacheable forever). Handlers only parse and
//! resolve; composition runs on the worker pool through [`crate::textures`].

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::conditional::{self, Freshness};
use super::error::ApiError;
use super::extract::JsonBody;
use super::responses::{BodyErrors, Internal, PngBytes, Refusals};
use crate::metrics::Outcome;
use crate::render_path::Served;
use crate::state::AppState;
use crate::textures::Texture;
use crate::wire::chunk::{ChunkJson, ChunkResponse};
use crate::wire::error::ErrorBody;

/// `POST /render/chunk`.
#[utoipa::path(post, path = "/render/chunk", tag = "chunks",
    summary = "Compose a chunk texture (tile layers + entities); returns its content-addressed URL",
    description = "Limits (422 naming the field when exceeded): CG3_CHUNK_MAX_GRID tiles a side, \
        tileSize in CG3_CHUNK_MIN_TILE_SIZE..=CG3_CHUNK_MAX_TILE_SIZE, CG3_CHUNK_MAX_CANVAS px a side, \
        CG3_CHUNK_MAX_LAYERS layers, CG3_CHUNK_MAX_ENTITIES entities, entities within \
        CG3_CHUNK_MAX_OFFSET px of the canvas. Identical chunks (any key order or whitespace, any \
        chunkX/chunkY) share one hash and URL.",
    request_body = ChunkJson,
    responses(
        (status = 200, description = "The texture's URL and size", body = ChunkResponse),
        BodyErrors, Refusals, Internal))]
pub async fn render_chunk(
    State(state): State<AppState>,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    let t0 = Instant::now();
    let result = async {
        let JsonBody(body) = body?;
        let planned = state.path.plan_chunk(&body)?;
        let (texture, served) = state.path.chunk_texture(&planned).await?;
        Ok::<_, ApiError>((planned, texture, served))
    }
    .await;
    let (planned, texture, served) = match result {
        Ok(ok) => ok,
        Err(e) => {
            state.metrics.chunk_request(outcome_of(&e));
            return Err(e);
        }
    };
    state.metrics.chunk_request(served.outcome());
    let hash = &planned.plan.hash;
    Ok(Json(ChunkResponse {
        texture_url: format!("/textures/{hash}.png"),
        hash: hash.clone(),
        width: texture.width,
        height: texture.height,
        cached: matches!(served, Served::Cached | Served::Shared),
        render_ms: t0.elapsed().as_secs_f64() * 1e3,
        chunk_x: planned.request.chunk_x,
        chunk_y: planned.request.chunk_y,
    })
    .into_response())
}

/// The chunk outcome an error stands for (`renderer_chunk_requests_total{outcome}`).
const fn outcome_of(e: &ApiError) -> Outcome {
    match e {
        ApiError::InvalidParams { .. }
        | ApiError::MalformedJson(_)
        | ApiError::BodyTooLarge(_)
        | ApiError::BodyTimeout(_)
        | ApiError::NotFound(_)
        | ApiError::MethodNotAllowed => Outcome::Invalid,
        ApiError::QueueFull | ApiError::TooManyConnections => Outcome::QueueFull,
        ApiError::CircuitOpen(_) => Outcome::CircuitOpen,
        ApiError::ShuttingDown => Outcome::ShuttingDown,
        ApiError::DeadlineExceeded => Outcome::DeadlineExceeded,
        // Only a texture GET meets the shared store's absence; counted as a failure.
        ApiError::Internal | ApiError::SharedUnavailable => Outcome::Failed,
    }
}

/// `GET /textures/{hash}.png`. The name is only ever parsed as hex, never used as a path.
#[utoipa::path(get, path = "/textures/{hash}.png", tag = "chunks",
    summary = "A chunk texture by hash (re-rendered from its recipe if it was evicted)",
    params(("hash" = String, Path, pattern = "^[0-9a-f]{64}$",
            description = "64 lowercase hex digits from POST /render/chunk")),
    responses(
        (status = 200, description = "The texture; `Cache-Control: public, max-age=31536000, immutable`; strong ETag",
         body = PngBytes, content_type = "image/png"),
        (status = 304, description = "`If-None-Match` matched"),
        (status = 404, description = "not_found: malformed hash, or unknown (no texture and no recipe: POST the chunk again)", body = ErrorBody),
        (status = 503, description = "queue_full, circuit_open, shutting_down, or shared_store_unavailable \
            (unknown here and Redis cannot be asked now: another replica may know it); see Retry-After",
         body = ErrorBody, headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 504, description = "deadline_exceeded", body = ErrorBody),
        Internal))]
pub async fn texture(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let hex = file.strip_suffix(".png").unwrap_or("");
    let (texture, _) = state.path.fetch_texture(hex).await?;
    Ok(texture_response(&headers, &texture))
}

/// The PNG with immutable caching and its strong ETag; 304 when `If-None-Match` matches.
fn texture_response(headers: &HeaderMap, t: &Arc<Texture>) -> Response {
    conditional::respond(
        headers,
        t.etag.clone(),
        Freshness::Immutable,
        "image/png",
        t.png.clone(),
    )
}

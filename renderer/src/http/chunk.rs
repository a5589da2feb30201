//! Chunk texture routes: `POST /render/chunk` (JSON in, texture URL out) and
//! `GET /textures/{hash}.png` (the PNG, cacheable forever). Handlers only parse and
//! resolve; composition runs on the worker pool through [`crate::textures`].

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::JsonBody;
use crate::state::AppState;
use crate::textures::metrics::ChunkOutcome;
use crate::textures::{Served, Texture};

/// `POST /render/chunk`.
pub async fn render_chunk(
    State(state): State<AppState>,
    body: Result<JsonBody<Value>, ApiError>,
) -> Result<Response, ApiError> {
    let t0 = Instant::now();
    let result = async {
        let JsonBody(body) = body?;
        let planned = state.plan_chunk(&body)?;
        let (texture, served) = state.chunk_texture(&planned).await?;
        Ok::<_, ApiError>((planned, texture, served))
    }
    .await;
    let metrics = &state.textures.metrics;
    let (planned, texture, served) = match result {
        Ok(ok) => ok,
        Err(e) => {
            metrics.chunk(ChunkOutcome::of_error(&e));
            return Err(e);
        }
    };
    metrics.chunk(match served {
        Served::Cached => ChunkOutcome::Cached,
        Served::Shared => ChunkOutcome::Shared,
        Served::Rendered => ChunkOutcome::Rendered,
        Served::Coalesced => ChunkOutcome::Coalesced,
    });
    let hash = &planned.plan.hash;
    Ok(Json(json!({
        "textureUrl": format!("/textures/{hash}.png"),
        "hash": hash,
        "width": texture.width,
        "height": texture.height,
        "cached": matches!(served, Served::Cached | Served::Shared),
        "renderMs": t0.elapsed().as_secs_f64() * 1e3,
        "chunkX": planned.request.chunk_x,
        "chunkY": planned.request.chunk_y,
    }))
    .into_response())
}

/// `GET /textures/{hash}.png`. The name is only ever parsed as hex, never used as a path.
pub async fn texture(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let hex = file.strip_suffix(".png").unwrap_or("");
    let (texture, _) = state.fetch_texture(hex).await?;
    Ok(texture_response(&headers, &texture))
}

/// The PNG with immutable caching and its strong ETag; 304 when `If-None-Match` matches.
fn texture_response(headers: &HeaderMap, t: &Arc<Texture>) -> Response {
    let etag = t.etag.as_bytes();
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        // Weak comparison, as RFC 9110 §13.1.2 asks for If-None-Match.
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag);
    let mut h = HeaderMap::new();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::ETAG, t.etag.clone());
    if matches {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    (h, t.png.clone()).into_response()
}

//! `/sprites/...`: the index, the offset map, whole sheets (only those the index names —
//! never a path from the client) and single cells.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pipeline::{POSES, Pose};

use super::conditional::{self, Freshness};
use super::error::ApiError;
use super::render::output_response;
use super::responses::{Internal, NotFound, PngBytes};
use crate::state::AppState;

fn json_bytes(bytes: axum::body::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

/// `GET /sprites/index.json`.
#[utoipa::path(get, path = "/sprites/index.json", tag = "sprites",
    summary = "spritesIndex.json: group → sheet and offset",
    responses((status = 200, description = "The index as loaded", body = Object)))]
pub async fn index(State(state): State<AppState>) -> Response {
    json_bytes(state.sprite_index.clone())
}

/// `GET /sprites/offsets.json`.
#[utoipa::path(get, path = "/sprites/offsets.json", tag = "sprites",
    summary = "spritesOffsetMap.json: pose → cell",
    responses((status = 200, description = "The offset map as loaded", body = Vec<Object>)))]
pub async fn offsets(State(state): State<AppState>) -> Response {
    json_bytes(state.sprite_offsets.clone())
}

/// `GET /sprites/{sheet}.png`.
#[utoipa::path(get, path = "/sprites/{sheet}.png", tag = "sprites",
    summary = "A whole sheet named by the index",
    params(("sheet" = String, Path, description = "a sheet name of /sprites/index.json")),
    responses(
        (status = 200, description = "The sheet", body = PngBytes, content_type = "image/png"),
        (status = 304, description = "`If-None-Match` matched"),
        NotFound, Internal))]
pub async fn sheet(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no sprite sheet `{file}`"));
    let name = file.strip_suffix(".png").ok_or_else(not_found)?;
    // The path is built from the repository's own sheet name, never from the request.
    let sheet = state
        .repo
        .sheets()
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(not_found)?;
    let path = state.sprite_root.join(format!("{}.png", sheet.name));
    let vanished = |e: std::io::Error| {
        tracing::error!(path = %path.display(), error = %e, "sheet vanished from disk");
        ApiError::Internal
    };
    // The file is served as it is on disk, which may change under the same URL (new art):
    // a validator from its length and modification time, as static file servers use, so a
    // revalidation is answered without reading or hashing the file.
    let meta = tokio::fs::metadata(&path).await.map_err(vanished)?;
    let etag = file_etag(&meta);
    let matched = conditional::not_modified(&headers, &etag);
    let bytes = if matched {
        Vec::new()
    } else {
        tokio::fs::read(&path).await.map_err(vanished)?
    };
    Ok(conditional::answer(
        matched,
        etag,
        Freshness::Revalidate,
        "image/png",
        bytes,
    ))
}

/// `"<length>-<mtime ns>"` in hex.
fn file_etag(meta: &std::fs::Metadata) -> HeaderValue {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    crate::cache::etag_header(&format!("\"{:x}-{mtime:x}\"", meta.len()))
}

/// `GET /sprites/{group}/{pose}.png`: one 50×50 cell.
#[utoipa::path(get, path = "/sprites/{group}/{pose}.png", tag = "sprites",
    summary = "One 50×50 cell",
    params(("group" = String, Path, description = "a sprite group of /sprites/index.json"),
           ("pose" = u8, Path, maximum = 20)),
    responses(
        (status = 200, description = "The cell", body = PngBytes, content_type = "image/png"),
        (status = 304, description = "`If-None-Match` matched"),
        NotFound, Internal))]
pub async fn cell(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((group, pose)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let gid = state
        .repo
        .group(&group)
        .ok_or_else(|| ApiError::NotFound(format!("no sprite group `{group}`")))?;
    let n = pose.strip_suffix(".png").unwrap_or(&pose);
    let pose =
        n.parse::<u8>().ok().and_then(Pose::new).ok_or_else(|| {
            ApiError::NotFound(format!("pose must be 0..{} (got `{n}`)", POSES - 1))
        })?;
    let (out, _) = state.path.cell(&group, gid, pose).await?;
    Ok(output_response(&headers, &out))
}

//! The render routes: `POST /render`, `POST /render/batch`, `GET /render.png`. Handlers only
//! validate and plan; the work goes through [`crate::render_path::RenderPath::render`].
//!
//! - this file: what the routes share — reading the parameter object, planning, answering
//!   JSON or PNG.
//! - `cat`: `POST /render` (one cat, optionally its layers) and `GET /render.png`.
//! - `batch`: `POST /render/batch`, CatGenerator's sprite sheets.

mod batch;
mod cat;

pub use batch::{__path_render_batch, FRAME_MODES, LAYER_IDS, MAX_SHEET_PIXELS, render_batch};
pub use cat::{__path_render, __path_render_png, render, render_png};

use std::time::{Instant, SystemTime};

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use pipeline::plan::Plan;
use pipeline::{CatParams, CatSpec};
use serde_json::{Map, Value};
use serde_json_borrow::{ObjectAsVec, Value as Borrowed};

use crate::cache::etag_header;
use crate::http::conditional::{self, Freshness};
use crate::http::error::ApiError;
use crate::job::JobOutput;
use crate::state::AppState;
use crate::time::rfc3339;
use crate::wire::render::{Meta, Payload};

/// The parameter object of a request's `payload`, taken out of it (not copied).
fn params_object<'a>(payload: Payload<'a>, field: &str) -> Result<ObjectAsVec<'a>, ApiError> {
    let mut obj = match payload.params {
        None | Some(Borrowed::Null) => ObjectAsVec::default(),
        Some(Borrowed::Object(m)) => m,
        Some(_) => return Err(ApiError::invalid(field, "must be a JSON object")),
    };
    // CatGenerator's `params.setdefault("spriteNumber", payload.spriteNumber)`: the pose in
    // `params` wins; the payload's fills in when `params` has none. (`CatParams` reads the
    // last of keys sent twice, so the pose goes in last.)
    let last = |k: &str| obj.iter().filter(|(key, _)| *key == k).last();
    let has_pose = last("spriteNumber")
        .or_else(|| last("sprite_number"))
        .is_some_and(|(_, v)| !v.is_null());
    if !has_pose
        && let Some(n) = payload.sprite_number
        && !n.is_null()
    {
        obj.insert_unchecked_and_get_mut("spriteNumber", n);
    }
    Ok(obj)
}

fn plan_of(state: &AppState, obj: &Map<String, Value>) -> Result<(CatParams, Plan), ApiError> {
    let params = CatParams::from_map(obj)?;
    let plan = plan_cat(state, &params)?;
    Ok((params, plan))
}

/// The cat's plan against the loaded art; an unknown sprite or palette name is an error
/// naming the field.
fn plan_cat(state: &AppState, params: &CatParams) -> Result<Plan, ApiError> {
    Ok(Plan::for_cat(&CatSpec::resolve(params, &state.repo)?))
}

/// A JSON answer, written by `write` (the answer's own writer, which sizes the buffer once
/// where axum's `Json` starts at 128 bytes and grows a cat's 5 KB answer six times).
fn json_written(write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) -> Response {
    let mut buf = Vec::new();
    match write(&mut buf) {
        Ok(()) => ([(header::CONTENT_TYPE, "application/json")], buf).into_response(),
        // Our own answer types hold no maps with non-string keys and no failing serialisers.
        Err(e) => {
            tracing::error!(error = %e, "answer not serialisable");
            ApiError::Internal.into_response()
        }
    }
}

fn wants_png(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim().starts_with("image/png")))
}

/// The PNG answer for a finished job: immutable caching, strong ETag (its content's hash,
/// computed once and kept with the output, in the result cache too), 304 on a matching
/// `If-None-Match`.
pub fn output_response(headers: &HeaderMap, out: &JobOutput) -> Response {
    let etag = etag_header(out.etag());
    conditional::respond(
        headers,
        etag,
        Freshness::Immutable,
        "image/png",
        out.png.clone(),
    )
}

fn meta(state: &AppState, started: SystemTime, t0: Instant, cached: bool) -> Meta {
    let finished = SystemTime::now();
    let epoch = |t: SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    };
    // Share of the queue in use: the service's pressure signal (0 = idle, 1 = refusing).
    let pressure = state.path.queue.len() as f64 / state.path.queue.capacity() as f64;
    Meta {
        started_at: epoch(started),
        finished_at: epoch(finished),
        duration_ms: t0.elapsed().as_secs_f64() * 1e3,
        memory_pressure: pressure >= 0.8,
        queue_pressure: pressure,
        started: rfc3339(started),
        cached,
        backend: state.backend.to_owned(),
    }
}

//! Operator routes: `/health`, `/ready`, `/metrics`, `/openapi.json`, and the JSON 404/405.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::ApiError;
use crate::health::Health;
use crate::state::AppState;

/// `GET /health`.
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health::of(&state))
}

/// `GET /ready`: 200 when atlases are loaded and not draining, else 503.
pub async fn ready(State(state): State<AppState>) -> Response {
    let loaded = state.repo.report().groups > 0;
    let ready = loaded && !state.is_draining();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "ready": ready,
            "atlases_loaded": loaded,
            "draining": state.is_draining(),
            "groups": state.repo.report().groups,
            "missing_sheets": state.repo.report().missing_sheets,
        })),
    )
        .into_response()
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        {
            let mut text = state.metrics.render(&state.gauges());
            state
                .textures
                .metrics
                .render_into(&mut text, &state.textures);
            text
        },
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// `GET /palettes`: every palette colour folder loaded, in CatGenerator's shape
/// (`[{id, label, description, colors}]`), for palette pickers and the Discord bot.
pub async fn palettes(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.palettes_json.clone(),
    )
}

/// `GET /docs`: the API reference, rendered in the browser from `/openapi.json` by a page
/// embedded in the binary.
pub async fn docs() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("static/docs.html"),
    )
}

/// Any unknown path.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

//! Operator routes: `/health`, `/ready`, `/metrics`, `/openapi.json`, and the JSON 404/405.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::conditional::{self, Freshness};
use super::error::ApiError;
use super::responses::NotFound;
use crate::health::Health;
use crate::state::AppState;
use crate::wire::ops::Ready;

/// `GET /health`.
#[utoipa::path(get, path = "/health", tag = "operations",
    summary = "Liveness and queue state (never queued)",
    responses((status = 200, description = "The service's state", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(state.health())
}

/// `GET /ready`: 200 when atlases are loaded and not draining, else 503.
#[utoipa::path(get, path = "/ready", tag = "operations",
    summary = "Readiness: atlases loaded and not draining",
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "Not ready (loading, or draining for shutdown)", body = Ready)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let loaded = state.repo.report().groups > 0;
    let ready = loaded && !state.is_draining();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let report = state.repo.report();
    (
        status,
        Json(Ready {
            ready,
            atlases_loaded: loaded,
            draining: state.is_draining(),
            groups: report.groups,
            missing_sheets: report.missing_sheets.clone(),
        }),
    )
        .into_response()
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    summary = "Prometheus metrics (renderer_*)",
    responses((status = 200, description = "Text exposition format 0.0.4", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        {
            state
                .metrics
                .prometheus_text(&state.snapshot().with_memory())
        },
    )
        .into_response()
}

/// `GET /openapi.json`: generated at start ([`super::openapi`]).
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    summary = "This document (OpenAPI 3.1)",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.get().cloned().unwrap_or_default(),
    )
}

/// `GET /palettes`: every palette colour folder loaded, in CatGenerator's shape
/// (`[{id, label, description, colors}]`), for palette pickers and the Discord bot.
#[utoipa::path(get, path = "/palettes", tag = "cats",
    summary = "Palette colours in CatGenerator's shape: [{id, label, description, colors}]",
    description = "Every palette file loaded (CG3_PALETTE_ROOT, else <data root>/palettes, else \
        the bundled ones). Any colour name works as colour, tortieColour or tortie[].colour.",
    responses((status = 200, description = "The palettes", body = Vec<pipeline::palette::Palette>)))]
pub async fn palettes(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.palettes_json.clone(),
    )
}

/// One embedded file of the playground, with its strong ETag.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: std::sync::OnceLock<HeaderValue>,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str) -> Self {
        Self {
            body,
            content_type,
            etag: std::sync::OnceLock::new(),
        }
    }

    /// The file, or 304 when `If-None-Match` names its ETag. `no-cache` so browsers
    /// revalidate (a new binary may serve new files at the same URL).
    fn respond(&self, headers: &axum::http::HeaderMap) -> Response {
        let etag = self
            .etag
            .get_or_init(|| crate::cache::etag_of(self.body.as_bytes()));
        conditional::respond(
            headers,
            etag.clone(),
            Freshness::Revalidate,
            self.content_type,
            self.body,
        )
    }
}

static INDEX: Asset = Asset::new(
    include_str!("static/playground/index.html"),
    "text/html; charset=utf-8",
);
static APP_JS: Asset = Asset::new(
    include_str!("static/playground/app.js"),
    "text/javascript; charset=utf-8",
);
static STYLE: Asset = Asset::new(
    include_str!("static/playground/style.css"),
    "text/css; charset=utf-8",
);

/// `GET /`: the playground page (static files embedded in the binary; relative URLs, so it
/// also works behind a path prefix).
#[utoipa::path(get, path = "/", tag = "pages",
    summary = "The playground: cat maker, layer inspector, pose strip, chunk painter, service status",
    responses(
        (status = 200, description = "HTML (strong ETag)", body = String, content_type = "text/html"),
        (status = 304, description = "`If-None-Match` matched")))]
pub async fn playground(headers: axum::http::HeaderMap) -> Response {
    INDEX.respond(&headers)
}

/// `GET /playground/{file}`: the playground's script and style sheet.
#[utoipa::path(get, path = "/playground/{file}", tag = "pages",
    summary = "The playground's app.js and style.css",
    params(("file" = String, Path, description = "app.js or style.css")),
    responses(
        (status = 200, description = "The file (strong ETag)", content(
            (String = "text/javascript"), (String = "text/css"))),
        (status = 304, description = "`If-None-Match` matched"),
        NotFound))]
pub async fn playground_file(
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    match file.as_str() {
        "app.js" => APP_JS.respond(&headers),
        "style.css" => STYLE.respond(&headers),
        _ => ApiError::NotFound(format!("no playground file `{file}`")).into_response(),
    }
}

/// `GET /vocabulary`: every allowed value of every cat parameter (the lists the 422 errors
/// quote), palette colours by palette, and each tileset's ground and sprite tiles.
#[utoipa::path(get, path = "/vocabulary", tag = "cats",
    summary = "Every allowed value of every cat parameter (the lists 422 errors quote), palette colours by palette, and each tileset's tiles",
    responses((status = 200, description = "The vocabulary", body = Object)))]
pub async fn vocabulary(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.vocabulary_json.clone(),
    )
}

/// `GET /docs`: the API reference, rendered in the browser from `/openapi.json` by a page
/// embedded in the binary.
#[utoipa::path(get, path = "/docs", tag = "pages",
    summary = "This reference as a page (rendered from /openapi.json, no network)",
    responses((status = 200, description = "HTML", body = String, content_type = "text/html")))]
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

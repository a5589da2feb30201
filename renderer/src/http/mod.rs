//! The HTTP surface: `app(state) -> Router` with every route and the layers around them
//! (request id, tracing, body limit, panic → 500 JSON, per-route metrics).
//!
//! - [`error`]: `ApiError` and its JSON body.
//! - [`extract`]: `JsonBody`, a JSON extractor with JSON rejections.
//! - [`render`]: `/render`, `/render/batch`, `/render.png`.
//! - [`chunk`]: `/render/chunk`, `/textures/{hash}.png`.
//! - [`sprites`]: `/sprites/…` routes.
//! - [`ops`]: `/health`, `/ready`, `/metrics`, `/openapi.json`, `/docs`, `/palettes`,
//!   `/vocabulary`, the playground (`/`, `/playground/…`), 404/405.

pub mod chunk;
pub mod error;
pub mod extract;
pub mod ops;
pub mod render;
pub mod sprites;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use error::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a per-process random prefix and a counter (unique, cheap, sortable).
#[derive(Debug, Clone)]
struct Ids {
    prefix: u32,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Declares every route once: [`ROUTES`] lists them (path and method) for the test that holds
/// `/openapi.json` to the router, and `with_routes` adds them to a router.
macro_rules! routes {
    ($($method:ident $path:literal => $handler:path),* $(,)?) => {
        /// Every route, as `(path, method)`, in axum's path syntax.
        pub const ROUTES: &[(&str, &str)] = &[$(($path, stringify!($method))),*];

        fn with_routes(router: Router<AppState>) -> Router<AppState> {
            router$(.route($path, $method($handler)))*
        }
    };
}

routes! {
    post "/render" => render::render,
    post "/render/batch" => render::render_batch,
    get "/render.png" => render::render_png,
    post "/render/chunk" => chunk::render_chunk,
    get "/textures/{file}" => chunk::texture,
    get "/sprites/index.json" => sprites::index,
    get "/sprites/offsets.json" => sprites::offsets,
    get "/sprites/{file}" => sprites::sheet,
    get "/sprites/{group}/{pose}" => sprites::cell,
    get "/health" => ops::health,
    get "/ready" => ops::ready,
    get "/metrics" => ops::metrics,
    get "/openapi.json" => ops::openapi,
    get "/docs" => ops::docs,
    get "/palettes" => ops::palettes,
    get "/vocabulary" => ops::vocabulary,
    get "/" => ops::playground,
    get "/playground/{file}" => ops::playground_file,
}

/// The router with every route and layer.
pub fn app(state: AppState) -> Router {
    let prefix = {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (t.subsec_nanos() ^ std::process::id().rotate_left(16)) as u32
    };
    let body_limit = state.config.max_body_bytes.get();
    let cors = cors_layer(&state.config.allowed_origins);
    let router = with_routes(Router::new())
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_responses,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, Ids { prefix }))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        path = %req.uri().path(),
                    )
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(
                    |_: Box<dyn std::any::Any + Send>| {
                        tracing::error!("handler panicked");
                        ApiError::Internal.into_response()
                    },
                )),
        );
    match cors {
        Some(cors) => router.layer(cors).with_state(state),
        None => router.with_state(state),
    }
}

/// CORS for `CG3_ALLOWED_ORIGINS` (as CatGenerator's `CG3_ALLOWED_ORIGINS`): any method and
/// header, no credentials; `None` (no CORS headers at all) when no origin is allowed.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods(Any)
            .allow_headers(Any)
            .expose_headers([REQUEST_ID]),
    )
}

/// Counts responses by matched route (not raw path, so label sets stay bounded).
async fn count_responses(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let resp = next.run(req).await;
    state.metrics.http(&route, resp.status().as_u16());
    resp
}

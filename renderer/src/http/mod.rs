//! The HTTP surface: `app(state) -> Router` with every route and the layers around them
//! (request id, tracing, body limit, panic → 500 JSON, per-route metrics).
//!
//! - [`error`]: `ApiError` and its JSON body.
//! - [`conditional`]: conditional GET (`If-None-Match`, 304) for every route with an ETag.
//! - [`extract`]: `JsonBody`, a JSON extractor with JSON rejections.
//! - [`render`]: `/render`, `/render/batch`, `/render.png`.
//! - [`chunk`]: `/render/chunk`, `/textures/{hash}.png`.
//! - [`sprites`]: `/sprites/…` routes.
//! - [`ops`]: `/health`, `/ready`, `/metrics`, `/openapi.json`, `/docs`, `/palettes`,
//!   `/vocabulary`, the playground (`/`, `/playground/…`), 404/405.
//! - [`routes`]: every route declared once: path, method, handler (and so its docs).
//! - [`responses`]: the error answers routes share, as OpenAPI response sets.
//! - [`openapi`]: `/openapi.json`, generated from the handlers' annotations and
//!   [`crate::wire`], with this server's names and limits.

pub mod chunk;
pub mod conditional;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod ops;
pub mod render;
pub mod responses;
pub mod routes;
pub mod sprites;

pub use routes::ROUTES;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
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
        use std::fmt::Write as _;
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // `{prefix:08x}-{n:x}` is at most 25 bytes: one allocation of that size, which the
        // header then owns without a copy (`format!` grew a `String` twice, then was copied).
        let mut id = String::with_capacity(25);
        write!(id, "{:08x}-{n:x}", self.prefix).ok()?;
        HeaderValue::try_from(id).ok().map(RequestId::new)
    }
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
    // Built once per app; a second router over the same state reuses it.
    state.openapi_json.get_or_init(|| openapi::document(&state));
    let router = routes::with_routes(Router::new())
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, Ids { prefix }))
                // Per-request spans and lines at DEBUG (`RUST_LOG=renderer=debug,tower_http=debug`):
                // an INFO span costs every request ~7 % of `/health`'s rate in formatting its
                // fields. Failed responses are logged by `count_responses`, with the id.
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let id = req
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::debug_span!(
                                "request",
                                request_id = %id,
                                method = %req.method(),
                                path = %req.uri().path(),
                            )
                        })
                        .on_failure(()),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                // Outside the panic catcher, so a panic's 500 is counted and logged too.
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    count_responses,
                ))
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
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let id = req.headers().get(REQUEST_ID).cloned();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let status = resp.status();
    state.metrics.http(route, status.as_u16());
    if status.is_server_error() {
        let id = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-");
        log_failure(status, id, &method, route, started.elapsed());
    }
    resp
}

/// The line for a failed response: server errors at ERROR, except 503. A 503 is the service
/// shedding load or draining on purpose; it is counted in `renderer_http_responses_total`
/// (and `renderer_jobs_total`) and logged once per interval where it is decided, so an
/// overload does not also become a flood of log lines (one per refused request) that costs
/// the CPU the renders need.
fn log_failure(
    status: StatusCode,
    request_id: &str,
    method: &axum::http::Method,
    route: &str,
    latency: std::time::Duration,
) {
    if status != StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(
            request_id,
            %method,
            route,
            status = status.as_u16(),
            latency_ms = latency.as_millis(),
            "response failed"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Log lines written while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        let buf = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || SinkWriter(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buf.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn request_ids_are_the_prefix_and_a_counter_in_hex() {
        let mut ids = Ids { prefix: 0xfe };
        let req = axum::http::Request::new(());
        let id = |ids: &mut Ids| {
            let id = ids.make_request_id(&req).expect("an id");
            id.header_value().to_str().expect("ascii").to_owned()
        };
        let (a, b) = (id(&mut ids), id(&mut ids));
        for id in [&a, &b] {
            let (prefix, n) = id.split_once('-').expect("prefix-counter");
            assert_eq!(prefix, "000000fe", "{id}");
            assert!(u64::from_str_radix(n, 16).is_ok(), "{id}");
        }
        assert_ne!(a, b, "each request gets its own");
        let mut widest = Ids { prefix: u32::MAX };
        assert!(id(&mut widest).starts_with("ffffffff-"));
    }

    struct SinkWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SinkWriter {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_shed_503_writes_no_line_and_other_server_errors_do() {
        let ms = std::time::Duration::from_millis(3);
        let get = axum::http::Method::GET;
        let shed = logged(|| {
            for _ in 0..100 {
                log_failure(StatusCode::SERVICE_UNAVAILABLE, "a-1", &get, "/render", ms);
            }
        });
        assert_eq!(shed, "", "503s are counted, not logged one by one");
        let failed = logged(|| {
            log_failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "a-2",
                &get,
                "/render",
                ms,
            );
        });
        for part in [
            "ERROR",
            "status=500",
            "request_id=\"a-2\"",
            "/render",
            "GET",
        ] {
            assert!(failed.contains(part), "{part} in {failed}");
        }
    }
}

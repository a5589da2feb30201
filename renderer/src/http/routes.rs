//! Every route, declared once: [`ROUTES`] lists them (path and method) for the test that
//! holds `/openapi.json` to the router, [`with_routes`] adds them to a router, and
//! [`RouteDocs`] collects their handlers' `#[utoipa::path]` annotations, so a handler
//! without documentation does not compile.

use axum::Router;
use axum::routing::{get, post};

use super::{chunk, ops, render, sprites};
use crate::state::AppState;

macro_rules! routes {
    ($($method:ident $path:literal => $module:ident :: $handler:ident),* $(,)?) => {
        /// Every route, as `(path, method)`, in axum's path syntax.
        pub const ROUTES: &[(&str, &str)] = &[$(($path, stringify!($method))),*];

        /// Adds every route to `router`.
        pub fn with_routes(router: Router<AppState>) -> Router<AppState> {
            router$(.route($path, $method($module::$handler)))*
        }

        /// The paths of the OpenAPI document: one per route, from its handler.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub struct RouteDocs;
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

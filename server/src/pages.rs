//! The Leptos pages and server functions, and the site's static files.

use app::error::AppError;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{AppState, Config};

/// The name cargo-leptos gives the browser bundle (`output-name` in the
/// workspace's Cargo.toml).
const OUTPUT_NAME: &str = "fnlab";

/// Rendering options: where the built site is and what its bundle is called.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let site_root = config.site_root();
    if !site_root.join("pkg").is_dir() {
        tracing::warn!(
            site_root = %site_root.display(),
            "no built site found: pages will render without styles or interactivity; run `cargo leptos build`"
        );
    }
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(site_root.to_string_lossy().into_owned())
        .site_addr(config.addr)
        .build()
}

/// Page routes, server-function routes (with the use cases in their
/// context) and a fallback that serves files from the site root.
pub fn router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    // Server functions reach the use cases through their context.
    let fnlab = state.fnlab.clone();
    Router::new()
        .leptos_routes_with_context(state, routes, move || provide_context(fnlab.clone()), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_error_status))
        // No other site may frame the dashboard (and overlay its buttons).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
}

/// Where the server functions answer (`prefix` in their `#[server]`).
const SERVER_FN_PREFIX: &str = "/_app/";

/// Largest error body worth reading back: errors are one short sentence.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// Leptos answers every failed server function with 500. This gives the
/// answer the status its [`AppError`] means (422 for a bad form, 401 when
/// logged out…), so that logs and clients tell user mistakes from ours.
/// Plain form posts (no JavaScript) are redirects and pass through untouched.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with(SERVER_FN_PREFIX);
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a server function's error");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

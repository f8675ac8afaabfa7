//! The Leptos pages and server functions, and the site's static files.

use app::{App, shell};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};

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

/// Page routes, server-function routes (with the domain services in their
/// context) and a fallback that serves files from the site root.
pub fn router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let accounts = state.accounts.clone();
    Router::new()
        .leptos_routes_with_context(state, routes, move || provide_context(accounts.clone()), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler::<AppState, _>(shell))
}

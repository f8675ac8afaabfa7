//! The REST API, version 1: JSON in, JSON out, every error as
//! `{"error": {"code", "message"}}`, and its OpenAPI document.
//!
//! Each resource's module lists its routes with utoipa-axum's `routes!`,
//! so that one table builds both the router and the document ([`openapi`]).

mod admin;
mod auth;
mod builds;
mod courses;
mod environment;
mod error;
mod events;
mod functions;
mod invoke;
mod json;
mod kv;
mod logs;
mod openapi;
mod reference;
mod schedules;
mod sharing;
mod tokens;
mod usage;
mod users;

use std::sync::Arc;

use axum::http::Uri;
use axum::routing::get;
use axum::{Extension, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use auth::AuthUser;
pub use error::{ApiError, InternalErrorDetail};
pub use json::ApiJson;

use crate::{AppState, Config};

/// Every `/api/v1` route, merged in one place, with its OpenAPI document
/// at `/api/v1/openapi.json` and the reference page at `/api/docs`.
pub fn router(config: &Config) -> Router<AppState> {
    let (v1, routes) = OpenApiRouter::new()
        .merge(users::router())
        .merge(functions::router(config))
        .merge(invoke::router(config))
        .merge(environment::router())
        .merge(schedules::router())
        .merge(events::router())
        .merge(kv::router())
        .merge(sharing::router())
        .merge(courses::router())
        .merge(builds::router())
        .merge(logs::router())
        .merge(tokens::router())
        .merge(usage::router())
        .merge(admin::router())
        .routes(routes!(openapi::openapi_json))
        .split_for_parts();
    let published = Arc::new(openapi::Published::new(&openapi::document(routes)));
    let v1 = v1
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    Router::new()
        .nest("/api/v1", v1)
        .route("/api/docs", get(openapi::reference_page))
        .layer(Extension(published))
}

/// A JSON 404 for API paths that do not exist (rather than an HTML page).
async fn unknown_route(uri: Uri) -> ApiError {
    tracing::debug!(%uri, "unknown API route");
    ApiError::NotFound
}

/// A JSON 405 for a known path asked with a method it does not take.
async fn wrong_method() -> ApiError {
    ApiError::MethodNotAllowed
}

//! The REST API, version 1: JSON in, JSON out, every error as
//! `{"error": {"code", "message"}}`.

mod admin;
mod auth;
mod builds;
mod error;
mod functions;
mod json;
mod logs;
mod tokens;
mod usage;
mod users;

use axum::Router;
use axum::http::Uri;

pub use auth::AuthUser;
pub use error::{ApiError, InternalErrorDetail};
pub use json::ApiJson;

use crate::{AppState, Config};

/// Every `/api/v1` route, merged in one place.
pub fn router(config: &Config) -> Router<AppState> {
    let v1 = Router::new()
        .merge(users::router())
        .merge(functions::router(config))
        .merge(builds::router())
        .merge(logs::router())
        .merge(tokens::router())
        .merge(usage::router())
        .merge(admin::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    Router::new().nest("/api/v1", v1)
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

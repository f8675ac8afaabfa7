//! `GET /metrics`: this node's metrics in the Prometheus text format, for
//! the operator's monitoring. Served to the addresses in
//! `FNLAB_METRICS_FROM`, and to anyone else only with an admin's API
//! token: 401 without credentials, 404 for a user who is not an admin
//! (an IPv6 address allows its /64, which is how clients are told apart).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;
use crate::api::{ApiError, AuthUser};
use crate::clients::Client;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// The media type of OpenMetrics 1.0 text, which Prometheus reads.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn metrics(
    State(state): State<AppState>,
    client: Option<axum::Extension<Client>>,
    user: Result<AuthUser, ApiError>,
) -> Result<impl IntoResponse, ApiError> {
    // An IPv6 client is its /64 (see `Client`): so is an allowed address.
    let allowed_address = client.is_some_and(|axum::Extension(client)| {
        (state.config.metrics_from.iter()).any(|allowed| Client::of(*allowed) == client)
    });
    if !allowed_address && !user?.0.is_admin {
        return Err(ApiError::NotFound);
    }
    let text = state.fnlab.prometheus_text().await?;
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], text))
}

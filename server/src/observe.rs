//! Request spans and error logging, in one middleware so that handlers and
//! `IntoResponse` impls never log.

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::trace::TraceLayer;

use crate::api::InternalErrorDetail;

/// Wraps `router` with a span per request (method and matched route) and a
/// log line for every server error.
pub fn layer(router: Router) -> Router {
    router
        .layer(middleware::from_fn(log_errors))
        .layer(TraceLayer::new_for_http().make_span_with(
        |request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route = route.unwrap_or("-"))
        },
    ))
}

async fn log_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if let Some(InternalErrorDetail(detail)) = response.extensions().get::<InternalErrorDetail>() {
        tracing::error!(%path, status = %response.status(), "{detail}");
    } else if response.status().is_server_error() && !path.starts_with("/fn/") {
        // A function's own 502/504 is its owner's business: it is in the
        // invocation log, not an error of Fnlab's.
        tracing::error!(%path, status = %response.status(), "server error");
    }
    response
}

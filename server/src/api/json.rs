//! A `Json` extractor whose rejections are [`ApiError`]s, so that a malformed
//! body gets the same JSON error shape as everything else.

use axum::extract::FromRequest;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// JSON request body or response.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

//! The REST API's errors: each variant is an HTTP outcome, answered as JSON
//! `{"error": {"code": "...", "message": "..."}}`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fnlab_accounts::AccountError;
use fnlab_builds::{Diagnostic, FailureCode};
use fnlab_functions::FunctionError;
use serde_json::json;

/// An API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials, or wrong ones.
    #[error("{0}")]
    Unauthorized(String),
    /// 404: no such resource, or not the caller's.
    #[error("not found")]
    NotFound,
    /// 404 with a reason that reveals nothing about other users (such as
    /// "function echo has no version 7" to the function's owner).
    #[error("{0}")]
    NotFoundBecause(String),
    /// 405: the path exists, but not with this method.
    #[error("this path does not accept that method")]
    MethodNotAllowed,
    /// 409: the resource already exists.
    #[error("{message}")]
    Conflict {
        /// Machine-readable reason.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the request is well-formed but its content is not acceptable.
    #[error("{message}")]
    Unprocessable {
        /// Machine-readable reason.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// 429: too many attempts; try again after a while.
    #[error("{message}")]
    TooManyRequests {
        /// What happened.
        message: String,
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// 429: the account used up a monthly quota.
    #[error("{message}")]
    QuotaExceeded {
        /// Which quota, and until when.
        message: String,
        /// Seconds until the next month starts.
        retry_after_secs: u64,
    },
    /// 500: our fault. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// A build that failed: 422 with its diagnostics when the source (or
    /// what it asked of the build's limits) is at fault, 500 when Fnlab is.
    #[error("{}", .0.message)]
    BuildFailed(BuildFailure),
}

/// What a failed deploy answers besides the error.
#[derive(Debug)]
pub struct BuildFailure {
    /// The build.
    pub build_id: i64,
    /// Why it failed.
    pub code: FailureCode,
    /// In words.
    pub message: String,
    /// Where in the user's source.
    pub diagnostics: Vec<Diagnostic>,
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::NotFoundBecause(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } | Self::QuotaExceeded { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BuildFailed(failure) if failure.code == FailureCode::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::BuildFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::NotFound | Self::NotFoundBecause(_) => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict { code, .. } | Self::Unprocessable { code, .. } => code,
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::Internal(_) => "internal",
            Self::BuildFailed(failure) => failure.code.as_str(),
        }
    }

    /// 401 for a missing or bad credential.
    pub fn unauthorized() -> Self {
        Self::Unauthorized("log in or send Authorization: Bearer <token>".into())
    }
}

/// The detail of a 500, carried to the logging middleware in the response's
/// extensions rather than to the client.
#[derive(Debug, Clone)]
pub struct InternalErrorDetail(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            Self::Internal(_) => "something went wrong on our side; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let mut body = json!({ "error": { "code": self.code(), "message": message } });
        if let Self::BuildFailed(failure) = &self {
            body["build_id"] = json!(failure.build_id);
            body["diagnostics"] = json!(failure.diagnostics);
        }
        let mut response = (self.status_code(), Json(body)).into_response();
        match self {
            Self::Internal(detail) => {
                response
                    .extensions_mut()
                    .insert(InternalErrorDetail(detail));
            }
            Self::TooManyRequests {
                retry_after_secs, ..
            }
            | Self::QuotaExceeded {
                retry_after_secs, ..
            } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            JsonRejection::JsonDataError(e) => Self::Unprocessable {
                code: "invalid_body",
                message: e.body_text(),
            },
            other => Self::BadRequest(other.body_text()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let message = e.to_string();
        match e {
            AccountError::InvalidUsername(_) => Self::Unprocessable {
                code: "invalid_username",
                message,
            },
            AccountError::WeakPassword(_) => Self::Unprocessable {
                code: "weak_password",
                message,
            },
            AccountError::InvalidTokenName(_) => Self::Unprocessable {
                code: "invalid_name",
                message,
            },
            AccountError::UsernameTaken(_) => Self::Conflict {
                code: "username_taken",
                message,
            },
            AccountError::BadCredentials => Self::Unauthorized(message),
            AccountError::Throttled { retry_after_secs } => Self::TooManyRequests {
                message,
                retry_after_secs,
            },
            AccountError::NotFound => Self::NotFound,
            AccountError::Database(_) | AccountError::Hashing(_) => Self::Internal(message),
        }
    }
}

impl From<FunctionError> for ApiError {
    fn from(e: FunctionError) -> Self {
        let message = e.to_string();
        match e {
            FunctionError::InvalidName(_) => Self::Unprocessable {
                code: "invalid_name",
                message,
            },
            FunctionError::InvalidLimits(_) => Self::Unprocessable {
                code: "invalid_limits",
                message,
            },
            FunctionError::NotFound => Self::NotFound,
            FunctionError::NoSuchVersion { .. } => Self::NotFoundBecause(message),
            FunctionError::Database(_) => Self::Internal(message),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

impl From<tower_sessions::session::Error> for ApiError {
    fn from(e: tower_sessions::session::Error) -> Self {
        Self::Internal(format!("session store: {e}"))
    }
}

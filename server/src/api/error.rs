//! The REST API's errors, answered as JSON `{"error": {"code": "...",
//! "message": "..."}}`. Most come from a use case ([`ApiError::UseCase`]):
//! this module is where the domain's [`Error`] becomes an HTTP status and
//! code, once. The other variants are failures of HTTP itself (a body that
//! is not JSON, an unknown route). The bodies are typed, so that the
//! OpenAPI document describes exactly what is sent.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fnlab_builds::{Diagnostic, FailureCode};
use fnlab_usecases::Error;
use serde::Serialize;
use utoipa::ToSchema;

/// An API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What a use case refused or failed at.
    #[error(transparent)]
    UseCase(#[from] Error),
    /// 400: the request cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// 401: the credentials sent are missing or unusable.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a browser sent a state-changing request from another site.
    #[error(
        "this request came from another site; Fnlab accepts changes only from its own pages or with an API token"
    )]
    CrossSite,
    /// 404: no such route.
    #[error("not found")]
    NotFound,
    /// 408: the request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// 413: the request body is larger than the route takes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 405: the path exists, but not with this method.
    #[error("this path does not accept that method")]
    MethodNotAllowed,
    /// 415: the body is not of the type the route takes.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the JSON body does not have the fields the route takes.
    #[error("{0}")]
    InvalidBody(String),
    /// 500: our fault. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::UseCase(e) => match e {
                // Another user's things, and the admin view to non-admins,
                // do not exist as far as the caller can tell.
                Error::NotFound | Error::Forbidden | Error::Missing(_) => StatusCode::NOT_FOUND,
                Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Malformed(_) => StatusCode::BAD_REQUEST,
                Error::Conflict { .. } => StatusCode::CONFLICT,
                Error::Closed { .. } => StatusCode::FORBIDDEN,
                Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                Error::Throttled { .. } | Error::QuotaExceeded { .. } => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                Error::StorageFull { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                // The source (or what it asked of the build's limits) is
                // at fault, unless Fnlab is.
                Error::BuildFailed(failure) if failure.code == FailureCode::Internal => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                Error::BuildFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UseCase(e) => match e {
                Error::NotFound | Error::Forbidden | Error::Missing(_) => "not_found",
                Error::Invalid { code, .. }
                | Error::Conflict { code, .. }
                | Error::Closed { code, .. } => code,
                Error::Malformed(_) => "bad_request",
                Error::Unauthorized(_) => "unauthorized",
                Error::Throttled { .. } => "too_many_requests",
                Error::QuotaExceeded { .. } => "quota_exceeded",
                Error::StorageFull { .. } => "storage_quota_exceeded",
                Error::BuildFailed(failure) => failure.code.as_str(),
                Error::Internal(_) => "internal",
            },
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::CrossSite => "cross_site_request",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout(_) => "request_timeout",
            Self::PayloadTooLarge(_) => "request_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::InvalidBody(_) => "invalid_body",
            Self::Internal(_) => "internal",
        }
    }

    /// 401 for a missing or bad credential.
    pub fn unauthorized() -> Self {
        Self::Unauthorized("log in or send Authorization: Bearer <token>".into())
    }

    /// What went wrong inside Fnlab, for the log only.
    fn internal_detail(&self) -> Option<&str> {
        match self {
            Self::Internal(detail) | Self::UseCase(Error::Internal(detail)) => Some(detail),
            _ => None,
        }
    }
}

/// The detail of a 500, carried to the logging middleware in the response's
/// extensions rather than to the client.
#[derive(Debug, Clone)]
pub struct InternalErrorDetail(pub String);

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What went wrong.
    error: ErrorDetail,
}

/// An error's code and message.
#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// Machine-readable: what clients switch on, such as `not_found`,
    /// `invalid_name` or `compile_error`.
    code: &'static str,
    /// In words, for people: what went wrong and what to do about it.
    message: String,
}

/// A failed build: the error, the build and where in the source.
#[derive(Serialize, ToSchema)]
#[schema(as = BuildFailedError)]
pub struct BuildFailedBody {
    #[serde(flatten)]
    error: ErrorBody,
    /// The build that failed (`GET /api/v1/builds/{id}` has its log).
    build_id: i64,
    /// Compiler messages on the source's lines.
    diagnostics: Vec<Diagnostic>,
}

/// A refusal past the storage quota: the error, and the numbers.
#[derive(Serialize, ToSchema)]
#[schema(as = StorageFullError)]
pub struct StorageFullBody {
    #[serde(flatten)]
    error: ErrorBody,
    /// What is stored, what was refused and what the plan allows.
    storage: StorageOverflow,
}

/// The storage numbers of a refusal, in bytes.
#[derive(Serialize, ToSchema)]
struct StorageOverflow {
    /// Stored now.
    used_bytes: i64,
    /// What the refused request would have added.
    adding_bytes: i64,
    /// The plan's storage quota.
    quota_bytes: i64,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match self.internal_detail() {
            Some(_) => "something went wrong on our side; it has been logged".to_owned(),
            None => self.to_string(),
        };
        let error = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
            },
        };
        let status = self.status_code();
        let mut response = match &self {
            Self::UseCase(Error::BuildFailed(failure)) => {
                let body = BuildFailedBody {
                    error,
                    build_id: failure.build_id,
                    diagnostics: failure.diagnostics.clone(),
                };
                (status, Json(body)).into_response()
            }
            Self::UseCase(Error::StorageFull {
                used,
                adding,
                quota,
                ..
            }) => {
                let storage = StorageOverflow {
                    used_bytes: *used,
                    adding_bytes: *adding,
                    quota_bytes: *quota,
                };
                (status, Json(StorageFullBody { error, storage })).into_response()
            }
            _ => (status, Json(error)).into_response(),
        };
        if let Some(detail) = self.internal_detail() {
            response
                .extensions_mut()
                .insert(InternalErrorDetail(detail.to_owned()));
        }
        if let Self::UseCase(
            Error::Throttled {
                retry_after_secs, ..
            }
            | Error::QuotaExceeded {
                retry_after_secs, ..
            },
        ) = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
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
            JsonRejection::JsonDataError(e) => Self::InvalidBody(e.body_text()),
            other => Self::BadRequest(other.body_text()),
        }
    }
}

impl From<tower_sessions::session::Error> for ApiError {
    fn from(e: tower_sessions::session::Error) -> Self {
        Self::Internal(format!("session store: {e}"))
    }
}

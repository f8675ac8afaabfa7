//! The public function URLs: `ANY /fn/{user}/{function}/{*rest}` runs the
//! function's live version through [`Fnlab::invoke`](fnlab_usecases::Fnlab::invoke)
//! and streams its response back. This adapter only shapes the request
//! the guest sees (its path, its request id and name, no dashboard
//! cookies) and the response the caller gets (its request id, and on the
//! dashboard's origin a sandboxing CSP and no `Set-Cookie`).
//!
//! It also keeps slow clients away from instances: the request body is
//! read whole (within `FNLAB_BODY_TIMEOUT_MS`, else 408; within the size
//! limit, else 413) before the function is looked up, and a client may
//! have only `FNLAB_MAX_FN_REQUESTS_PER_CLIENT` requests in flight.

use std::collections::HashMap;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use crate::AppState;
use crate::api::ApiError;
use crate::clients::Client;

/// The header that tells the guest, and then the caller, which invocation
/// served a request.
pub const REQUEST_ID_HEADER: &str = "fnlab-request-id";
/// The request header that tells the guest its function's name.
pub const FUNCTION_HEADER: &str = "fnlab-function";

/// What every function response carries when functions share the
/// dashboard's origin: the page runs in an opaque origin, so its scripts
/// can neither read Fnlab's cookies nor call its API as the visitor.
pub const SANDBOX_CSP: &str =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/// The `/fn/…` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fn/{user}/{function}", any(serve))
        .route("/fn/{user}/{function}/", any(serve))
        .route("/fn/{user}/{function}/{*rest}", any(serve))
}

/// Runs one request through the function's live version.
async fn serve(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    client: Option<Extension<Client>>,
    request: Request,
) -> Result<Response, ApiError> {
    let (Some(username), Some(name)) = (params.get("user"), params.get("function")) else {
        return Err(ApiError::NotFound);
    };
    if let Some(moved) = redirect_to_functions_origin(&state, &request) {
        return Ok(moved);
    }
    // Held until the response body is done (or dropped).
    let held = match client {
        Some(Extension(client)) => Some(state.clients.functions.take(client).ok_or_else(|| {
            ApiError::UseCase(fnlab_usecases::Error::Throttled {
                message: format!(
                    "too many requests from your address at once (at most {}); \
                     wait for one to finish",
                    state.clients.functions.max()
                ),
                retry_after_secs: 1,
            })
        })?),
        None => None,
    };
    let config = &state.config;
    let timeout = Duration::from_millis(config.body_timeout_ms);
    let request = whole_body(request, config.max_request_bytes, timeout).await?;
    let shared_origin = state.config.functions_url.is_none();
    let prefix_len = format!("/fn/{username}/{name}").len();
    let mut request = guest_request(request, prefix_len, shared_origin);
    // The guest learns its request id and name (the Lambda-style context);
    // whatever the caller sent under these names is replaced.
    let request_id = fnlab_metering::record::new_request_id(fnlab_db::now_ms());
    for (header, value) in [(REQUEST_ID_HEADER, &request_id), (FUNCTION_HEADER, name)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            request.headers_mut().insert(header, value);
        }
    }
    let response = state
        .fnlab
        .invoke(username, name, request, request_id.clone())
        .await?;
    // The closure owns `held`, so the client's slot is given back when
    // the body is dropped: once sent, or when the client goes away.
    let mut response = response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _slot = &held;
            frame
        }))
    });
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if shared_origin {
        headers.remove(header::SET_COOKIE);
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SANDBOX_CSP),
        );
    }
    Ok(response.into_response())
}

/// `request` with its body read whole: 413 past `limit` bytes (at once
/// when `Content-Length` says so), 408 when it takes longer than
/// `timeout`. No instance waits on a slow client.
async fn whole_body(
    request: Request,
    limit: u64,
    timeout: Duration,
) -> Result<http::Request<Full<Bytes>>, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the request body is larger than the {limit} bytes a function accepts"
        ))
    };
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let limited = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
    let collected = tokio::time::timeout(timeout, limited.collect())
        .await
        .map_err(|_| {
            ApiError::RequestTimeout(format!(
                "the request body did not arrive within {} ms",
                timeout.as_millis()
            ))
        })?;
    match collected {
        Ok(body) => Ok(http::Request::from_parts(parts, Full::new(body.to_bytes()))),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(ApiError::BadRequest(format!(
            "the request body could not be read: {e}"
        ))),
    }
}

/// The request as the guest sees it: the path after the function's prefix
/// (always starting with `/`) with the query. On the dashboard's origin the
/// visitor's cookies (their Fnlab session among them) are not passed on.
fn guest_request<B>(
    request: http::Request<B>,
    prefix_len: usize,
    shared_origin: bool,
) -> http::Request<B> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().get(prefix_len..).unwrap_or_default();
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    parts.uri = Uri::try_from(path_and_query).unwrap_or_else(|_| Uri::from_static("/"));
    if !parts.headers.contains_key(header::HOST) {
        parts
            .headers
            .insert(header::HOST, HeaderValue::from_static("localhost"));
    }
    if shared_origin {
        parts.headers.remove(header::COOKIE);
    }
    http::Request::from_parts(parts, body)
}

/// With a separate functions origin configured, a function URL asked on
/// any other host moves there (308 keeps the method and body).
fn redirect_to_functions_origin(state: &AppState, request: &Request) -> Option<Response> {
    let origin = state.config.functions_url.as_deref()?.trim_end_matches('/');
    let wanted_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = request.headers().get(header::HOST)?.to_str().ok()?;
    if host.eq_ignore_ascii_case(wanted_host) {
        return None;
    }
    let path_and_query = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let location = HeaderValue::from_str(&format!("{origin}{path_and_query}")).ok()?;
    Some(
        (
            axum::http::StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
    )
}

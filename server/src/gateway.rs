//! The public function URLs. Either every user's under one origin,
//! `ANY /fn/{user}/{function}/{*rest}` (the dashboard's own, or a separate
//! `FNLAB_FUNCTIONS_URL`), or each user on an origin of their own,
//! `https://{user}.fn.example.org/{function}/{*rest}`, routed by `Host`
//! ([`by_host`]). Either way the function's live version runs through
//! [`Fnlab::invoke`](fnlab_usecases::Fnlab::invoke) and its response
//! streams back. This adapter only shapes the request the guest sees (its
//! path, its request id and name, never the visitor's cookies) and the
//! response the caller gets (its request id, never a `Set-Cookie`; on an
//! origin other users share, a sandboxing CSP and no `Clear-Site-Data`).
//!
//! A call with `fnlab-invocation-type: event` (Lambda's asynchronous
//! invoke) is not run: its body is queued as an event for the function,
//! and the caller hears 202 with the event's id at once.
//!
//! A functions host serves functions only: anything else asked of it goes
//! back to the dashboard, so no session can be made or used there.
//!
//! It also keeps slow clients away from instances: the request body is
//! read whole (within `FNLAB_BODY_TIMEOUT_MS`, else 408; within the size
//! limit, else 413) before the function is looked up, and a client may
//! have only `FNLAB_MAX_FN_REQUESTS_PER_CLIENT` requests in flight (the
//! rest wait their turn).

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use fnlab_functions::FunctionsOrigin;
use fnlab_usecases::events::INVOCATION_TYPE_HEADER;
use fnlab_usecases::invoke::REQUEST_ID_HEADER;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use crate::AppState;
use crate::api::{ApiError, ApiJson};
use crate::clients::Client;

/// What every function response carries on an origin that others share
/// (the dashboard's, or one functions host for everyone): the page runs
/// in an opaque origin, so its scripts can neither read Fnlab's cookies,
/// call its API as the visitor, nor read another user's functions.
pub const SANDBOX_CSP: &str =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/// The `/fn/…` routes (the path form).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fn/{user}/{function}", any(serve_path))
        .route("/fn/{user}/{function}/", any(serve_path))
        .route("/fn/{user}/{function}/{*rest}", any(serve_path))
}

/// Middleware: what a functions host is asked. On a user's own origin
/// every path is one of their functions; on the separate functions host
/// only `/fn/` is served, and anything else moves to the dashboard.
pub async fn by_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(host) = request_host(&request) else {
        return next.run(request).await;
    };
    let origin = &state.fnlab.settings().functions_origin;
    if let Some(username) = origin.user_of_host(host) {
        let username = username.to_ascii_lowercase();
        let name = request.uri().path()[1..]
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        if name.is_empty() {
            return ApiError::NotFound.into_response();
        }
        let prefix_len = 1 + name.len();
        return serve(&state, &username, &name, prefix_len, true, request)
            .await
            .into_response();
    }
    let separate = state.config.functions_url.is_some();
    if separate && origin.is_host(host) && !request.uri().path().starts_with("/fn/") {
        let dashboard = state.config.public_url();
        return moved_to(&format!("{dashboard}{}", path_and_query(request.uri())));
    }
    next.run(request).await
}

/// The user and function a `/fn/…` path names (the rest is the guest's).
#[derive(serde::Deserialize)]
struct FunctionPath {
    user: String,
    function: String,
}

/// `ANY /fn/{user}/{function}/…`: runs the function, or moves the caller
/// to the function's own origin when that is elsewhere.
async fn serve_path(
    State(state): State<AppState>,
    Path(path): Path<FunctionPath>,
    request: Request,
) -> Result<Response, ApiError> {
    let (username, name) = (&path.user, &path.function);
    let prefix_len = "/fn/".len() + username.len() + 1 + name.len();
    let origin = &state.fnlab.settings().functions_origin;
    let separate = state.config.functions_url.is_some();
    let host = request_host(&request).unwrap_or_default();
    let elsewhere = match origin {
        FunctionsOrigin::PerUser { .. } => true,
        FunctionsOrigin::Shared { .. } => separate && !origin.is_host(host),
    };
    if elsewhere {
        let url = origin.url(username, name);
        let rest = path_and_query(request.uri())
            .get(prefix_len..)
            .unwrap_or_default();
        return Ok(moved_to(&format!("{}{rest}", url.trim_end_matches('/'))));
    }
    serve(&state, username, name, prefix_len, false, request).await
}

/// Runs one request through `username`'s function `name`, whose URL
/// prefix is the first `prefix_len` bytes of the path; `own_origin` when
/// the function's origin is its owner's alone.
async fn serve(
    state: &AppState,
    username: &str,
    name: &str,
    prefix_len: usize,
    own_origin: bool,
    request: Request,
) -> Result<Response, ApiError> {
    // Held until the response body is done (or dropped).
    let held = match request.extensions().get::<Client>() {
        Some(client) => state.clients.functions.take(*client).await.ok_or_else(|| {
            ApiError::UseCase(fnlab_usecases::Error::Throttled {
                message: format!(
                    "too many requests from your address at once (at most {} run, the \
                     rest wait their turn); none finished in time",
                    state.clients.functions.max()
                ),
                retry_after_secs: 1,
            })
        })?,
        None => None,
    };
    let config = &state.config;
    let timeout = Duration::from_millis(config.body_timeout_ms);
    let request = whole_body(request, config.max_request_bytes, timeout).await?;
    // `fnlab-invocation-type: event`: queue the body and answer at once.
    let event = request.headers().get(INVOCATION_TYPE_HEADER);
    if event.is_some_and(|kind| kind.as_bytes().eq_ignore_ascii_case(b"event")) {
        let body = request
            .into_body()
            .collect()
            .await
            .map(|body| body.to_bytes());
        let sent = state
            .fnlab
            .send_url_event(username, name, body.unwrap_or_default())
            .await?;
        return Ok((StatusCode::ACCEPTED, ApiJson(sent)).into_response());
    }
    let request = guest_request(request, prefix_len);
    // The guest learns its request id, name and trigger (the Lambda-style
    // context) from the use case.
    let request_id = fnlab_metering::record::new_request_id(fnlab_db::now_ms());
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
    // Cookies belong to no function: a functions host has no session, and
    // on a shared origin one user's cookie would be every user's.
    headers.remove(header::SET_COOKIE);
    if !own_origin {
        headers.remove("clear-site-data");
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
/// (always starting with `/`) with the query, and never the visitor's
/// cookies (their Fnlab session among them).
fn guest_request<B>(request: http::Request<B>, prefix_len: usize) -> http::Request<B> {
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
    parts.headers.remove(header::COOKIE);
    http::Request::from_parts(parts, body)
}

/// The host a request asked for, with its port (compared ignoring case).
fn request_host(request: &Request) -> Option<&str> {
    request.headers().get(header::HOST)?.to_str().ok()
}

/// The path and query of `uri`.
fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// 308 to `location` (the method and body are kept).
fn moved_to(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => ApiError::NotFound.into_response(),
    }
}

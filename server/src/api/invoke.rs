//! Direct invoke over REST: `POST /functions/{name}/invoke` runs the
//! caller's function with a JSON payload as its event and answers with
//! what it returned, its logs, duration and cost, as `aws lambda invoke`
//! does; and the test events saved to invoke it with
//! (`/functions/{name}/test-events`).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fnlab_functions::TestEvent;
use fnlab_functions::test_events::MAX_TEST_EVENT_BYTES;
use fnlab_usecases::events::SentEvent;
use fnlab_usecases::invoke::DirectInvocation;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::{AppState, Config};

/// The `/api/v1` routes of this module.
pub fn router(config: &Config) -> OpenApiRouter<AppState> {
    let max_payload = usize::try_from(config.max_request_bytes).unwrap_or(usize::MAX);
    OpenApiRouter::new()
        .routes(routes!(invoke).layer(DefaultBodyLimit::max(max_payload)))
        .routes(routes!(test_events))
        .routes(
            routes!(save_test_event, delete_test_event)
                .layer(DefaultBodyLimit::max(MAX_TEST_EVENT_BYTES)),
        )
}

/// How to invoke.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InvokeQuery {
    /// `sync` (the default; Lambda's `RequestResponse` is accepted too):
    /// run now and answer with the result. `event` (or `Event`): queue it
    /// (as `POST …/events` does) and answer 202 at once.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Invokes the caller's function with a JSON payload and waits for it.
///
/// A Lambda-style handler (`lambda_handler(event, context)` in Python,
/// `export const handler` in JavaScript, `fnlab::lambda!` in Rust)
/// receives exactly the payload as its event, and its return value is
/// `result`. Any other function receives `POST /` with the payload as its
/// body and the header `fnlab-trigger: invoke`; `result` is its body (as
/// JSON when it is JSON). Metered, billed and logged like any
/// invocation, with trigger `invoke`.
#[utoipa::path(
    post,
    path = "/functions/{name}/invoke",
    operation_id = "invoke_function",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), InvokeQuery),
    request_body(description = "The event: any JSON (empty counts as `{}`).", content_type = "application/json"),
    responses(
        (status = 200, description = "The function ran (whatever status it answered: see `status`).", body = DirectInvocation),
        (status = 202, description = "With `type=event`: queued.", body = SentEvent),
        (status = 400, description = "The payload is not JSON (`bad_request`).", body = ErrorBody),
        (status = 404, description = "No such function of the caller's, or it has no live version (`not_found`).", body = ErrorBody),
        (status = 413, description = "The payload is larger than a function accepts (`FNLAB_MAX_REQUEST_BYTES`), as plain text."),
        (status = 422, description = "An invocation type other than `sync` or `event` (`unsupported_invocation_type`).", body = ErrorBody),
        (status = 429, description = "The caller's monthly quota is used up (`quota_exceeded`).", body = ErrorBody),
    ),
)]
async fn invoke(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<InvokeQuery>,
    payload: Bytes,
) -> Result<Response, ApiError> {
    let fnlab = &state.fnlab;
    match query.kind.as_deref() {
        None | Some("sync" | "RequestResponse") => {
            Ok(ApiJson(fnlab.invoke_direct(&actor, &name, payload).await?).into_response())
        }
        Some("event" | "Event") => {
            let sent = fnlab.send_event(&actor, &name, payload, "invoke").await?;
            Ok((StatusCode::ACCEPTED, ApiJson(sent)).into_response())
        }
        Some(other) => Err(fnlab_usecases::Error::Invalid {
            field: "type",
            code: "unsupported_invocation_type",
            message: format!("unknown invocation type {other:?}: use sync or event"),
        }
        .into()),
    }
}

/// The function's saved test events, by name.
#[utoipa::path(
    get,
    path = "/functions/{name}/test-events",
    operation_id = "list_test_events",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "Its test events.", body = Vec<TestEvent>),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn test_events(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Vec<TestEvent>>, ApiError> {
    Ok(ApiJson(state.fnlab.test_events(&actor, &name).await?))
}

/// Saves a test event (the body, any JSON, kept as written), replacing
/// one of the same name. A function keeps at most 10, of 256 KiB each.
#[utoipa::path(
    put,
    path = "/functions/{name}/test-events/{event}",
    operation_id = "save_test_event",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("event" = String, Path, description = "The event's name: lowercase letters, digits and dashes."),
    ),
    request_body(description = "The event: any JSON.", content_type = "application/json"),
    responses(
        (status = 200, description = "Saved.", body = TestEvent),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 413, description = "Over 256 KiB, as plain text."),
        (status = 422, description = "A bad name, not JSON, or an eleventh event (`invalid_test_event`).", body = ErrorBody),
    ),
)]
async fn save_test_event(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, event)): Path<(String, String)>,
    payload: String,
) -> Result<ApiJson<TestEvent>, ApiError> {
    let saved = state.fnlab.save_test_event(&actor, &name, &event, &payload);
    Ok(ApiJson(saved.await?))
}

/// Deletes a test event.
#[utoipa::path(
    delete,
    path = "/functions/{name}/test-events/{event}",
    operation_id = "delete_test_event",
    tag = "functions",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("event" = String, Path, description = "The event's name."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such function of the caller's, or no such event (`not_found`).", body = ErrorBody),
    ),
)]
async fn delete_test_event(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, event)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.delete_test_event(&actor, &name, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

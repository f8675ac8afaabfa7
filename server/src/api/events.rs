//! A function's event queue over REST: send an event (asynchronous
//! invocation), list the queue by state, replay or delete an event.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use fnlab_triggers::EventConfig;
use fnlab_triggers::QueuedEvent;
use fnlab_triggers::queue::MAX_PAYLOAD_BYTES;
use fnlab_usecases::events::SentEvent;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, send_event).layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES)))
        .routes(routes!(replay_event))
        .routes(routes!(delete_event))
        .routes(routes!(get_event_config, put_event_config))
}

/// Which events to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// `queued`, `running`, `retrying`, `done` or `dead`; every state when
    /// left out.
    state: Option<String>,
}

/// The function's events, newest first (the last 100).
#[utoipa::path(
    get,
    path = "/functions/{name}/events",
    operation_id = "list_events",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), EventsQuery),
    responses(
        (status = 200, description = "Its events.", body = Vec<QueuedEvent>),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "An unknown state (`invalid_state`).", body = ErrorBody),
    ),
)]
async fn list_events(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<ApiJson<Vec<QueuedEvent>>, ApiError> {
    let events = state.fnlab.events(&actor, &name, query.state.as_deref());
    Ok(ApiJson(events.await?))
}

/// Sends the function an event: stored, then delivered at least once.
///
/// Answers as soon as the event is stored. A delivery is a `POST /` with
/// the payload as its body and the headers `fnlab-trigger: event`,
/// `fnlab-event-id`, `fnlab-attempt` and `fnlab-event-time` (a
/// Lambda-style handler receives an SQS-shaped event); one at a time per
/// function, oldest first. A failure (a status of 500 or more, a trap, a
/// timeout) is retried with exponential backoff, then the event is dead.
#[utoipa::path(
    post,
    path = "/functions/{name}/events",
    operation_id = "send_event",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body(description = "The payload: any JSON (empty counts as `{}`), at most 256 KiB.", content_type = "application/json"),
    responses(
        (status = 202, description = "Stored; delivered soon.", body = SentEvent),
        (status = 400, description = "The payload is not JSON (`bad_request`).", body = ErrorBody),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 413, description = "Over 256 KiB, as plain text."),
        (status = 429, description = "The function already has 10,000 events waiting (`too_many_requests`).", body = ErrorBody),
    ),
)]
async fn send_event(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    payload: Bytes,
) -> Result<(StatusCode, ApiJson<SentEvent>), ApiError> {
    let sent = state
        .fnlab
        .send_event(&actor, &name, payload, "api")
        .await?;
    Ok((StatusCode::ACCEPTED, ApiJson(sent)))
}

/// Puts a dead (or delivered) event back in the queue, its attempts
/// counted afresh.
#[utoipa::path(
    post,
    path = "/functions/{name}/events/{event_id}/replay",
    operation_id = "replay_event",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("event_id" = String, Path, description = "The event's id."),
    ),
    responses(
        (status = 202, description = "Queued again."),
        (status = 404, description = "No such function of the caller's, or no such event of it (`not_found`).", body = ErrorBody),
        (status = 409, description = "The event is still to be delivered (`event_pending`).", body = ErrorBody),
    ),
)]
async fn replay_event(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, event_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.replay_event(&actor, &name, &event_id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Deletes an event, whatever its state.
#[utoipa::path(
    delete,
    path = "/functions/{name}/events/{event_id}",
    operation_id = "delete_event",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("event_id" = String, Path, description = "The event's id."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such function of the caller's, or no such event of it (`not_found`).", body = ErrorBody),
    ),
)]
async fn delete_event(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, event_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.delete_event(&actor, &name, &event_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many deliveries the function's events get before they are
/// dead-lettered.
#[utoipa::path(
    get,
    path = "/functions/{name}/event-config",
    operation_id = "get_event_config",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "The function's retry setting.", body = EventConfig),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn get_event_config(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<EventConfig>, ApiError> {
    Ok(ApiJson(state.fnlab.event_config(&actor, &name).await?))
}

/// A function's own retry setting.
#[derive(Deserialize, ToSchema)]
struct EventConfigRequest {
    /// Deliveries before a dead letter, 1 to 10; `null` for the server's
    /// setting.
    max_attempts: Option<i64>,
}

/// Sets how many deliveries the function's events get before they are
/// dead-lettered (events already retrying follow it from their next
/// delivery).
#[utoipa::path(
    put,
    path = "/functions/{name}/event-config",
    operation_id = "put_event_config",
    tag = "events",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = EventConfigRequest,
    responses(
        (status = 200, description = "The function's retry setting.", body = EventConfig),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "Outside 1 to 10 (`invalid_attempts`).", body = ErrorBody),
    ),
)]
async fn put_event_config(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<EventConfigRequest>,
) -> Result<ApiJson<EventConfig>, ApiError> {
    let config = state
        .fnlab
        .set_event_config(&actor, &name, body.max_attempts);
    Ok(ApiJson(config.await?))
}

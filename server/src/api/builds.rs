//! Source from the editor over REST: save a function's draft, list the
//! templates, deploy (build the saved draft and make it live), and follow a
//! build by polling or as a live event stream. Every route is scoped to the
//! caller: another user's function or build is a plain 404.

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use fnlab_builds::{BuildState, Template};
use fnlab_courses::CheckRun;
use fnlab_functions::{Draft, Source};
use fnlab_usecases::builds::{BuildEvent, BuildStatus, DeployOutcome};
use fnlab_usecases::catalog::SavedDraft;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ErrorBody, StorageFullBody};
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module (`PUT /functions/{name}` is routed
/// by the functions module, beside the path's other methods).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates))
        .routes(routes!(draft))
        .routes(routes!(version_source))
        .routes(routes!(deploy))
        .routes(routes!(build))
        .routes(routes!(build_events))
}

/// The templates a new function can start from, in the editor's order.
#[utoipa::path(
    get,
    path = "/templates",
    operation_id = "list_templates",
    tag = "builds",
    responses((status = 200, description = "Every template, with its source.", body = [Template])),
)]
async fn templates(State(state): State<AppState>) -> ApiJson<&'static [Template]> {
    ApiJson(state.fnlab.templates())
}

/// A draft as sent: the language is read by the use case, so that an
/// unknown one gets its reason rather than a JSON error.
#[derive(Deserialize, ToSchema)]
pub(super) struct DraftRequest {
    /// `rust`, `javascript` or `python`.
    language: String,
    /// The code, at most 256 KiB.
    source: String,
}

/// Saves a function's draft, creating the function if need be.
///
/// Nothing is built or deployed: `POST /api/v1/functions/{name}/deploy`
/// does that.
#[utoipa::path(
    put,
    path = "/functions/{name}",
    operation_id = "save_draft",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name: lowercase letters, digits and dashes.")),
    request_body = inline(DraftRequest),
    responses(
        (status = 200, description = "Saved.", body = SavedDraft),
        (status = 201, description = "Saved, and the function created.", body = SavedDraft),
        (status = 413, description = "Storing it would take the caller past their storage quota (`storage_quota_exceeded`).", body = StorageFullBody),
        (status = 422, description = "An unknown language (`unsupported_language`), a source over the size limit (`source_too_large`) or a bad name (`invalid_name`).", body = ErrorBody),
    ),
)]
pub(super) async fn save_draft(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<DraftRequest>,
) -> Result<(StatusCode, ApiJson<SavedDraft>), ApiError> {
    let saved = state
        .fnlab
        .save_draft(&actor, &name, &body.language, body.source)
        .await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(saved)))
}

/// A function's saved draft.
#[utoipa::path(
    get,
    path = "/functions/{name}/source",
    operation_id = "get_draft",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "The draft.", body = Draft),
        (status = 404, description = "No such function of the caller's, or it has no saved source (`not_found`).", body = ErrorBody),
    ),
)]
async fn draft(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Draft>, ApiError> {
    Ok(ApiJson(state.fnlab.draft(&actor, &name).await?))
}

/// The source a version was built from.
#[utoipa::path(
    get,
    path = "/functions/{name}/versions/{version}/source",
    operation_id = "get_version_source",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("version" = i64, Path, description = "One of its versions."),
    ),
    responses(
        (status = 200, description = "The version's source.", body = Source),
        (status = 404, description = "No such function or version, or the version was an uploaded component (`not_found`).", body = ErrorBody),
    ),
)]
async fn version_source(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, version)): Path<(String, i64)>,
) -> Result<ApiJson<Source>, ApiError> {
    let source = state.fnlab.version_source(&actor, &name, version);
    Ok(ApiJson(source.await?))
}

/// Whether to wait for the build.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeployQuery {
    /// `false` answers 202 at once; by default the answer waits for the
    /// build to end.
    wait: Option<bool>,
}

/// A deploy that went live.
#[derive(Serialize, ToSchema)]
struct Deployed {
    /// The new live version.
    version: i64,
    /// The function's public URL.
    url: String,
    /// How long the build took, in milliseconds.
    build_ms: Option<i64>,
    /// The build (`GET /api/v1/builds/{id}` has its log).
    build_id: i64,
    /// For an assignment's function: the checks' results on the new
    /// version (`null` for any other function).
    checks: Option<CheckRun>,
}

/// A deploy queued, to follow.
#[derive(Serialize, ToSchema)]
struct Queued {
    /// The build to follow.
    build_id: i64,
    /// Always `queued`.
    state: BuildState,
    /// Where to follow it: `/api/v1/builds/{build_id}`.
    status_url: String,
}

/// Deploys the saved draft: builds it and makes it live.
///
/// By default the answer waits for the build. A build of the function
/// still queued is replaced by this newer source (same `build_id`). When
/// the build fails, the live version stays as it was.
#[utoipa::path(
    post,
    path = "/functions/{name}/deploy",
    operation_id = "deploy",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), DeployQuery),
    responses(
        (status = 201, description = "Built and live.", body = Deployed),
        (status = 202, description = "Queued (with `wait=false`, or when the build took too long to wait for).", body = Queued),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 413, description = "Even the build's source would not fit the caller's storage quota (`storage_quota_exceeded`).", body = StorageFullBody),
        (status = 422, description = "The build failed: `compile_error` (with `diagnostics`), `timeout`, `memory`, `output_too_large`, `invalid_component` or `storage_quota_exceeded`; or there is no saved source to build (`no_source`).", body = ref(super::openapi::DEPLOY_REFUSAL)),
        (status = 429, description = "The caller already has 3 builds queued or running; `Retry-After` says when to try again (`too_many_requests`).", body = ErrorBody),
    ),
)]
async fn deploy(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<DeployQuery>,
) -> Result<Response, ApiError> {
    let wait = query.wait != Some(false);
    Ok(match state.fnlab.deploy(&actor, &name, wait).await? {
        DeployOutcome::Queued { build_id } => {
            let queued = Queued {
                build_id,
                state: BuildState::Queued,
                status_url: format!("/api/v1/builds/{build_id}"),
            };
            (StatusCode::ACCEPTED, ApiJson(queued)).into_response()
        }
        DeployOutcome::Live {
            build_id,
            version,
            url,
            build_ms,
            checks,
        } => {
            let deployed = Deployed {
                version,
                url,
                build_ms,
                build_id,
                checks,
            };
            (StatusCode::CREATED, ApiJson(deployed)).into_response()
        }
    })
}

/// A build: where it is, its log and diagnostics, and its place in the
/// queue.
#[utoipa::path(
    get,
    path = "/builds/{id}",
    operation_id = "get_build",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The build's id, from a deploy.")),
    responses(
        (status = 200, description = "The build.", body = BuildStatus),
        (status = 404, description = "No such build of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn build(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<BuildStatus>, ApiError> {
    Ok(ApiJson(state.fnlab.build(&actor, id).await?))
}

/// The data of a `state` event: the build moved.
#[derive(Serialize, ToSchema)]
pub(super) struct StateEvent {
    /// Where it is now.
    state: BuildState,
    /// How many queued builds come before it.
    queue_position: i64,
}

/// The data of a `log` event: what the build printed since the last one.
#[derive(Serialize, ToSchema)]
pub(super) struct LogEvent {
    /// The text.
    text: String,
}

/// Follows a build as server-sent events, until it ends.
///
/// `state` ([StateEvent]) on each change, `log` ([LogEvent]) as the build
/// prints, and `done` with the whole build ([BuildStatus], as
/// `GET /api/v1/builds/{id}` answers) at the end.
#[utoipa::path(
    get,
    path = "/builds/{id}/events",
    operation_id = "follow_build",
    tag = "builds",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The build's id.")),
    responses(
        (status = 200, description = "The event stream: `state`, `log`, then `done`.", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such build of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn build_events(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let watch = state.fnlab.watch_build(&actor, id).await?;
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let events = watch.next().await?;
        Some((
            futures_util::stream::iter(events.into_iter().map(|event| Ok(sse(event)))),
            watch,
        ))
    });
    Ok(Sse::new(futures_util::StreamExt::flatten(stream)).keep_alive(KeepAlive::default()))
}

/// One build event as a server-sent event.
fn sse(event: BuildEvent) -> Event {
    match event {
        BuildEvent::State {
            state,
            queue_position,
        } => json_event(
            "state",
            &StateEvent {
                state,
                queue_position,
            },
        ),
        BuildEvent::Log { text } => json_event("log", &LogEvent { text }),
        BuildEvent::Done(build) => json_event("done", &build),
    }
}

/// `data` as the JSON of a server-sent event named `name`.
pub(super) fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name))
}

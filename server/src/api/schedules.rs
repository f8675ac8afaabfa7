//! A function's cron schedules over REST: add, list, pause or resume,
//! delete, "run now", and each schedule's recent runs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use fnlab_triggers::{Schedule, ScheduleRun};
use fnlab_usecases::schedules::NewSchedule;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schedules, add_schedule))
        .routes(routes!(patch_schedule, delete_schedule))
        .routes(routes!(run_schedule))
        .routes(routes!(schedule_runs))
}

/// The function's schedules, oldest first.
#[utoipa::path(
    get,
    path = "/functions/{name}/schedules",
    operation_id = "list_schedules",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    responses(
        (status = 200, description = "Its schedules.", body = Vec<Schedule>),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn list_schedules(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<Vec<Schedule>>, ApiError> {
    Ok(ApiJson(state.fnlab.schedules(&actor, &name).await?))
}

/// Adds a cron schedule to the function.
///
/// Each slot runs the function's live version once across every node, as
/// a `POST /` with `fnlab-trigger: schedule` and the JSON body
/// `{schedule, cron, timezone, scheduled_time, manual, attempt}` (a
/// Lambda-style handler receives an EventBridge-shaped scheduled event).
/// Slots missed while no node ran collapse into one run.
#[utoipa::path(
    post,
    path = "/functions/{name}/schedules",
    operation_id = "add_schedule",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = NewSchedule,
    responses(
        (status = 201, description = "Added.", body = Schedule),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "An expression or time zone that cannot be read, or one that runs more often than once a minute (`invalid_schedule`, with the reason); the plan's number of schedules reached (`too_many_schedules`).", body = ErrorBody),
    ),
)]
async fn add_schedule(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(new): ApiJson<NewSchedule>,
) -> Result<(StatusCode, ApiJson<Schedule>), ApiError> {
    let schedule = state.fnlab.add_schedule(&actor, &name, &new).await?;
    Ok((StatusCode::CREATED, ApiJson(schedule)))
}

/// What to change of a schedule.
#[derive(Deserialize, ToSchema)]
struct SchedulePatch {
    /// Pause (true) or resume (false). A resumed schedule runs from its
    /// next slot on.
    paused: bool,
}

/// Pauses or resumes a schedule.
#[utoipa::path(
    patch,
    path = "/functions/{name}/schedules/{id}",
    operation_id = "patch_schedule",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("id" = i64, Path, description = "The schedule's id."),
    ),
    request_body = inline(SchedulePatch),
    responses(
        (status = 200, description = "The schedule now.", body = Schedule),
        (status = 404, description = "No such function of the caller's, or no such schedule of it (`not_found`).", body = ErrorBody),
    ),
)]
async fn patch_schedule(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, id)): Path<(String, i64)>,
    ApiJson(patch): ApiJson<SchedulePatch>,
) -> Result<ApiJson<Schedule>, ApiError> {
    let schedule = state
        .fnlab
        .set_schedule_paused(&actor, &name, id, patch.paused);
    Ok(ApiJson(schedule.await?))
}

/// Deletes a schedule and its runs.
#[utoipa::path(
    delete,
    path = "/functions/{name}/schedules/{id}",
    operation_id = "delete_schedule",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("id" = i64, Path, description = "The schedule's id."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such function of the caller's, or no such schedule of it (`not_found`).", body = ErrorBody),
    ),
)]
async fn delete_schedule(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.delete_schedule(&actor, &name, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a schedule once, now ("run now"), paused or not: a node runs it
/// within a second (after its run under way, if any).
#[utoipa::path(
    post,
    path = "/functions/{name}/schedules/{id}/run",
    operation_id = "run_schedule",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("id" = i64, Path, description = "The schedule's id."),
    ),
    responses(
        (status = 202, description = "Asked: see its runs, or the function's log."),
        (status = 404, description = "No such function of the caller's, or no such schedule of it (`not_found`).", body = ErrorBody),
    ),
)]
async fn run_schedule(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.run_schedule_now(&actor, &name, id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A schedule's runs of the last week, newest first (at most 100).
#[utoipa::path(
    get,
    path = "/functions/{name}/schedules/{id}/runs",
    operation_id = "schedule_runs",
    tag = "schedules",
    security(("token" = []), ("session" = [])),
    params(
        ("name" = String, Path, description = "The function's name."),
        ("id" = i64, Path, description = "The schedule's id."),
    ),
    responses(
        (status = 200, description = "Its runs.", body = Vec<ScheduleRun>),
        (status = 404, description = "No such function of the caller's, or no such schedule of it (`not_found`).", body = ErrorBody),
    ),
)]
async fn schedule_runs(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((name, id)): Path<(String, i64)>,
) -> Result<ApiJson<Vec<ScheduleRun>>, ApiError> {
    Ok(ApiJson(state.fnlab.schedule_runs(&actor, &name, id).await?))
}

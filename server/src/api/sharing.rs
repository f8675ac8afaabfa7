//! Sharing over REST: an owner makes a function public, anyone reads a
//! public function, a signed-in user forks one into their account.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fnlab_functions::{Forked, Shared};
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
        .routes(routes!(set_sharing))
        .routes(routes!(shared))
        .routes(routes!(fork))
}

/// Whether a function is public, and what it does.
#[derive(Deserialize, ToSchema)]
struct SharingRequest {
    /// Whether anyone may read its source and fork it.
    public: bool,
    /// What it does, at most 500 characters; left as it is when absent.
    description: Option<String>,
}

/// Makes a function's source public (its page is `/s/{user}/{name}`) or
/// private again.
#[utoipa::path(
    put,
    path = "/functions/{name}/sharing",
    operation_id = "set_sharing",
    tag = "sharing",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name.")),
    request_body = SharingRequest,
    responses(
        (status = 200, description = "The function as its public page shows it.", body = Shared),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "A description over 500 characters (`invalid_description`).", body = ErrorBody),
    ),
)]
async fn set_sharing(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<SharingRequest>,
) -> Result<ApiJson<Shared>, ApiError> {
    let description = body.description.as_deref();
    let shared = state
        .fnlab
        .set_sharing(&actor, &name, body.public, description);
    Ok(ApiJson(shared.await?))
}

/// A public function: its source, description, URL and forks. Anyone may
/// read it, signed in or not; a private one is 404 to all but its owner.
#[utoipa::path(
    get,
    path = "/shared/{user}/{function}",
    operation_id = "get_shared",
    tag = "sharing",
    security((), ("token" = []), ("session" = [])),
    params(
        ("user" = String, Path, description = "The owner's username."),
        ("function" = String, Path, description = "The function's name."),
    ),
    responses(
        (status = 200, description = "The shared function.", body = Shared),
        (status = 404, description = "No such public function (`not_found`).", body = ErrorBody),
    ),
)]
async fn shared(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path((user, function)): Path<(String, String)>,
) -> Result<ApiJson<Shared>, ApiError> {
    let viewer = viewer.map(|AuthUser(actor)| actor);
    let shared = state.fnlab.shared(viewer.as_ref(), &user, &function);
    Ok(ApiJson(shared.await?))
}

/// What to call a fork.
#[derive(Deserialize, ToSchema, Default)]
struct ForkRequest {
    /// The new function's name; the original's by default.
    name: Option<String>,
}

/// Copies a public function into the caller's account: its source,
/// language, description, schedules (paused) and the names of its
/// variables and secrets (empty: their values are never copied). The fork
/// is saved, not deployed.
#[utoipa::path(
    post,
    path = "/shared/{user}/{function}/fork",
    operation_id = "fork",
    tag = "sharing",
    security(("token" = []), ("session" = [])),
    params(
        ("user" = String, Path, description = "The owner's username."),
        ("function" = String, Path, description = "The function's name."),
    ),
    request_body = ForkRequest,
    responses(
        (status = 201, description = "The fork, in the caller's account.", body = Forked),
        (status = 404, description = "No such public function (`not_found`).", body = ErrorBody),
        (status = 409, description = "The caller already has a function of that name (`function_exists`).", body = ErrorBody),
        (status = 413, description = "Past the caller's storage quota (`storage_quota_exceeded`).", body = ErrorBody),
        (status = 422, description = "A bad name (`invalid_name`), a function without source (`no_source`), or past the plan's schedules (`too_many_schedules`).", body = ErrorBody),
    ),
)]
async fn fork(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((user, function)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<Forked>), ApiError> {
    // The body is optional: none (or `{}`) keeps the original's name.
    let body: ForkRequest = if body.trim_ascii().is_empty() {
        ForkRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("the body is not a fork request: {e}")))?
    };
    let forked = state
        .fnlab
        .fork(&actor, &user, &function, body.name.as_deref());
    Ok((StatusCode::CREATED, ApiJson(forked.await?)))
}

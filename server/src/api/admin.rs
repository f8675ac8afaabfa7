//! The admin view over REST, for the users granted it with `fnlab admin
//! grant` (an instructor watching a class): every user's month, and their
//! plans. To anyone else these routes do not exist (404).

use axum::extract::{Path, Query, State};
use fnlab_usecases::usage::{AdminUsage, PlanChange};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(usage))
        .routes(routes!(set_plan))
}

/// Which month, sorted how.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UsageQuery {
    /// The month, such as `2026-11`; this month by default.
    month: Option<String>,
    /// `username`, `requests`, `errors`, `gb_seconds` or `cost`.
    sort: Option<String>,
}

/// Every user's month, for admins.
///
/// Each user's usage and cost with their plan and quota alert level, and
/// the plans a user can be put on.
#[utoipa::path(
    get,
    path = "/admin/usage",
    operation_id = "admin_usage",
    tag = "admin",
    security(("token" = []), ("session" = [])),
    params(UsageQuery),
    responses(
        (status = 200, description = "Every user's month.", body = AdminUsage),
        (status = 400, description = "A month or sort key it cannot read (`bad_request`).", body = ErrorBody),
        (status = 404, description = "The caller is not an admin (`not_found`).", body = ErrorBody),
    ),
)]
async fn usage(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Query(query): Query<UsageQuery>,
) -> Result<ApiJson<AdminUsage>, ApiError> {
    let (month, sort) = (query.month.as_deref(), query.sort.as_deref());
    Ok(ApiJson(state.fnlab.admin_usage(&actor, month, sort).await?))
}

/// A plan to put a user on.
#[derive(Deserialize, ToSchema)]
struct PlanRequest {
    /// One of the configured plans (`plans` in the admin usage answer).
    plan: String,
}

/// Puts a user on a plan, for admins.
///
/// The new plan's quotas apply within seconds.
#[utoipa::path(
    put,
    path = "/admin/users/{username}/plan",
    operation_id = "set_plan",
    tag = "admin",
    security(("token" = []), ("session" = [])),
    params(("username" = String, Path, description = "Whose plan.")),
    request_body = inline(PlanRequest),
    responses(
        (status = 200, description = "The user's plan now.", body = PlanChange),
        (status = 404, description = "No such user, or the caller is not an admin (`not_found`).", body = ErrorBody),
        (status = 422, description = "A plan that is not configured (`unknown_plan`).", body = ErrorBody),
    ),
)]
async fn set_plan(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<PlanRequest>,
) -> Result<ApiJson<PlanChange>, ApiError> {
    let change = state.fnlab.set_plan(&actor, &username, &body.plan);
    Ok(ApiJson(change.await?))
}

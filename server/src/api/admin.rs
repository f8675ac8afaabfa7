//! The admin view over REST, for the users named in `FNLAB_ADMIN` (an
//! instructor watching a class): every user's month, and their plans.
//! To anyone else these routes do not exist (404).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, put};
use fnlab_usecases::usage::{AdminUsage, PlanChange};
use serde::Deserialize;

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/usage", get(usage))
        .route("/admin/users/{username}/plan", put(set_plan))
}

#[derive(Deserialize)]
struct UsageQuery {
    month: Option<String>,
    sort: Option<String>,
}

/// `GET /admin/usage?month=2026-11&sort=cost` → 200 {month, sort, users:
/// [{username, plan, requests, errors, gb_seconds, cpu_ms, bytes_out,
/// cost_micros, alert_level}], plans}; 404 for non-admins; 400 for a bad
/// month or sort key.
async fn usage(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Query(query): Query<UsageQuery>,
) -> Result<ApiJson<AdminUsage>, ApiError> {
    let (month, sort) = (query.month.as_deref(), query.sort.as_deref());
    Ok(ApiJson(state.fnlab.admin_usage(&actor, month, sort).await?))
}

#[derive(Deserialize)]
struct PlanRequest {
    plan: String,
}

/// `PUT /admin/users/{username}/plan` {plan} → 200 {username, plan}; 404
/// for non-admins or an unknown user; 422 for a plan not configured.
async fn set_plan(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<PlanRequest>,
) -> Result<ApiJson<PlanChange>, ApiError> {
    let change = state.fnlab.set_plan(&actor, &username, &body.plan);
    Ok(ApiJson(change.await?))
}

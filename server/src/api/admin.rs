//! The admin view over REST, for the users named in `FNLAB_ADMIN` (an
//! instructor watching a class): every user's month, and their plans.
//! To anyone else these routes do not exist (404).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, put};
use fnlab_billing::calendar::{month_label, month_start, parse_instant};
use fnlab_billing::report::{UserLine, UserSort};
use fnlab_metering::report;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/usage", get(usage))
        .route("/admin/users/{username}/plan", put(set_plan))
}

/// The caller, if an admin; otherwise 404.
fn require_admin(state: &AppState, user: &AuthUser) -> Result<(), ApiError> {
    if state.config.is_admin(&user.0.username) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Deserialize)]
struct UsageQuery {
    month: Option<String>,
    sort: Option<String>,
}

#[derive(Serialize)]
struct AdminUsage {
    month: String,
    sort: UserSort,
    users: Vec<UserLine>,
}

/// `GET /admin/usage?month=2026-11&sort=cost` → 200 {month, sort, users:
/// [{username, plan, requests, errors, gb_seconds, cpu_ms, bytes_out,
/// cost_micros, alert_level}]}; 404 for non-admins; 400 for a bad month or
/// sort key.
async fn usage(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<UsageQuery>,
) -> Result<ApiJson<AdminUsage>, ApiError> {
    require_admin(&state, &user)?;
    let month = match &query.month {
        None => month_start(fnlab_db::now_ms()),
        Some(text) => month_start(parse_instant(text).ok_or_else(|| {
            ApiError::BadRequest(format!("month={text:?} is not a month: use 2026-11"))
        })?),
    };
    let sort = match query.sort.as_deref() {
        None => UserSort::Cost,
        Some(text) => UserSort::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "sort={text:?}: use username, requests, errors, gb_seconds or cost"
            ))
        })?,
    };
    let users = state
        .accounts
        .users_with_plans()
        .await?
        .into_iter()
        .map(|u| (u.id, u.username, u.plan))
        .collect();
    Ok(ApiJson(AdminUsage {
        month: month_label(month),
        sort,
        users: report::users_month(&state.pool, &state.pricing, users, month, sort).await?,
    }))
}

#[derive(Deserialize)]
struct PlanRequest {
    plan: String,
}

#[derive(Serialize)]
struct PlanView {
    username: String,
    plan: String,
}

/// `PUT /admin/users/{username}/plan` {plan} → 200 {username, plan}; 404
/// for non-admins or an unknown user; 422 for a plan not configured.
async fn set_plan(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<PlanRequest>,
) -> Result<ApiJson<PlanView>, ApiError> {
    require_admin(&state, &user)?;
    if !state.pricing.plans.contains(&body.plan) {
        let names: Vec<&str> = state
            .pricing
            .plans
            .all()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        return Err(ApiError::Unprocessable {
            code: "unknown_plan",
            message: format!(
                "there is no plan {:?}; the plans are {}",
                body.plan,
                names.join(", ")
            ),
        });
    }
    state.accounts.set_plan(&username, &body.plan).await?;
    Ok(ApiJson(PlanView {
        username,
        plan: body.plan,
    }))
}

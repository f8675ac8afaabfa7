//! Usage, billing and metrics over REST, each scoped to the caller:
//! `GET /usage` (a period's usage and cost), `GET /usage.csv` (a month as
//! CSV), `GET /billing` (everything the Billing page shows) and
//! `GET /functions/{name}/metrics` (charts' data).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use fnlab_billing::report::{Metrics, Overview, UsageReport};
use serde::Deserialize;

use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/usage", get(usage))
        .route("/usage.csv", get(usage_csv))
        .route("/billing", get(billing))
        .route("/functions/{name}/metrics", get(function_metrics))
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /usage?from=&to=` → 200 {from, to, requests, errors, gb_seconds,
/// cpu_ms, bytes_out, cost_micros, gross_micros, free_tier, functions};
/// 400 for an unreadable period.
async fn usage(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Query(query): Query<PeriodQuery>,
) -> Result<ApiJson<UsageReport>, ApiError> {
    let (from, to) = (query.from.as_deref(), query.to.as_deref());
    Ok(ApiJson(state.fnlab.usage(&actor, from, to).await?))
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

/// `GET /usage.csv?month=2026-11` → the month per day and function at list
/// price, then the free tier's credit and the total owed.
async fn usage_csv(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Query(query): Query<MonthQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let usage = state
        .fnlab
        .usage_csv(&actor, query.month.as_deref())
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"fnlab-usage-{}.csv\"", usage.month),
            ),
        ],
        usage.csv,
    ))
}

/// `GET /billing` → 200 the Billing page's data: plan and quota, the month
/// so far, projection, alerts, days and past statements.
async fn billing(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Overview>, ApiError> {
    Ok(ApiJson(state.fnlab.billing(&actor).await?))
}

#[derive(Deserialize)]
struct WindowQuery {
    window: Option<String>,
}

/// `GET /functions/{name}/metrics?window=1h|24h|7d` → 200 {window, from,
/// to, step_secs, invocations, errors, p50_ms, p95_ms, p99_ms, series};
/// 404 for a function that is not the caller's; 400 for another window.
async fn function_metrics(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<WindowQuery>,
) -> Result<ApiJson<Metrics>, ApiError> {
    let metrics = state.fnlab.metrics(&actor, &name, query.window.as_deref());
    Ok(ApiJson(metrics.await?))
}

//! Usage, billing and metrics over REST, each scoped to the caller:
//! `GET /usage` (a period's usage and cost), `GET /usage.csv` (a month as
//! CSV), `GET /billing` (everything the Billing page shows) and
//! `GET /functions/{name}/metrics` (charts' data).

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use fnlab_billing::report::{Metrics, Overview, UsageReport};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(usage))
        .routes(routes!(usage_csv))
        .routes(routes!(billing))
        .routes(routes!(function_metrics))
}

/// Which period.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// Start: a date (`2026-11-01`), an RFC 3339 instant or epoch ms,
    /// widened to the whole hour; this month's start by default.
    from: Option<String>,
    /// End, exclusive, in the same forms; now by default.
    to: Option<String>,
}

/// The caller's usage and cost over a period, per function, with the free
/// tier applied.
///
/// A finished invocation counts within about 0.3 s.
#[utoipa::path(
    get,
    path = "/usage",
    operation_id = "get_usage",
    tag = "usage",
    security(("token" = []), ("session" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The period's usage and cost.", body = UsageReport),
        (status = 400, description = "A period it cannot read, or over 366 days (`bad_request`).", body = ErrorBody),
    ),
)]
async fn usage(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Query(query): Query<PeriodQuery>,
) -> Result<ApiJson<UsageReport>, ApiError> {
    let (from, to) = (query.from.as_deref(), query.to.as_deref());
    Ok(ApiJson(state.fnlab.usage(&actor, from, to).await?))
}

/// Which month.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MonthQuery {
    /// The month, such as `2026-11`; this month by default.
    month: Option<String>,
}

/// A month's usage as a CSV file to download.
///
/// One line per day and function at list price, then the free tier's
/// credit and the total owed.
#[utoipa::path(
    get,
    path = "/usage.csv",
    operation_id = "get_usage_csv",
    tag = "usage",
    security(("token" = []), ("session" = [])),
    params(MonthQuery),
    responses(
        (
            status = 200,
            description = "The month as CSV, as an attachment named `fnlab-usage-2026-11.csv`.",
            content_type = "text/csv",
            body = String,
            headers(("content-disposition" = String, description = "`attachment` with the file's name.")),
        ),
        (status = 400, description = "A month it cannot read (`bad_request`).", body = ErrorBody),
    ),
)]
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

/// Everything the Billing page shows.
///
/// The plan and its quotas, storage, the month so far and its projection,
/// quota alerts, the month's days, earlier months' statements and the
/// price sheet.
#[utoipa::path(
    get,
    path = "/billing",
    operation_id = "get_billing",
    tag = "usage",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's billing overview.", body = Overview)),
)]
async fn billing(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Overview>, ApiError> {
    Ok(ApiJson(state.fnlab.billing(&actor).await?))
}

/// Which window, and which invocations.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct WindowQuery {
    /// `1h` (per minute, the default), `24h` or `7d` (per hour).
    window: Option<String>,
    /// Only the invocations started by this trigger: `http`, `invoke`,
    /// `schedule`, `event` or `file` (read from the retained invocation
    /// records).
    trigger: Option<String>,
}

/// A function's invocations, errors and latency percentiles over a
/// window, as the metrics charts show them.
#[utoipa::path(
    get,
    path = "/functions/{name}/metrics",
    operation_id = "get_metrics",
    tag = "usage",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The function's name."), WindowQuery),
    responses(
        (status = 200, description = "The window's metrics.", body = Metrics),
        (status = 400, description = "Another window (`bad_request`).", body = ErrorBody),
        (status = 404, description = "No such function of the caller's (`not_found`).", body = ErrorBody),
        (status = 422, description = "An unknown trigger (`invalid_trigger`).", body = ErrorBody),
    ),
)]
async fn function_metrics(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<WindowQuery>,
) -> Result<ApiJson<Metrics>, ApiError> {
    let (window, trigger) = (query.window.as_deref(), query.trigger.as_deref());
    let metrics = state.fnlab.metrics(&actor, &name, window, trigger);
    Ok(ApiJson(metrics.await?))
}

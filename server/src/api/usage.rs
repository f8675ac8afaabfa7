//! Usage, billing and metrics over REST, each scoped to the caller:
//! `GET /usage` (a period's usage and cost), `GET /usage.csv` (a month as
//! CSV), `GET /billing` (everything the Billing page shows) and
//! `GET /functions/{name}/metrics` (charts' data).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use fnlab_billing::calendar::{
    DAY_MS, HOUR_MS, date_label, hour_start, month_label, month_start, next_month, parse_instant,
};
use fnlab_billing::money::format_micros;
use fnlab_billing::report::{Metrics, Overview, UsageReport, Window};
use fnlab_metering::{metrics, report, totals};
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

/// Longest period one usage query covers.
const MAX_PERIOD_MS: i64 = 366 * DAY_MS;

#[derive(Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Reads `from`/`to` (dates, RFC 3339 instants or epoch ms; default: this
/// month so far), widened to whole hours: usage is kept per hour.
fn period(query: &PeriodQuery, now: i64) -> Result<(i64, i64), ApiError> {
    let instant = |name: &str, value: &Option<String>, default: i64| {
        match value {
        None => Ok(default),
        Some(text) => parse_instant(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{name}={text:?} is not a date: use 2026-11-01, 2026-11-01T12:00:00Z or ms since 1970"
            ))
        }),
    }
    };
    let from = hour_start(instant("from", &query.from, month_start(now))?);
    let to = instant("to", &query.to, now)?;
    let to = hour_start(to + HOUR_MS - 1);
    if to <= from {
        return Err(ApiError::BadRequest("`to` must come after `from`".into()));
    }
    if to - from > MAX_PERIOD_MS {
        return Err(ApiError::BadRequest(
            "a usage query covers at most 366 days; ask for several".into(),
        ));
    }
    Ok((from, to))
}

/// `GET /usage?from=&to=` → 200 {from, to, requests, errors, gb_seconds,
/// cpu_ms, bytes_out, cost_micros, gross_micros, free_tier, functions};
/// 400 for an unreadable period.
async fn usage(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<PeriodQuery>,
) -> Result<ApiJson<UsageReport>, ApiError> {
    let period = period(&query, fnlab_db::now_ms())?;
    let report = report::usage_report(&state.pool, &state.pricing.prices, user.id, period).await?;
    Ok(ApiJson(report))
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

/// `GET /usage.csv?month=2026-11` → the month per day and function at list
/// price, then the free tier's credit and the total owed.
async fn usage_csv(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<MonthQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let now = fnlab_db::now_ms();
    let month = match &query.month {
        None => month_start(now),
        Some(text) => month_start(parse_instant(text).ok_or_else(|| {
            ApiError::BadRequest(format!("month={text:?} is not a month: use 2026-11"))
        })?),
    };
    let prices = &state.pricing.prices;
    let lines = totals::by_day_and_function(&state.pool, user.id, month, next_month(month)).await?;
    let statement =
        report::usage_report(&state.pool, prices, user.id, (month, next_month(month))).await?;
    let mut csv = String::from(
        "date,function,requests,errors,gb_seconds,cpu_ms,bytes_out,cost_micros,cost_usd\n",
    );
    for (day, name, usage) in &lines {
        let cost = prices.gross_micros(usage);
        csv.push_str(&format!(
            "{},{},{},{},{:.6},{},{},{cost},{}\n",
            date_label(*day),
            name,
            usage.requests,
            usage.errors,
            usage.gb_seconds(),
            usage.cpu_ms,
            usage.bytes_out,
            format_micros(cost).trim_start_matches('$'),
        ));
    }
    let label = month_label(month);
    let credit = statement.free_tier.credit_micros;
    csv.push_str(&format!(
        "{label},(free tier),,,,,,{},-{}\n",
        -credit,
        format_micros(credit).trim_start_matches('$')
    ));
    csv.push_str(&format!(
        "{label},(total),{},{},{:.6},{},{},{},{}\n",
        statement.requests,
        statement.errors,
        statement.gb_seconds,
        statement.cpu_ms,
        statement.bytes_out,
        statement.cost_micros,
        format_micros(statement.cost_micros).trim_start_matches('$'),
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"fnlab-usage-{label}.csv\""),
            ),
        ],
        csv,
    ))
}

/// `GET /billing` → 200 the Billing page's data: plan and quota, the month
/// so far, projection, alerts, days and past statements.
async fn billing(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<ApiJson<Overview>, ApiError> {
    let plan = state.accounts.plan(user.id).await?;
    let plan = state.pricing.plan(plan.as_deref());
    let overview = report::overview(
        &state.pool,
        &state.pricing.prices,
        plan,
        user.id,
        fnlab_db::now_ms(),
    )
    .await?;
    Ok(ApiJson(overview))
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
    AuthUser(user): AuthUser,
    Path(name): Path<String>,
    Query(query): Query<WindowQuery>,
) -> Result<ApiJson<Metrics>, ApiError> {
    let window = match query.window.as_deref() {
        None => Window::Hour,
        Some(text) => Window::parse(text)
            .ok_or_else(|| ApiError::BadRequest(format!("window={text:?}: use 1h, 24h or 7d")))?,
    };
    let function = state.functions.summary(user.id, &name).await?;
    let metrics = metrics::window(&state.pool, function.id, window, fnlab_db::now_ms()).await?;
    Ok(ApiJson(metrics))
}

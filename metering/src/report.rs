//! The billing views read from the database and priced by
//! `fnlab-billing`: a period's report, a month's days, past statements.

use fnlab_billing::calendar::{HOUR_MS, hour_start, month_start, next_month};
use fnlab_billing::report::{
    DayLine, MonthPart, Overview, Statement, UsageReport, UserLine, UserSort, price_days,
    user_lines,
};
use fnlab_billing::{Plan, PriceSheet, Pricing, Usage};
use fnlab_db::Pool;

use crate::totals;

/// `user_id`'s usage and cost in `[from, to)` (whole hours), with each
/// calendar month's free tier applied after what that month used before
/// `from`.
pub async fn usage_report(
    pool: &Pool,
    prices: &PriceSheet,
    user_id: i64,
    period: (i64, i64),
) -> Result<UsageReport, sqlx::Error> {
    Ok(report_with_usage(pool, prices, user_id, period).await?.0)
}

/// [`usage_report`], and the period's total usage.
async fn report_with_usage(
    pool: &Pool,
    prices: &PriceSheet,
    user_id: i64,
    (from, to): (i64, i64),
) -> Result<(UsageReport, Usage), sqlx::Error> {
    let functions = totals::by_function(pool, user_id, from, to).await?;
    let mut parts = Vec::new();
    let mut month = month_start(from);
    while month < to {
        let (start, end) = (from.max(month), to.min(next_month(month)));
        let before = if start > month {
            totals::of_user(pool, user_id, month, start).await?
        } else {
            Usage::default()
        };
        let usage = if (start, end) == (from, to) {
            functions
                .iter()
                .fold(Usage::default(), |sum, f| sum + f.usage)
        } else {
            totals::of_user(pool, user_id, start, end).await?
        };
        parts.push(MonthPart { before, usage });
        month = next_month(month);
    }
    let total = functions
        .iter()
        .fold(Usage::default(), |sum, f| sum + f.usage);
    let functions = functions.into_iter().map(|f| (f.name, f.usage)).collect();
    let report = UsageReport::assemble(prices, (from, to), functions, &parts);
    Ok((report, total))
}

/// The days of the month holding `at`, each with what it added to the
/// month's cost (days without usage left out).
pub async fn month_days(
    pool: &Pool,
    prices: &PriceSheet,
    user_id: i64,
    at: i64,
) -> Result<Vec<DayLine>, sqlx::Error> {
    let days = totals::by_day(pool, user_id, month_start(at), next_month(at)).await?;
    Ok(price_days(prices, &days))
}

/// Statements of the `months` months before the one holding `at`, newest
/// first (months without usage left out).
pub async fn statements(
    pool: &Pool,
    prices: &PriceSheet,
    user_id: i64,
    at: i64,
    months: usize,
) -> Result<Vec<Statement>, sqlx::Error> {
    let end = month_start(at);
    let mut start = end;
    for _ in 0..months {
        start = month_start(start - 1);
    }
    let days = totals::by_day(pool, user_id, start, end).await?;
    let mut by_month: Vec<(i64, Usage)> = Vec::new();
    for (day, usage) in days {
        let month = month_start(day);
        match by_month.last_mut() {
            Some((last, sum)) if *last == month => *sum += usage,
            _ => by_month.push((month, usage)),
        }
    }
    Ok(by_month
        .iter()
        .rev()
        .map(|(month, usage)| Statement::of_month(prices, *month, usage))
        .collect())
}

/// How many earlier months the overview lists.
pub const STATEMENT_MONTHS: usize = 12;

/// The Billing page's data at `now` for `user_id` on `plan`, who stores
/// `stored_bytes`.
pub async fn overview(
    pool: &Pool,
    prices: &PriceSheet,
    plan: &Plan,
    user_id: i64,
    stored_bytes: i64,
    now: i64,
) -> Result<Overview, sqlx::Error> {
    let period = (month_start(now), hour_start(now) + HOUR_MS);
    let (report, usage) = report_with_usage(pool, prices, user_id, period).await?;
    let days = month_days(pool, prices, user_id, now).await?;
    let statements = statements(pool, prices, user_id, now, STATEMENT_MONTHS).await?;
    Ok(Overview::assemble(
        prices,
        plan,
        now,
        stored_bytes,
        (report, usage),
        days,
        statements,
    ))
}

/// Every user's month for the admin view: `users` as (id, username, stored
/// plan), priced with `pricing` and sorted by `sort`.
pub async fn users_month(
    pool: &Pool,
    pricing: &Pricing,
    users: Vec<(i64, String, Option<String>)>,
    month: i64,
    sort: UserSort,
) -> Result<Vec<UserLine>, sqlx::Error> {
    let usage: std::collections::HashMap<i64, Usage> =
        totals::by_user(pool, month_start(month), next_month(month))
            .await?
            .into_iter()
            .collect();
    let users = users
        .into_iter()
        .map(|(id, username, plan)| (username, plan, usage.get(&id).copied().unwrap_or_default()))
        .collect();
    Ok(user_lines(&pricing.prices, &pricing.plans, users, sort))
}

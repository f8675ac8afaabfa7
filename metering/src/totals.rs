//! Usage over a period, summed by function, by day or by user. Each answer
//! is one SQL statement over the hourly rollups, which the usage writer
//! keeps up to date in the transaction that writes each record: exact at
//! any moment, and a finished invocation counts as soon as its record is
//! written.
//!
//! Periods are `[from, to)` in ms since the epoch and should start and end
//! on whole hours: rollups are hourly.

use fnlab_billing::Usage;
use fnlab_db::Pool;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A function's usage in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUsage {
    /// The function (it may have been deleted since).
    pub function_id: i64,
    /// Its name.
    pub name: String,
    /// What it used.
    pub usage: Usage,
}

/// The hourly rows in the period `[$1, $2)`.
const IN_PERIOD: &str = "from usage_hourly where hour >= $1 and hour < $2";

/// The sums, as eight columns after the grouping ones.
const SUMS: &str = "cast(sum(requests) as bigint), cast(sum(errors) as bigint), \
     cast(sum(mb_ms) as bigint), cast(sum(cpu_ms) as bigint), \
     cast(sum(bytes_in) as bigint), cast(sum(bytes_out) as bigint), \
     cast(sum(kv_reads) as bigint), cast(sum(kv_writes) as bigint)";

/// Reads the eight sums starting at column `first`.
fn usage_at(row: &AnyRow, first: usize) -> Result<Usage, sqlx::Error> {
    Ok(Usage {
        requests: row.try_get(first)?,
        errors: row.try_get(first + 1)?,
        mb_ms: row.try_get(first + 2)?,
        cpu_ms: row.try_get(first + 3)?,
        bytes_in: row.try_get(first + 4)?,
        bytes_out: row.try_get(first + 5)?,
        kv_reads: row.try_get(first + 6)?,
        kv_writes: row.try_get(first + 7)?,
    })
}

/// `user_id`'s usage in `[from, to)`, per function, busiest first.
pub async fn by_function(
    pool: &Pool,
    user_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<FunctionUsage>, sqlx::Error> {
    let sql = format!(
        "select function_id, max(function_name), {SUMS} {IN_PERIOD} and user_id = $3 \
         group by function_id order by 3 desc, 2"
    );
    let rows = sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(FunctionUsage {
                function_id: row.try_get(0)?,
                name: row.try_get(1)?,
                usage: usage_at(row, 2)?,
            })
        })
        .collect()
}

/// `user_id`'s usage in `[from, to)` per UTC day and function: (day,
/// function name, usage), by day then name.
pub async fn by_day_and_function(
    pool: &Pool,
    user_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String, Usage)>, sqlx::Error> {
    let day = "hour - (hour % 86400000)";
    let sql = format!(
        "select {day} as day, max(function_name) as name, {SUMS} {IN_PERIOD} and user_id = $3 \
         group by {day}, function_id order by 1, 2"
    );
    let rows = sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, usage_at(row, 2)?)))
        .collect()
}

/// `user_id`'s usage in `[from, to)`, per UTC day (days without usage
/// left out), oldest first.
pub async fn by_day(
    pool: &Pool,
    user_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, Usage)>, sqlx::Error> {
    let mut days: Vec<(i64, Usage)> = Vec::new();
    for (day, _, usage) in by_day_and_function(pool, user_id, from, to).await? {
        match days.last_mut() {
            Some((last, sum)) if *last == day => *sum += usage,
            _ => days.push((day, usage)),
        }
    }
    Ok(days)
}

/// Every user's usage in `[from, to)`, by user id (users without usage
/// left out).
pub async fn by_user(pool: &Pool, from: i64, to: i64) -> Result<Vec<(i64, Usage)>, sqlx::Error> {
    let sql = format!("select user_id, {SUMS} {IN_PERIOD} group by user_id");
    let rows = sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, usage_at(row, 1)?)))
        .collect()
}

/// `user_id`'s whole usage in `[from, to)`.
pub async fn of_user(pool: &Pool, user_id: i64, from: i64, to: i64) -> Result<Usage, sqlx::Error> {
    Ok(by_function(pool, user_id, from, to)
        .await?
        .into_iter()
        .fold(Usage::default(), |sum, f| sum + f.usage))
}

//! Rolling invocations up into `usage_hourly`, and expiring raw records.
//!
//! A pass takes the invocations after the rollup watermark, adds them to
//! their function's hourly rows and moves the watermark, all in one
//! transaction that first moves the watermark conditionally: of several
//! nodes rolling up at once, one wins and the others change nothing, so no
//! invocation is added twice. Only invocations with ids below a bound the
//! caller saw a while ago are taken: an insert that got its id earlier but
//! commits later is never skipped.

use std::collections::HashMap;

use fnlab_billing::calendar::hour_start;
use fnlab_billing::usage::{Measured, Usage};
use fnlab_db::Pool;
use sqlx::Row;

use crate::histogram::Latency;

/// Most invocations one pass reads.
pub const PASS_ROWS: i64 = 20_000;

/// One function's hour being added up.
#[derive(Default)]
struct Hour {
    user_id: i64,
    name: String,
    usage: Usage,
    latency: Latency,
}

/// The highest invocation id written so far (0 when none).
pub async fn max_invocation_id(pool: &Pool) -> Result<i64, sqlx::Error> {
    let max: Option<i64> = sqlx::query_scalar("select max(invocation_id) from invocations")
        .fetch_one(pool)
        .await?;
    Ok(max.unwrap_or(0))
}

/// Rolls up invocations with ids up to `upto`, at most [`PASS_ROWS`];
/// returns how many it took (0 when there is nothing to do or another node
/// did it).
pub async fn roll_up(pool: &Pool, upto: i64) -> Result<usize, sqlx::Error> {
    let watermark: i64 =
        sqlx::query_scalar("select last_invocation_id from usage_rollup_state where rollup_id = 1")
            .fetch_one(pool)
            .await?;
    let rows = sqlx::query(
        "select invocation_id, user_id, function_id, function_name, started_at, wall_us, cpu_us, \
                memory_mb, bytes_in, bytes_out, status, outcome \
         from invocations where invocation_id > $1 and invocation_id <= $2 \
         order by invocation_id limit $3",
    )
    .bind(watermark)
    .bind(upto)
    .bind(PASS_ROWS)
    .fetch_all(pool)
    .await?;
    let Some(last) = rows.last() else {
        return Ok(0);
    };
    let last_id: i64 = last.try_get(0)?;
    let mut hours: HashMap<(i64, i64), Hour> = HashMap::new();
    for row in &rows {
        let outcome: String = row.try_get(11)?;
        let wall_us: i64 = row.try_get(5)?;
        let usage = Usage::of_invocation(Measured {
            wall_us,
            cpu_us: row.try_get(6)?,
            memory_mb: row.try_get(7)?,
            bytes_in: row.try_get(8)?,
            bytes_out: row.try_get(9)?,
            status: row.try_get(10)?,
            outcome: &outcome,
        });
        if usage.requests == 0 {
            continue; // throttled: never ran
        }
        let started_at: i64 = row.try_get(4)?;
        let hour = hours
            .entry((row.try_get(2)?, hour_start(started_at)))
            .or_default();
        hour.user_id = row.try_get(1)?;
        hour.name = row.try_get(3)?;
        hour.usage += usage;
        hour.latency.add(wall_us);
    }

    let mut tx = pool.begin().await?;
    let moved = sqlx::query(
        "update usage_rollup_state set last_invocation_id = $1 \
         where rollup_id = 1 and last_invocation_id = $2",
    )
    .bind(last_id)
    .bind(watermark)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(0); // another node rolled these up; dropping tx rolls back
    }
    for ((function_id, hour_ms), mut hour) in hours {
        let existing = sqlx::query(
            "select requests, errors, mb_ms, cpu_ms, bytes_in, bytes_out, latency \
             from usage_hourly where function_id = $1 and hour = $2",
        )
        .bind(function_id)
        .bind(hour_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            hour.usage += Usage {
                requests: row.try_get(0)?,
                errors: row.try_get(1)?,
                mb_ms: row.try_get(2)?,
                cpu_ms: row.try_get(3)?,
                bytes_in: row.try_get(4)?,
                bytes_out: row.try_get(5)?,
            };
            hour.latency.merge(&Latency::decode(row.try_get(6)?));
        }
        sqlx::query(
            "insert into usage_hourly (function_id, hour, user_id, function_name, requests, errors, \
                 mb_ms, cpu_ms, bytes_in, bytes_out, latency) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             on conflict (function_id, hour) do update set \
                 function_name = excluded.function_name, requests = excluded.requests, \
                 errors = excluded.errors, mb_ms = excluded.mb_ms, cpu_ms = excluded.cpu_ms, \
                 bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, \
                 latency = excluded.latency",
        )
        .bind(function_id)
        .bind(hour_ms)
        .bind(hour.user_id)
        .bind(hour.name)
        .bind(hour.usage.requests)
        .bind(hour.usage.errors)
        .bind(hour.usage.mb_ms)
        .bind(hour.usage.cpu_ms)
        .bind(hour.usage.bytes_in)
        .bind(hour.usage.bytes_out)
        .bind(hour.latency.encode())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Deletes raw invocation records (and their logs) that started before
/// `before` and are already rolled up; returns how many.
pub async fn expire_raw(pool: &Pool, before: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query(
        "delete from invocations where started_at < $1 \
         and invocation_id <= (select last_invocation_id from usage_rollup_state where rollup_id = 1)",
    )
    .bind(before)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

//! Hourly rollups, and expiring raw records.
//!
//! The usage writer adds every batch of invocations to its functions'
//! `usage_hourly` rows ([`Hours`], [`add`]) in the transaction that inserts
//! the batch, so a total never reads raw records back and a written
//! invocation counts at once. Each row is added to with an
//! increment-in-place upsert that locks it, so writers on several nodes
//! never lose each other's counts.
//!
//! [`catch_up`] rolls up, once, what an older Fnlab wrote without doing so
//! (the `usage_backlog`); [`expire_raw`] deletes raw records past their
//! retention.

use std::collections::BTreeMap;

use fnlab_billing::calendar::hour_start;
use fnlab_billing::usage::{Measured, Usage};
use fnlab_db::Pool;
use sqlx::{AnyConnection, Row};

use crate::histogram::Latency;
use crate::json_rows;
use crate::record::UsageRecord;

/// Most backlog invocations one catch-up pass reads.
pub const PASS_ROWS: i64 = 20_000;

/// One function's hour being added up.
#[derive(Default)]
struct Hour {
    user_id: i64,
    name: String,
    usage: Usage,
    latency: Latency,
}

/// Invocations summed per function per hour, ready to be [`add`]ed.
/// Ordered by key, so that writers lock rows in one order and never
/// deadlock each other.
#[derive(Default)]
pub(crate) struct Hours(BTreeMap<(i64, i64), Hour>);

impl Hours {
    /// Counts one invocation (a throttled one, which never ran, is left
    /// out: it is not billed).
    fn count(
        &mut self,
        user_id: i64,
        function_id: i64,
        name: &str,
        started_at: i64,
        usage: Usage,
        wall_us: i64,
    ) {
        if usage.requests == 0 {
            return;
        }
        let hour = self
            .0
            .entry((function_id, hour_start(started_at)))
            .or_default();
        hour.user_id = user_id;
        if hour.name != name {
            hour.name = name.to_owned();
        }
        hour.usage += usage;
        hour.latency.add(wall_us);
    }

    /// Counts `record`.
    pub(crate) fn count_record(&mut self, record: &UsageRecord) {
        self.count(
            record.user_id,
            record.function_id,
            &record.function_name,
            record.started_at,
            record.usage(),
            record.wall_us,
        );
    }
}

/// Adds `hours` to `usage_hourly` inside the caller's transaction, in two
/// statements however many rows ([`json_rows`]): the first adds the sums
/// in place (locking the rows) and returns the stored histograms, the
/// second stores them merged with the new durations.
pub(crate) async fn add(conn: &mut AnyConnection, hours: Hours) -> Result<(), sqlx::Error> {
    if hours.0.is_empty() {
        return Ok(());
    }
    let sums: Vec<serde_json::Value> = hours
        .0
        .iter()
        .map(|((function_id, hour_ms), hour)| {
            let u = hour.usage;
            serde_json::json!([
                function_id,
                hour_ms,
                hour.user_id,
                hour.name,
                u.requests,
                u.errors,
                u.mb_ms,
                u.cpu_ms,
                u.bytes_in,
                u.bytes_out,
                u.kv_reads,
                u.kv_writes
            ])
        })
        .collect();
    let rows = json_rows::rows(conn);
    let values: Vec<String> = (0..12)
        .map(|i| {
            if i == 3 {
                json_rows::text(i)
            } else {
                json_rows::bigint(i)
            }
        })
        .collect();
    // `where true` tells SQLite's parser that `on conflict` is the
    // upsert's, not a join's.
    let stored: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "{rows} insert into usage_hourly (function_id, hour, user_id, function_name, requests, \
             errors, mb_ms, cpu_ms, bytes_in, bytes_out, kv_reads, kv_writes, latency) \
         select {}, '' from r where true \
         on conflict (function_id, hour) do update set \
             function_name = excluded.function_name, \
             requests = usage_hourly.requests + excluded.requests, \
             errors = usage_hourly.errors + excluded.errors, \
             mb_ms = usage_hourly.mb_ms + excluded.mb_ms, \
             cpu_ms = usage_hourly.cpu_ms + excluded.cpu_ms, \
             bytes_in = usage_hourly.bytes_in + excluded.bytes_in, \
             bytes_out = usage_hourly.bytes_out + excluded.bytes_out, \
             kv_reads = usage_hourly.kv_reads + excluded.kv_reads, \
             kv_writes = usage_hourly.kv_writes + excluded.kv_writes \
         returning function_id, hour, latency",
        values.join(", ")
    ))
    .bind(serde_json::Value::Array(sums).to_string())
    .fetch_all(&mut *conn)
    .await?;

    let merged: Vec<serde_json::Value> = stored
        .into_iter()
        .map(|(function_id, hour_ms, text)| {
            let mut latency = Latency::decode(&text);
            if let Some(hour) = hours.0.get(&(function_id, hour_ms)) {
                latency.merge(&hour.latency);
            }
            serde_json::json!([function_id, hour_ms, latency.encode()])
        })
        .collect();
    sqlx::query(&format!(
        "{rows} update usage_hourly set latency = {} from r \
         where usage_hourly.function_id = {} and usage_hourly.hour = {}",
        json_rows::text(2),
        json_rows::bigint(0),
        json_rows::bigint(1)
    ))
    .bind(serde_json::Value::Array(merged).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rolls up the backlog an older Fnlab left (invocations it wrote without
/// adding them to `usage_hourly`), [`PASS_ROWS`] per transaction; returns
/// how many invocations this call took. Each pass first moves the
/// backlog's start conditionally, so of several nodes catching up at once
/// one takes each pass and none adds an invocation twice; every caller
/// returns only once the whole backlog is rolled up.
pub async fn catch_up(pool: &Pool) -> Result<u64, sqlx::Error> {
    let mut taken = 0;
    loop {
        let Some((after, through)): Option<(i64, i64)> =
            sqlx::query_as("select after_id, through_id from usage_backlog where backlog_id = 1")
                .fetch_optional(pool)
                .await?
        else {
            return Ok(taken);
        };
        if after >= through {
            return Ok(taken);
        }
        let rows = sqlx::query(
            "select invocation_id, user_id, function_id, function_name, started_at, wall_us, \
                    cpu_us, memory_mb, bytes_in, bytes_out, status, outcome, kv_reads, kv_writes \
             from invocations where invocation_id > $1 and invocation_id <= $2 \
             order by invocation_id limit $3",
        )
        .bind(after)
        .bind(through)
        .bind(PASS_ROWS)
        .fetch_all(pool)
        .await?;
        let last = match rows.last() {
            Some(row) if rows.len() as i64 == PASS_ROWS => row.try_get(0)?,
            _ => through,
        };
        let mut hours = Hours::default();
        for row in &rows {
            let outcome: String = row.try_get(11)?;
            let wall_us: i64 = row.try_get(5)?;
            let usage = Usage::of_invocation(Measured {
                wall_us,
                cpu_us: row.try_get(6)?,
                memory_mb: row.try_get(7)?,
                bytes_in: row.try_get(8)?,
                bytes_out: row.try_get(9)?,
                kv_reads: row.try_get(12)?,
                kv_writes: row.try_get(13)?,
                status: row.try_get(10)?,
                outcome: &outcome,
            });
            let name: String = row.try_get(3)?;
            hours.count(
                row.try_get(1)?,
                row.try_get(2)?,
                &name,
                row.try_get(4)?,
                usage,
                wall_us,
            );
        }
        let mut tx = pool.begin().await?;
        let moved = sqlx::query(
            "update usage_backlog set after_id = $1 where backlog_id = 1 and after_id = $2",
        )
        .bind(last)
        .bind(after)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            continue; // another node took this pass; dropping tx rolls back
        }
        add(&mut tx, hours).await?;
        tx.commit().await?;
        taken += rows.len() as u64;
    }
}

/// Deletes raw invocation records (and their logs) that started before
/// `before`, except any still in the backlog; returns how many. Their usage
/// stays in `usage_hourly`.
pub async fn expire_raw(pool: &Pool, before: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query(
        "delete from invocations where started_at < $1 and not exists \
         (select 1 from usage_backlog \
          where invocation_id > after_id and invocation_id <= through_id)",
    )
    .bind(before)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

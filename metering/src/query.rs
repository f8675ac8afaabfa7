//! Reading usage records back.

use fnlab_db::Pool;
use serde::Serialize;
use sqlx::Row;

use crate::record::{COLUMNS, UsageRecord};

/// A stored invocation: its record plus its database id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    /// Database id, increasing with time.
    pub id: i64,
    /// What was measured.
    #[serde(flatten)]
    pub record: UsageRecord,
}

/// The latest `limit` invocations of function `function_id` owned by
/// `user_id`, newest first; with `after`, only those stored after the
/// invocation of that id (what a page that has them all up to it lacks).
pub async fn latest_invocations(
    pool: &Pool,
    user_id: i64,
    function_id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Invocation>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select invocation_id, {} from invocations where user_id = $1 and function_id = $2 \
         and invocation_id > $3 order by started_at desc, invocation_id desc limit $4",
        COLUMNS.join(", ")
    ))
    .bind(user_id)
    .bind(function_id)
    .bind(after.unwrap_or(i64::MIN))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Invocation {
                id: row.try_get(0)?,
                record: UsageRecord {
                    request_id: row.try_get(1)?,
                    user_id: row.try_get(2)?,
                    function_id: row.try_get(3)?,
                    function_name: row.try_get(4)?,
                    version: row.try_get(5)?,
                    started_at: row.try_get(6)?,
                    wall_us: row.try_get(7)?,
                    cpu_us: row.try_get(8)?,
                    peak_memory_bytes: row.try_get(9)?,
                    memory_mb: row.try_get(10)?,
                    bytes_in: row.try_get(11)?,
                    bytes_out: row.try_get(12)?,
                    status: row.try_get(13)?,
                    outcome: row.try_get(14)?,
                    stdout: row.try_get(15)?,
                    stderr: row.try_get(16)?,
                },
            })
        })
        .collect()
}

/// When each of `user_id`'s functions was last invoked, by function id.
pub async fn last_invocations(
    pool: &Pool,
    user_id: i64,
) -> Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "select function_id, \
                (select max(started_at) from invocations i \
                 where i.function_id = f.function_id and i.user_id = f.user_id) \
         from functions f where user_id = $1",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(function, last)| Some((function, last?)))
        .collect())
}

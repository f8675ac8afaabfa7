//! Reading usage records back.

use fnlab_db::Pool;
use serde::Serialize;
use sqlx::Row;

use crate::record::{COLUMNS, UsageRecord};

/// A stored invocation: its record plus its database id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invocation {
    /// Database id, increasing with time.
    pub id: i64,
    /// What was measured.
    #[serde(flatten)]
    pub record: UsageRecord,
}

/// Which of a function's invocations to read. The default is the latest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Only those stored after the invocation of this id (what a page
    /// that has them all up to it lacks).
    pub after: Option<i64>,
    /// Only those whose stdout or stderr holds this text (case-insensitive
    /// for ASCII), or whose request id it is.
    pub text: Option<String>,
    /// Only those whose status is in `[from, to)`: one code (404) or a
    /// class (400 to 500).
    pub status: Option<(i64, i64)>,
    /// Only those started at or after this time (ms since the epoch).
    pub from_ms: Option<i64>,
    /// Only those started before this time (ms since the epoch).
    pub to_ms: Option<i64>,
    /// Only those older than this position: where the previous page ended.
    pub before: Option<Position>,
}

/// Where an invocation stands in the newest-first order: what a cursor
/// holds, so that the next page starts right after it, without gaps or
/// repeats even as new invocations arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// When it started (ms since the epoch).
    pub started_at: i64,
    /// Its id (ties of `started_at` are ordered by it).
    pub id: i64,
}

impl Position {
    /// The position of `invocation`.
    pub fn of(invocation: &Invocation) -> Self {
        Self {
            started_at: invocation.record.started_at,
            id: invocation.id,
        }
    }

    /// As a cursor: `started_at.id`.
    pub fn cursor(&self) -> String {
        format!("{}.{}", self.started_at, self.id)
    }

    /// Reads a cursor made by [`Position::cursor`].
    pub fn parse(cursor: &str) -> Option<Self> {
        let (started_at, id) = cursor.split_once('.')?;
        Some(Self {
            started_at: started_at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// `text` as a `like` pattern that matches it anywhere, literally
/// (`%`, `_` and `\` escaped with `\`), lowercased.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// At most `limit` invocations of function `function_id` owned by
/// `user_id` that `search` wants, newest first.
pub async fn latest_invocations(
    pool: &Pool,
    user_id: i64,
    function_id: i64,
    search: &Search,
    limit: i64,
) -> Result<Vec<Invocation>, sqlx::Error> {
    let mut conditions = vec![
        "user_id = $1".to_owned(),
        "function_id = $2".to_owned(),
        "invocation_id > $3".to_owned(),
    ];
    let mut numbers: Vec<i64> = Vec::new();
    let mut next = 5; // $4 is the limit
    let mut bind_number = |conditions: &mut Vec<String>, sql: &str, values: &[i64]| {
        let mut sql = sql.to_owned();
        for (i, value) in values.iter().enumerate() {
            sql = sql.replace(&format!("{{{i}}}"), &format!("${next}"));
            numbers.push(*value);
            next += 1;
        }
        conditions.push(sql);
    };
    if let Some((from, to)) = search.status {
        bind_number(
            &mut conditions,
            "status >= {0} and status < {1}",
            &[from, to],
        );
    }
    if let Some(from) = search.from_ms {
        bind_number(&mut conditions, "started_at >= {0}", &[from]);
    }
    if let Some(to) = search.to_ms {
        bind_number(&mut conditions, "started_at < {0}", &[to]);
    }
    if let Some(before) = search.before {
        bind_number(
            &mut conditions,
            "(started_at < {0} or (started_at = {0} and invocation_id < {1}))",
            &[before.started_at, before.id],
        );
    }
    let text_at = next;
    if search.text.is_some() {
        conditions.push(format!(
            "(lower(stdout) like ${text_at} escape '\\' or lower(stderr) like ${text_at} \
             escape '\\' or request_id = ${})",
            text_at + 1
        ));
    }
    let sql = format!(
        "select invocation_id, {} from invocations where {} \
         order by started_at desc, invocation_id desc limit $4",
        COLUMNS.join(", "),
        conditions.join(" and ")
    );
    let mut query = sqlx::query(&sql)
        .bind(user_id)
        .bind(function_id)
        .bind(search.after.unwrap_or(i64::MIN))
        .bind(limit);
    for number in numbers {
        query = query.bind(number);
    }
    if let Some(text) = &search.text {
        query = query.bind(contains_pattern(text)).bind(text.clone());
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(Invocation {
                id: row.try_get(0)?,
                record: UsageRecord::from_row(row, 1)?,
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

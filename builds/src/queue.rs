//! The build queue: one row per build in the database. A deploy enqueues
//! (replacing the function's build still waiting, and at most
//! [`MAX_PENDING_PER_USER`] per user); a worker on any node claims the
//! next build, taking users in turn, with one conditional update (so two
//! nodes never take the same one), reports its progress and log as it
//! goes, and finishes it. A build whose worker goes quiet (the node died)
//! returns to the queue.
//!
//! Finished builds keep their source and log for their owner to read, and
//! these count toward the owner's storage quota ([`Builds::stored_bytes`]);
//! only the newest [`BUILDS_KEPT`] of each function are kept.

use fnlab_db::{Pool, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Diagnostic;
use crate::Language;
use crate::model::{BuildInfo, BuildState, Failure, FailureCode, FailureSummary};

/// The build queue, cheap to clone.
#[derive(Clone)]
pub struct Builds {
    pool: Pool,
    worker: String,
}

/// Most builds one user may have queued or running at once.
pub const MAX_PENDING_PER_USER: i64 = 3;

/// How many of a function's newest builds are kept; older finished ones
/// are deleted with their source and log.
pub const BUILDS_KEPT: i64 = 20;

/// What asking for a build did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new build, with its id.
    Queued(i64),
    /// The function's build still waiting, now of the newer source.
    Replaced(i64),
    /// None: the user already has this many builds queued or running.
    Refused {
        /// How many.
        pending: i64,
    },
}

/// A build a worker has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedBuild {
    /// Its id.
    pub id: i64,
    /// The function's owner.
    pub user_id: i64,
    /// The function.
    pub function_id: i64,
    /// The function's name.
    pub function: String,
    /// The source's language.
    pub language: Language,
    /// The source, as saved when the deploy was asked for.
    pub source: String,
}

/// Where a build is, as someone following it reads it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildProgress {
    /// Its state.
    pub state: BuildState,
    /// How long its whole log is, in characters.
    pub log_chars: i64,
    /// The log after the characters the reader had seen.
    pub new_log: String,
    /// Whether this process's worker is building it (so its progress is
    /// announced in-process, and nobody need poll the database for it).
    pub on_this_node: bool,
}

/// Columns of [`BuildInfo`], in [`info_from_row`]'s order.
const INFO_COLUMNS: &str = "b.build_id, f.name, b.language, b.state, b.error_code, b.error_message, \
     b.diagnostics, b.log, b.version, b.build_ms, b.created_at, b.started_at, b.finished_at";

/// Diagnostics as the `diagnostics` column stores them.
fn diagnostics_json(diagnostics: &[Diagnostic]) -> String {
    serde_json::to_string(diagnostics).unwrap_or_else(|_| "[]".into())
}

fn info_from_row(row: &AnyRow) -> Result<BuildInfo, sqlx::Error> {
    let decode = |column: &str, e: String| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    };
    let language: String = row.try_get(2)?;
    let state: String = row.try_get(3)?;
    let error_code: Option<String> = row.try_get(4)?;
    let error_message: Option<String> = row.try_get(5)?;
    let diagnostics: String = row.try_get(6)?;
    Ok(BuildInfo {
        id: row.try_get(0)?,
        function: row.try_get(1)?,
        language: language
            .parse::<Language>()
            .map_err(|e| decode("language", e.to_string()))?,
        state: BuildState::parse(&state)
            .ok_or_else(|| decode("state", format!("unknown state {state}")))?,
        error: error_code.map(|code| FailureSummary {
            code: FailureCode::parse(&code),
            message: error_message.unwrap_or_default(),
        }),
        diagnostics: serde_json::from_str(&diagnostics)
            .map_err(|e| decode("diagnostics", e.to_string()))?,
        log: row.try_get(7)?,
        version: row.try_get(8)?,
        build_ms: row.try_get(9)?,
        created_at: row.try_get(10)?,
        started_at: row.try_get(11)?,
        finished_at: row.try_get(12)?,
    })
}

impl Builds {
    /// The queue in `pool`, worked on by this process under a name that
    /// tells nodes apart.
    pub fn new(pool: Pool) -> Self {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "node".into());
        let worker = format!("{host}:{}:{}", std::process::id(), fnlab_db::random_hex(3));
        Self { pool, worker }
    }

    /// Queues a build of `source` for `function_id` of `user_id`. A build
    /// of that function still waiting is replaced (it builds the newer
    /// source, under its id): no build that nobody wants runs. A user with
    /// [`MAX_PENDING_PER_USER`] builds queued or running gets no more.
    pub async fn enqueue(
        &self,
        user_id: i64,
        function_id: i64,
        language: Language,
        source: &str,
    ) -> Result<Enqueued, sqlx::Error> {
        let replaced: Vec<i64> = sqlx::query_scalar(
            "update builds set language = $3, source = $4 \
             where function_id = $1 and user_id = $2 and state = 'queued' returning build_id",
        )
        .bind(function_id)
        .bind(user_id)
        .bind(language.as_str())
        .bind(source)
        .fetch_all(&self.pool)
        .await?;
        if let Some(id) = replaced.into_iter().min() {
            return Ok(Enqueued::Replaced(id));
        }
        let pending: i64 = sqlx::query_scalar(
            "select count(*) from builds where user_id = $1 \
             and state in ('queued', 'compiling', 'storing')",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        if pending >= MAX_PENDING_PER_USER {
            return Ok(Enqueued::Refused { pending });
        }
        let id = sqlx::query_scalar(
            "insert into builds (user_id, function_id, language, source, state, diagnostics, log, created_at) \
             values ($1, $2, $3, $4, 'queued', '[]', '', $5) returning build_id",
        )
        .bind(user_id)
        .bind(function_id)
        .bind(language.as_str())
        .bind(source)
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?
        .pop()
        .ok_or(sqlx::Error::RowNotFound)?;
        Ok(Enqueued::Queued(id))
    }

    /// Takes the next queued build, fairly across users: first the users
    /// with the fewest builds running, then the one whose last build
    /// started longest ago, then the oldest build. `None` when none waits.
    pub async fn claim(&self) -> Result<Option<ClaimedBuild>, sqlx::Error> {
        let now = now_ms();
        let Some(row) = sqlx::query(
            "update builds set state = 'compiling', worker = $1, started_at = $2, heartbeat_at = $2 \
             where build_id = (select b.build_id from builds b where b.state = 'queued' order by \
               (select count(*) from builds r where r.user_id = b.user_id \
                and r.state in ('compiling', 'storing')), \
               (select coalesce(max(r.started_at), 0) from builds r where r.user_id = b.user_id), \
               b.build_id limit 1) \
             and state = 'queued' \
             returning build_id, user_id, function_id, language, source",
        )
        .bind(&self.worker)
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .pop()
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let function_id: i64 = row.try_get(2)?;
        let language: String = row.try_get(3)?;
        let function: String =
            sqlx::query_scalar("select name from functions where function_id = $1")
                .bind(function_id)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or_default();
        let Ok(language) = language.parse::<Language>() else {
            self.fail(
                id,
                &Failure::new(
                    FailureCode::Internal,
                    format!("Fnlab cannot build {language}"),
                ),
                0,
                "",
            )
            .await?;
            return Ok(None);
        };
        tracing::info!(build = id, worker = %self.worker, "build claimed");
        Ok(Some(ClaimedBuild {
            id,
            user_id: row.try_get(1)?,
            function_id,
            function,
            language,
            source: row.try_get(4)?,
        }))
    }

    /// Moves a build to `state`, appends `log` to its log and says this
    /// worker is still on it.
    pub async fn progress(&self, id: i64, state: BuildState, log: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update builds set state = $2, log = log || $3, heartbeat_at = $4 where build_id = $1",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(log)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a build: its version is live (`warnings` are the compiler's, on
    /// the user's lines).
    pub async fn succeed(
        &self,
        id: i64,
        version: i64,
        build_ms: i64,
        warnings: &[Diagnostic],
        log: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update builds set state = 'live', version = $2, build_ms = $3, diagnostics = $4, \
             log = log || $5, finished_at = $6, heartbeat_at = $6 where build_id = $1",
        )
        .bind(id)
        .bind(version)
        .bind(build_ms)
        .bind(diagnostics_json(warnings))
        .bind(log)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a build: it failed, for `failure`'s reason.
    pub async fn fail(
        &self,
        id: i64,
        failure: &Failure,
        build_ms: i64,
        log: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update builds set state = 'failed', error_code = $2, error_message = $3, \
             diagnostics = $4, build_ms = $5, log = log || $6, finished_at = $7, heartbeat_at = $7 \
             where build_id = $1",
        )
        .bind(id)
        .bind(failure.code.as_str())
        .bind(&failure.message)
        .bind(diagnostics_json(&failure.diagnostics))
        .bind(build_ms)
        .bind(log)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts back in the queue every build whose worker has not reported for
    /// `quiet_ms` (its node stopped mid-build). Returns how many.
    pub async fn requeue_stale(&self, quiet_ms: i64) -> Result<u64, sqlx::Error> {
        let requeued = sqlx::query(
            "update builds set state = 'queued', worker = null, \
             log = log || '(the node building this stopped; building again)\n' \
             where state in ('compiling', 'storing') and heartbeat_at < $1",
        )
        .bind(now_ms() - quiet_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if requeued > 0 {
            tracing::warn!(requeued, "builds whose node went quiet are queued again");
        }
        Ok(requeued)
    }

    /// One build of `user_id`; `None` when there is none or it is not
    /// theirs.
    pub async fn get(&self, user_id: i64, id: i64) -> Result<Option<BuildInfo>, sqlx::Error> {
        sqlx::query(&format!(
            "select {INFO_COLUMNS} from builds b join functions f on f.function_id = b.function_id \
             where b.build_id = $1 and b.user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| info_from_row(&row))
        .transpose()
    }

    /// The newest build of a function of `user_id`, if any.
    pub async fn latest(
        &self,
        user_id: i64,
        function_id: i64,
    ) -> Result<Option<BuildInfo>, sqlx::Error> {
        sqlx::query(&format!(
            "select {INFO_COLUMNS} from builds b join functions f on f.function_id = b.function_id \
             where b.function_id = $1 and b.user_id = $2 order by b.build_id desc limit 1"
        ))
        .bind(function_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| info_from_row(&row))
        .transpose()
    }

    /// Where build `id` of `user_id` is, with the part of its log after its
    /// first `seen` characters; `None` when there is none or it is not
    /// theirs.
    pub async fn progress_since(
        &self,
        user_id: i64,
        id: i64,
        seen: i64,
    ) -> Result<Option<BuildProgress>, sqlx::Error> {
        let row = sqlx::query(
            // PostgreSQL's substr takes an integer, and its length is one.
            "select state, cast(length(log) as bigint), substr(log, cast($3 as integer) + 1), worker \
             from builds where build_id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .bind(seen)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let state: String = row.try_get(0)?;
        let worker: Option<String> = row.try_get(3)?;
        Ok(Some(BuildProgress {
            state: BuildState::parse(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "state".into(),
                source: format!("unknown state {state}").into(),
            })?,
            log_chars: row.try_get(1)?,
            new_log: row.try_get(2)?,
            on_this_node: worker.as_deref() == Some(self.worker.as_str()),
        }))
    }

    /// The bytes of source, log and diagnostics that `user_id`'s builds
    /// keep.
    pub async fn stored_bytes(&self, user_id: i64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "select cast(coalesce(sum(octet_length(b.source) + octet_length(b.log) \
             + octet_length(b.diagnostics)), 0) as bigint) \
             from builds b join functions f on f.function_id = b.function_id where f.user_id = $1",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await
    }

    /// Deletes the finished builds of `function_id` older than its newest
    /// [`BUILDS_KEPT`]. Returns how many.
    pub async fn expire(&self, function_id: i64) -> Result<u64, sqlx::Error> {
        let expired = sqlx::query(
            "delete from builds where function_id = $1 and state in ('live', 'failed') \
             and build_id < (select min(build_id) from (select build_id from builds \
               where function_id = $1 order by build_id desc limit $2) newest)",
        )
        .bind(function_id)
        .bind(BUILDS_KEPT)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(expired)
    }

    /// The functions with more than [`BUILDS_KEPT`] builds (each build
    /// expires the older ones of its function, so these have not been
    /// built since).
    pub async fn crowded(&self) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "select function_id from builds group by function_id having count(*) > $1",
        )
        .bind(BUILDS_KEPT)
        .fetch_all(&self.pool)
        .await
    }

    /// How many builds wait before build `id` (0 when it is next or running).
    pub async fn position(&self, id: i64) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("select count(*) from builds where state = 'queued' and build_id < $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }

    /// How many builds wait in the queue, on every node.
    pub async fn queued(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("select count(*) from builds where state = 'queued'")
            .fetch_one(&self.pool)
            .await
    }
}

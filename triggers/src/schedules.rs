//! Functions' cron schedules, kept in the database and run by whichever
//! node claims them.
//!
//! A schedule row holds its earliest slot not yet run (`next_slot`). A
//! node claims a due schedule with one conditional update that leases it
//! ([`Schedules::claim`]); the lease is renewed while the run lasts
//! ([`Schedules::renew`]) and given up when it ends
//! ([`Schedules::finish`]), so runs of one schedule never overlap. The
//! claimed slot becomes a `schedule_runs` row keyed by (schedule, slot):
//! a slot already done is never run again, and a slot whose node died
//! mid-run (its lease lapsed) is retried by the next node that claims it,
//! at most [`MAX_ATTEMPTS`] times. Slots missed while no node ran collapse
//! into one run, of the latest of them.

use fnlab_db::{Pool, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Finished;
use crate::cron::{Cron, utc};
use crate::model::{Schedule, ScheduleRun};

/// How many times a slot is tried before it is given up as failed (each
/// try after the first follows a node that died running it).
pub const MAX_ATTEMPTS: i64 = 3;

/// How many upcoming runs a schedule lists.
pub const NEXT_RUNS: usize = 5;

/// How long a slot's runs are kept, ms: a week.
const RUNS_KEPT_MS: i64 = 7 * 86_400_000;

/// What went wrong with a schedule.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The expression or time zone cannot be used; says why.
    #[error("{0}")]
    Invalid(String),
    /// The owner's plan allows no more schedules.
    #[error(
        "your plan allows {limit} schedules across your functions: delete one before adding another"
    )]
    TooMany {
        /// How many the plan allows.
        limit: i64,
    },
    /// No such schedule on this function.
    #[error("no such schedule")]
    NotFound,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A slot a node has claimed and must run, then [`Schedules::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The schedule.
    pub schedule_id: i64,
    /// Its function.
    pub function_id: i64,
    /// The function's name.
    pub function: String,
    /// Its owner.
    pub user_id: i64,
    /// Its owner's username.
    pub username: String,
    /// The cron expression.
    pub cron: String,
    /// Its time zone.
    pub timezone: String,
    /// The slot, ms since the Unix epoch.
    pub slot: i64,
    /// Whether it is a "run now".
    pub manual: bool,
    /// Which try this is, from 1.
    pub attempt: i64,
}

/// The schedules of every function, cheap to clone.
#[derive(Clone)]
pub struct Schedules {
    pool: Pool,
    node: String,
    seconds: bool,
}

impl Schedules {
    /// The schedules in `pool`, claimed by this node as `node` (a name no
    /// other node uses). With `seconds`, new schedules may have six fields
    /// (second-granular: for tests and demos).
    pub fn new(pool: Pool, node: String, seconds: bool) -> Self {
        Self {
            pool,
            node,
            seconds,
        }
    }

    /// Reads `cron` in `timezone` (UTC when `None`) as new schedules are.
    pub fn parse(&self, cron: &str, timezone: Option<&str>) -> Result<Cron, ScheduleError> {
        Cron::parse(cron, timezone.unwrap_or("UTC"), self.seconds).map_err(ScheduleError::Invalid)
    }

    /// Adds a schedule to `function_id` (of `user_id`, who may have at
    /// most `limit` schedules in all when one is given).
    pub async fn create(
        &self,
        user_id: i64,
        function_id: i64,
        cron: &Cron,
        limit: Option<i64>,
    ) -> Result<Schedule, ScheduleError> {
        let now = now_ms();
        let next_slot = cron.next_after(now).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        if let Some(limit) = limit {
            let count: i64 = sqlx::query_scalar(
                "select count(*) from schedules s join functions f on f.function_id = s.function_id \
                 where f.user_id = $1",
            )
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            if count >= limit {
                return Err(ScheduleError::TooMany { limit });
            }
        }
        let id: i64 = sqlx::query_scalar(
            "insert into schedules (function_id, cron, timezone, next_slot, created_at) \
             values ($1, $2, $3, $4, $5) returning schedule_id",
        )
        .bind(function_id)
        .bind(cron.expression())
        .bind(cron.timezone())
        .bind(next_slot)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get(function_id, id).await
    }

    /// The schedules of `function_id`, oldest first.
    pub async fn list(&self, function_id: i64) -> Result<Vec<Schedule>, ScheduleError> {
        let rows = sqlx::query(&format!(
            "select {SCHEDULE_COLUMNS} from schedules where function_id = $1 order by schedule_id"
        ))
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        let mut schedules = Vec::with_capacity(rows.len());
        for row in &rows {
            schedules.push(self.with_last_run(schedule(row, now_ms())).await?);
        }
        Ok(schedules)
    }

    /// Schedule `id` of `function_id`.
    pub async fn get(&self, function_id: i64, id: i64) -> Result<Schedule, ScheduleError> {
        let row = sqlx::query(&format!(
            "select {SCHEDULE_COLUMNS} from schedules where function_id = $1 and schedule_id = $2"
        ))
        .bind(function_id)
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .pop();
        let row = row.ok_or(ScheduleError::NotFound)?;
        self.with_last_run(schedule(&row, now_ms())).await
    }

    async fn with_last_run(&self, mut schedule: Schedule) -> Result<Schedule, ScheduleError> {
        schedule.last_run = self.runs_of(schedule.id, 1).await?.pop();
        Ok(schedule)
    }

    /// Pauses or resumes schedule `id` of `function_id`. A resumed
    /// schedule runs from its next slot on, not the slots it was paused
    /// through.
    pub async fn set_paused(
        &self,
        function_id: i64,
        id: i64,
        paused: bool,
    ) -> Result<Schedule, ScheduleError> {
        let current = self.get(function_id, id).await?;
        if paused {
            sqlx::query(
                "update schedules set paused = 1, paused_reason = null \
                 where function_id = $1 and schedule_id = $2",
            )
            .bind(function_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        } else if current.paused {
            let cron = Cron::parse(&current.cron, &current.timezone, true)
                .map_err(ScheduleError::Invalid)?;
            let next_slot = cron.next_after(now_ms()).unwrap_or(i64::MAX);
            sqlx::query(
                "update schedules set paused = 0, paused_reason = null, next_slot = $3 \
                 where function_id = $1 and schedule_id = $2",
            )
            .bind(function_id)
            .bind(id)
            .bind(next_slot)
            .execute(&self.pool)
            .await?;
        }
        self.get(function_id, id).await
    }

    /// Pauses schedule `id` because of `reason` (the owner's quota is used
    /// up), for the owner to see.
    pub async fn pause_for(&self, id: i64, reason: &str) -> Result<(), ScheduleError> {
        sqlx::query("update schedules set paused = 1, paused_reason = $2 where schedule_id = $1")
            .bind(id)
            .bind(reason)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes schedule `id` of `function_id` with its runs (a run under
    /// way finishes, unrecorded).
    pub async fn delete(&self, function_id: i64, id: i64) -> Result<(), ScheduleError> {
        let deleted =
            sqlx::query("delete from schedules where function_id = $1 and schedule_id = $2")
                .bind(function_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
        if deleted.rows_affected() == 0 {
            return Err(ScheduleError::NotFound);
        }
        Ok(())
    }

    /// Asks for one run of schedule `id` of `function_id` as soon as a node
    /// can (after the run under way, if any), paused or not.
    pub async fn request_run(&self, function_id: i64, id: i64) -> Result<(), ScheduleError> {
        let asked = sqlx::query(
            "update schedules set run_requested_at = coalesce(run_requested_at, $3) \
             where function_id = $1 and schedule_id = $2",
        )
        .bind(function_id)
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        if asked.rows_affected() == 0 {
            return Err(ScheduleError::NotFound);
        }
        Ok(())
    }

    /// The runs of schedule `id` of `function_id` (the last week's), newest
    /// first, at most `limit`.
    pub async fn runs(
        &self,
        function_id: i64,
        id: i64,
        limit: i64,
    ) -> Result<Vec<ScheduleRun>, ScheduleError> {
        self.get(function_id, id).await?;
        self.runs_of(id, limit).await
    }

    async fn runs_of(&self, id: i64, limit: i64) -> Result<Vec<ScheduleRun>, ScheduleError> {
        let rows = sqlx::query(&format!(
            "select {RUN_COLUMNS} from schedule_runs where schedule_id = $1 \
             order by started_at desc, slot desc limit $2"
        ))
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(run).collect())
    }

    /// Schedules due at `now` that no node holds, earliest first, at most
    /// `limit`: candidates to [`claim`](Self::claim).
    pub async fn due(&self, now: i64, limit: i64) -> Result<Vec<i64>, ScheduleError> {
        let ids = sqlx::query_scalar(
            "select schedule_id from schedules where lease_until < $1 and \
             ((paused = 0 and next_slot <= $1) or run_requested_at is not null) \
             order by next_slot limit $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    /// When the next schedule that no node holds at `now` falls due (ms),
    /// if any: 0 when a "run now" waits.
    pub async fn next_due(&self, now: i64) -> Result<Option<i64>, ScheduleError> {
        let next: Option<i64> = sqlx::query_scalar(
            "select min(case when run_requested_at is not null then 0 \
             when paused = 0 then next_slot end) from schedules where lease_until < $1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .pop()
        .flatten();
        Ok(next)
    }

    /// Claims schedule `id` if it is still due at `now` and free, leasing
    /// it to this node until `now + lease_ms`, and picks its slot: the
    /// latest slot due (the one run for every slot missed), else its
    /// "run now". `None` when another node was faster or the slot is
    /// already done or given up (the schedule then moves on).
    pub async fn claim(
        &self,
        id: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, ScheduleError> {
        let claimed = sqlx::query(
            "update schedules set lease_owner = $2, lease_until = $3 \
             where schedule_id = $1 and lease_until < $4 and \
             ((paused = 0 and next_slot <= $4) or run_requested_at is not null)",
        )
        .bind(id)
        .bind(&self.node)
        .bind(now + lease_ms)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        let row = sqlx::query(
            "select s.cron, s.timezone, s.paused, s.next_slot, s.run_requested_at, \
             f.function_id, f.name, f.user_id, u.username \
             from schedules s join functions f on f.function_id = s.function_id \
             join users u on u.user_id = f.user_id where s.schedule_id = $1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .pop();
        let Some(row) = row else {
            return Ok(None);
        };
        let (cron, timezone): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let paused = row.try_get::<i64, _>(2)? != 0;
        let next_slot: i64 = row.try_get(3)?;
        let requested: Option<i64> = row.try_get(4)?;
        let parsed = Cron::parse(&cron, &timezone, true).map_err(ScheduleError::Invalid)?;
        // A run still marked running lost its node (the lease was free):
        // it goes first.
        let orphan: Option<(i64, i64)> = sqlx::query_as(
            "select slot, manual from schedule_runs where schedule_id = $1 and state = 'running' \
             order by started_at limit 1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .pop();
        let (slot, manual) = match (orphan, paused, requested) {
            (Some((slot, manual)), _, _) => (slot, manual != 0),
            (None, false, _) if next_slot <= now => (
                parsed.latest_between(next_slot, now).unwrap_or(next_slot),
                false,
            ),
            (None, _, Some(requested)) => (requested, true),
            _ => {
                self.release(id, None, None).await?;
                return Ok(None);
            }
        };
        let attempt: Option<i64> = sqlx::query_scalar(
            "insert into schedule_runs (schedule_id, slot, manual, state, attempts, node, started_at) \
             values ($1, $2, $3, 'running', 1, $4, $5) \
             on conflict (schedule_id, slot, manual) do update \
             set attempts = schedule_runs.attempts + 1, node = excluded.node, \
             started_at = excluded.started_at \
             where schedule_runs.state = 'running' and schedule_runs.attempts < $6 \
             returning attempts",
        )
        .bind(id)
        .bind(slot)
        .bind(i64::from(manual))
        .bind(&self.node)
        .bind(now)
        .bind(MAX_ATTEMPTS)
        // All rows: a RETURNING statement left mid-way keeps SQLite's lock.
        .fetch_all(&self.pool)
        .await?
        .pop();
        let Some(attempt) = attempt else {
            // Done already, or tried too often: give it up and move on.
            sqlx::query(
                "update schedule_runs set state = 'failed', finished_at = $4, \
                 error = 'given up: every node that ran it stopped before it ended' \
                 where schedule_id = $1 and slot = $2 and manual = $3 and state = 'running'",
            )
            .bind(id)
            .bind(slot)
            .bind(i64::from(manual))
            .bind(now)
            .execute(&self.pool)
            .await?;
            self.release(id, Some((&parsed, slot)), manual.then_some(slot))
                .await?;
            return Ok(None);
        };
        Ok(Some(Claimed {
            schedule_id: id,
            function_id: row.try_get(5)?,
            function: row.try_get(6)?,
            user_id: row.try_get(7)?,
            username: row.try_get(8)?,
            cron,
            timezone,
            slot,
            manual,
            attempt,
        }))
    }

    /// Extends this node's lease on schedule `id` to `until`; false when
    /// the lease is no longer this node's (or the schedule is gone).
    pub async fn renew(&self, id: i64, until: i64) -> Result<bool, ScheduleError> {
        let renewed = sqlx::query(
            "update schedules set lease_until = $3 where schedule_id = $1 and lease_owner = $2",
        )
        .bind(id)
        .bind(&self.node)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    /// Records how the claimed run ended, moves the schedule past its slot
    /// and gives up the lease.
    pub async fn finish(&self, claimed: &Claimed, finished: Finished) -> Result<(), ScheduleError> {
        let now = now_ms();
        let failed = finished.error.is_some() || finished.status.is_some_and(|s| s >= 500);
        sqlx::query(
            "update schedule_runs set state = $4, request_id = $5, status = $6, error = $7, \
             finished_at = $8 where schedule_id = $1 and slot = $2 and manual = $3",
        )
        .bind(claimed.schedule_id)
        .bind(claimed.slot)
        .bind(i64::from(claimed.manual))
        .bind(if failed { "failed" } else { "done" })
        .bind(&finished.request_id)
        .bind(finished.status)
        .bind(&finished.error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let cron = Cron::parse(&claimed.cron, &claimed.timezone, true).ok();
        let past = match (&cron, claimed.manual) {
            (Some(cron), false) => Some((cron, claimed.slot)),
            _ => None,
        };
        self.release(
            claimed.schedule_id,
            past,
            claimed.manual.then_some(claimed.slot),
        )
        .await?;
        sqlx::query("delete from schedule_runs where schedule_id = $1 and started_at < $2")
            .bind(claimed.schedule_id)
            .bind(now - RUNS_KEPT_MS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives up this node's lease on schedule `id`, moving it past `slot`
    /// of its cron and clearing the "run now" asked at `requested`.
    async fn release(
        &self,
        id: i64,
        past: Option<(&Cron, i64)>,
        requested: Option<i64>,
    ) -> Result<(), ScheduleError> {
        let next_slot = past.map(|(cron, slot)| cron.next_after(slot).unwrap_or(i64::MAX));
        sqlx::query(
            "update schedules set lease_owner = null, lease_until = 0, \
             next_slot = case when $3 > next_slot then $3 else next_slot end, \
             run_requested_at = case when run_requested_at = $4 then null else run_requested_at end \
             where schedule_id = $1 and lease_owner = $2",
        )
        .bind(id)
        .bind(&self.node)
        .bind(next_slot.unwrap_or(i64::MIN))
        .bind(requested.unwrap_or(i64::MIN))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A schedule's columns, as [`schedule`] reads them.
const SCHEDULE_COLUMNS: &str =
    "schedule_id, cron, timezone, paused, paused_reason, next_slot, run_requested_at, created_at";

/// A run's columns, as [`run`] reads them.
const RUN_COLUMNS: &str =
    "slot, manual, state, attempts, request_id, status, error, started_at, finished_at";

/// The schedule in `row` ([`SCHEDULE_COLUMNS`]) as it stands at `now`,
/// without its last run.
fn schedule(row: &AnyRow, now: i64) -> Schedule {
    let cron: String = row.get(1);
    let timezone: String = row.get(2);
    let paused = row.get::<i64, _>(3) != 0;
    let next_slot: i64 = row.get(5);
    let (description, next_runs) = match Cron::parse(&cron, &timezone, true) {
        Ok(parsed) if paused => (parsed.describe(), Vec::new()),
        // From the slot still to run (due now, if missed).
        Ok(parsed) => {
            let from = (next_slot - 1).max(now);
            (parsed.describe(), parsed.next_runs(from, NEXT_RUNS))
        }
        Err(e) => (e, Vec::new()),
    };
    Schedule {
        id: row.get(0),
        cron,
        timezone,
        description,
        next_runs,
        paused,
        paused_reason: row.get(4),
        run_requested: row.get::<Option<i64>, _>(6).is_some(),
        last_run: None,
        created_at: row.get(7),
    }
}

/// The run in `row` ([`RUN_COLUMNS`]).
fn run(row: &AnyRow) -> ScheduleRun {
    ScheduleRun {
        scheduled_time: utc(row.get(0)),
        manual: row.get::<i64, _>(1) != 0,
        state: row.get(2),
        attempts: row.get(3),
        request_id: row.get(4),
        status: row.get(5),
        error: row.get(6),
        started_at: row.get(7),
        finished_at: row.get(8),
    }
}

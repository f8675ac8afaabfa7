//! The event queue: asynchronous invocations of functions, kept in the
//! database from the moment they are accepted.
//!
//! A node claims the oldest due event of a function that has no delivery
//! under way ([`Queue::claim`]): the function's row is locked first, so
//! even two nodes never deliver two events of one function at once, and
//! events reach a function one at a time, oldest first (an event waiting
//! to be retried lets newer ones pass). The claim leases the event; a
//! node that dies mid-delivery lets the lease lapse and the event is
//! claimed again (delivery is at least once). A failed delivery is retried
//! after an exponential backoff, and after the last attempt the event is
//! dead-lettered until its owner replays or deletes it.

use fnlab_db::{Pool, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Finished;
use crate::model::QueuedEvent;

/// Largest event payload, bytes (as SQS allows).
pub const MAX_PAYLOAD_BYTES: usize = 256 << 10;

/// How long delivered events are listed, ms: a week. Dead letters stay
/// until replayed or deleted.
const DONE_KEPT_MS: i64 = 7 * 86_400_000;

/// What went wrong with an event.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No such event of this function.
    #[error("no such event")]
    NotFound,
    /// It cannot be replayed while it is still to be delivered.
    #[error("event {0} is still to be delivered: only a dead or delivered event can be replayed")]
    Pending(String),
    /// The function already has this many events to deliver.
    #[error(
        "this function already has {0} events waiting to be delivered: try again once it has caught up"
    )]
    Full(i64),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// An event a node has claimed and must deliver, then
/// [`Queue::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The event.
    pub event_id: String,
    /// Its function.
    pub function_id: i64,
    /// The function's name.
    pub function: String,
    /// Its owner's username.
    pub username: String,
    /// Who sent it: `api`, `url`, `invoke`, `function` or `file` (an
    /// upload to a store that triggers the function).
    pub source: String,
    /// The payload.
    pub payload: String,
    /// Which delivery this is, from 1.
    pub attempt: i64,
    /// When it was sent, ms since the Unix epoch.
    pub sent_at: i64,
    /// The function's own number of deliveries before a dead letter, when
    /// it has one.
    pub max_attempts: Option<i64>,
}

/// How events are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Deliveries before an event is dead-lettered.
    pub attempts: i64,
    /// The wait before the first retry, ms; it doubles with each one.
    pub backoff_ms: i64,
}

/// The queue, cheap to clone.
#[derive(Clone)]
pub struct Queue {
    pool: Pool,
    node: String,
}

impl Queue {
    /// The queue in `pool`, claimed from by this node as `node`.
    pub fn new(pool: Pool, node: String) -> Self {
        Self { pool, node }
    }

    /// Stores an event for `function_id`, due now, unless `max_waiting`
    /// of its events are still to be delivered; returns its id. `source`
    /// says who sent it (`api`, `url`, `invoke`, `function`).
    pub async fn send(
        &self,
        function_id: i64,
        source: &str,
        payload: &str,
        max_waiting: i64,
    ) -> Result<String, QueueError> {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from events where function_id = $1 \
             and state in ('queued', 'retrying', 'running')",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?
        .pop()
        .unwrap_or_default();
        if waiting >= max_waiting {
            return Err(QueueError::Full(max_waiting));
        }
        let now = now_ms();
        let event_id = fnlab_db::random_hex(16);
        sqlx::query(
            "insert into events (event_id, function_id, source, payload, state, due_at, \
             created_at, updated_at) values ($1, $2, $3, $4, 'queued', $5, $5, $5)",
        )
        .bind(&event_id)
        .bind(function_id)
        .bind(source)
        .bind(payload)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(event_id)
    }

    /// The events of `function_id` (in `state` when given), newest first,
    /// at most `limit`.
    pub async fn list(
        &self,
        function_id: i64,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<QueuedEvent>, QueueError> {
        let rows = sqlx::query(&format!(
            "select {EVENT_COLUMNS} from events where function_id = $1 \
             and ($2 = '' or state = $2) order by event_seq desc limit $3"
        ))
        .bind(function_id)
        .bind(state.unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(event).collect())
    }

    /// Puts dead or delivered event `event_id` of `function_id` back in the
    /// queue, due now, with its attempts counted afresh.
    pub async fn replay(&self, function_id: i64, event_id: &str) -> Result<(), QueueError> {
        let now = now_ms();
        let replayed = sqlx::query(
            "update events set state = 'queued', attempts = 0, due_at = $3, updated_at = $3, \
             last_error = null where function_id = $1 and event_id = $2 and state in ('dead', 'done')",
        )
        .bind(function_id)
        .bind(event_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if replayed.rows_affected() == 1 {
            return Ok(());
        }
        let exists: Option<String> =
            sqlx::query_scalar("select state from events where function_id = $1 and event_id = $2")
                .bind(function_id)
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?
                .pop();
        match exists {
            Some(_) => Err(QueueError::Pending(event_id.to_owned())),
            None => Err(QueueError::NotFound),
        }
    }

    /// Deletes event `event_id` of `function_id`, whatever its state (a
    /// delivery under way finishes, unrecorded).
    pub async fn delete(&self, function_id: i64, event_id: &str) -> Result<(), QueueError> {
        let deleted = sqlx::query("delete from events where function_id = $1 and event_id = $2")
            .bind(function_id)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(QueueError::NotFound);
        }
        Ok(())
    }

    /// Events due at `now` (or whose node's lease lapsed) of functions with
    /// no delivery under way, oldest first, at most `limit`, with their
    /// functions: candidates to [`claim`](Self::claim), of which only the
    /// first of each function may be delivered now (in order).
    pub async fn due(&self, now: i64, limit: i64) -> Result<Vec<(String, i64)>, QueueError> {
        let due = sqlx::query_as(&format!(
            "select e.event_id, e.function_id from events e where {DUE} and not exists \
             (select 1 from events r where r.function_id = e.function_id \
             and r.state = 'running' and r.lease_until >= $1) \
             order by e.event_seq limit $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(due)
    }

    /// When the next event may be claimed at `now` (ms): the earliest due
    /// time of a function with no delivery under way, or the end of a
    /// delivery's lease; `None` when nothing waits.
    pub async fn next_due(&self, now: i64) -> Result<Option<i64>, QueueError> {
        let next = sqlx::query_scalar(
            "select min(case when e.state = 'running' then e.lease_until else e.due_at end) \
             from events e where e.state = 'running' or (e.state in ('queued', 'retrying') \
             and not exists (select 1 from events r where r.function_id = e.function_id \
             and r.state = 'running' and r.lease_until >= $1))",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .pop()
        .flatten();
        Ok(next)
    }

    /// Claims event `event_id` if it is still due at `now` and its
    /// function has no other delivery under way, leasing it to this node
    /// until `now + lease_ms` and counting the attempt. `None` when
    /// another node was faster or the function is busy.
    pub async fn claim(
        &self,
        event_id: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, QueueError> {
        let mut tx = self.pool.begin().await?;
        // Lock the function's row: claims of its events take turns.
        // (All rows fetched: a RETURNING statement left mid-way would keep
        // SQLite's write lock.)
        let function_id: Option<i64> = sqlx::query_scalar(
            "update functions set updated_at = updated_at where function_id = \
             (select function_id from events where event_id = $1) returning function_id",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        .pop();
        // Every way out ends the transaction at once: a dropped one would
        // keep SQLite's write lock until its connection is used again.
        let Some(function_id) = function_id else {
            tx.rollback().await?;
            return Ok(None);
        };
        let claimed = sqlx::query(&format!(
            "update events set state = 'running', attempts = attempts + 1, lease_owner = $2, \
             lease_until = $3, updated_at = $1 where event_id = $4 and {DUE_SELF} and not exists \
             (select 1 from events r where r.function_id = $5 and r.event_id <> $4 \
             and r.state = 'running' and r.lease_until >= $1)"
        ))
        .bind(now)
        .bind(&self.node)
        .bind(now + lease_ms)
        .bind(event_id)
        .bind(function_id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let row = sqlx::query(
            "select e.payload, e.attempts, e.created_at, f.name, u.username, e.source, \
             f.event_attempts from events e \
             join functions f on f.function_id = e.function_id \
             join users u on u.user_id = f.user_id where e.event_id = $1",
        )
        .bind(event_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(Claimed {
            event_id: event_id.to_owned(),
            function_id,
            payload: row.try_get(0)?,
            attempt: row.try_get(1)?,
            sent_at: row.try_get(2)?,
            function: row.try_get(3)?,
            username: row.try_get(4)?,
            source: row.try_get(5)?,
            max_attempts: row.try_get(6)?,
        }))
    }

    /// The number of deliveries `function_id` gets before a dead letter,
    /// when it has its own.
    pub async fn max_attempts(&self, function_id: i64) -> Result<Option<i64>, QueueError> {
        let found: Vec<Option<i64>> =
            sqlx::query_scalar("select event_attempts from functions where function_id = $1")
                .bind(function_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(found.into_iter().flatten().next())
    }

    /// Gives `function_id` its own number of deliveries before a dead
    /// letter, or (`None`) the server's again. Events already retrying
    /// follow the new number from their next delivery.
    pub async fn set_max_attempts(
        &self,
        function_id: i64,
        attempts: Option<i64>,
    ) -> Result<(), QueueError> {
        sqlx::query("update functions set event_attempts = $2 where function_id = $1")
            .bind(function_id)
            .bind(attempts)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Extends this node's lease on event `event_id` to `until`; false
    /// when it is no longer this node's.
    pub async fn renew(&self, event_id: &str, until: i64) -> Result<bool, QueueError> {
        let renewed = sqlx::query(
            "update events set lease_until = $3 where event_id = $1 and lease_owner = $2 \
             and state = 'running'",
        )
        .bind(event_id)
        .bind(&self.node)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    /// Records how the claimed delivery ended: delivered; or to be retried
    /// after the backoff; or, after the last of `retries.attempts`, dead.
    pub async fn finish(
        &self,
        claimed: &Claimed,
        delivered: &Finished,
        retries: Retries,
    ) -> Result<(), QueueError> {
        let now = now_ms();
        let state = match &delivered.error {
            None => "done",
            Some(_) if claimed.attempt >= retries.attempts => "dead",
            Some(_) => "retrying",
        };
        let exponent = u32::try_from(claimed.attempt - 1).unwrap_or(0).min(20);
        let due_at = now.saturating_add(retries.backoff_ms.saturating_mul(1 << exponent));
        sqlx::query(
            "update events set state = $3, due_at = $4, last_error = $5, last_status = $6, \
             request_id = $7, lease_owner = null, lease_until = 0, updated_at = $8 \
             where event_id = $1 and lease_owner = $2 and state = 'running'",
        )
        .bind(&claimed.event_id)
        .bind(&self.node)
        .bind(state)
        .bind(due_at)
        .bind(&delivered.error)
        .bind(delivered.status)
        .bind(&delivered.request_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "delete from events where function_id = $1 and state = 'done' and updated_at < $2",
        )
        .bind(claimed.function_id)
        .bind(now - DONE_KEPT_MS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Whether event `e` may be delivered at `$1`: due, or its node's lease
/// lapsed.
const DUE: &str = "((e.state in ('queued', 'retrying') and e.due_at <= $1) \
    or (e.state = 'running' and e.lease_until < $1))";

/// [`DUE`] for the row an `update events` statement is at.
const DUE_SELF: &str = "((state in ('queued', 'retrying') and due_at <= $1) \
    or (state = 'running' and lease_until < $1))";

/// An event's columns, as [`event`] reads them.
const EVENT_COLUMNS: &str = "event_id, source, state, attempts, payload, last_error, last_status, \
    request_id, due_at, created_at, updated_at";

/// The event in `row` ([`EVENT_COLUMNS`]).
fn event(row: &AnyRow) -> QueuedEvent {
    let state: String = row.get(2);
    let due_at: i64 = row.get(8);
    QueuedEvent {
        event_id: row.get(0),
        source: row.get(1),
        attempts: row.get(3),
        payload: row.get(4),
        last_error: row.get(5),
        last_status: row.get(6),
        request_id: row.get(7),
        next_attempt_at: (state == "retrying").then_some(due_at),
        state,
        created_at: row.get(9),
        updated_at: row.get(10),
    }
}

//! What starts Fnlab's functions besides a request to their URL: cron
//! schedules, whose slots any node may claim and each of which runs once
//! across nodes, and the event queue of asynchronous invocations,
//! delivered at least once with retries and dead letters. No sandbox and no HTTP here: the use-case layer runs
//! what this crate hands it and reports how it ended.
//!
//! Without its default `store` feature the crate is only [`model`]: plain
//! data that the browser half of the UI shares.
//!
//! With the `openapi` feature (the server's), the types the REST API
//! answers with also describe themselves for its OpenAPI document
//! (`utoipa::ToSchema`).
//!
//! # Layout
//! - [`model`]: what a schedule, its runs and a queued event look like to
//!   their owner.
//! - `cron`: cron expressions in a time zone, their words and next runs.
//! - `schedules`: functions' schedules in the database, and the claims,
//!   leases and runs that make each slot run once.
//! - `queue`: the event queue, its claims, retries and dead letters.

#![deny(missing_docs)]

#[cfg(feature = "store")]
pub mod cron;
pub mod model;
#[cfg(feature = "store")]
pub mod queue;
#[cfg(feature = "store")]
pub mod schedules;

#[cfg(feature = "store")]
pub use cron::Cron;
pub use model::{EventConfig, QueuedEvent, Schedule, ScheduleRun, Trigger};
#[cfg(feature = "store")]
pub use queue::{Queue, QueueError, Retries};
#[cfg(feature = "store")]
pub use schedules::{Claimed, ScheduleError, Schedules};

/// How a run of a schedule, or a delivery of an event, ended.
#[cfg(feature = "store")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The invocation, when the function ran.
    pub request_id: Option<String>,
    /// What it answered.
    pub status: Option<i64>,
    /// Why it failed (a status of 500 or more, a trap, a timeout…), if it
    /// did.
    pub error: Option<String>,
}

#[cfg(all(test, feature = "store"))]
mod tests {
    use fnlab_db::now_ms;

    use super::*;

    /// A database with user `ann` and her function `tick`.
    async fn database() -> (tempfile::TempDir, fnlab_db::Pool, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("triggers.db").display());
        let pool = fnlab_db::open(&url, 4).await.unwrap();
        let user: i64 = sqlx::query_scalar(
            "insert into users (username, password_hash, created_at) values ('ann', 'x', 0) returning user_id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        let function: i64 = sqlx::query_scalar(
            "insert into functions (user_id, name, timeout_ms, memory_mb, created_at, updated_at) \
             values ($1, 'tick', 1000, 64, 0, 0) returning function_id",
        )
        .bind(user)
        .fetch_one(&pool)
        .await
        .unwrap();
        (dir, pool, user, function)
    }

    fn done() -> Finished {
        Finished {
            request_id: Some("r".into()),
            status: Some(200),
            error: None,
        }
    }

    #[tokio::test]
    async fn each_slot_is_claimed_once_and_missed_slots_run_once() {
        let (_dir, pool, ann, tick) = database().await;
        let (a, b) = (
            Schedules::new(pool.clone(), "a".into(), true),
            Schedules::new(pool.clone(), "b".into(), true),
        );
        let cron = a.parse("* * * * * *", None).unwrap();
        let schedule = a.create(ann, tick, &cron, Some(5)).await.unwrap();
        assert_eq!(schedule.next_runs.len(), 5);
        let next = cron.next_after(now_ms()).unwrap();

        // Not due yet.
        assert!(a.due(next - 1, 10).await.unwrap().is_empty());
        // Ten seconds later nine slots were missed: one run, for the latest.
        let now = next + 9_500;
        assert_eq!(a.due(now, 10).await.unwrap(), [schedule.id]);
        let claimed = a.claim(schedule.id, now, 5_000).await.unwrap().unwrap();
        assert_eq!(claimed.slot, next + 9_000);
        assert_eq!((claimed.attempt, claimed.manual), (1, false));
        // The other node finds it held.
        assert!(b.due(now, 10).await.unwrap().is_empty());
        assert_eq!(b.claim(schedule.id, now, 5_000).await.unwrap(), None);
        a.finish(&claimed, done()).await.unwrap();
        // The next slot is the one after the run's.
        assert_eq!(b.due(now, 10).await.unwrap(), Vec::<i64>::new());
        let again = b.claim(schedule.id, next + 10_000, 5_000).await.unwrap();
        assert_eq!(again.map(|c| c.slot), Some(next + 10_000));
        let runs = a.runs(tick, schedule.id, 10).await.unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].state, "done");
        assert_eq!(runs[0].state, "running");
    }

    #[tokio::test]
    async fn a_lapsed_lease_gives_the_slot_to_another_node() {
        let (_dir, pool, ann, tick) = database().await;
        let (a, b) = (
            Schedules::new(pool.clone(), "a".into(), true),
            Schedules::new(pool.clone(), "b".into(), true),
        );
        let cron = a.parse("* * * * * *", None).unwrap();
        let schedule = a.create(ann, tick, &cron, None).await.unwrap();
        let slot = cron.next_after(now_ms()).unwrap();
        let first = a.claim(schedule.id, slot, 2_000).await.unwrap().unwrap();
        // Node a renews while it runs, then dies: its lease lapses.
        assert!(a.renew(schedule.id, slot + 3_000).await.unwrap());
        assert_eq!(
            b.claim(schedule.id, slot + 2_500, 2_000).await.unwrap(),
            None
        );
        let retry = b
            .claim(schedule.id, slot + 3_001, 2_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((retry.slot, retry.attempt), (first.slot, 2));
        // The dead node's lease is no longer its own.
        assert!(!a.renew(schedule.id, slot + 9_000).await.unwrap());
        b.finish(&retry, done()).await.unwrap();
        let runs = b.runs(tick, schedule.id, 10).await.unwrap();
        assert_eq!((runs.len(), runs[0].attempts), (1, 2));
        assert_eq!(runs[0].state, "done");
    }

    #[tokio::test]
    async fn run_now_pause_resume_and_limits() {
        let (_dir, pool, ann, tick) = database().await;
        let schedules = Schedules::new(pool, "a".into(), false);
        let cron = schedules.parse("@daily", Some("Europe/Paris")).unwrap();
        let schedule = schedules.create(ann, tick, &cron, Some(1)).await.unwrap();
        assert!(matches!(
            schedules.create(ann, tick, &cron, Some(1)).await,
            Err(ScheduleError::TooMany { limit: 1 })
        ));
        let paused = schedules.set_paused(tick, schedule.id, true).await.unwrap();
        assert!(paused.paused && paused.next_runs.is_empty());
        // A paused schedule still runs when asked to.
        schedules.request_run(tick, schedule.id).await.unwrap();
        let now = now_ms();
        assert_eq!(schedules.due(now, 10).await.unwrap(), [schedule.id]);
        let claimed = schedules
            .claim(schedule.id, now, 5_000)
            .await
            .unwrap()
            .unwrap();
        assert!(claimed.manual);
        schedules.finish(&claimed, done()).await.unwrap();
        assert!(schedules.due(now, 10).await.unwrap().is_empty());
        let resumed = schedules
            .set_paused(tick, schedule.id, false)
            .await
            .unwrap();
        assert!(!resumed.paused && !resumed.run_requested);
        assert_eq!(resumed.next_runs.len(), 5);
        assert_eq!(resumed.last_run.map(|r| r.manual), Some(true));
        assert!(matches!(
            schedules.parse("* * * * * *", None),
            Err(ScheduleError::Invalid(_))
        ));
        schedules.delete(tick, schedule.id).await.unwrap();
        assert!(matches!(
            schedules.delete(tick, schedule.id).await,
            Err(ScheduleError::NotFound)
        ));
    }

    #[tokio::test]
    async fn events_go_one_at_a_time_are_retried_and_die() {
        let (_dir, pool, _ann, tick) = database().await;
        let (a, b) = (
            Queue::new(pool.clone(), "a".into()),
            Queue::new(pool.clone(), "b".into()),
        );
        let retries = Retries {
            attempts: 2,
            backoff_ms: 1_000,
        };
        let first = a.send(tick, "api", "1", 10).await.unwrap();
        let second = a.send(tick, "api", "2", 2).await.unwrap();
        // A third would be over the cap of two waiting.
        assert!(matches!(
            a.send(tick, "api", "3", 2).await,
            Err(QueueError::Full(2))
        ));
        let now = now_ms() + 10;
        // Oldest first, and one at a time per function, across nodes.
        let claimed = a.claim(&first, now, 5_000).await.unwrap().unwrap();
        assert_eq!((claimed.payload.as_str(), claimed.attempt), ("1", 1));
        assert!(b.due(now, 10).await.unwrap().is_empty());
        assert_eq!(b.claim(&second, now, 5_000).await.unwrap(), None);
        let failed = Finished {
            request_id: Some("r1".into()),
            status: Some(500),
            error: Some("the function answered 500".into()),
        };
        a.finish(&claimed, &failed, retries).await.unwrap();
        let listed = a.list(tick, Some("retrying"), 10).await.unwrap();
        let retry_at = listed[0].next_attempt_at.unwrap();
        assert!(retry_at >= now + 990, "{listed:?}");
        // The second goes while the first waits for its retry.
        assert_eq!(b.due(now + 20, 10).await.unwrap(), [(second.clone(), tick)]);
        let other = b.claim(&second, now + 20, 5_000).await.unwrap().unwrap();
        // Its node dies: once the lease lapses, another node delivers it.
        assert_eq!(a.claim(&second, now + 4_000, 5_000).await.unwrap(), None);
        let again = a.claim(&second, now + 5_100, 5_000).await.unwrap().unwrap();
        assert_eq!(again.attempt, 2);
        assert!(!b.renew(&other.event_id, now + 9_000).await.unwrap());
        a.finish(&again, &failed, retries).await.unwrap();
        // The first's second attempt fails too: dead, and replayable.
        let retried = a.claim(&first, retry_at + 1, 5_000).await.unwrap().unwrap();
        a.finish(&retried, &failed, retries).await.unwrap();
        let dead = a.list(tick, Some("dead"), 10).await.unwrap();
        assert_eq!(dead.len(), 2, "{dead:?}");
        assert!(matches!(
            a.replay(tick, "nothing").await,
            Err(QueueError::NotFound)
        ));
        a.replay(tick, &first).await.unwrap();
        let queued = a.list(tick, Some("queued"), 10).await.unwrap();
        assert_eq!(
            (queued[0].attempts, queued[0].last_error.as_deref()),
            (0, None)
        );
        assert!(matches!(
            a.replay(tick, &first).await,
            Err(QueueError::Pending(_))
        ));
        a.delete(tick, &first).await.unwrap();
        assert!(matches!(
            a.delete(tick, &first).await,
            Err(QueueError::NotFound)
        ));

        // A function's own number of attempts comes with each claim.
        assert_eq!(a.max_attempts(tick).await.unwrap(), None);
        a.set_max_attempts(tick, Some(5)).await.unwrap();
        let third = a.send(tick, "file", "3", 10).await.unwrap();
        let claimed = a
            .claim(&third, now_ms() + 10, 5_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (claimed.max_attempts, claimed.source.as_str()),
            (Some(5), "file")
        );
        a.set_max_attempts(tick, None).await.unwrap();
        assert_eq!(a.max_attempts(tick).await.unwrap(), None);
    }
}

//! What the two background triggers share: their settings, the workers'
//! start and pace, the lease a node renews while it runs something it
//! claimed, and how the end of a run reads as success or failure. The
//! triggers themselves are [`schedules`](crate::schedules) and
//! [`events`](crate::events).

use std::fmt::Display;
use std::time::Duration;

use fnlab_triggers::Finished;

use crate::Fnlab;
use crate::invoke::Completed;

/// How this node runs schedules and delivers events.
#[derive(Debug, Clone)]
pub struct TriggerSettings {
    /// Whether six-field (second-granular) cron expressions are accepted.
    pub schedule_seconds: bool,
    /// How long a node holds a slot or an event it runs before it must
    /// renew the lease (it renews every third of this).
    pub lease: Duration,
    /// Deliveries of an event before it is dead-lettered.
    pub event_attempts: i64,
    /// The wait before an event's first retry; it doubles with each one.
    pub event_backoff: Duration,
}

impl Default for TriggerSettings {
    fn default() -> Self {
        Self {
            schedule_seconds: false,
            lease: Duration::from_secs(30),
            event_attempts: 3,
            event_backoff: Duration::from_secs(5),
        }
    }
}

/// How often an idle worker looks for work that other nodes made due
/// (its own node's changes wake it at once).
const POLL_EVERY: Duration = Duration::from_secs(1);

impl Fnlab {
    /// Starts this node's schedule worker and event worker: they claim
    /// slots and events as they fall due and run them, a few at once,
    /// until [`Fnlab::shutdown`], which waits for them and the runs they
    /// started. Call from within a Tokio runtime.
    pub fn start_triggers(&self) {
        let reports = &self.inner.runs.reports;
        reports.spawn(self.clone().run_schedules());
        reports.spawn(self.clone().deliver_events());
    }

    /// The lease of the settings, ms.
    pub(crate) fn lease_ms(&self) -> i64 {
        i64::try_from(self.inner.settings.triggers.lease.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// Waits until `next` (ms since the epoch; a second at most, so that
    /// other nodes' work is seen), this node's `wake`, or its shutdown.
    pub(crate) async fn idle(&self, next: Option<i64>, wake: &tokio::sync::Notify) {
        let wait = next.map_or(POLL_EVERY, |at| {
            Duration::from_millis(u64::try_from(at - fnlab_db::now_ms()).unwrap_or(0))
                .clamp(Duration::from_millis(10), POLL_EVERY)
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
            () = self.inner.runs.stopping.cancelled() => {}
        }
    }
}

/// Renews a lease every third of `lease_ms` with `renew` (given the new
/// end of the lease), until `renew` says it is no longer this node's;
/// abort the task once the work is done.
pub(crate) fn keep_leased<F, Fut, E>(
    what: String,
    lease_ms: i64,
    renew: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<bool, E>> + Send,
    E: Display,
{
    tokio::spawn(async move {
        let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1000));
        loop {
            tokio::time::sleep(every).await;
            match renew(fnlab_db::now_ms() + lease_ms).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => tracing::warn!(%what, error = %e, "cannot renew a lease"),
            }
        }
    })
}

/// How a run ended: its invocation, status and failure (a trap, a
/// timeout, a status of 500 or more).
pub(crate) fn ending(done: &Completed) -> Finished {
    let outcome = &done.record.outcome;
    let error = if outcome != "ok" {
        Some(format!("the function ended with {outcome}"))
    } else if done.status >= 500 {
        Some(format!("the function answered {}", done.status))
    } else {
        None
    };
    Finished {
        request_id: Some(done.record.request_id.clone()),
        status: Some(i64::from(done.status)),
        error,
    }
}

//! Functions' cron schedules: their owners add, pause, resume, delete and
//! "run now" them, and each node's schedule worker
//! ([`Fnlab::run_schedules`]) claims the slots that fall due and runs
//! them, each once across nodes (see `fnlab_triggers::schedules` for the
//! claims and leases).
//!
//! A run is an ordinary invocation with trigger `schedule`: a `POST /`
//! with the header `fnlab-trigger: schedule` and the JSON body
//! `{schedule, cron, timezone, scheduled_time, manual, attempt}`; the
//! JavaScript and Python runtimes and the Rust SDK hand a Lambda-style
//! handler an EventBridge-shaped scheduled event made from it. It is
//! metered, billed and logged like any other; an owner past their quota
//! has the schedule paused, with the reason shown, rather than its runs
//! dropped unseen.

use std::sync::Arc;

use bytes::Bytes;
use fnlab_triggers::{Claimed, Finished, Schedule, ScheduleError, ScheduleRun};
use tokio::sync::Semaphore;

use crate::invoke::Trigger;
use crate::triggers::{ending, keep_leased};
use crate::{Actor, Error, Fnlab};

/// The most schedule runs one node has under way at once.
const MAX_RUNNING: usize = 16;

/// The most runs of one schedule listed.
pub const MAX_RUNS_LISTED: i64 = 100;

/// A new schedule, as the API and the page send it.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSchedule {
    /// A five-field cron expression (minute hour day-of-month month
    /// day-of-week) or `@hourly`, `@daily`, `@weekly`, `@monthly`,
    /// `@yearly`.
    pub cron: String,
    /// An IANA time zone such as `Europe/Paris`; UTC when left out.
    #[serde(default)]
    pub timezone: Option<String>,
}

impl Fnlab {
    /// Adds a schedule to the actor's function `name`, within their plan's
    /// number of schedules.
    pub async fn add_schedule(
        &self,
        actor: &Actor,
        name: &str,
        new: &NewSchedule,
    ) -> Result<Schedule, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        let schedules = &self.inner.schedules;
        let cron = schedules.parse(&new.cron, new.timezone.as_deref())?;
        let plan = self.inner.accounts.plan(actor.id).await?;
        let limit = self.inner.pricing.plans.get(plan.as_deref()).schedules;
        let schedule = schedules
            .create(actor.id, function_id, &cron, limit)
            .await?;
        self.inner.schedule_wake.notify_one();
        Ok(schedule)
    }

    /// The schedules of the actor's function `name`, oldest first.
    pub async fn schedules(&self, actor: &Actor, name: &str) -> Result<Vec<Schedule>, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        Ok(self.inner.schedules.list(function_id).await?)
    }

    /// Pauses or resumes schedule `id` of the actor's function `name`.
    pub async fn set_schedule_paused(
        &self,
        actor: &Actor,
        name: &str,
        id: i64,
        paused: bool,
    ) -> Result<Schedule, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        let schedule = self
            .inner
            .schedules
            .set_paused(function_id, id, paused)
            .await?;
        self.inner.schedule_wake.notify_one();
        Ok(schedule)
    }

    /// Deletes schedule `id` of the actor's function `name`.
    pub async fn delete_schedule(&self, actor: &Actor, name: &str, id: i64) -> Result<(), Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        Ok(self.inner.schedules.delete(function_id, id).await?)
    }

    /// Asks for one run of schedule `id` of the actor's function `name`
    /// as soon as a node can, paused or not.
    pub async fn run_schedule_now(&self, actor: &Actor, name: &str, id: i64) -> Result<(), Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        self.inner.schedules.request_run(function_id, id).await?;
        self.inner.schedule_wake.notify_one();
        Ok(())
    }

    /// The last week's runs of schedule `id` of the actor's function
    /// `name`, newest first.
    pub async fn schedule_runs(
        &self,
        actor: &Actor,
        name: &str,
        id: i64,
    ) -> Result<Vec<ScheduleRun>, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        let schedules = &self.inner.schedules;
        Ok(schedules.runs(function_id, id, MAX_RUNS_LISTED).await?)
    }

    /// This node's schedule worker (see [`Fnlab::start_triggers`]).
    pub(crate) async fn run_schedules(self) {
        let running = Arc::new(Semaphore::new(MAX_RUNNING));
        let schedules = &self.inner.schedules;
        let lease_ms = self.lease_ms();
        while !self.inner.runs.stopping.is_cancelled() {
            let due = schedules.due(fnlab_db::now_ms(), MAX_RUNNING as i64).await;
            for id in due.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the due schedules");
                Vec::new()
            }) {
                let Ok(permit) = running.clone().try_acquire_owned() else {
                    break;
                };
                match schedules.claim(id, fnlab_db::now_ms(), lease_ms).await {
                    Ok(Some(claimed)) => {
                        let fnlab = self.clone();
                        self.inner.runs.reports.spawn(async move {
                            fnlab.run_slot(claimed, lease_ms).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(schedule = id, error = %e, "cannot claim a schedule"),
                }
            }
            let next = schedules.next_due(fnlab_db::now_ms()).await.ok().flatten();
            self.idle(next, &self.inner.schedule_wake).await;
        }
    }

    /// Runs one claimed slot, renewing its lease meanwhile, and records
    /// how it ended.
    async fn run_slot(&self, claimed: Claimed, lease_ms: i64) {
        let schedules = self.inner.schedules.clone();
        let id = claimed.schedule_id;
        let renewing = keep_leased(format!("schedule {id}"), lease_ms, move |until| {
            let schedules = schedules.clone();
            async move { schedules.renew(id, until).await }
        });
        let finished = self.invoke_slot(&claimed).await;
        renewing.abort();
        if let Some(error) = &finished.error {
            tracing::info!(schedule = id, function = %claimed.function, %error, "a scheduled run failed");
        }
        if let Err(e) = self.inner.schedules.finish(&claimed, finished).await {
            tracing::warn!(schedule = id, error = %e, "cannot record a scheduled run");
        }
    }

    /// Invokes the function of a claimed slot with its scheduled event.
    async fn invoke_slot(&self, claimed: &Claimed) -> Finished {
        let event = serde_json::json!({
            "schedule": claimed.schedule_id,
            "cron": claimed.cron,
            "timezone": claimed.timezone,
            "scheduled_time": fnlab_triggers::cron::utc(claimed.slot),
            "manual": claimed.manual,
            "attempt": claimed.attempt,
        });
        let payload = Bytes::from(event.to_string());
        let ran = self
            .run_event(
                &claimed.username,
                &claimed.function,
                payload,
                Trigger::Schedule,
                &[],
            )
            .await;
        match ran {
            Ok(done) => ending(&done),
            Err(Error::QuotaExceeded { message, .. }) => {
                let reason = format!("paused by Fnlab: {message}");
                let paused = self.inner.schedules.pause_for(claimed.schedule_id, &reason);
                if let Err(e) = paused.await {
                    tracing::warn!(schedule = claimed.schedule_id, error = %e, "cannot pause a schedule");
                }
                Finished {
                    request_id: None,
                    status: None,
                    error: Some(message),
                }
            }
            Err(e) => Finished {
                request_id: None,
                status: None,
                error: Some(e.to_string()),
            },
        }
    }
}

impl From<ScheduleError> for Error {
    fn from(e: ScheduleError) -> Self {
        let message = e.to_string();
        match e {
            ScheduleError::Invalid(_) => Self::invalid("cron", "invalid_schedule", message),
            ScheduleError::TooMany { .. } => Self::invalid("cron", "too_many_schedules", message),
            ScheduleError::NotFound => Self::Missing(message),
            ScheduleError::Database(_) => Self::Internal(message),
        }
    }
}

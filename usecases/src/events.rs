//! Asynchronous invocation through each function's event queue: an event
//! sent with `POST /api/v1/functions/{name}/events`, `…/invoke?type=event`
//! or the public URL with `fnlab-invocation-type: event` is stored before
//! the sender hears 202, then delivered by whichever node's event worker
//! claims it (see `fnlab_triggers::queue`), retried with backoff when the
//! function fails, and dead-lettered after the last attempt, for its
//! owner to replay or delete.
//!
//! A function sends an event to another of its owner's functions with a
//! `POST http://fnlab.internal/events/{function}` (the SDK helpers do it),
//! which the sandbox answers in the host through [`GuestEvents`]: no key
//! is involved, the call acts for the function's owner.
//!
//! A delivery is an ordinary invocation with trigger `event`: a `POST /`
//! with the payload as its body and the headers `fnlab-event-id`,
//! `fnlab-attempt` and `fnlab-event-time` (when it was sent, ms); the
//! JavaScript and Python runtimes and the Rust SDK hand a Lambda-style
//! handler an SQS-shaped event made from them.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use fnlab_triggers::queue::{Claimed, MAX_PAYLOAD_BYTES, QueueError};
use fnlab_triggers::{EventConfig, Finished, QueuedEvent, Retries};
use tokio::sync::Semaphore;

use crate::files::FILE_SOURCE;
use crate::invoke::Trigger;
use crate::triggers::{ending, keep_leased};
use crate::{Actor, Error, Fnlab};

/// The request header that tells the guest which event it is delivered.
pub const EVENT_ID_HEADER: &str = "fnlab-event-id";
/// The request header that tells the guest which delivery of the event
/// this is, from 1.
pub const ATTEMPT_HEADER: &str = "fnlab-attempt";
/// The request header that tells the guest when the event was sent, ms.
pub const EVENT_TIME_HEADER: &str = "fnlab-event-time";
/// The header that makes a call to a function's URL an event: `event`.
pub const INVOCATION_TYPE_HEADER: &str = "fnlab-invocation-type";

/// The most deliveries one node has under way at once.
const MAX_DELIVERING: usize = 16;

/// The most events a function may have waiting to be delivered; past it,
/// senders hear 429 until it catches up (so no flood of calls to its URL
/// grows its queue without bound).
pub const MAX_WAITING: i64 = 10_000;

/// The most events listed.
const MAX_LISTED: i64 = 100;

/// The states an event can be listed by.
pub const STATES: [&str; 5] = ["queued", "running", "retrying", "done", "dead"];

/// What sending an event answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentEvent {
    /// The event's id, as its deliveries and the queue's list say.
    pub event_id: String,
}

/// The most deliveries a function may ask for its events.
pub const MAX_ATTEMPTS: i64 = 10;

impl Fnlab {
    /// Queues `payload` (JSON; empty counts as `{}`) for the actor's
    /// function `name`, from `source` (`api` or `invoke`).
    pub async fn send_event(
        &self,
        actor: &Actor,
        name: &str,
        payload: Bytes,
        source: &'static str,
    ) -> Result<SentEvent, Error> {
        let payload = if payload.trim_ascii().is_empty() {
            Bytes::from_static(b"{}")
        } else {
            payload
        };
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
            return Err(Error::Malformed(format!("the event is not JSON: {e}")));
        }
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        self.enqueue(function_id, source, &payload).await
    }

    /// Queues `body` (any text) for `username`'s live function `name`, as
    /// a call to its URL with `fnlab-invocation-type: event` asks.
    pub async fn send_url_event(
        &self,
        username: &str,
        name: &str,
        body: Bytes,
    ) -> Result<SentEvent, Error> {
        let function = self.live_function(username, name).await?.ok_or_else(|| {
            Error::Missing(format!(
                "there is no function {username}/{name} (or it has no live version)"
            ))
        })?;
        self.enqueue(function.function_id, "url", &body).await
    }

    /// Queues `payload` for `function_id` from `source`.
    pub(crate) async fn enqueue(
        &self,
        function_id: i64,
        source: &str,
        payload: &[u8],
    ) -> Result<SentEvent, Error> {
        let inner = &self.inner;
        let event_id = enqueue(
            &inner.queue,
            &inner.event_wake,
            function_id,
            source,
            payload,
        );
        Ok(SentEvent {
            event_id: event_id.await?,
        })
    }

    /// The events of the actor's function `name`, newest first (the last
    /// 100), in `state` when given.
    pub async fn events(
        &self,
        actor: &Actor,
        name: &str,
        state: Option<&str>,
    ) -> Result<Vec<QueuedEvent>, Error> {
        if let Some(state) = state.filter(|state| !STATES.contains(state)) {
            return Err(Error::invalid(
                "state",
                "invalid_state",
                format!("unknown state {state:?}: use {}", STATES.join(", ")),
            ));
        }
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        Ok(self
            .inner
            .queue
            .list(function_id, state, MAX_LISTED)
            .await?)
    }

    /// Puts the actor's dead or delivered event back in the queue of
    /// function `name`.
    pub async fn replay_event(&self, actor: &Actor, name: &str, id: &str) -> Result<(), Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        self.inner.queue.replay(function_id, id).await?;
        self.inner.event_wake.notify_one();
        Ok(())
    }

    /// Deletes the actor's event `id` of function `name`.
    pub async fn delete_event(&self, actor: &Actor, name: &str, id: &str) -> Result<(), Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        Ok(self.inner.queue.delete(function_id, id).await?)
    }

    /// How many deliveries an event of the actor's function `name` gets
    /// before it is dead-lettered.
    pub async fn event_config(&self, actor: &Actor, name: &str) -> Result<EventConfig, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        let own = self.inner.queue.max_attempts(function_id).await?;
        Ok(self.event_config_of(own))
    }

    /// Gives the actor's function `name` its own number of deliveries
    /// before a dead letter (1 to [`MAX_ATTEMPTS`]), or (`None`) the
    /// server's again.
    pub async fn set_event_config(
        &self,
        actor: &Actor,
        name: &str,
        max_attempts: Option<i64>,
    ) -> Result<EventConfig, Error> {
        if let Some(n) = max_attempts.filter(|n| !(1..=MAX_ATTEMPTS).contains(n)) {
            return Err(Error::invalid(
                "max_attempts",
                "invalid_attempts",
                format!(
                    "max_attempts is 1 to {MAX_ATTEMPTS}, or null for the server's {}; not {n}",
                    self.inner.settings.triggers.event_attempts
                ),
            ));
        }
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        self.inner
            .queue
            .set_max_attempts(function_id, max_attempts)
            .await?;
        Ok(self.event_config_of(max_attempts))
    }

    fn event_config_of(&self, own: Option<i64>) -> EventConfig {
        EventConfig {
            max_attempts: own.unwrap_or(self.inner.settings.triggers.event_attempts),
            server_default: own.is_none(),
        }
    }

    /// This node's event worker (see [`Fnlab::start_triggers`]).
    pub(crate) async fn deliver_events(self) {
        let delivering = Arc::new(Semaphore::new(MAX_DELIVERING));
        let queue = &self.inner.queue;
        let lease_ms = self.lease_ms();
        while !self.inner.runs.stopping.is_cancelled() {
            let due = queue.due(fnlab_db::now_ms(), MAX_DELIVERING as i64).await;
            // Only the oldest event of a function may go: its next ones
            // wait for the next pass, even if this claim fails.
            let mut tried = HashSet::new();
            for (id, function_id) in due.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the due events");
                Vec::new()
            }) {
                if !tried.insert(function_id) {
                    continue;
                }
                let Ok(permit) = delivering.clone().try_acquire_owned() else {
                    break;
                };
                match queue.claim(&id, fnlab_db::now_ms(), lease_ms).await {
                    Ok(Some(claimed)) => {
                        let fnlab = self.clone();
                        self.inner.runs.reports.spawn(async move {
                            fnlab.deliver(claimed, lease_ms).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(event = id, error = %e, "cannot claim an event"),
                }
            }
            let next = queue.next_due(fnlab_db::now_ms()).await.ok().flatten();
            self.idle(next, &self.inner.event_wake).await;
        }
    }

    /// Delivers one claimed event, renewing its lease meanwhile, and
    /// records how it ended.
    async fn deliver(&self, claimed: Claimed, lease_ms: i64) {
        let queue = self.inner.queue.clone();
        let id = claimed.event_id.clone();
        let renewing = keep_leased(format!("event {id}"), lease_ms, move |until| {
            let (queue, id) = (queue.clone(), id.clone());
            async move { queue.renew(&id, until).await }
        });
        let headers = [
            (EVENT_ID_HEADER, claimed.event_id.clone()),
            (ATTEMPT_HEADER, claimed.attempt.to_string()),
            (EVENT_TIME_HEADER, claimed.sent_at.to_string()),
        ];
        let payload = Bytes::from(claimed.payload.clone());
        let trigger = match claimed.source.as_str() {
            FILE_SOURCE => Trigger::File,
            _ => Trigger::Event,
        };
        let ran = (self.run_event(
            &claimed.username,
            &claimed.function,
            payload,
            trigger,
            &headers,
        ))
        .await;
        renewing.abort();
        let delivered = match &ran {
            Ok(done) => ending(done),
            Err(e) => Finished {
                request_id: None,
                status: None,
                error: Some(e.to_string()),
            },
        };
        let settings = &self.inner.settings.triggers;
        let retries = Retries {
            attempts: claimed.max_attempts.unwrap_or(settings.event_attempts),
            backoff_ms: i64::try_from(settings.event_backoff.as_millis()).unwrap_or(i64::MAX),
        };
        if let Err(e) = self.inner.queue.finish(&claimed, &delivered, retries).await {
            tracing::warn!(event = %claimed.event_id, error = %e, "cannot record a delivery");
        }
        // The function's next event may go now.
        self.inner.event_wake.notify_one();
    }
}

/// The events functions send to their owner's functions, through the
/// sandbox's `http://fnlab.internal/` (see `fnlab_sandbox::platform`).
pub(crate) struct GuestEvents {
    pub(crate) functions: fnlab_functions::Functions,
    pub(crate) queue: fnlab_triggers::Queue,
    /// Wakes this node's event worker.
    pub(crate) wake: Arc<tokio::sync::Notify>,
}

impl fnlab_sandbox::Platform for GuestEvents {
    fn send_event(
        &self,
        owner: i64,
        function: String,
        payload: Vec<u8>,
    ) -> fnlab_sandbox::BoxFuture<'_, Result<String, (u16, String)>> {
        Box::pin(async move {
            let function_id = match self.functions.id_of(owner, &function).await {
                Ok(id) => id,
                Err(fnlab_functions::FunctionError::NotFound) => {
                    return Err((404, format!("you have no function {function}")));
                }
                Err(e) => return Err((500, e.to_string())),
            };
            let sent = enqueue(&self.queue, &self.wake, function_id, "function", &payload);
            sent.await.map_err(|e| {
                let status = match e {
                    Error::Malformed(_) => 400,
                    Error::Invalid { .. } => 413,
                    Error::Throttled { .. } => 429,
                    _ => 500,
                };
                (status, e.to_string())
            })
        })
    }
}

/// Queues `payload` (text, at most [`MAX_PAYLOAD_BYTES`]) for
/// `function_id` from `source` and wakes this node's event worker; the
/// event's id. Every way of sending an event goes through here.
async fn enqueue(
    queue: &fnlab_triggers::Queue,
    wake: &tokio::sync::Notify,
    function_id: i64,
    source: &str,
    payload: &[u8],
) -> Result<String, Error> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::invalid(
            "payload",
            "event_too_large",
            format!(
                "an event is at most {} KiB; this one is {} KiB",
                MAX_PAYLOAD_BYTES >> 10,
                payload.len() >> 10
            ),
        ));
    }
    let payload = std::str::from_utf8(payload)
        .map_err(|_| Error::Malformed("an event is text (UTF-8)".into()))?;
    let event_id = queue
        .send(function_id, source, payload, MAX_WAITING)
        .await?;
    wake.notify_one();
    Ok(event_id)
}

impl From<QueueError> for Error {
    fn from(e: QueueError) -> Self {
        let message = e.to_string();
        match e {
            QueueError::NotFound => Self::Missing(message),
            QueueError::Pending(_) => Self::Conflict {
                code: "event_pending",
                message,
            },
            QueueError::Full(_) => Self::Throttled {
                message,
                retry_after_secs: 5,
            },
            QueueError::Database(_) => Self::Internal(message),
        }
    }
}

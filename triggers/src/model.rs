//! What a schedule and its runs look like to their owner: plain data that
//! the browser half of the UI shares.

use serde::{Deserialize, Serialize};

/// A schedule, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    /// Its id.
    pub id: i64,
    /// The cron expression, as written.
    pub cron: String,
    /// The IANA time zone it runs in.
    pub timezone: String,
    /// When it runs, in words.
    pub description: String,
    /// The next five run times in its time zone (RFC 3339); none while
    /// paused.
    pub next_runs: Vec<String>,
    /// Whether it is paused.
    pub paused: bool,
    /// Why Fnlab paused it (a quota used up), if it did.
    pub paused_reason: Option<String>,
    /// Whether a "run now" is waiting for a node to run it.
    pub run_requested: bool,
    /// Its latest run, if any.
    pub last_run: Option<ScheduleRun>,
    /// When it was added, ms since the Unix epoch.
    pub created_at: i64,
}

/// One run of a schedule: one slot, or one "run now".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleRun {
    /// The time it was scheduled for (RFC 3339, UTC); for a "run now",
    /// when it was asked.
    pub scheduled_time: String,
    /// Whether it was a "run now".
    pub manual: bool,
    /// `running`, `done` (the function answered below 500) or `failed`.
    pub state: String,
    /// How many times it was tried (more than one after a node died).
    pub attempts: i64,
    /// The invocation that ran it, as in the invocation log.
    pub request_id: Option<String>,
    /// The status the function answered.
    pub status: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// When it started, ms since the Unix epoch.
    pub started_at: i64,
    /// When it ended, ms since the Unix epoch.
    pub finished_at: Option<i64>,
}

/// An event in a function's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuedEvent {
    /// Its id.
    pub event_id: String,
    /// Who sent it: `api` (`POST …/events`), `invoke` (`…/invoke?type=event`),
    /// `url` (the public URL with `fnlab-invocation-type: event`) or
    /// `function` (another of its owner's functions).
    pub source: String,
    /// `queued`, `running`, `retrying` (after a failed delivery), `done`
    /// or `dead` (every attempt failed).
    pub state: String,
    /// Deliveries so far.
    pub attempts: i64,
    /// The payload, as sent.
    pub payload: String,
    /// Why the last delivery failed, if it did.
    pub last_error: Option<String>,
    /// What the function answered last.
    pub last_status: Option<i64>,
    /// The last delivery's invocation, as in the invocation log.
    pub request_id: Option<String>,
    /// When it is retried, ms since the Unix epoch (while `retrying`).
    pub next_attempt_at: Option<i64>,
    /// When it was sent, ms since the Unix epoch.
    pub created_at: i64,
    /// When its state last changed, ms since the Unix epoch.
    pub updated_at: i64,
}

/// What started an invocation, as its record and the guest's
/// `fnlab-trigger` request header name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A request to the function's URL.
    Http,
    /// Its owner's direct invoke with a JSON payload.
    Invoke,
    /// One of its cron schedules.
    Schedule,
    /// An event from its queue.
    Event,
    /// An upload to a store that triggers it (a file drop).
    File,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Self; 5] = [
        Self::Http,
        Self::Invoke,
        Self::Schedule,
        Self::Event,
        Self::File,
    ];

    /// The trigger named `name` ([`Self::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// `http`, `invoke`, `schedule`, `event` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Invoke => "invoke",
            Self::Schedule => "schedule",
            Self::Event => "event",
            Self::File => "file",
        }
    }
}

/// How a function's events are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventConfig {
    /// Deliveries an event gets before it is dead-lettered.
    pub max_attempts: i64,
    /// Whether that is the server's setting (the function has none of
    /// its own).
    pub server_default: bool,
}

//! Runs of the function's cron schedules. Each one arrives as a `POST /`
//! with the header `fnlab-trigger: schedule` and a JSON body, which
//! [`ScheduledRun::from_request`] reads:
//!
//! ```ignore
//! fn handle(req: fnlab::Request) -> fnlab::Response {
//!     if let Some(run) = fnlab::ScheduledRun::from_request(&req) {
//!         fnlab::kv::set("last-run", run.scheduled_time.as_bytes()).ok();
//!         return fnlab::Response::text(200, "done");
//!     }
//!     fnlab::Response::text(200, "hello")
//! }
//! fnlab::http!(handle);
//! ```
//!
//! A Lambda-style handler receives an EventBridge-shaped
//! [`ScheduledEvent`](crate::lambda::ScheduledEvent) instead.

use serde::{Deserialize, Serialize};

use crate::Request;

/// One run of a cron schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduledRun {
    /// The schedule's id.
    pub schedule: i64,
    /// Its cron expression.
    pub cron: String,
    /// The time zone it runs in.
    pub timezone: String,
    /// The time it was due, RFC 3339 in UTC (for a "run now", when it was
    /// asked).
    pub scheduled_time: String,
    /// Whether its owner asked for it ("run now").
    pub manual: bool,
    /// Which try this is: more than 1 after a server died running it.
    pub attempt: i64,
}

impl ScheduledRun {
    /// The run `request` delivers, or `None` when it is not one (a request
    /// to the function's URL, say).
    pub fn from_request(request: &Request) -> Option<Self> {
        if request.header("fnlab-trigger") != Some("schedule") {
            return None;
        }
        serde_json::from_slice(request.body()).ok()
    }
}

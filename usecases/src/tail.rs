//! Following a function's invocations live, as they end on any node (see
//! [`fnlab_metering::tail`]): filtered by status, outcome and text, and
//! sampled in a burst, with the number left out said rather than hidden.

use std::sync::Arc;
use std::time::Duration;

use fnlab_metering::{Follower, Tailed, UsageRecord};
use serde::Serialize;
use tokio::time::Instant;

use crate::holdings::Held;
use crate::{Actor, Error, Fnlab};

/// The most tails one user has open at once.
pub const MAX_TAILS_PER_USER: u32 = 16;

/// The most invocations one tail shows per second; the rest of a burst is
/// counted and reported as [`TailEvent::Skipped`].
pub const SHOWN_PER_SECOND: u32 = 50;

/// Which invocations a tail shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailFilter {
    /// Only statuses in `[from, to)`: a code or a class (see
    /// [`crate::catalog::search`] for how callers write it).
    pub status: Option<(i64, i64)>,
    /// Only this outcome (`ok`, `timeout`, `trap`…).
    pub outcome: Option<String>,
    /// Only those whose logs, path or request id hold this text
    /// (case-insensitive for ASCII).
    pub text: Option<String>,
}

impl TailFilter {
    fn admits(&self, record: &UsageRecord) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
        self.status
            .is_none_or(|(from, to)| (from..to).contains(&record.status))
            && self
                .outcome
                .as_ref()
                .is_none_or(|outcome| *outcome == record.outcome)
            && self.text.as_ref().is_none_or(|text| {
                let text = text.to_lowercase();
                contains(&record.stdout, &text)
                    || contains(&record.stderr, &text)
                    || contains(&record.path, &text)
                    || record.request_id == text
            })
    }
}

/// What a tail delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailEvent {
    /// An invocation that just ended.
    Invocation(Box<TailedInvocation>),
    /// This many invocations the filter admitted (or, while the follower
    /// was behind, of any kind) were left out of a burst.
    Skipped(u64),
}

/// An invocation as a tail shows it: its record and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TailedInvocation {
    /// What was measured.
    #[serde(flatten)]
    pub record: UsageRecord,
    /// Rounded to whole microdollars.
    pub cost_micros: i64,
    /// In picodollars.
    pub cost_picos: i64,
}

/// One open tail; closes when dropped.
pub struct Tail {
    fnlab: Fnlab,
    follower: Follower,
    filter: TailFilter,
    /// The current second, how many were shown in it and how many left
    /// out since the last report.
    window: Instant,
    shown: u32,
    skipped: u64,
    /// An invocation to show right after the report of those skipped.
    waiting: Option<Arc<UsageRecord>>,
    _held: Held<i64>,
}

impl Fnlab {
    /// Starts following the actor's function `name`: every invocation
    /// that `filter` admits and that ends from now on, on any node.
    pub async fn tail(&self, actor: &Actor, name: &str, filter: TailFilter) -> Result<Tail, Error> {
        let function = self.inner.functions.summary(actor.id, name).await?;
        let held = self.inner.tailers.take(actor.id).ok_or_else(|| {
            Error::busy(format!(
                "you have {MAX_TAILS_PER_USER} log tails open already; close one first"
            ))
        })?;
        Ok(Tail {
            fnlab: self.clone(),
            follower: self.inner.runs.tails.follow(function.id),
            filter,
            window: Instant::now(),
            shown: 0,
            skipped: 0,
            waiting: None,
            _held: held,
        })
    }
}

impl Tail {
    /// The next event, waiting for it. Invocations left out are reported
    /// before the next one shown, or after a quiet second.
    pub async fn next(&mut self) -> TailEvent {
        if let Some(record) = self.waiting.take() {
            return TailEvent::Invocation(Box::new(self.priced(record)));
        }
        loop {
            let tailed = if self.skipped > 0 {
                let report_at = self.window + Duration::from_secs(1);
                tokio::select! {
                    tailed = self.follower.next() => tailed,
                    () = tokio::time::sleep_until(report_at) => {
                        return TailEvent::Skipped(std::mem::take(&mut self.skipped));
                    }
                }
            } else {
                self.follower.next().await
            };
            let record = match tailed {
                Tailed::Skipped(missed) => {
                    self.skipped += missed;
                    continue;
                }
                Tailed::Invocation(record) if self.filter.admits(&record) => record,
                Tailed::Invocation(_) => continue,
            };
            let now = Instant::now();
            if now.duration_since(self.window) >= Duration::from_secs(1) {
                self.window = now;
                self.shown = 0;
            }
            if self.shown >= SHOWN_PER_SECOND {
                // Over this second's share: sleep the second out and count
                // what went by meanwhile at once, rather than waking for
                // each invocation of a burst.
                self.skipped += 1;
                tokio::time::sleep_until(self.window + Duration::from_secs(1)).await;
                let filter = &self.filter;
                self.skipped += self.follower.count_waiting(|record| filter.admits(record));
                continue;
            }
            self.shown += 1;
            if self.skipped > 0 {
                // Say what was left out first; this one comes next.
                self.waiting = Some(record);
                return TailEvent::Skipped(std::mem::take(&mut self.skipped));
            }
            return TailEvent::Invocation(Box::new(self.priced(record)));
        }
    }

    fn priced(&self, record: Arc<UsageRecord>) -> TailedInvocation {
        let usage = record.usage();
        let prices = &self.fnlab.inner.pricing.prices;
        TailedInvocation {
            cost_micros: prices.gross_micros(&usage),
            cost_picos: prices.gross_picos(&usage),
            record: Arc::unwrap_or_clone(record),
        }
    }
}

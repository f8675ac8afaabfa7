//! Each user's usage this month as this node knows it, kept in memory so
//! the gateway can enforce quotas without a database round trip per
//! request.
//!
//! What a user used is `others + recorded`: `recorded` counts every
//! invocation this process handed to the recorder this month (exact, at
//! once), and `others` is what the database holds besides this process's
//! own writes (other nodes, earlier runs), read again every few seconds.
//! Because the recorder also counts what it has `written`, a refresh can
//! subtract this process's share from the database total without counting
//! anything twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fnlab_billing::Usage;
use fnlab_billing::calendar::{month_start, next_month};
use fnlab_db::Pool;

use crate::record::UsageRecord;
use crate::totals;

/// The in-memory book. Cheap to clone.
#[derive(Clone, Default)]
pub struct LiveUsage {
    users: Arc<Mutex<HashMap<i64, Tally>>>,
}

/// One user's month.
#[derive(Default)]
struct Tally {
    month: i64,
    recorded: Usage,
    written: Usage,
    others: Option<Usage>,
    refreshed_at: Option<Instant>,
    refreshing: bool,
}

/// What the book knows of one user's month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Nothing yet: [`LiveUsage::refresh`] first.
    Unknown,
    /// Month to date; `stale` when older than the age asked for (a refresh
    /// is due, and this caller should start it).
    MonthToDate {
        /// Usage so far.
        usage: Usage,
        /// Whether this caller should refresh it.
        stale: bool,
    },
}

impl LiveUsage {
    /// Runs `f` on `user_id`'s tally for the month holding `at_ms` (see
    /// [`tally`]).
    fn with<T>(&self, user_id: i64, at_ms: i64, f: impl FnOnce(&mut Tally) -> T) -> Option<T> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        tally(&mut users, user_id, at_ms).map(f)
    }

    /// Counts an invocation handed to the recorder.
    pub fn recorded(&self, user_id: i64, started_at: i64, usage: Usage) {
        self.with(user_id, started_at, |tally| tally.recorded += usage);
    }

    /// Counts the invocations the recorder has just written (taking the
    /// lock once for the batch).
    pub fn written<'a>(&self, records: impl IntoIterator<Item = &'a UsageRecord>) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        for record in records {
            if let Some(tally) = tally(&mut users, record.user_id, record.started_at) {
                tally.written += record.usage();
            }
        }
    }

    /// What is known of `user_id`'s month at `now_ms`. At most one caller
    /// at a time is told a known month is stale.
    pub fn month_to_date(&self, user_id: i64, now_ms: i64, max_age: Duration) -> Known {
        let known = self.with(user_id, now_ms, |tally| match tally.others {
            None => Known::Unknown,
            Some(others) => {
                let stale =
                    !tally.refreshing && tally.refreshed_at.is_none_or(|at| at.elapsed() > max_age);
                tally.refreshing |= stale;
                Known::MonthToDate {
                    usage: others + tally.recorded,
                    stale,
                }
            }
        });
        known.unwrap_or(Known::Unknown)
    }

    /// Reads `user_id`'s month from the database and returns the month to
    /// date.
    pub async fn refresh(
        &self,
        pool: &Pool,
        user_id: i64,
        now_ms: i64,
    ) -> Result<Usage, sqlx::Error> {
        let (from, to) = (month_start(now_ms), next_month(now_ms));
        let written = || {
            self.with(user_id, now_ms, |tally| tally.written)
                .unwrap_or_default()
        };
        let mut attempts = 0;
        let result = loop {
            attempts += 1;
            let before = written();
            let stored = match totals::of_user(pool, user_id, from, to).await {
                Ok(stored) => stored,
                Err(e) => break Err(e),
            };
            // A batch landing during the query may or may not be in it:
            // read again, and after three tries count it as not (so usage
            // errs high, never low).
            if written() == before || attempts == 3 {
                break Ok(stored - before);
            }
        };
        let others = result;
        self.with(user_id, now_ms, |tally| {
            tally.refreshing = false;
            let others = others?;
            tally.others = Some(others);
            tally.refreshed_at = Some(Instant::now());
            Ok(others + tally.recorded)
        })
        .unwrap_or_else(|| Ok(Usage::default()))
    }
}

/// `user_id`'s tally for the month holding `at_ms`, which starts afresh
/// when that month is newer; `None` when it is older (a straggler from last
/// month does not count against this one).
fn tally(users: &mut HashMap<i64, Tally>, user_id: i64, at_ms: i64) -> Option<&mut Tally> {
    let tally = users.entry(user_id).or_default();
    let month = month_start(at_ms);
    if tally.month < month {
        *tally = Tally {
            month,
            ..Tally::default()
        };
    }
    (tally.month == month).then_some(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(n: i64) -> Usage {
        Usage {
            requests: n,
            ..Usage::default()
        }
    }

    #[test]
    fn counts_by_month_and_tells_one_caller_to_refresh() {
        let book = LiveUsage::default();
        let now = 1_795_400_000_000;
        assert_eq!(book.month_to_date(1, now, Duration::ZERO), Known::Unknown);
        book.recorded(1, now, requests(2));
        book.with(1, now, |tally| tally.others = Some(requests(5)));
        assert_eq!(
            book.month_to_date(1, now, Duration::ZERO),
            Known::MonthToDate {
                usage: requests(7),
                stale: true
            }
        );
        assert_eq!(
            book.month_to_date(1, now, Duration::ZERO),
            Known::MonthToDate {
                usage: requests(7),
                stale: false
            }
        );
        // A new month starts from nothing.
        let next = next_month(now);
        assert_eq!(book.month_to_date(1, next, Duration::ZERO), Known::Unknown);
    }
}

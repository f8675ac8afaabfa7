//! Slows password guessing: after [`LoginThrottle::MAX_FAILURES`] wrong
//! passwords for one username within [`LoginThrottle::WINDOW`], further
//! attempts are refused, saying how long to wait.
//!
//! The counting is [`governor`]'s generic cell rate algorithm (GCRA): each
//! username may fail a burst of `MAX_FAILURES` times, and one failure is
//! forgiven every [`LoginThrottle::REFILL`] (`WINDOW / MAX_FAILURES`, three
//! minutes). That differs slightly from a sliding window, where attempts
//! resume once the oldest failure leaves the window: after five quick
//! failures the next attempt is allowed three minutes later rather than
//! fifteen, but then only one every three minutes. The long-run rate is
//! the same, 20 guesses an hour; the most failures any 15 minutes can see
//! is 10 instead of 5.
//!
//! Governor cannot look at a username's state without using it up, yet an
//! attempt has to be refused before its password is checked, and only a
//! wrong password should count. So two limiters with the same quota share
//! one state map: [`LoginThrottle::check`] asks one whose store evaluates
//! the verdict but never saves it, [`LoginThrottle::record_failure`] uses
//! one that saves. Refused attempts thus cost nothing, and a success
//! removes the username from the map.
//!
//! Only usernames with recent failures are kept: usernames that are only
//! checked are never stored, and once [`LoginThrottle::SWEEP_AT`] are
//! tracked, each failure first drops those whose failures have all been
//! forgiven (governor's `retain_recent`), so a flood of made-up usernames
//! holds at most the ones that failed in the last few minutes.
//!
//! The count is kept per server process; behind a load balancer each node
//! counts on its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Login failures per username, rate-limited with governor.
#[derive(Debug)]
pub struct LoginThrottle {
    clock: AttemptClock,
    /// The state both limiters read; `record_success` removes from it.
    states: States,
    /// Counts a failure when one is allowed.
    failures: Limiter<Recording>,
    /// Says whether a failure would be allowed, changing nothing.
    probe: Limiter<Probing>,
}

/// A governor limiter keyed by username, on the attempts' clock.
type Limiter<S> = RateLimiter<String, S, AttemptClock, NoOpMiddleware<Nanos>>;

impl LoginThrottle {
    /// Wrong passwords allowed in a row.
    pub const MAX_FAILURES: usize = 5;
    /// The period over which [`Self::MAX_FAILURES`] failures are forgiven.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// How often one failure is forgiven: after `MAX_FAILURES` failures in
    /// a row, the wait before the next attempt.
    pub const REFILL: Duration =
        Duration::from_secs(Self::WINDOW.as_secs() / Self::MAX_FAILURES as u64);
    /// Usernames tracked before stale entries are swept.
    pub const SWEEP_AT: usize = 10_000;

    /// `Err(wait)` when `username` must wait before trying again. Checking
    /// uses nothing up: only [`Self::record_failure`] counts.
    pub fn check(&self, username: &str, now: Instant) -> Result<(), Duration> {
        self.clock.advance_to(now);
        self.probe
            .check_key(&username.to_owned())
            .map_err(|refused| refused.wait_time_from(self.clock.now()))
    }

    /// Records a wrong password for `username`.
    pub fn record_failure(&self, username: &str, now: Instant) {
        self.clock.advance_to(now);
        if self.failures.len() >= Self::SWEEP_AT {
            self.failures.retain_recent();
        }
        // Refused only when several attempts passed `check` together and
        // the username has already used up its failures: it stays blocked
        // either way.
        let _ = self.failures.check_key(&username.to_owned());
    }

    /// Forgets the failures of `username` after a successful login.
    pub fn record_success(&self, username: &str) {
        lock(&self.states).remove(username);
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let burst = NonZeroU32::new(Self::MAX_FAILURES as u32).expect("MAX_FAILURES is not zero");
        let quota = Quota::with_period(Self::REFILL)
            .expect("REFILL is not zero")
            .allow_burst(burst);
        let clock = AttemptClock::starting(Instant::now());
        let states = States::default();
        // Created at the same clock reading, the limiters measure time
        // from the same start, so the states mean the same to both.
        Self {
            failures: RateLimiter::new(quota, Recording(states.clone()), clock.clone()),
            probe: RateLimiter::new(quota, Probing(states.clone()), clock.clone()),
            clock,
            states,
        }
    }
}

/// Governor's state per username: when its next failure is due (its
/// "theoretical arrival time", from the limiters' start).
type States = Arc<Mutex<HashMap<String, Nanos>>>;

/// The map holds plain numbers, which a panic cannot leave half-updated.
fn lock(states: &States) -> MutexGuard<'_, HashMap<String, Nanos>> {
    states.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The store that saves each allowed failure.
#[derive(Debug)]
struct Recording(States);

impl StateStore for Recording {
    type Key = String;

    fn measure_and_replace<T, F, E>(&self, key: &String, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut states = lock(&self.0);
        let (outcome, state) = f(states.get(key).copied())?;
        match states.get_mut(key) {
            Some(old) => *old = state,
            None => {
                states.insert(key.clone(), state);
            }
        }
        Ok(outcome)
    }
}

impl ShrinkableKeyedStateStore<String> for Recording {
    fn retain_recent(&self, drop_below: Nanos) {
        lock(&self.0).retain(|_, state| *state > drop_below);
    }

    fn len(&self) -> usize {
        lock(&self.0).len()
    }

    fn is_empty(&self) -> bool {
        lock(&self.0).is_empty()
    }
}

/// The store that answers as [`Recording`] would, but keeps nothing.
#[derive(Debug)]
struct Probing(States);

impl StateStore for Probing {
    type Key = String;

    fn measure_and_replace<T, F, E>(&self, key: &String, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let state = lock(&self.0).get(key).copied();
        f(state).map(|(outcome, _)| outcome)
    }
}

/// Time as the attempts report it: the latest `now` passed in, as
/// nanoseconds since the throttle was made. Callers pass the time of each
/// attempt (tests pass made-up ones); it never runs backwards.
#[derive(Debug, Clone)]
struct AttemptClock {
    start: Instant,
    elapsed: Arc<AtomicU64>,
}

impl AttemptClock {
    fn starting(start: Instant) -> Self {
        Self {
            start,
            elapsed: Arc::default(),
        }
    }

    /// Moves the clock on to `now`, if that is later than it reads.
    fn advance_to(&self, now: Instant) {
        let elapsed = Nanos::from(now.saturating_duration_since(self.start));
        self.elapsed.fetch_max(elapsed.as_u64(), Ordering::AcqRel);
    }
}

impl Clock for AttemptClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::new(self.elapsed.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn blocks_after_max_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..LoginThrottle::MAX_FAILURES {
            assert!(throttle.check("ann", start).is_ok());
            throttle.record_failure("ann", start);
        }
        let wait = throttle.check("ann", start).unwrap_err();
        // GCRA: one failure is forgiven every REFILL (see the module doc).
        assert_eq!(wait, LoginThrottle::REFILL);
        assert_eq!(LoginThrottle::REFILL, 3 * MINUTE);
        // Another username is not affected.
        assert!(throttle.check("bob", start).is_ok());
        // Once the window has passed, ann may try again.
        assert!(throttle.check("ann", start + LoginThrottle::WINDOW).is_ok());
    }

    #[test]
    fn success_clears_the_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..LoginThrottle::MAX_FAILURES {
            throttle.record_failure("ann", now);
        }
        throttle.record_success("ann");
        assert!(throttle.check("ann", now).is_ok());
        // The count starts again from zero.
        for _ in 1..LoginThrottle::MAX_FAILURES {
            throttle.record_failure("ann", now);
        }
        assert!(throttle.check("ann", now).is_ok());
        throttle.record_failure("ann", now);
        assert!(throttle.check("ann", now).is_err());
    }

    #[test]
    fn checking_uses_nothing_up() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..100 {
            assert!(throttle.check("ann", now).is_ok());
        }
        for _ in 1..LoginThrottle::MAX_FAILURES {
            throttle.record_failure("ann", now);
            for _ in 0..100 {
                assert!(throttle.check("ann", now).is_ok());
            }
        }
        throttle.record_failure("ann", now);
        assert_eq!(throttle.check("ann", now), Err(LoginThrottle::REFILL));
        // Refused attempts do not prolong the wait.
        for _ in 0..100 {
            assert_eq!(throttle.check("ann", now + MINUTE), Err(2 * MINUTE));
        }
        assert!(throttle.check("ann", now + 3 * MINUTE).is_ok());
    }

    #[test]
    fn one_failure_is_forgiven_every_refill() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..LoginThrottle::MAX_FAILURES {
            throttle.record_failure("ann", start);
        }
        let refill = LoginThrottle::REFILL;
        for n in 1..=20 {
            let due = start + n * refill;
            assert_eq!(
                throttle.check("ann", due - Duration::from_secs(1)),
                Err(Duration::from_secs(1)),
                "{n}"
            );
            assert!(throttle.check("ann", due).is_ok(), "{n}");
            throttle.record_failure("ann", due);
            assert_eq!(throttle.check("ann", due), Err(refill), "{n}");
        }
        // After a quiet WINDOW the whole burst is back.
        let rested = start + 20 * refill + LoginThrottle::WINDOW;
        for _ in 0..LoginThrottle::MAX_FAILURES {
            assert!(throttle.check("ann", rested).is_ok());
            throttle.record_failure("ann", rested);
        }
        assert!(throttle.check("ann", rested).is_err());
    }

    #[test]
    fn the_clock_never_runs_backwards() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..LoginThrottle::MAX_FAILURES {
            throttle.record_failure("ann", start + MINUTE);
        }
        // An attempt reported with an earlier time is judged at the latest.
        assert_eq!(throttle.check("ann", start), Err(LoginThrottle::REFILL));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_usernames() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        // Checks alone store nothing.
        for i in 0..20_000 {
            assert!(throttle.check(&format!("nobody-{i}"), start).is_ok());
        }
        assert!(throttle.failures.is_empty());
        // One wrong password each for 40,000 made-up usernames, ten a
        // second for over an hour, while ann is locked out near the end.
        let total = 4 * LoginThrottle::SWEEP_AT;
        let ann_at = start + Duration::from_millis(100 * total as u64) - MINUTE;
        let mut now = start;
        for i in 0..total {
            now = start + Duration::from_millis(100 * i as u64);
            if now == ann_at {
                for _ in 0..LoginThrottle::MAX_FAILURES {
                    throttle.record_failure("ann", now);
                }
            }
            assert!(throttle.check(&format!("user-{i}"), now).is_ok());
            throttle.record_failure(&format!("user-{i}"), now);
            assert!(throttle.failures.len() <= LoginThrottle::SWEEP_AT);
        }
        // Sweeping kept the usernames that still count.
        assert_eq!(
            throttle.check("ann", now),
            Err(LoginThrottle::REFILL - (now - ann_at))
        );
        throttle.failures.retain_recent();
        assert!(throttle.failures.len() < LoginThrottle::SWEEP_AT / 2);
        assert!(throttle.check("ann", now).is_err());
    }
}

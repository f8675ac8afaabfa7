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
//! An attempt takes its slot before the password is checked, in one step
//! ([`LoginThrottle::attempt`]): of any number of attempts sent at once,
//! only the burst's worth reach the (costly) password hash, and the rest
//! are refused at once. A successful login gives the username its whole
//! burst back ([`LoginThrottle::record_success`]); governor's own keyed
//! stores cannot forget a key, so the state map is ours, behind governor's
//! `StateStore` trait.
//!
//! Only usernames with recent attempts are kept: once
//! [`LoginThrottle::SWEEP_AT`] are tracked, each attempt first drops those
//! whose attempts have all been forgiven (governor's `retain_recent`), so
//! a flood of made-up usernames holds at most the ones tried in the last
//! few minutes. (A per-client limit, which would bound that too, is not
//! here yet.)
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
    /// The limiter's state; `record_success` removes from it.
    states: States,
    /// Takes an attempt's slot when one is free.
    attempts: Limiter<Recording>,
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

    /// Takes a slot for an attempt to log in as `username`, before its
    /// password is checked; `Err(wait)` when there is none, and then
    /// nothing is counted. Each attempt counts as a failure until
    /// [`Self::record_success`] says otherwise.
    pub fn attempt(&self, username: &str, now: Instant) -> Result<(), Duration> {
        self.clock.advance_to(now);
        if self.attempts.len() >= Self::SWEEP_AT {
            self.attempts.retain_recent();
        }
        self.attempts
            .check_key(&username.to_owned())
            .map_err(|refused| refused.wait_time_from(self.clock.now()))
    }

    /// Forgets the attempts of `username` after a successful login.
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
        Self {
            attempts: RateLimiter::new(quota, Recording(states.clone()), clock.clone()),
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

/// The store that saves each allowed attempt.
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
    const BURST: usize = LoginThrottle::MAX_FAILURES;

    #[test]
    fn blocks_after_max_failures_until_one_is_forgiven() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..BURST {
            assert!(throttle.attempt("ann", start).is_ok());
        }
        // GCRA: one failure is forgiven every REFILL (see the module doc).
        assert_eq!(throttle.attempt("ann", start), Err(LoginThrottle::REFILL));
        assert_eq!(LoginThrottle::REFILL, 3 * MINUTE);
        // Another username is not affected.
        assert!(throttle.attempt("bob", start).is_ok());
        // Refused attempts take no slot: the wait does not grow.
        for _ in 0..100 {
            assert_eq!(throttle.attempt("ann", start + MINUTE), Err(2 * MINUTE));
        }
        assert!(
            throttle
                .attempt("ann", start + LoginThrottle::REFILL)
                .is_ok()
        );
        // After a quiet WINDOW the whole burst is back.
        let rested = start + LoginThrottle::REFILL + LoginThrottle::WINDOW;
        for _ in 0..BURST {
            assert!(throttle.attempt("ann", rested).is_ok());
        }
        assert!(throttle.attempt("ann", rested).is_err());
    }

    #[test]
    fn success_gives_the_burst_back() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..BURST {
            throttle.attempt("ann", now).unwrap();
        }
        throttle.record_success("ann");
        for _ in 0..BURST {
            assert!(throttle.attempt("ann", now).is_ok());
        }
        assert!(throttle.attempt("ann", now).is_err());
    }

    #[test]
    fn attempts_at_once_get_only_the_burst() {
        let throttle = std::sync::Arc::new(LoginThrottle::default());
        let now = Instant::now();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .filter(|_| throttle.attempt("ann", now).is_ok())
                        .count()
                })
            })
            .collect();
        let allowed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(allowed, BURST);
    }

    #[test]
    fn the_clock_never_runs_backwards() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..BURST {
            throttle.attempt("ann", start + MINUTE).unwrap();
        }
        // An attempt reported with an earlier time is judged at the latest.
        assert_eq!(throttle.attempt("ann", start), Err(LoginThrottle::REFILL));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_usernames() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        // One attempt each for 40,000 made-up usernames, ten a second for
        // over an hour, while ann is locked out near the end.
        let total = 4 * LoginThrottle::SWEEP_AT;
        let ann_at = start + Duration::from_millis(100 * total as u64) - MINUTE;
        let mut now = start;
        for i in 0..total {
            now = start + Duration::from_millis(100 * i as u64);
            if now == ann_at {
                for _ in 0..BURST {
                    throttle.attempt("ann", now).unwrap();
                }
            }
            assert!(throttle.attempt(&format!("user-{i}"), now).is_ok());
            assert!(throttle.attempts.len() <= LoginThrottle::SWEEP_AT);
        }
        // Sweeping kept the usernames that still count.
        assert_eq!(
            throttle.attempt("ann", now),
            Err(LoginThrottle::REFILL - (now - ann_at))
        );
    }
}

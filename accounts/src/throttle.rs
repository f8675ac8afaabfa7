//! Slows password guessing: after [`LoginThrottle::MAX_FAILURES`] wrong
//! passwords for one username within [`LoginThrottle::WINDOW`], further
//! attempts are refused until the oldest failure leaves the window.
//!
//! The count is kept per server process; behind a load balancer each node
//! counts on its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Recent login failures per username.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    /// Wrong passwords allowed within [`Self::WINDOW`].
    pub const MAX_FAILURES: usize = 5;
    /// How long a failure counts.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Usernames tracked before stale entries are swept.
    const SWEEP_AT: usize = 10_000;

    /// `Err(wait)` when `username` must wait before trying again.
    pub fn check(&self, username: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().expect("throttle lock poisoned");
        let Some(times) = failures.get(username) else {
            return Ok(());
        };
        let recent: Vec<&Instant> = times.iter().filter(|t| now - **t < Self::WINDOW).collect();
        if recent.len() < Self::MAX_FAILURES {
            return Ok(());
        }
        let oldest = recent.into_iter().min().expect("non-empty");
        Err(Self::WINDOW.saturating_sub(now - *oldest))
    }

    /// Records a wrong password for `username`.
    pub fn record_failure(&self, username: &str, now: Instant) {
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        if failures.len() >= Self::SWEEP_AT {
            failures.retain(|_, times| times.iter().any(|t| now - *t < Self::WINDOW));
        }
        let times = failures.entry(username.to_owned()).or_default();
        times.retain(|t| now - *t < Self::WINDOW);
        times.push(now);
    }

    /// Forgets the failures of `username` after a successful login.
    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .expect("throttle lock poisoned")
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..LoginThrottle::MAX_FAILURES {
            assert!(throttle.check("ann", start).is_ok());
            throttle.record_failure("ann", start);
        }
        let wait = throttle.check("ann", start).unwrap_err();
        assert_eq!(wait, LoginThrottle::WINDOW);
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
    }
}

//! Warm instances: an instance whose request went well may serve the next
//! request of the SAME function, as a Lambda execution environment does,
//! so that a script runtime evaluates its function's source once per
//! instance rather than once per request.
//!
//! The policy, which the README states for users:
//! - only sequentially: an instance serves one request at a time;
//! - only the same function, version and environment of the same user
//!   (a [`WarmKey`]); never across functions or users;
//! - at most [`MAX_REQUESTS`] requests and [`MAX_AGE`] from its creation;
//! - discarded after any trap, timeout or other failure of its guest, and
//!   when its memory is over the function's (lowered) limit;
//! - at most `SandboxConfig::max_warm_instances` idle on the node, the
//!   least recently used discarded first; none when that is 0 or when the
//!   function asks for a fresh instance per request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::Proxy;

use crate::host::Host;

/// Most requests one instance serves.
pub const MAX_REQUESTS: u32 = 1000;
/// Longest an instance lives, from its creation.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Which requests an instance may serve: those of one function's one
/// version with one environment. The caller makes it; the sandbox adds the
/// user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WarmKey {
    /// The function's id.
    pub function_id: i64,
    /// Its version.
    pub version: i64,
    /// A digest of the environment its guests see (variables, secrets,
    /// a script's source), so that changing any starts fresh instances.
    pub env_digest: u64,
}

/// An instance between two requests.
pub(crate) struct WarmInstance {
    pub(crate) store: Store<Host>,
    pub(crate) proxy: Proxy,
    /// When it was created.
    pub(crate) born: Instant,
    /// Requests it has served.
    pub(crate) served: u32,
}

impl WarmInstance {
    /// Whether it may serve another request at `now`.
    fn fit(&self, now: Instant) -> bool {
        self.served < MAX_REQUESTS && now.duration_since(self.born) < MAX_AGE
    }
}

/// The idle instances of every function, least recently used first.
pub(crate) struct WarmInstances {
    idle: Mutex<VecDeque<((i64, WarmKey), WarmInstance)>>,
    max: usize,
}

impl WarmInstances {
    /// At most `max` idle instances (0: none are kept).
    pub(crate) fn new(max: usize) -> Self {
        Self {
            idle: Mutex::default(),
            max,
        }
    }

    /// The most recently used idle instance of `user_id`'s `key`, if one
    /// is still fit to serve.
    pub(crate) fn take(&self, user_id: i64, key: WarmKey) -> Option<WarmInstance> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let position = idle.iter().rposition(|(k, _)| *k == (user_id, key))?;
        let (_, instance) = idle.remove(position)?;
        drop(idle);
        instance.fit(Instant::now()).then_some(instance)
    }

    /// Keeps `instance` for the next request of `user_id`'s `key`, if it
    /// may serve another; past the node's maximum the least recently used
    /// idle instance goes.
    pub(crate) fn put(&self, user_id: i64, key: WarmKey, instance: WarmInstance) {
        if self.max == 0 || !instance.fit(Instant::now()) {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.push_back(((user_id, key), instance));
        let evicted = (idle.len() > self.max).then(|| idle.pop_front());
        drop(idle);
        drop(evicted);
    }

    /// Discards the idle instances past their age, so that a quiet node
    /// gives their memory back.
    pub(crate) fn expire(&self, now: Instant) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let expired: Vec<_> = {
            let mut kept = VecDeque::with_capacity(idle.len());
            let mut expired = Vec::new();
            for entry in idle.drain(..) {
                if entry.1.fit(now) {
                    kept.push_back(entry);
                } else {
                    expired.push(entry);
                }
            }
            *idle = kept;
            expired
        };
        drop(idle);
        drop(expired);
    }

    /// Idle instances now.
    pub(crate) fn count(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

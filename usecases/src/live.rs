//! The live versions the gateway runs, cached so that a request costs no
//! database round trip. The cache is bounded in size ([`CAPACITY`]) and
//! age ([`LIVE_TTL`], so other nodes see a deploy within that time), and
//! holds only functions that exist: a request for a made-up URL reads the
//! database and leaves nothing behind. Entries are found by public name
//! (username, function) and forgotten by function id, so whoever changes
//! a function (a deploy, a build worker) needs no username to do it.

use std::time::Duration;

use fnlab_functions::LiveFunction;
use moka::sync::Cache;

/// How long a looked-up live version is trusted.
pub const LIVE_TTL: Duration = Duration::from_secs(1);
/// Most live versions kept.
pub const CAPACITY: u64 = 10_000;

/// The cache of live versions by (username, function name).
pub(crate) struct LiveCache {
    entries: Cache<(String, String), LiveFunction>,
}

impl Default for LiveCache {
    fn default() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(LIVE_TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl LiveCache {
    /// The cached live version of `username`'s `name`, if fresh.
    pub(crate) fn get(&self, username: &str, name: &str) -> Option<LiveFunction> {
        self.entries.get(&(username.to_owned(), name.to_owned()))
    }

    /// Remembers `function`, found as `username`'s.
    pub(crate) fn insert(&self, username: &str, function: LiveFunction) {
        self.entries
            .insert((username.to_owned(), function.name.clone()), function);
    }

    /// Forgets function `function_id` (its live version or limits changed,
    /// or it was deleted).
    pub(crate) fn forget(&self, function_id: i64) {
        if let Err(e) = self
            .entries
            .invalidate_entries_if(move |_, live| live.function_id == function_id)
        {
            // Only when built without invalidation closures: drop them all.
            tracing::error!(error = %e, "cannot forget one live version; forgetting all");
            self.entries.invalidate_all();
        }
    }

    /// How many entries it holds (approximately: counts settle lazily).
    #[cfg(test)]
    fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use fnlab_functions::Limits;

    use super::*;

    fn live(function_id: i64, name: &str) -> LiveFunction {
        LiveFunction {
            function_id,
            user_id: 1,
            name: name.into(),
            version: 1,
            sha256: "00".into(),
            limits: Limits {
                timeout_ms: 1,
                memory_mb: 1,
            },
            source: None,
        }
    }

    #[test]
    fn entries_are_forgotten_by_function_id() {
        let cache = LiveCache::default();
        cache.insert("ann", live(1, "a"));
        cache.insert("ann", live(2, "b"));
        cache.forget(1);
        assert!(cache.get("ann", "a").is_none());
        assert_eq!(cache.get("ann", "b"), Some(live(2, "b")));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = LiveCache::default();
        let capacity = i64::try_from(CAPACITY).unwrap();
        for id in 0..capacity * 3 {
            cache.insert("ann", live(id, &format!("f{id}")));
        }
        assert!(cache.len() <= CAPACITY, "{} entries", cache.len());
    }

    #[test]
    fn entries_expire() {
        let cache = LiveCache::default();
        cache.insert("ann", live(1, "a"));
        std::thread::sleep(LIVE_TTL + Duration::from_millis(50));
        assert!(cache.get("ann", "a").is_none());
    }
}

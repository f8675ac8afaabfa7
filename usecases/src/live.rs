//! The live versions the gateway runs, cached so that a request costs no
//! database round trip. The cache is bounded in size ([`CAPACITY`] bytes,
//! counting each entry's source, which a JavaScript or Python function
//! carries, and its environment) and age ([`LIVE_TTL`], so other nodes see a deploy within that
//! time), and
//! holds only functions that exist: a request for a made-up URL reads the
//! database and leaves nothing behind. Entries are found by public name
//! (username, function) and forgotten by function id, so whoever changes
//! a function (a deploy, a build worker) needs no username to do it.

use std::sync::Arc;
use std::time::Duration;

use fnlab_functions::LiveFunction;
use moka::sync::Cache;

/// How long a looked-up live version is trusted.
pub const LIVE_TTL: Duration = Duration::from_secs(1);
/// Most bytes of live versions kept (about 200,000 compiled functions, or
/// 256 script functions at the largest source allowed).
pub const CAPACITY: u64 = 64 << 20;

/// What an entry costs besides its strings: the cache's own bookkeeping.
const ENTRY_OVERHEAD: usize = 256;

/// The cache of live versions by (username, function name).
pub(crate) struct LiveCache {
    entries: Cache<(String, String), Arc<LiveFunction>>,
}

impl Default for LiveCache {
    fn default() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(
                    |(username, name): &(String, String), live: &Arc<LiveFunction>| {
                        let source = live.source.as_ref().map_or(0, |s| s.source.len());
                        let env: usize =
                            live.env.vars().iter().map(|(k, v)| k.len() + v.len()).sum();
                        let bytes = ENTRY_OVERHEAD
                            + env
                            + username.len()
                            + 2 * name.len()
                            + live.sha256.len()
                            + source;
                        u32::try_from(bytes).unwrap_or(u32::MAX)
                    },
                )
                .time_to_live(LIVE_TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl LiveCache {
    /// The cached live version of `username`'s `name`, if fresh.
    pub(crate) fn get(&self, username: &str, name: &str) -> Option<Arc<LiveFunction>> {
        self.entries.get(&(username.to_owned(), name.to_owned()))
    }

    /// Remembers `function`, found as `username`'s.
    pub(crate) fn insert(&self, username: &str, function: Arc<LiveFunction>) {
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

    /// How many bytes its entries weigh (counts settle lazily).
    #[cfg(test)]
    fn weight(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }
}

#[cfg(test)]
mod tests {
    use fnlab_functions::Limits;

    use super::*;

    fn live(function_id: i64, name: &str) -> Arc<LiveFunction> {
        script(function_id, name, 0)
    }

    /// A script function whose source is `source_bytes` long.
    fn script(function_id: i64, name: &str, source_bytes: usize) -> Arc<LiveFunction> {
        Arc::new(LiveFunction {
            function_id,
            user_id: 1,
            name: name.into(),
            version: 1,
            sha256: "00".into(),
            limits: Limits {
                timeout_ms: 1,
                memory_mb: 1,
            },
            source: (source_bytes > 0).then(|| fnlab_functions::Source {
                language: fnlab_functions::Language::Python,
                source: "x".repeat(source_bytes),
            }),
            env: fnlab_functions::GuestEnv::default(),
            course: None,
            fresh_instances: false,
        })
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
    fn the_cache_stays_within_its_capacity_in_bytes() {
        let cache = LiveCache::default();
        // Three times the capacity in large sources.
        let big = fnlab_functions::MAX_SOURCE_BYTES;
        let count = i64::try_from(3 * CAPACITY / big as u64).unwrap();
        for id in 0..count {
            cache.insert("ann", script(id, &format!("f{id}"), big));
        }
        assert!(cache.weight() <= CAPACITY, "{} bytes", cache.weight());
        assert!(cache.weight() > CAPACITY / 2, "it still caches");
    }

    #[test]
    fn entries_expire() {
        let cache = LiveCache::default();
        cache.insert("ann", live(1, "a"));
        std::thread::sleep(LIVE_TTL + Duration::from_millis(50));
        assert!(cache.get("ann", "a").is_none());
    }
}

//! What Fnlab keeps, and for how long. Once an hour:
//! - raw invocation records (and their logs) older than
//!   `FNLAB_USAGE_RETENTION_DAYS` are deleted; their usage stays in the
//!   hourly rollups, so bills and charts do not change;
//! - stored components no version refers to, and builds beyond each
//!   function's newest 20, are deleted, and this node's code cache drops
//!   the native code of components no version runs, or unused for a month,
//!   then the least recently used until it fits `FNLAB_CODE_CACHE_MB`.
//!
//! Any number of nodes may run it at once: each pass is safe to repeat,
//! and each node sweeps its own code cache.

use std::time::Duration;

use crate::AppState;

/// How often records expire and storage is collected.
const EVERY: Duration = Duration::from_secs(3600);

/// Starts the loop in the background: records expire at once, storage is
/// first collected an hour later (a node that starts prepares its script
/// runtimes first, and each runtime's native code is kept once known).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        expire(&state).await;
        loop {
            ticker.tick().await;
            expire(&state).await;
            collect(&state).await;
        }
    });
}

async fn expire(state: &AppState) {
    let days = state.config.usage_retention_days;
    match state.fnlab.expire_invocations(days).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, "expired raw invocation records"),
        Err(e) => tracing::error!(error = %e, "cannot expire raw invocation records"),
    }
}

async fn collect(state: &AppState) {
    match state.fnlab.collect_storage().await {
        Ok(collected) => tracing::info!(
            components = collected.components.components,
            component_bytes = collected.components.bytes,
            builds = collected.builds,
            cache_files = collected.code_cache.removed,
            cache_freed_bytes = collected.code_cache.freed_bytes,
            cache_bytes = collected.code_cache.kept_bytes,
            "storage collected"
        ),
        Err(e) => tracing::error!(error = %e, "cannot collect storage"),
    }
}

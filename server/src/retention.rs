//! Raw invocation records are kept for `FNLAB_USAGE_RETENTION_DAYS`: once
//! an hour, older ones (and their logs) are deleted. Their usage stays in
//! the hourly rollups, so bills and charts do not change. Any number of
//! nodes may run it at once.

use std::time::Duration;

use crate::AppState;

/// How often raw records are expired.
const EVERY: Duration = Duration::from_secs(3600);

/// Starts the expiry loop in the background; the first pass runs at once.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            expire(&state).await;
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

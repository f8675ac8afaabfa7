//! The background work that keeps billing fast: every [`EVERY`], roll the
//! invocations written since the previous pass up into hourly rows, and
//! once an hour delete raw records older than the retention. Any number of
//! nodes may run it at once (see `fnlab_metering::rollup`).

use std::time::Duration;

use fnlab_metering::rollup::{PASS_ROWS, expire_raw, max_invocation_id, roll_up};

use crate::AppState;

/// How often a pass runs. An invocation is rolled up one to two passes
/// after it was written; until then totals read it raw.
pub const EVERY: Duration = Duration::from_secs(10);

/// How often raw records are expired.
const EXPIRE_EVERY: Duration = Duration::from_secs(3600);

/// Starts the rollup loop in the background.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Ids seen one pass ago: every insert that took one has committed.
        let mut settled = None;
        let mut expired_at: Option<tokio::time::Instant> = None;
        loop {
            ticker.tick().await;
            if let Some(upto) = settled {
                roll_up_to(&state, upto).await;
            }
            settled = match max_invocation_id(&state.pool).await {
                Ok(max) => Some(max),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the invocations for the rollup");
                    None
                }
            };
            if expired_at.is_none_or(|at| at.elapsed() >= EXPIRE_EVERY) {
                expire(&state).await;
                expired_at = Some(tokio::time::Instant::now());
            }
        }
    });
}

async fn roll_up_to(state: &AppState, upto: i64) {
    loop {
        match roll_up(&state.pool, upto).await {
            Ok(n) if n == PASS_ROWS as usize => continue,
            Ok(n) => {
                tracing::debug!(rolled_up = n, "usage rollup pass");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "usage rollup failed; retrying next pass");
                return;
            }
        }
    }
}

async fn expire(state: &AppState) {
    let retention_ms = i64::from(state.config.usage_retention_days) * 86_400_000;
    match expire_raw(&state.pool, fnlab_db::now_ms() - retention_ms).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, "expired raw invocation records"),
        Err(e) => tracing::error!(error = %e, "cannot expire raw invocation records"),
    }
}

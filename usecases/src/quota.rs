//! Quotas at the gateway, without a database round trip per request: each
//! user's month so far and plan are kept in memory ([`LiveUsage`]) and
//! read again in the background every [`REFRESH`]. Only a user's first
//! request after a start (or a new month) waits for the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fnlab_accounts::Accounts;
use fnlab_billing::{Exceeded, Pricing, Usage};
use fnlab_db::Pool;
use fnlab_metering::LiveUsage;
use fnlab_metering::live::Known;

/// How often a user's month and plan are read again (so usage on other
/// nodes and plan changes count within this time).
pub const REFRESH: Duration = Duration::from_secs(2);

/// The gateway's quota checks. Cheap to clone.
#[derive(Clone)]
pub struct Quotas {
    inner: Arc<Inner>,
}

struct Inner {
    live: LiveUsage,
    pool: Pool,
    accounts: Accounts,
    pricing: Arc<Pricing>,
    plans: Mutex<HashMap<i64, Option<String>>>,
}

impl Quotas {
    /// Quotas of `pricing`'s plans over the usage `live` counts.
    pub fn new(live: LiveUsage, pool: Pool, accounts: Accounts, pricing: Arc<Pricing>) -> Self {
        Self {
            inner: Arc::new(Inner {
                live,
                pool,
                accounts,
                pricing,
                plans: Mutex::default(),
            }),
        }
    }

    /// `Err` when `user_id` has used up a quota this month. When the
    /// database cannot be read, the request goes ahead (and is logged):
    /// an outage of the books must not take every function down.
    pub async fn check(&self, user_id: i64) -> Result<(), Exceeded> {
        let now = fnlab_db::now_ms();
        let usage = match self.inner.live.month_to_date(user_id, now, REFRESH) {
            Known::MonthToDate { usage, stale } => {
                if stale {
                    let quotas = self.clone();
                    tokio::spawn(async move { quotas.refresh(user_id, now).await });
                }
                usage
            }
            Known::Unknown => match self.refresh(user_id, now).await {
                Some(usage) => usage,
                None => return Ok(()),
            },
        };
        let plan = {
            let plans = self.inner.plans.lock().unwrap_or_else(|e| e.into_inner());
            plans.get(&user_id).cloned().flatten()
        };
        self.inner.pricing.plan(plan.as_deref()).check(&usage)
    }

    /// Reads the user's month and plan again.
    async fn refresh(&self, user_id: i64, now: i64) -> Option<Usage> {
        // Two reads side by side: a user's first request waits for both.
        let (plan, usage) = tokio::join!(
            self.inner.accounts.plan(user_id),
            self.inner.live.refresh(&self.inner.pool, user_id, now),
        );
        match (plan, usage) {
            (Ok(plan), Ok(usage)) => {
                let mut plans = self.inner.plans.lock().unwrap_or_else(|e| e.into_inner());
                plans.insert(user_id, plan);
                Some(usage)
            }
            (Err(e), _) => {
                tracing::error!(user_id, error = %e, "cannot read the plan; quotas unchecked");
                None
            }
            (_, Err(e)) => {
                tracing::error!(user_id, error = %e, "cannot read usage; quotas unchecked");
                None
            }
        }
    }
}

//! What functions cost and how they behave: a period's usage, a month as
//! CSV, the Billing page's overview, quota alerts, one function's
//! metrics, and, for admins, every user's month and their plans. Each is
//! scoped to the actor; the admin view is [`Error::Forbidden`] to others.

use fnlab_billing::Alert;
use fnlab_billing::calendar::{
    DAY_MS, HOUR_MS, date_label, hour_start, month_label, month_start, next_month, parse_instant,
};
use fnlab_billing::money::format_micros;
use fnlab_billing::report::{Metrics, Overview, UsageReport, UserLine, UserSort, Window};
use fnlab_metering::{metrics, report, totals};
use serde::Serialize;

use crate::invoke::Trigger;
use crate::{Actor, Error, Fnlab};

/// Longest period one usage query covers.
const MAX_PERIOD_MS: i64 = 366 * DAY_MS;

/// A month of usage as CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCsv {
    /// The month, such as `2026-11` (for the file's name).
    pub month: String,
    /// The lines: per day and function at list price, then the free
    /// tier's credit and the total owed.
    pub csv: String,
}

/// Every user's month, for admins.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUsage {
    /// The month, such as `2026-11`.
    pub month: String,
    /// How `users` are sorted.
    pub sort: UserSort,
    /// Every user's month.
    pub users: Vec<UserLine>,
    /// The plans a user can be put on.
    pub plans: Vec<String>,
}

/// A user's plan, just set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanChange {
    /// Whose.
    pub username: String,
    /// Their plan now.
    pub plan: String,
}

/// Reads a date, an RFC 3339 instant or epoch ms named `name`, or
/// `default` when absent.
fn instant(name: &str, value: Option<&str>, default: i64) -> Result<i64, Error> {
    match value {
        None => Ok(default),
        Some(text) => parse_instant(text).ok_or_else(|| {
            Error::Malformed(format!(
                "{name}={text:?} is not a date: use 2026-11-01, 2026-11-01T12:00:00Z or ms since 1970"
            ))
        }),
    }
}

/// The start of the month named in `month` (such as `2026-11`), or this
/// month's.
fn month(month: Option<&str>, now: i64) -> Result<i64, Error> {
    match month {
        None => Ok(month_start(now)),
        Some(text) => parse_instant(text)
            .map(month_start)
            .ok_or_else(|| Error::Malformed(format!("month={text:?} is not a month: use 2026-11"))),
    }
}

impl Fnlab {
    /// The actor's usage and cost from `from` to `to` (dates, RFC 3339
    /// instants or epoch ms; default this month so far), widened to whole
    /// hours: usage is kept per hour. At most 366 days.
    pub async fn usage(
        &self,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<UsageReport, Error> {
        let now = fnlab_db::now_ms();
        let from = hour_start(instant("from", from, month_start(now))?);
        let to = hour_start(instant("to", to, now)? + HOUR_MS - 1);
        if to <= from {
            return Err(Error::Malformed("`to` must come after `from`".into()));
        }
        if to - from > MAX_PERIOD_MS {
            return Err(Error::Malformed(
                "a usage query covers at most 366 days; ask for several".into(),
            ));
        }
        let prices = &self.inner.pricing.prices;
        Ok(report::usage_report(&self.inner.pool, prices, actor.id, (from, to)).await?)
    }

    /// The actor's month (default this one) per day and function at list
    /// price, then the free tier's credit and the total owed, as CSV.
    pub async fn usage_csv(
        &self,
        actor: &Actor,
        month_name: Option<&str>,
    ) -> Result<UsageCsv, Error> {
        let month = month(month_name, fnlab_db::now_ms())?;
        let (pool, prices) = (&self.inner.pool, &self.inner.pricing.prices);
        let lines = totals::by_day_and_function(pool, actor.id, month, next_month(month)).await?;
        let statement =
            report::usage_report(pool, prices, actor.id, (month, next_month(month))).await?;
        let dollars = |micros: i64| format_micros(micros).trim_start_matches('$').to_owned();
        let mut csv = String::from(
            "date,function,requests,errors,gb_seconds,cpu_ms,bytes_out,cost_micros,cost_usd\n",
        );
        for (day, name, usage) in &lines {
            let cost = prices.gross_micros(usage);
            csv.push_str(&format!(
                "{},{},{},{},{:.6},{},{},{cost},{}\n",
                date_label(*day),
                name,
                usage.requests,
                usage.errors,
                usage.gb_seconds(),
                usage.cpu_ms,
                usage.bytes_out,
                dollars(cost),
            ));
        }
        let label = month_label(month);
        let credit = statement.free_tier.credit_micros;
        csv.push_str(&format!(
            "{label},(free tier),,,,,,{},-{}\n",
            -credit,
            dollars(credit)
        ));
        csv.push_str(&format!(
            "{label},(total),{},{},{:.6},{},{},{},{}\n",
            statement.requests,
            statement.errors,
            statement.gb_seconds,
            statement.cpu_ms,
            statement.bytes_out,
            statement.cost_micros,
            dollars(statement.cost_micros),
        ));
        Ok(UsageCsv { month: label, csv })
    }

    /// Everything the Billing page shows: plan and quotas, storage, the
    /// month so far, projection, alerts, days and past statements.
    pub async fn billing(&self, actor: &Actor) -> Result<Overview, Error> {
        let plan = self.inner.accounts.plan(actor.id).await?;
        let pricing = &self.inner.pricing;
        let plan = pricing.plan(plan.as_deref());
        let stored = self.stored_bytes(actor.id).await?;
        let now = fnlab_db::now_ms();
        let pool = &self.inner.pool;
        Ok(report::overview(pool, &pricing.prices, plan, actor.id, stored, now).await?)
    }

    /// The actor's quota alerts this month (75%, 90%, 100% of a cap).
    pub async fn quota_alerts(&self, actor: &Actor) -> Result<Vec<Alert>, Error> {
        let plan = self.inner.accounts.plan(actor.id).await?;
        let now = fnlab_db::now_ms();
        let (from, to) = (month_start(now), hour_start(now) + HOUR_MS);
        let usage = totals::of_user(&self.inner.pool, actor.id, from, to).await?;
        Ok(self.inner.pricing.plan(plan.as_deref()).alerts(&usage))
    }

    /// Invocations, errors and latency percentiles of the actor's function
    /// `name` over `window` (`1h`, the default, `24h` or `7d`), of the
    /// invocations started by `trigger` only when given.
    pub async fn metrics(
        &self,
        actor: &Actor,
        name: &str,
        window: Option<&str>,
        trigger: Option<&str>,
    ) -> Result<Metrics, Error> {
        let trigger = match trigger.filter(|t| !t.is_empty()) {
            None => None,
            Some(name) => Some(Trigger::parse(name).ok_or_else(|| {
                let known: Vec<_> = Trigger::ALL.iter().map(|t| t.as_str()).collect();
                Error::invalid(
                    "trigger",
                    "invalid_trigger",
                    format!("unknown trigger {name:?}: use {}", known.join(", ")),
                )
            })?),
        };
        let window = match window {
            None => Window::Hour,
            Some(text) => Window::parse(text)
                .ok_or_else(|| Error::Malformed(format!("window={text:?}: use 1h, 24h or 7d")))?,
        };
        let function = self.inner.functions.summary(actor.id, name).await?;
        let now = fnlab_db::now_ms();
        let pool = &self.inner.pool;
        let trigger = trigger.map(Trigger::as_str);
        Ok(metrics::window(pool, actor.id, function.id, window, now, trigger).await?)
    }

    /// Every user's month (default this one) sorted by `sort` (`username`,
    /// `requests`, `errors`, `gb_seconds` or `cost`, the default); admins
    /// only.
    pub async fn admin_usage(
        &self,
        actor: &Actor,
        month_name: Option<&str>,
        sort: Option<&str>,
    ) -> Result<AdminUsage, Error> {
        Self::require_admin(actor)?;
        let month = month(month_name, fnlab_db::now_ms())?;
        let sort = match sort {
            None => UserSort::Cost,
            Some(text) => UserSort::parse(text).ok_or_else(|| {
                Error::Malformed(format!(
                    "sort={text:?}: use username, requests, errors, gb_seconds or cost"
                ))
            })?,
        };
        let users = self
            .inner
            .accounts
            .users_with_plans()
            .await?
            .into_iter()
            .map(|u| (u.id, u.username, u.plan))
            .collect();
        let pricing = &self.inner.pricing;
        Ok(AdminUsage {
            month: month_label(month),
            sort,
            users: report::users_month(&self.inner.pool, pricing, users, month, sort).await?,
            plans: self.plans(),
        })
    }

    /// Puts `username` on `plan`; admins only; invalid for a plan that is
    /// not configured.
    pub async fn set_plan(
        &self,
        actor: &Actor,
        username: &str,
        plan: &str,
    ) -> Result<PlanChange, Error> {
        Self::require_admin(actor)?;
        if !self.inner.pricing.plans.contains(plan) {
            return Err(Error::invalid(
                "plan",
                "unknown_plan",
                format!(
                    "there is no plan {plan:?}; the plans are {}",
                    self.plans().join(", ")
                ),
            ));
        }
        self.inner.accounts.set_plan(username, plan).await?;
        Ok(PlanChange {
            username: username.to_owned(),
            plan: plan.to_owned(),
        })
    }

    /// Deletes raw invocation records (and their logs) started more than
    /// `retention_days` days ago; their usage stays in the hourly
    /// rollups, so bills and charts do not change. Returns how many.
    pub async fn expire_invocations(&self, retention_days: u32) -> Result<u64, Error> {
        let before = fnlab_db::now_ms() - i64::from(retention_days) * DAY_MS;
        Ok(fnlab_metering::rollup::expire_raw(&self.inner.pool, before).await?)
    }

    /// The names of the configured plans.
    fn plans(&self) -> Vec<String> {
        let plans = self.inner.pricing.plans.all();
        plans.iter().map(|p| p.name.clone()).collect()
    }
}

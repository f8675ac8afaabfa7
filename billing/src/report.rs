//! What the billing views show, as plain data shared by the REST API and
//! the pages: a period's usage and cost, per function, with the free tier
//! applied; a month's days; past months' statements. The database reading
//! is `fnlab-metering`'s; this module only prices what it is given.

use serde::{Deserialize, Serialize};

use crate::calendar::{month_label, month_start, next_month, rfc3339};
use crate::plans::{Alert, Plan, Quota};
use crate::prices::{Charge, PriceSheet};
use crate::storage::StorageUse;
use crate::usage::Usage;

/// Usage and cost of a period, as `GET /api/v1/usage` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// Start of the period (RFC 3339, on a whole hour).
    pub from: String,
    /// End of the period, exclusive.
    pub to: String,
    /// Billed invocations.
    pub requests: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// GB-seconds of configured memory.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
    /// Response bytes.
    pub bytes_out: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
    /// What is owed for the period, after the free tier.
    pub cost_micros: i64,
    /// The period at list price, before the free tier.
    pub gross_micros: i64,
    /// The free tier's part.
    pub free_tier: FreeTierUse,
    /// Per function, busiest first.
    pub functions: Vec<FunctionLine>,
}

/// The free tier in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreeTierUse {
    /// What each month includes.
    pub included: Units,
    /// What this period used of it (the months' free tiers, after what
    /// was used earlier in each month).
    pub used: Units,
    /// Its worth: `gross_micros - cost_micros`.
    pub credit_micros: i64,
}

/// Requests, GB-seconds, CPU ms and key-value operations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Units {
    /// Requests.
    pub requests: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
}

impl From<Usage> for Units {
    fn from(usage: Usage) -> Self {
        Self {
            requests: usage.requests,
            gb_seconds: usage.gb_seconds(),
            cpu_ms: usage.cpu_ms,
            kv_reads: usage.kv_reads,
            kv_writes: usage.kv_writes,
        }
    }
}

/// One function's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionLine {
    /// Its name.
    pub name: String,
    /// Billed invocations.
    pub requests: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
    /// Response bytes.
    pub bytes_out: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
    /// At list price, rounded on its own (lines may differ from the total
    /// by their rounding).
    pub cost_micros: i64,
}

/// One stretch of a period inside one calendar month: what the month used
/// before it, and what it used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthPart {
    /// Usage earlier in the same month.
    pub before: Usage,
    /// Usage in the stretch.
    pub usage: Usage,
}

impl UsageReport {
    /// Prices a period `[from, to)` whose usage per function is
    /// `functions` (id-less: name, usage) and per calendar month `parts`.
    pub fn assemble(
        prices: &PriceSheet,
        (from, to): (i64, i64),
        functions: Vec<(String, Usage)>,
        parts: &[MonthPart],
    ) -> Self {
        let total = functions
            .iter()
            .fold(Usage::default(), |sum, (_, usage)| sum + *usage);
        let charge = parts.iter().fold(Charge::default(), |sum, part| {
            let charge = prices.charge(&part.before, &part.usage);
            Charge {
                gross_micros: sum.gross_micros + charge.gross_micros,
                free_tier_micros: sum.free_tier_micros + charge.free_tier_micros,
                cost_micros: sum.cost_micros + charge.cost_micros,
                free_used: sum.free_used + charge.free_used,
            }
        });
        Self {
            from: rfc3339(from),
            to: rfc3339(to),
            requests: total.requests,
            errors: total.errors,
            gb_seconds: total.gb_seconds(),
            cpu_ms: total.cpu_ms,
            bytes_out: total.bytes_out,
            kv_reads: total.kv_reads,
            kv_writes: total.kv_writes,
            cost_micros: charge.cost_micros,
            gross_micros: charge.gross_micros,
            free_tier: FreeTierUse {
                included: prices.free.as_usage().into(),
                used: charge.free_used.into(),
                credit_micros: charge.free_tier_micros,
            },
            functions: functions
                .into_iter()
                .map(|(name, usage)| FunctionLine {
                    name,
                    requests: usage.requests,
                    errors: usage.errors,
                    gb_seconds: usage.gb_seconds(),
                    cpu_ms: usage.cpu_ms,
                    bytes_out: usage.bytes_out,
                    kv_reads: usage.kv_reads,
                    kv_writes: usage.kv_writes,
                    cost_micros: prices.gross_micros(&usage),
                })
                .collect(),
        }
    }
}

/// One day of a month: its usage and what it added to the month's bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayLine {
    /// The day's start, ms since the epoch.
    pub day: i64,
    /// Billed invocations.
    pub requests: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// What the day added to the month's cost, after the free tier: the
    /// days add up to the month.
    pub cost_micros: i64,
}

/// Prices the days of one month, in order, each after the days before it
/// used their share of the free tier.
pub fn price_days(prices: &PriceSheet, days: &[(i64, Usage)]) -> Vec<DayLine> {
    let mut before = Usage::default();
    days.iter()
        .map(|(day, usage)| {
            let charge = prices.charge(&before, usage);
            before += *usage;
            DayLine {
                day: *day,
                requests: usage.requests,
                errors: usage.errors,
                gb_seconds: usage.gb_seconds(),
                cost_micros: charge.cost_micros,
            }
        })
        .collect()
}

/// A month's statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    /// `2026-11`.
    pub month: String,
    /// Billed invocations.
    pub requests: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
    /// At list price.
    pub gross_micros: i64,
    /// Covered by the free tier.
    pub free_tier_micros: i64,
    /// Owed.
    pub cost_micros: i64,
}

impl Statement {
    /// The statement of the month starting at `month_start` that used
    /// `usage`.
    pub fn of_month(prices: &PriceSheet, month_start: i64, usage: &Usage) -> Self {
        let charge = prices.charge(&Usage::default(), usage);
        Self {
            month: month_label(month_start),
            requests: usage.requests,
            errors: usage.errors,
            gb_seconds: usage.gb_seconds(),
            cpu_ms: usage.cpu_ms,
            kv_reads: usage.kv_reads,
            kv_writes: usage.kv_writes,
            gross_micros: charge.gross_micros,
            free_tier_micros: charge.free_tier_micros,
            cost_micros: charge.cost_micros,
        }
    }
}

/// Everything the Billing page shows, as `GET /api/v1/billing` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// The user's plan.
    pub plan: String,
    /// Its monthly caps.
    pub quota: Quota,
    /// What the user stores, against the plan's storage quota.
    pub storage: StorageUse,
    /// The month so far: `2026-11`.
    pub month: String,
    /// Usage and cost from the month's start until now.
    pub month_to_date: UsageReport,
    /// The month's cost if it goes on as it went so far.
    pub projected_cost_micros: i64,
    /// The quotas at or past 75%, 90% or 100%.
    pub alerts: Vec<Alert>,
    /// The month's days with usage.
    pub days: Vec<DayLine>,
    /// Earlier months, newest first.
    pub statements: Vec<Statement>,
    /// The price sheet in force.
    pub prices: PriceSheet,
}

impl Overview {
    /// The overview at `now` of a user on `plan` who stores `stored_bytes`
    /// and whose month so far is `month_to_date` (with `usage` its units).
    pub fn assemble(
        prices: &PriceSheet,
        plan: &Plan,
        now: i64,
        stored_bytes: i64,
        (month_to_date, usage): (UsageReport, Usage),
        days: Vec<DayLine>,
        statements: Vec<Statement>,
    ) -> Self {
        let (start, end) = (month_start(now), next_month(now));
        let projected = usage.scaled(end - start, (now - start).max(1));
        Self {
            plan: plan.name.clone(),
            quota: plan.quota,
            storage: StorageUse {
                used_bytes: stored_bytes,
                quota_bytes: plan.storage_bytes,
            },
            month: month_label(now),
            projected_cost_micros: prices.charge(&Usage::default(), &projected).cost_micros,
            alerts: plan.alerts(&usage),
            month_to_date,
            days,
            statements,
            prices: *prices,
        }
    }
}

/// A metrics window: the last hour by minute, the last day or the last
/// week by hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Window {
    /// `1h`.
    #[serde(rename = "1h")]
    Hour,
    /// `24h`.
    #[serde(rename = "24h")]
    Day,
    /// `7d`.
    #[serde(rename = "7d")]
    Week,
}

impl Window {
    /// Every window, shortest first.
    pub const ALL: [Self; 3] = [Self::Hour, Self::Day, Self::Week];

    /// Parses `1h`, `24h` or `7d`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == text)
    }

    /// `1h`, `24h` or `7d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::Day => "24h",
            Self::Week => "7d",
        }
    }

    /// `[from, to)` and the step, in ms, for a window ending at `now`
    /// (its last step holds `now`).
    pub fn bounds(self, now: i64) -> (i64, i64, i64) {
        let (step, steps) = match self {
            Self::Hour => (60_000, 60),
            Self::Day => (crate::calendar::HOUR_MS, 24),
            Self::Week => (crate::calendar::HOUR_MS, 168),
        };
        let to = now - now.rem_euclid(step) + step;
        (to - step * steps, to, step)
    }
}

/// A function's metrics over a window, as
/// `GET /api/v1/functions/{name}/metrics` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Metrics {
    /// `1h`, `24h` or `7d`.
    pub window: Window,
    /// The trigger the metrics are of (`http`, `invoke`, `schedule`,
    /// `event` or `file`); `None`, `null` in JSON, for all of them.
    pub trigger: Option<String>,
    /// Start, ms since the epoch.
    pub from: i64,
    /// End, exclusive.
    pub to: i64,
    /// Length of one step, seconds.
    pub step_secs: i64,
    /// Invocations in the window.
    pub invocations: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// Latency percentiles over the window, ms (`None`, `null` in
    /// JSON, without invocations).
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// One point per step, oldest first.
    pub series: Vec<MetricPoint>,
    /// Cold starts against warm ones.
    pub starts: Starts,
}

/// Cold and warm starts over a window. An invocation starts cold when its
/// function's program is not in memory and must be reloaded from the
/// disk cache or compiled first: after a deploy to another node, a
/// restart, or a long idle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Starts {
    /// Invocations that started cold.
    pub cold: i64,
    /// Their latency as their callers waited it (making the program
    /// ready, then the run), median, ms (`None` without cold starts).
    pub cold_p50_ms: Option<f64>,
    /// The same, 99th percentile, ms.
    pub cold_p99_ms: Option<f64>,
    /// How long making the program ready took, median, ms.
    pub load_p50_ms: Option<f64>,
    /// The same, 99th percentile, ms.
    pub load_p99_ms: Option<f64>,
    /// Invocations that started warm (the program was in memory).
    pub warm: i64,
    /// Their latency, median, ms.
    pub warm_p50_ms: Option<f64>,
    /// The same, 99th percentile, ms.
    pub warm_p99_ms: Option<f64>,
}

/// One step of [`Metrics`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricPoint {
    /// Start of the step, ms since the epoch.
    pub start: i64,
    /// Invocations.
    pub invocations: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
}

/// One user's month, as the admin view lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserLine {
    /// Username.
    pub username: String,
    /// Their plan.
    pub plan: String,
    /// Billed invocations.
    pub requests: i64,
    /// Of those, status ≥ 500.
    pub errors: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
    /// Response bytes.
    pub bytes_out: i64,
    /// Owed for the month, after the free tier.
    pub cost_micros: i64,
    /// The highest quota alert level reached (0, 75, 90 or 100).
    pub alert_level: i64,
}

/// What the admin view sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// Username, A to Z.
    Username,
    /// Requests, most first.
    Requests,
    /// Errors, most first.
    Errors,
    /// GB-seconds, most first.
    GbSeconds,
    /// Cost, most first.
    Cost,
}

impl UserSort {
    /// Every sort key, as the admin view offers them.
    pub const ALL: [Self; 5] = [
        Self::Username,
        Self::Requests,
        Self::Errors,
        Self::GbSeconds,
        Self::Cost,
    ];

    /// Parses `username`, `requests`, `errors`, `gb_seconds` or `cost`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.as_str() == text)
    }

    /// Its name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Requests => "requests",
            Self::Errors => "errors",
            Self::GbSeconds => "gb_seconds",
            Self::Cost => "cost",
        }
    }
}

/// Every user's month from (username, stored plan, usage), priced as a
/// whole month with its free tier, sorted by `sort`.
pub fn user_lines(
    prices: &PriceSheet,
    plans: &crate::Plans,
    users: Vec<(String, Option<String>, Usage)>,
    sort: UserSort,
) -> Vec<UserLine> {
    let mut lines: Vec<UserLine> = users
        .into_iter()
        .map(|(username, plan, usage)| {
            let plan = plans.get(plan.as_deref());
            UserLine {
                username,
                plan: plan.name.clone(),
                requests: usage.requests,
                errors: usage.errors,
                gb_seconds: usage.gb_seconds(),
                cpu_ms: usage.cpu_ms,
                bytes_out: usage.bytes_out,
                cost_micros: prices.charge(&Usage::default(), &usage).cost_micros,
                alert_level: plan
                    .alerts(&usage)
                    .iter()
                    .map(|a| a.level)
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect();
    lines.sort_by(|a, b| match sort {
        UserSort::Username => a.username.cmp(&b.username),
        UserSort::Requests => b.requests.cmp(&a.requests),
        UserSort::Errors => b.errors.cmp(&a.errors),
        UserSort::GbSeconds => b.gb_seconds.total_cmp(&a.gb_seconds),
        UserSort::Cost => b
            .cost_micros
            .cmp(&a.cost_micros)
            .then(b.requests.cmp(&a.requests)),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(n: i64) -> Usage {
        Usage {
            requests: n,
            ..Usage::default()
        }
    }

    #[test]
    fn windows_end_with_the_current_step() {
        let now = crate::calendar::parse_instant("2026-11-23T14:05:30Z").unwrap();
        let (from, to, step) = Window::Hour.bounds(now);
        assert_eq!((to - from) / step, 60);
        assert_eq!(crate::calendar::rfc3339(to), "2026-11-23T14:06:00Z");
        let (from, to, _) = Window::Week.bounds(now);
        assert_eq!(crate::calendar::rfc3339(to), "2026-11-23T15:00:00Z");
        assert_eq!(to - from, 7 * crate::calendar::DAY_MS);
        assert_eq!(Window::parse("24h"), Some(Window::Day));
        assert_eq!(Window::parse("2h"), None);
    }

    #[test]
    fn days_add_up_to_the_month() {
        let prices = PriceSheet::lambda();
        let days = [
            (0, requests(600_000)),
            (1, requests(600_000)),
            (2, requests(500_000)),
        ];
        let lines = price_days(&prices, &days);
        let costs: Vec<i64> = lines.iter().map(|d| d.cost_micros).collect();
        // The free million runs out on day two.
        assert_eq!(costs, vec![0, 40_000, 100_000]);
        let month = Statement::of_month(&prices, 0, &requests(1_700_000));
        assert_eq!(month.cost_micros, costs.iter().sum::<i64>());
        assert_eq!(
            month.gross_micros - month.free_tier_micros,
            month.cost_micros
        );
    }

    #[test]
    fn a_report_applies_the_free_tier_per_month() {
        let prices = PriceSheet::lambda();
        let functions = vec![
            ("a".into(), requests(700_000)),
            ("b".into(), requests(800_000)),
        ];
        let parts = [MonthPart {
            before: requests(100_000),
            usage: requests(1_500_000),
        }];
        let report = UsageReport::assemble(&prices, (0, 3_600_000), functions, &parts);
        assert_eq!(report.requests, 1_500_000);
        assert_eq!(report.gross_micros, 300_000);
        assert_eq!(report.free_tier.used.requests, 900_000);
        assert_eq!(report.cost_micros, 120_000);
        assert_eq!(report.free_tier.credit_micros, 180_000);
        assert_eq!(report.functions[1].cost_micros, 160_000);
        assert_eq!(report.from, "1970-01-01T00:00:00Z");
    }
}

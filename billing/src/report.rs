//! What the billing views show, as plain data shared by the REST API and
//! the pages: a period's usage and cost, per function, with the free tier
//! applied; a month's days; past months' statements. The database reading
//! is `fnlab-metering`'s; this module only prices what it is given.

use serde::{Deserialize, Serialize};

use crate::calendar::{month_label, rfc3339};
use crate::prices::{Charge, PriceSheet};
use crate::usage::Usage;

/// Usage and cost of a period, as `GET /api/v1/usage` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct FreeTierUse {
    /// What each month includes.
    pub included: Units,
    /// What this period used of it (the months' free tiers, after what
    /// was used earlier in each month).
    pub used: Units,
    /// Its worth: `gross_micros - cost_micros`.
    pub credit_micros: i64,
}

/// Requests, GB-seconds and CPU ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Requests.
    pub requests: i64,
    /// GB-seconds.
    pub gb_seconds: f64,
    /// CPU milliseconds.
    pub cpu_ms: i64,
}

impl From<Usage> for Units {
    fn from(usage: Usage) -> Self {
        Self {
            requests: usage.requests,
            gb_seconds: usage.gb_seconds(),
            cpu_ms: usage.cpu_ms,
        }
    }
}

/// One function's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
                    cost_micros: prices.gross_micros(&usage),
                })
                .collect(),
        }
    }
}

/// One day of a month: its usage and what it added to the month's bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
            gross_micros: charge.gross_micros,
            free_tier_micros: charge.free_tier_micros,
            cost_micros: charge.cost_micros,
        }
    }
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

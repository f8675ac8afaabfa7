//! The price sheet: AWS Lambda's model (per request plus per GB-second of
//! configured memory) or Cloudflare Workers' (per request plus per CPU
//! millisecond), key-value reads and writes priced as Workers KV prices
//! them under either, and a monthly free tier applied before anything is
//! charged.

use serde::{Deserialize, Serialize};

use crate::money::{PICOS_PER_MICRO, parse_dollars, round_div};
use crate::usage::{MB_MS_PER_GB_SECOND, Usage};

/// How usage turns into money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PricingModel {
    /// Requests plus GB-seconds of configured memory (AWS Lambda on x86).
    Lambda,
    /// Requests plus CPU milliseconds (Cloudflare Workers).
    Workers,
}

impl std::str::FromStr for PricingModel {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "lambda" => Ok(Self::Lambda),
            "workers" => Ok(Self::Workers),
            other => Err(format!(
                "unknown pricing model {other:?}: use lambda or workers"
            )),
        }
    }
}

/// What each user gets free every calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreeTier {
    /// Requests.
    pub requests: i64,
    /// GB-seconds (Lambda model).
    pub gb_seconds: i64,
    /// CPU milliseconds (Workers model).
    pub cpu_ms: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
}

impl FreeTier {
    /// The free tier as usage units.
    pub fn as_usage(&self) -> Usage {
        Usage {
            requests: self.requests,
            mb_ms: self.gb_seconds.saturating_mul(MB_MS_PER_GB_SECOND),
            cpu_ms: self.cpu_ms,
            kv_reads: self.kv_reads,
            kv_writes: self.kv_writes,
            ..Usage::default()
        }
    }
}

/// Prices, in picodollars, and the free tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceSheet {
    /// Which quantities are charged.
    pub model: PricingModel,
    /// Per million requests.
    pub per_million_requests: i128,
    /// Per GB-second (Lambda model).
    pub per_gb_second: i128,
    /// Per million CPU milliseconds (Workers model).
    pub per_million_cpu_ms: i128,
    /// Per million key-value reads.
    #[serde(default)]
    pub per_million_kv_reads: i128,
    /// Per million key-value writes.
    #[serde(default)]
    pub per_million_kv_writes: i128,
    /// Free every month.
    pub free: FreeTier,
}

/// What a period costs: before the free tier, the free tier's share, and
/// what is owed. `cost_micros = gross_micros - free_tier_micros`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Charge {
    /// The usage at list price.
    pub gross_micros: i64,
    /// The part the free tier covers.
    pub free_tier_micros: i64,
    /// What is owed.
    pub cost_micros: i64,
    /// The free units this period used up.
    pub free_used: Usage,
}

/// The common denominator of all three prices' units: a million requests
/// (or CPU ms) and a GB-second in MiB-ms.
const DENOMINATOR: i128 = 1_000_000 * MB_MS_PER_GB_SECOND as i128;

impl PriceSheet {
    /// AWS Lambda on x86: $0.20 per million requests, $0.0000166667 per
    /// GB-second; 1,000,000 requests and 400,000 GB-s free each month. Key-
    /// value stores as Workers KV: $0.50 per million reads, $5.00 per
    /// million writes, 10,000,000 reads and 1,000,000 writes free.
    pub fn lambda() -> Self {
        Self {
            model: PricingModel::Lambda,
            per_million_requests: dollars("0.20"),
            per_gb_second: dollars("0.0000166667"),
            per_million_cpu_ms: dollars("0.02"),
            per_million_kv_reads: dollars("0.50"),
            per_million_kv_writes: dollars("5.00"),
            free: FreeTier {
                requests: 1_000_000,
                gb_seconds: 400_000,
                cpu_ms: 30_000_000,
                kv_reads: 10_000_000,
                kv_writes: 1_000_000,
            },
        }
    }

    /// Cloudflare Workers: $0.30 per million requests, $0.02 per million
    /// CPU ms; the same free tier (its CPU part is what counts).
    pub fn workers() -> Self {
        Self {
            model: PricingModel::Workers,
            per_million_requests: dollars("0.30"),
            ..Self::lambda()
        }
    }

    /// `usage` at list price, in microdollars, rounded once.
    pub fn gross_micros(&self, usage: &Usage) -> i64 {
        round_div(self.numerator(usage), DENOMINATOR * PICOS_PER_MICRO)
    }

    /// `usage` at list price, in picodollars: one invocation usually costs
    /// less than a microdollar, so its log line shows this.
    pub fn gross_picos(&self, usage: &Usage) -> i64 {
        round_div(self.numerator(usage), DENOMINATOR)
    }

    /// What `period` costs when `before` was used earlier in the same
    /// month: the free tier left after `before` is applied first.
    pub fn charge(&self, before: &Usage, period: &Usage) -> Charge {
        let free_left = self.free.as_usage() - *before;
        let billable = *period - free_left;
        let gross_micros = self.gross_micros(period);
        let cost_micros = self.gross_micros(&billable);
        Charge {
            gross_micros,
            free_tier_micros: gross_micros - cost_micros,
            cost_micros,
            free_used: *period - billable,
        }
    }

    /// The exact price of `usage` in picodollars × [`DENOMINATOR`].
    fn numerator(&self, usage: &Usage) -> i128 {
        let per_million = MB_MS_PER_GB_SECOND as i128;
        let requests = i128::from(usage.requests) * self.per_million_requests * per_million;
        let time = match self.model {
            PricingModel::Lambda => i128::from(usage.mb_ms) * self.per_gb_second * 1_000_000,
            PricingModel::Workers => {
                i128::from(usage.cpu_ms) * self.per_million_cpu_ms * per_million
            }
        };
        let kv = i128::from(usage.kv_reads) * self.per_million_kv_reads * per_million
            + i128::from(usage.kv_writes) * self.per_million_kv_writes * per_million;
        requests + time + kv
    }
}

fn dollars(text: &str) -> i128 {
    parse_dollars(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(requests: i64, gb_seconds: i64) -> Usage {
        Usage {
            requests,
            mb_ms: gb_seconds * MB_MS_PER_GB_SECOND,
            ..Usage::default()
        }
    }

    #[test]
    fn lambda_prices_match_aws() {
        let sheet = PriceSheet::lambda();
        // A million requests: $0.20.
        assert_eq!(sheet.gross_micros(&usage(1_000_000, 0)), 200_000);
        // 1,000 GB-s: $0.0166667.
        assert_eq!(sheet.gross_micros(&usage(0, 1_000)), 16_667);
        // One 128 MiB request of 1 ms: 0.2 µ$ + 0.0021 µ$.
        let one = Usage {
            requests: 1,
            mb_ms: 128,
            ..Usage::default()
        };
        assert_eq!(sheet.gross_picos(&one), 202_083);
        assert_eq!(sheet.gross_micros(&one), 0);
    }

    #[test]
    fn workers_prices_cpu_time() {
        let sheet = PriceSheet::workers();
        let usage = Usage {
            requests: 1_000_000,
            cpu_ms: 1_000_000,
            mb_ms: 999_999_999,
            ..Usage::default()
        };
        assert_eq!(sheet.gross_micros(&usage), 300_000 + 20_000);
    }

    #[test]
    fn key_value_operations_are_priced_as_workers_kv_under_both_models() {
        for sheet in [PriceSheet::lambda(), PriceSheet::workers()] {
            let usage = Usage {
                kv_reads: 2_000_000,
                kv_writes: 1_000_000,
                ..Usage::default()
            };
            // $0.50 × 2 + $5.00 × 1.
            assert_eq!(sheet.gross_micros(&usage), 6_000_000);
            // 10 M reads and 1 M writes are free each month: 1 M more
            // writes cost $5.00.
            let more = Usage {
                kv_writes: 2_000_000,
                ..usage
            };
            let charge = sheet.charge(&Usage::default(), &more);
            assert_eq!(charge.cost_micros, 5_000_000);
            assert_eq!(charge.free_used.kv_writes, 1_000_000);
        }
    }

    #[test]
    fn the_free_tier_is_applied_before_cost() {
        let sheet = PriceSheet::lambda();
        let within = sheet.charge(&Usage::default(), &usage(999_999, 10));
        assert_eq!(within.cost_micros, 0);
        assert_eq!(within.free_tier_micros, within.gross_micros);
        // 500,000 requests earlier this month, 1,000,000 now: half is free.
        let charge = sheet.charge(&usage(500_000, 0), &usage(1_000_000, 0));
        assert_eq!(charge.gross_micros, 200_000);
        assert_eq!(charge.cost_micros, 100_000);
        assert_eq!(charge.free_used.requests, 500_000);
        // The free tier used up before: everything is charged.
        let after = sheet.charge(&usage(2_000_000, 500_000), &usage(10, 1));
        assert_eq!(after.cost_micros, after.gross_micros);
    }
}

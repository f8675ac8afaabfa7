//! Plans and their quotas. A plan caps requests, GB-seconds and CPU
//! milliseconds per calendar month (any of them may be unlimited); past a
//! cap the user's functions answer 429 until the month ends, and alerts
//! warn at 75%, 90% and 100%. A plan also caps what its users keep stored
//! (see [`storage`](crate::storage)): [`DEFAULT_STORAGE_MB`] unless it says
//! otherwise, since nothing else stops storage from growing.
//!
//! Plans are written in the configuration as
//! `free:requests=1000000,gb_seconds=400000,storage_mb=256;pro` — a plan
//! name, then its caps; a monthly cap left out is unlimited, and
//! `storage_mb=unlimited` lifts the storage quota; `kv_mb` caps what the
//! key-value stores hold (64 MiB when left out), and `schedules` how many
//! cron schedules a user may have ([`DEFAULT_SCHEDULES`] when left out).

use serde::{Deserialize, Serialize};

use crate::usage::{MB_MS_PER_GB_SECOND, Usage};

/// The levels, in percent of a quota, at which a user is warned.
pub const ALERT_LEVELS: [i64; 3] = [75, 90, 100];

/// Monthly caps; `None` (`null` in JSON) is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    /// Requests per month.
    pub requests: Option<i64>,
    /// GB-seconds per month.
    pub gb_seconds: Option<i64>,
    /// CPU milliseconds per month.
    pub cpu_ms: Option<i64>,
}

/// The storage quota of a plan whose configuration does not set one, MiB.
pub const DEFAULT_STORAGE_MB: i64 = 256;

/// The key-value quota of a plan whose configuration does not set one, MiB.
pub const DEFAULT_KV_MB: i64 = 64;

/// How many cron schedules a user may have across their functions, on a
/// plan whose configuration does not say.
pub const DEFAULT_SCHEDULES: i64 = 20;

/// A named plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Its name, as stored on the user.
    pub name: String,
    /// Its monthly caps.
    pub quota: Quota,
    /// What its users may keep stored, bytes; `None` is unlimited.
    pub storage_bytes: Option<i64>,
    /// What its users may keep in their key-value stores (keys and
    /// values), bytes; `None` is unlimited.
    pub kv_bytes: Option<i64>,
    /// How many cron schedules its users may have across their
    /// functions; `None` is unlimited.
    pub schedules: Option<i64>,
}

/// What a quota limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Requests.
    Requests,
    /// GB-seconds.
    GbSeconds,
    /// CPU milliseconds.
    CpuMs,
}

impl Dimension {
    /// Every dimension, in display order.
    pub const ALL: [Self; 3] = [Self::Requests, Self::GbSeconds, Self::CpuMs];

    /// Words for people: "requests", "GB-seconds", "CPU milliseconds".
    pub fn label(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::GbSeconds => "GB-seconds",
            Self::CpuMs => "CPU milliseconds",
        }
    }

    /// How much of it `usage` holds, in this dimension's own unit (GB-s
    /// rounded down).
    pub fn amount(self, usage: &Usage) -> i64 {
        match self {
            Self::Requests => usage.requests,
            Self::GbSeconds => usage.mb_ms / MB_MS_PER_GB_SECOND,
            Self::CpuMs => usage.cpu_ms,
        }
    }

    /// Whether `usage` has reached `percent` % of `cap`, compared exactly
    /// (in MiB-ms for GB-seconds).
    fn reached(self, usage: &Usage, cap: i64, percent: i64) -> bool {
        let (amount, unit) = match self {
            Self::Requests => (usage.requests, 1),
            Self::GbSeconds => (usage.mb_ms, MB_MS_PER_GB_SECOND),
            Self::CpuMs => (usage.cpu_ms, 1),
        };
        i128::from(amount) * 100 >= i128::from(cap) * i128::from(unit) * i128::from(percent)
    }
}

impl Quota {
    /// The cap on `dimension`, if any.
    pub fn cap(&self, dimension: Dimension) -> Option<i64> {
        match dimension {
            Dimension::Requests => self.requests,
            Dimension::GbSeconds => self.gb_seconds,
            Dimension::CpuMs => self.cpu_ms,
        }
    }
}

/// A quota used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Exceeded {
    /// Which one.
    pub dimension: Dimension,
    /// The cap.
    pub limit: i64,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this account has used its monthly quota of {} {}; its functions answer again when the next month starts, or on a larger plan",
            self.limit,
            self.dimension.label()
        )
    }
}

/// A warning: usage of a quota reached `level` percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// Which quota.
    pub dimension: Dimension,
    /// 75, 90 or 100.
    pub level: i64,
    /// Used so far this month, in the dimension's unit.
    pub used: i64,
    /// The cap.
    pub limit: i64,
}

impl Plan {
    /// `Err` when `month_to_date` has reached any cap.
    pub fn check(&self, month_to_date: &Usage) -> Result<(), Exceeded> {
        for dimension in Dimension::ALL {
            if let Some(limit) = self.quota.cap(dimension)
                && dimension.reached(month_to_date, limit, 100)
            {
                return Err(Exceeded { dimension, limit });
            }
        }
        Ok(())
    }

    /// The highest alert level reached on each capped dimension.
    pub fn alerts(&self, month_to_date: &Usage) -> Vec<Alert> {
        Dimension::ALL
            .into_iter()
            .filter_map(|dimension| {
                let limit = self.quota.cap(dimension)?;
                let level = ALERT_LEVELS
                    .into_iter()
                    .rev()
                    .find(|level| dimension.reached(month_to_date, limit, *level))?;
                Some(Alert {
                    dimension,
                    level,
                    used: dimension.amount(month_to_date),
                    limit,
                })
            })
            .collect()
    }
}

/// Every plan, and the one users get unless told otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plans {
    plans: Vec<Plan>,
    default: usize,
}

impl Plans {
    /// Parses the configuration's plan list and picks `default` among
    /// them.
    pub fn parse(spec: &str, default: &str) -> Result<Self, String> {
        let mut plans = Vec::new();
        for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, caps) = entry.split_once(':').unwrap_or((entry, ""));
            let name = name.trim();
            if name.is_empty() || plans.iter().any(|p: &Plan| p.name == name) {
                return Err(format!("plan names must be present and unique: {entry:?}"));
            }
            let mut quota = Quota::default();
            let mut storage_mb = Some(DEFAULT_STORAGE_MB);
            let mut kv_mb = Some(DEFAULT_KV_MB);
            let mut schedules = Some(DEFAULT_SCHEDULES);
            for cap in caps.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let (key, value) = cap
                    .split_once('=')
                    .ok_or_else(|| format!("write a cap as name=number, not {cap:?}"))?;
                let value: Option<i64> = match value.trim() {
                    "unlimited" => None,
                    number => Some(number.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                        format!("the cap {cap:?} of plan {name} is not a whole number")
                    })?),
                };
                let slot = match key.trim() {
                    "requests" => &mut quota.requests,
                    "gb_seconds" => &mut quota.gb_seconds,
                    "cpu_ms" => &mut quota.cpu_ms,
                    "storage_mb" => &mut storage_mb,
                    "kv_mb" => &mut kv_mb,
                    "schedules" => &mut schedules,
                    other => {
                        return Err(format!(
                            "unknown cap {other:?} in plan {name}: use requests, gb_seconds, cpu_ms, storage_mb, kv_mb or schedules"
                        ));
                    }
                };
                *slot = value;
            }
            plans.push(Plan {
                name: name.to_owned(),
                quota,
                storage_bytes: storage_mb.map(|mb| mb.saturating_mul(1 << 20)),
                kv_bytes: kv_mb.map(|mb| mb.saturating_mul(1 << 20)),
                schedules,
            });
        }
        let default = plans
            .iter()
            .position(|p| p.name == default)
            .ok_or_else(|| format!("the default plan {default:?} is not among the plans"))?;
        Ok(Self { plans, default })
    }

    /// The plan called `name`, or the default one for `None` or a name no
    /// longer configured.
    pub fn get(&self, name: Option<&str>) -> &Plan {
        name.and_then(|name| self.plans.iter().find(|p| p.name == name))
            .unwrap_or(&self.plans[self.default])
    }

    /// Whether a plan called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.plans.iter().any(|p| p.name == name)
    }

    /// Every plan, in configuration order.
    pub fn all(&self) -> &[Plan] {
        &self.plans
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
    fn parses_plans() {
        let plans = Plans::parse("free:requests=100,gb_seconds=4; pro", "free").unwrap();
        assert_eq!(plans.get(None).quota.requests, Some(100));
        assert_eq!(plans.get(Some("pro")).quota, Quota::default());
        assert_eq!(plans.get(Some("gone")).name, "free");
        assert!(Plans::parse("free", "pro").is_err());
        assert!(Plans::parse("free:requests=lots", "free").is_err());
        assert!(Plans::parse("free:bananas=1", "free").is_err());
        assert!(Plans::parse("free;free", "free").is_err());
    }

    #[test]
    fn storage_is_capped_unless_a_plan_lifts_it() {
        let plans =
            Plans::parse("free:storage_mb=1;pro:storage_mb=unlimited;plain", "free").unwrap();
        assert_eq!(plans.get(None).storage_bytes, Some(1 << 20));
        assert_eq!(plans.get(Some("pro")).storage_bytes, None);
        assert_eq!(
            plans.get(Some("plain")).storage_bytes,
            Some(DEFAULT_STORAGE_MB << 20)
        );
        assert!(Plans::parse("free:storage_mb=-1", "free").is_err());
    }

    #[test]
    fn checks_and_alerts() {
        let plans = Plans::parse("free:requests=100,gb_seconds=1", "free").unwrap();
        let free = plans.get(None);
        assert!(free.check(&requests(99)).is_ok());
        let exceeded = free.check(&requests(100)).unwrap_err();
        assert_eq!(exceeded.dimension, Dimension::Requests);
        assert!(exceeded.to_string().contains("100 requests"));
        assert!(free.alerts(&requests(74)).is_empty());
        assert_eq!(free.alerts(&requests(75))[0].level, 75);
        assert_eq!(free.alerts(&requests(99))[0].level, 90);
        assert_eq!(free.alerts(&requests(100))[0].level, 100);
        let almost_a_gb_second = Usage {
            mb_ms: MB_MS_PER_GB_SECOND - 1,
            ..Usage::default()
        };
        assert!(free.check(&almost_a_gb_second).is_ok());
        assert_eq!(free.alerts(&almost_a_gb_second)[0].level, 90);
    }
}

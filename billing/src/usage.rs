//! Billable quantities. One invocation counts once, with its duration
//! rounded up to the next millisecond (at least one) and multiplied by the
//! function's configured memory, as AWS Lambda bills; sums of [`Usage`] are
//! exact integers, so a month of records adds up to the same units however
//! it is grouped.

use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// MiB-milliseconds in one GB-second (AWS counts 1 GB as 1024 MB).
pub const MB_MS_PER_GB_SECOND: i64 = 1024 * 1000;

/// The outcome of an invocation that never ran (the owner had too many
/// running): recorded for the log, not billed.
pub const THROTTLED_OUTCOME: &str = "too_many_requests";

/// Billable quantities of one invocation or of many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Invocations billed.
    pub requests: i64,
    /// Of those, how many ended in a server error (status ≥ 500).
    pub errors: i64,
    /// Duration rounded up to whole ms, times configured memory in MiB.
    pub mb_ms: i64,
    /// CPU time rounded up to whole ms.
    pub cpu_ms: i64,
    /// Request body bytes.
    pub bytes_in: i64,
    /// Response body bytes.
    pub bytes_out: i64,
    /// Key-value reads.
    #[serde(default)]
    pub kv_reads: i64,
    /// Key-value writes.
    #[serde(default)]
    pub kv_writes: i64,
}

/// What the metering knows of one finished invocation.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    /// Wall-clock duration, µs.
    pub wall_us: i64,
    /// CPU time, µs.
    pub cpu_us: i64,
    /// The function's configured memory, MiB.
    pub memory_mb: i64,
    /// Request body bytes.
    pub bytes_in: i64,
    /// Response body bytes.
    pub bytes_out: i64,
    /// Key-value reads.
    pub kv_reads: i64,
    /// Key-value writes.
    pub kv_writes: i64,
    /// HTTP status sent.
    pub status: i64,
    /// `ok` or what went wrong.
    pub outcome: &'a str,
}

impl Usage {
    /// What one invocation is billed for: nothing when it was throttled
    /// before running.
    pub fn of_invocation(m: Measured<'_>) -> Self {
        if m.outcome == THROTTLED_OUTCOME {
            return Self::default();
        }
        Self {
            requests: 1,
            errors: i64::from(m.status >= 500),
            mb_ms: billed_ms(m.wall_us) * m.memory_mb,
            cpu_ms: ceil_ms(m.cpu_us),
            bytes_in: m.bytes_in,
            bytes_out: m.bytes_out,
            kv_reads: m.kv_reads,
            kv_writes: m.kv_writes,
        }
    }

    /// GB-seconds, for display (the exact figure is [`Usage::mb_ms`]).
    pub fn gb_seconds(&self) -> f64 {
        self.mb_ms as f64 / MB_MS_PER_GB_SECOND as f64
    }

    /// Each quantity scaled by `numerator / denominator`, rounded down (for
    /// projecting a month from the part gone by).
    pub fn scaled(&self, numerator: i64, denominator: i64) -> Self {
        let scale = |n: i64| {
            i64::try_from(i128::from(n) * i128::from(numerator) / i128::from(denominator.max(1)))
                .unwrap_or(i64::MAX)
        };
        Self {
            requests: scale(self.requests),
            errors: scale(self.errors),
            mb_ms: scale(self.mb_ms),
            cpu_ms: scale(self.cpu_ms),
            bytes_in: scale(self.bytes_in),
            bytes_out: scale(self.bytes_out),
            kv_reads: scale(self.kv_reads),
            kv_writes: scale(self.kv_writes),
        }
    }
}

/// Milliseconds billed for a duration: rounded up, at least one.
pub fn billed_ms(wall_us: i64) -> i64 {
    ceil_ms(wall_us).max(1)
}

fn ceil_ms(us: i64) -> i64 {
    (us.max(0) + 999) / 1000
}

impl Add for Usage {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            requests: self.requests + other.requests,
            errors: self.errors + other.errors,
            mb_ms: self.mb_ms + other.mb_ms,
            cpu_ms: self.cpu_ms + other.cpu_ms,
            bytes_in: self.bytes_in + other.bytes_in,
            bytes_out: self.bytes_out + other.bytes_out,
            kv_reads: self.kv_reads + other.kv_reads,
            kv_writes: self.kv_writes + other.kv_writes,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Self) {
        *self = *self + other;
    }
}

/// Saturates at zero: usage is never negative.
impl Sub for Usage {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        Self {
            requests: (self.requests - other.requests).max(0),
            errors: (self.errors - other.errors).max(0),
            mb_ms: (self.mb_ms - other.mb_ms).max(0),
            cpu_ms: (self.cpu_ms - other.cpu_ms).max(0),
            bytes_in: (self.bytes_in - other.bytes_in).max(0),
            bytes_out: (self.bytes_out - other.bytes_out).max(0),
            kv_reads: (self.kv_reads - other.kv_reads).max(0),
            kv_writes: (self.kv_writes - other.kv_writes).max(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(wall_us: i64, status: i64, outcome: &str) -> Measured<'_> {
        Measured {
            wall_us,
            cpu_us: 1_001,
            memory_mb: 128,
            bytes_in: 3,
            bytes_out: 5,
            kv_reads: 2,
            kv_writes: 1,
            status,
            outcome,
        }
    }

    #[test]
    fn durations_round_up_to_whole_milliseconds() {
        assert_eq!(Usage::of_invocation(measured(1, 200, "ok")).mb_ms, 128);
        assert_eq!(Usage::of_invocation(measured(1_000, 200, "ok")).mb_ms, 128);
        assert_eq!(Usage::of_invocation(measured(1_001, 200, "ok")).mb_ms, 256);
        assert_eq!(Usage::of_invocation(measured(0, 200, "ok")).mb_ms, 128);
        assert_eq!(Usage::of_invocation(measured(5, 200, "ok")).cpu_ms, 2);
    }

    #[test]
    fn errors_and_throttles() {
        let failed = Usage::of_invocation(measured(10, 504, "timeout"));
        assert_eq!((failed.requests, failed.errors), (1, 1));
        let throttled = Usage::of_invocation(measured(10, 429, THROTTLED_OUTCOME));
        assert_eq!(throttled, Usage::default());
    }

    #[test]
    fn one_gb_second() {
        let usage = Usage {
            mb_ms: MB_MS_PER_GB_SECOND,
            ..Usage::default()
        };
        assert_eq!(usage.gb_seconds(), 1.0);
        assert_eq!(usage.scaled(3, 2).mb_ms, MB_MS_PER_GB_SECOND * 3 / 2);
    }
}

//! Latency histograms: durations counted in logarithmic buckets, eight per
//! doubling (each about 9% wide), so an hour of invocations is a few dozen
//! numbers however many ran, histograms of different hours add up, and a
//! percentile read back is within about 4.5% of the true value.

use std::collections::BTreeMap;

/// Buckets per doubling of the duration.
const PER_OCTAVE: f64 = 8.0;

/// Counts of durations per bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    buckets: BTreeMap<u16, i64>,
}

impl Latency {
    /// Counts one duration.
    pub fn add(&mut self, wall_us: i64) {
        *self.buckets.entry(bucket(wall_us)).or_default() += 1;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Self) {
        for (bucket, count) in &other.buckets {
            *self.buckets.entry(*bucket).or_default() += count;
        }
    }

    /// Takes away every count of `other`, a part of this histogram (the
    /// cold starts out of all invocations).
    pub fn remove(&mut self, other: &Self) {
        for (bucket, count) in &other.buckets {
            if let Some(mine) = self.buckets.get_mut(bucket) {
                *mine -= (*count).min(*mine);
                if *mine == 0 {
                    self.buckets.remove(bucket);
                }
            }
        }
    }

    /// How many durations were counted.
    pub fn count(&self) -> i64 {
        self.buckets.values().sum()
    }

    /// The `p`-th percentile (0 < p ≤ 100) in µs: the middle of the bucket
    /// holding it. `None` when empty.
    pub fn percentile(&self, p: f64) -> Option<i64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as i64;
        let mut seen = 0;
        for (bucket, count) in &self.buckets {
            seen += count;
            if seen >= rank {
                return Some(middle(*bucket));
            }
        }
        self.buckets.keys().last().map(|b| middle(*b))
    }

    /// As stored: `bucket:count` pairs separated by spaces.
    pub fn encode(&self) -> String {
        self.buckets
            .iter()
            .map(|(bucket, count)| format!("{bucket}:{count}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads what [`Latency::encode`] wrote; malformed pairs are skipped
    /// (and logged), since losing a metric beats failing a page.
    pub fn decode(text: &str) -> Self {
        let mut latency = Self::default();
        for pair in text.split_whitespace() {
            let parsed = pair
                .split_once(':')
                .and_then(|(b, c)| Some((b.parse::<u16>().ok()?, c.parse::<i64>().ok()?)));
            match parsed {
                Some((bucket, count)) => *latency.buckets.entry(bucket).or_default() += count,
                None => tracing::warn!(pair, "skipping a malformed latency histogram entry"),
            }
        }
        latency
    }
}

/// The bucket of a duration: 0 for up to 1 µs, then eight per doubling.
fn bucket(wall_us: i64) -> u16 {
    if wall_us <= 1 {
        return 0;
    }
    ((wall_us as f64).log2() * PER_OCTAVE).floor() as u16 + 1
}

/// The geometric middle of a bucket, in µs.
fn middle(bucket: u16) -> i64 {
    if bucket == 0 {
        return 1;
    }
    let low = f64::from(bucket - 1) / PER_OCTAVE;
    let high = f64::from(bucket) / PER_OCTAVE;
    2f64.powf((low + high) / 2.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_within_five_percent() {
        let mut latency = Latency::default();
        for us in 1..=10_000 {
            latency.add(us);
        }
        for (p, exact) in [(50.0, 5_000.0), (95.0, 9_500.0), (99.0, 9_900.0)] {
            let got = latency.percentile(p).unwrap() as f64;
            assert!((got - exact).abs() / exact < 0.05, "p{p}: {got} vs {exact}");
        }
        assert_eq!(Latency::default().percentile(50.0), None);
    }

    #[test]
    fn removes_a_part() {
        let (mut all, mut part) = (Latency::default(), Latency::default());
        for us in [100, 100, 5_000, 90_000] {
            all.add(us);
        }
        part.add(5_000);
        part.add(90_000);
        all.remove(&part);
        assert_eq!(all.count(), 2);
        assert_eq!(all.percentile(99.0), Some(middle(bucket(100))));
        all.remove(&part);
        assert_eq!(all.count(), 2, "what is not there is not taken");
    }

    #[test]
    fn merges_and_round_trips() {
        let (mut a, mut b) = (Latency::default(), Latency::default());
        a.add(100);
        a.add(100);
        b.add(5_000);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(Latency::decode(&a.encode()), a);
        assert_eq!(Latency::decode("3:2 junk 4:x").count(), 2);
    }
}

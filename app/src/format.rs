//! Formatting that must come out identical on the server and in the browser,
//! or hydration would see two different pages.

use fnlab_billing::calendar::civil_from_days;

/// A time in ms since the Unix epoch as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, secs_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60
    )
}

/// A size in bytes, in the largest unit that keeps it ≥ 1 (`1.5 MiB`): the
/// same words as the server's messages use.
pub use fnlab_billing::storage::format_bytes as bytes;

/// A duration in µs, as µs below a millisecond, else ms with two decimals.
pub fn micros(us: i64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else {
        format!("{:.2} ms", us as f64 / 1_000.0)
    }
}

/// A whole number with thousands separated: `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// GB-seconds with up to three decimals: `12.345 GB-s`.
pub fn gb_seconds(gbs: f64) -> String {
    format!("{gbs:.3} GB-s")
}

/// A latency in ms, or a dash without one.
pub fn latency_ms(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms < 10.0 => format!("{ms:.2} ms"),
        Some(ms) => format!("{ms:.0} ms"),
        None => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_time(1_795_347_000_000), "2026-11-22 11:30 UTC");
        assert_eq!(utc_time(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn formats_durations_and_counts() {
        assert_eq!(micros(999), "999 µs");
        assert_eq!(micros(1_234), "1.23 ms");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-12), "-12");
        assert_eq!(count(999), "999");
        assert_eq!(latency_ms(Some(1.234)), "1.23 ms");
        assert_eq!(latency_ms(None), "–");
    }
}

//! UTC days and months as milliseconds since the Unix epoch: billing
//! periods are calendar months, charts show days and hours.

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Howard Hinnant's days-to-civil-date algorithm (proleptic Gregorian):
/// days since 1970-01-01 → (year, month 1–12, day 1–31).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`].
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The start of the UTC day holding `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY_MS)
}

/// The start of the UTC hour holding `ms`.
pub fn hour_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(HOUR_MS)
}

/// The start of the calendar month holding `ms`.
pub fn month_start(ms: i64) -> i64 {
    let (year, month, _) = civil_from_days(ms.div_euclid(DAY_MS));
    days_from_civil(year, month, 1) * DAY_MS
}

/// The start of the month after the one holding `ms`.
pub fn next_month(ms: i64) -> i64 {
    let (year, month, _) = civil_from_days(ms.div_euclid(DAY_MS));
    let (year, month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_from_civil(year, month, 1) * DAY_MS
}

/// The start of the month before the one holding `ms`.
pub fn previous_month(ms: i64) -> i64 {
    month_start(month_start(ms) - 1)
}

/// `2026-11` for any instant in November 2026.
pub fn month_label(ms: i64) -> String {
    let (year, month, _) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{year:04}-{month:02}")
}

/// `2026-11-23` for any instant of that day.
pub fn date_label(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `2026-11-23T14:05:00Z`.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_label(ms),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses `2026-11-23` (the start of that UTC day), `2026-11` (the start
/// of that month), `2026-11-23T14:05:00Z` or a number of ms since the
/// epoch.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z')?)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = number(parts.next()?, 4)?;
    let month: i64 = number(parts.next()?, 2)?;
    let day: i64 = match parts.next() {
        Some(day) => number(day, 2)?,
        None if time.is_none() => 1,
        None => return None,
    };
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days) != (year, month, day) {
        return None; // 2026-02-30
    }
    let secs = match time {
        None => 0,
        Some(time) => {
            let mut hms = time.split(':');
            let h: i64 = number(hms.next()?, 2)?;
            let m: i64 = number(hms.next()?, 2)?;
            let s: i64 = hms.next().map_or(Some(0), |s| number(s, 2))?;
            if hms.next().is_some() || h > 23 || m > 59 || s > 59 {
                return None;
            }
            h * 3600 + m * 60 + s
        }
    };
    Some(days * DAY_MS + secs * 1000)
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_days() {
        let nov_23 = parse_instant("2026-11-23T14:05:00Z").unwrap();
        assert_eq!(rfc3339(nov_23), "2026-11-23T14:05:00Z");
        assert_eq!(date_label(month_start(nov_23)), "2026-11-01");
        assert_eq!(date_label(next_month(nov_23)), "2026-12-01");
        let dec = parse_instant("2026-12-31").unwrap();
        assert_eq!(date_label(next_month(dec)), "2027-01-01");
        assert_eq!(date_label(previous_month(nov_23)), "2026-10-01");
        assert_eq!(month_label(nov_23), "2026-11");
        assert_eq!(rfc3339(day_start(nov_23)), "2026-11-23T00:00:00Z");
        assert_eq!(rfc3339(hour_start(nov_23)), "2026-11-23T14:00:00Z");
        assert_eq!(parse_instant("2026-11"), parse_instant("2026-11-01"));
        assert_eq!(parse_instant("0"), Some(0));
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-11-01",
            "2026-11-01T25:00:00Z",
            "soon",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
        for days in [-800_000, -1, 0, 59, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

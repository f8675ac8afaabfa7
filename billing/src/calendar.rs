//! UTC days and months as milliseconds since the Unix epoch: billing
//! periods are calendar months, charts show days and hours.
//!
//! The calendar is the [`time`] crate's (proleptic Gregorian). Its dates
//! span the years −9999 to 9999; an instant outside them is moved by whole
//! 400-year cycles, after which the Gregorian calendar repeats, so that
//! every `i64` still gets its date.

use std::num::NonZeroU8;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, OffsetDateTime, PlainDateTime, SignedDuration, Time};

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Days in 400 Gregorian years, after which dates repeat.
const CYCLE_DAYS: i64 = 146_097;

/// Day `days` since 1970-01-01, moved by whole 400-year cycles into
/// 1970–2369, and how many cycles it was moved by.
fn date(days: i64) -> (Date, i64) {
    let epoch = OffsetDateTime::UNIX_EPOCH.date();
    let date = epoch + SignedDuration::days(days.rem_euclid(CYCLE_DAYS));
    (date, days.div_euclid(CYCLE_DAYS))
}

/// The inverse of [`date`]: days since 1970-01-01.
fn days(date: Date, cycles: i64) -> i64 {
    (date - OffsetDateTime::UNIX_EPOCH.date()).whole_days() + cycles * CYCLE_DAYS
}

/// The year of a [`date`].
fn year(date: Date, cycles: i64) -> i64 {
    i64::from(date.year()) + 400 * cycles
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic
/// Gregorian.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let (date, cycles) = date(days);
    (
        year(date, cycles),
        i64::from(u8::from(date.month())),
        i64::from(date.day()),
    )
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
    let (date, cycles) = date(ms.div_euclid(DAY_MS));
    let first = date.replace_day(1).expect("every month has a first day");
    days(first, cycles) * DAY_MS
}

/// The start of the month after the one holding `ms`.
pub fn next_month(ms: i64) -> i64 {
    let (date, _) = date(ms.div_euclid(DAY_MS));
    month_start(ms) + i64::from(date.month().length(date.year())) * DAY_MS
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

/// `2026-11-23T14:05:00Z` (whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let time = Time::MIDNIGHT + SignedDuration::milliseconds(ms.rem_euclid(DAY_MS));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_label(ms),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Parses `2026-11-23` (the start of that UTC day), `2026-11` (the start
/// of that month), an RFC 3339 instant such as `2026-11-23T14:05:00Z` or
/// `2026-11-23T15:05:00.250+01:00` (also `2026-11-23T14:05Z`), or a
/// number of ms since the epoch. Surrounding whitespace is ignored.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return i64::try_from(instant.unix_timestamp_nanos().div_euclid(1_000_000)).ok();
    }
    let no_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
    if let Ok(instant) = PlainDateTime::parse(text, no_seconds) {
        return Some(instant.as_utc().unix_timestamp() * 1000);
    }
    let mut parsed = Parsed::new();
    let date_or_month = format_description!("[year]-[month][optional [-[day]]]");
    let rest = parsed.parse_items(text.as_bytes(), date_or_month).ok()?;
    if !rest.is_empty() {
        return None;
    }
    if parsed.day().is_none() {
        parsed = parsed.with_day(NonZeroU8::MIN)?;
    }
    let date = Date::try_from(parsed).ok()?; // None for 2026-02-30
    Some(days(date, 0) * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        parse_instant(text).unwrap_or_else(|| panic!("{text:?} is not an instant"))
    }

    #[test]
    fn months_and_days() {
        let nov_23 = at("2026-11-23T14:05:00Z");
        assert_eq!(rfc3339(nov_23), "2026-11-23T14:05:00Z");
        assert_eq!(date_label(month_start(nov_23)), "2026-11-01");
        assert_eq!(date_label(next_month(nov_23)), "2026-12-01");
        assert_eq!(date_label(previous_month(nov_23)), "2026-10-01");
        assert_eq!(month_label(nov_23), "2026-11");
        assert_eq!(date_label(nov_23), "2026-11-23");
        assert_eq!(rfc3339(day_start(nov_23)), "2026-11-23T00:00:00Z");
        assert_eq!(rfc3339(hour_start(nov_23)), "2026-11-23T14:00:00Z");
        assert_eq!(rfc3339(nov_23 + 59_999), "2026-11-23T14:05:59Z");
    }

    #[test]
    fn month_boundaries() {
        let nov = at("2026-11-01");
        let dec = at("2026-12-01");
        assert_eq!(dec - nov, 30 * DAY_MS);
        assert_eq!(month_start(nov), nov);
        assert_eq!(month_start(dec - 1), nov);
        assert_eq!(next_month(nov), dec);
        assert_eq!(next_month(dec - 1), dec);
        assert_eq!(previous_month(dec), nov);
        assert_eq!(previous_month(dec - 1), at("2026-10-01"));
        assert_eq!(month_label(dec - 1), "2026-11");
        assert_eq!(rfc3339(dec - 1), "2026-11-30T23:59:59Z");
        // Month lengths over a year.
        let mut month = at("2026-01-01");
        let lengths: Vec<i64> = (0..12)
            .map(|_| {
                let next = next_month(month);
                let days = (next - month) / DAY_MS;
                month = next;
                days
            })
            .collect();
        assert_eq!(lengths, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
        assert_eq!(month, at("2027-01-01"));
    }

    #[test]
    fn december_to_january() {
        let new_year = at("2027-01-01");
        let last_ms = new_year - 1;
        assert_eq!(rfc3339(last_ms), "2026-12-31T23:59:59Z");
        assert_eq!(next_month(at("2026-12-31")), new_year);
        assert_eq!(next_month(last_ms), new_year);
        assert_eq!(month_start(last_ms), at("2026-12-01"));
        assert_eq!(previous_month(new_year), at("2026-12-01"));
        assert_eq!(previous_month(at("2027-01-15T08:00:00Z")), at("2026-12-01"));
        assert_eq!(month_label(new_year), "2027-01");
        assert_eq!(month_label(last_ms), "2026-12");
    }

    #[test]
    fn leap_years() {
        for (year, leap) in [(2024, true), (2026, false), (2000, true), (2100, false)] {
            let feb = at(&format!("{year}-02"));
            let days = (next_month(feb) - feb) / DAY_MS;
            assert_eq!(days, if leap { 29 } else { 28 }, "{year}");
            assert_eq!(parse_instant(&format!("{year}-02-29")).is_some(), leap);
            assert_eq!(date_label(next_month(feb) - 1), format!("{year}-02-{days}"));
        }
        assert_eq!(at("2024-03-01") - at("2024-02-28"), 2 * DAY_MS);
        assert_eq!(at("2025-01-01") - at("2024-01-01"), 366 * DAY_MS);
    }

    #[test]
    fn before_the_epoch_and_far_away() {
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date_label(month_start(-1)), "1969-12-01");
        assert_eq!(next_month(-1), 0);
        assert_eq!(day_start(-1), -DAY_MS);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
        assert_eq!(civil_from_days(2_000_000), (7445, 10, 25));
        assert_eq!(civil_from_days(-800_000), (-221, 9, 4));
        // Beyond the years −9999..=9999 that `time` holds.
        assert_eq!(civil_from_days(10_000_000), (29349, 1, 26));
        assert_eq!(civil_from_days(-10_000_000), (-25410, 12, 6));
        assert_eq!(civil_from_days(i64::MAX), (25252734927768524, 7, 27));
        assert_eq!(civil_from_days(i64::MIN / 2), (-12626367463881308, 9, 18));
        let far = 10_000_000 * DAY_MS + 5 * HOUR_MS;
        assert_eq!(rfc3339(far), "29349-01-26T05:00:00Z");
        assert_eq!(month_label(far), "29349-01");
        assert_eq!(date_label(next_month(far)), "29349-02-01");
        assert_eq!(date_label(previous_month(far)), "29348-12-01");
        assert_eq!(date_label(-10_000_000 * DAY_MS), "-25410-12-06");
        for days in [-800_000, -1, 0, 59, 20_000, 2_000_000, 10_000_000] {
            let ms = days * DAY_MS + 1;
            let (y, m, _) = civil_from_days(days);
            assert_eq!(civil_from_days(month_start(ms) / DAY_MS), (y, m, 1));
            assert!(month_start(ms) <= ms && ms < next_month(ms));
        }
    }

    #[test]
    fn parses_dates_and_months() {
        assert_eq!(at("2026-11-23"), 20_780 * DAY_MS);
        assert_eq!(at("1970-01-01"), 0);
        assert_eq!(at("1969-12-31"), -DAY_MS);
        assert_eq!(at("2026-11"), at("2026-11-01"));
        assert_eq!(at(" 2026-11-23\n"), at("2026-11-23"));
        assert_eq!(at("2026-11-23T00:00:00Z"), at("2026-11-23"));
    }

    #[test]
    fn parses_rfc3339_instants() {
        let nov_23 = at("2026-11-23T14:05:00Z");
        assert_eq!(nov_23, at("2026-11-23") + 14 * HOUR_MS + 5 * 60_000);
        assert_eq!(at("2026-11-23T14:05Z"), nov_23);
        assert_eq!(at("2026-11-23t14:05:00z"), nov_23);
        assert_eq!(at("2026-11-23T16:05:00+02:00"), nov_23);
        assert_eq!(at("2026-11-23T08:35:00-05:30"), nov_23);
        assert_eq!(at("2026-11-24T00:05:00+10:00"), nov_23);
        assert_eq!(at("2026-11-23T14:05:00.250Z"), nov_23 + 250);
        assert_eq!(at("2026-11-23T14:05:00.2509Z"), nov_23 + 250);
        assert_eq!(at("1969-12-31T23:59:59.999Z"), -1);
    }

    #[test]
    fn parses_epoch_ms() {
        assert_eq!(parse_instant("0"), Some(0));
        assert_eq!(parse_instant("1795442700000"), Some(1_795_442_700_000));
        assert_eq!(parse_instant("-86400000"), Some(-DAY_MS));
        assert_eq!(parse_instant(&i64::MAX.to_string()), Some(i64::MAX));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "soon",
            "2026-02-30",
            "2026-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-01",
            "2026-11-00",
            "2026-13",
            "26-11-01",
            "2026-1-5",
            "2026-11-",
            "2026-11-23-01",
            "2026-11-23T",
            "2026-11T14:05:00Z",
            "2026-11-01T25:00:00Z",
            "2026-11-01T12:60:00Z",
            "2026-11-01T12:00:00",
            "2026-11-01T12:00:00+25:00",
            "2026-11-23 and more",
            "1.5",
            "99999999999999999999",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
    }
}

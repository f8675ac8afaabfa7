//! Cron expressions in a time zone, read with croner: five fields
//! (minute, hour, day of month, month, day of week) or a nickname
//! (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`), so a schedule
//! runs at most once a minute. Six fields, seconds first, only where the
//! operator allows second-granular schedules (tests and live demos).

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed cron expression and the time zone it runs in.
#[derive(Debug, Clone)]
pub struct Cron {
    expression: String,
    zone: Tz,
    cron: croner::Cron,
}

impl Cron {
    /// Reads `expression` in `timezone` (an IANA name such as `UTC` or
    /// `Europe/Paris`); six fields only with `seconds`. `Err` says why
    /// not, in words for the user.
    pub fn parse(expression: &str, timezone: &str, seconds: bool) -> Result<Self, String> {
        let expression = expression.trim();
        let zone: Tz = timezone.trim().parse().map_err(|_| {
            format!("unknown time zone {timezone:?}: use an IANA name such as UTC or Europe/Paris")
        })?;
        if !expression.starts_with('@') {
            match expression.split_whitespace().count() {
                5 => {}
                6 if seconds => {}
                6 => {
                    return Err("a schedule runs at most once a minute: write five fields \
                         (minute hour day-of-month month day-of-week), without seconds"
                        .into());
                }
                n => {
                    return Err(format!(
                        "a cron expression has five fields (minute hour day-of-month month \
                         day-of-week) or is one of @hourly, @daily, @weekly, @monthly, @yearly; \
                         this one has {n}"
                    ));
                }
            }
        }
        let parser = CronParser::builder()
            .seconds(if seconds {
                Seconds::Optional
            } else {
                Seconds::Disallowed
            })
            .year(Year::Disallowed)
            .build();
        let cron = parser
            .parse(expression)
            .map_err(|e| format!("cannot read the cron expression {expression:?}: {e}"))?;
        let parsed = Self {
            expression: expression.to_owned(),
            zone,
            cron,
        };
        if parsed.next_after(fnlab_db::now_ms()).is_none() {
            return Err(format!("the cron expression {expression:?} never runs"));
        }
        Ok(parsed)
    }

    /// The expression, as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone's IANA name.
    pub fn timezone(&self) -> &str {
        self.zone.name()
    }

    /// The schedule in words, such as "Every 5 minutes" or "At 09:00, on
    /// Monday (Europe/Paris)".
    pub fn describe(&self) -> String {
        let words = self.cron.describe();
        let words = words.trim_end_matches('.');
        let words = match words.strip_prefix("At every ") {
            Some(rest) => format!("Every {rest}"),
            None => words.to_owned(),
        };
        if self.zone == Tz::UTC {
            format!("{words} (UTC)")
        } else {
            format!("{words} ({})", self.zone.name())
        }
    }

    /// The first time it runs strictly after `ms` (ms since the Unix
    /// epoch), if it ever does.
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        // croner counts in whole seconds: start from the second `ms` is in.
        let second = ms - ms.rem_euclid(1000);
        let at = self.zone.timestamp_millis_opt(second).single()?;
        let next = self.cron.find_next_occurrence(&at, false).ok()?;
        Some(next.timestamp_millis())
    }

    /// The last time it runs in `from..=to` (ms), if any: the one run that
    /// stands for every slot missed in between.
    pub fn latest_between(&self, from: i64, to: i64) -> Option<i64> {
        let at = self
            .zone
            .timestamp_millis_opt(to - to.rem_euclid(1000))
            .single()?;
        let latest = self.cron.find_previous_occurrence(&at, true).ok()?;
        let latest = latest.timestamp_millis();
        (latest >= from).then_some(latest)
    }

    /// The next `n` times it runs after `ms`, in its time zone, as RFC 3339.
    pub fn next_runs(&self, ms: i64, n: usize) -> Vec<String> {
        let mut runs = Vec::with_capacity(n);
        let mut at = ms;
        while runs.len() < n {
            let Some(next) = self.next_after(at) else {
                break;
            };
            runs.push(self.format(next));
            at = next;
        }
        runs
    }

    /// `ms` as RFC 3339 in its time zone (`Z` for UTC).
    pub fn format(&self, ms: i64) -> String {
        match self.zone.timestamp_millis_opt(ms).single() {
            Some(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
            None => utc(ms),
        }
    }
}

/// `ms` as RFC 3339 in UTC, as the events functions receive say times.
pub fn utc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-05T10:07:30Z.
    const NOW: i64 = 1_796_465_250_000;

    #[test]
    fn five_fields_and_nicknames_run_in_their_zone() {
        let every5 = Cron::parse("*/5 * * * *", "UTC", false).unwrap();
        assert_eq!(every5.describe(), "Every 5 minutes (UTC)");
        assert_eq!(
            every5.next_runs(NOW, 3),
            [
                "2026-12-05T10:10:00Z",
                "2026-12-05T10:15:00Z",
                "2026-12-05T10:20:00Z"
            ]
        );
        let hourly = Cron::parse("@hourly", "UTC", false).unwrap();
        assert_eq!(hourly.next_runs(NOW, 1), ["2026-12-05T11:00:00Z"]);
        let paris = Cron::parse("0 9 * * *", "Europe/Paris", false).unwrap();
        assert_eq!(paris.next_runs(NOW, 1), ["2026-12-06T09:00:00+01:00"]);
        // 09:00 in Paris is 08:00 UTC in winter.
        assert_eq!(paris.next_after(NOW), Some(1_796_544_000_000));
        assert!(paris.describe().ends_with("(Europe/Paris)"));
    }

    #[test]
    fn missed_slots_collapse_to_the_latest() {
        let minutely = Cron::parse("* * * * *", "UTC", false).unwrap();
        // Slots 10:03..=10:07 were missed: 10:07 stands for them all.
        let latest = minutely.latest_between(NOW - 270_000, NOW).unwrap();
        assert_eq!(utc(latest), "2026-12-05T10:07:00Z");
        assert_eq!(minutely.latest_between(NOW - 20_000, NOW), None);
    }

    #[test]
    fn bad_expressions_say_why() {
        let err = |expression, zone| Cron::parse(expression, zone, false).unwrap_err();
        assert!(err("* * * * * *", "UTC").contains("at most once a minute"));
        assert!(err("* * *", "UTC").contains("has 3"));
        assert!(err("61 * * * *", "UTC").contains("cannot read"));
        assert!(err("0 0 30 2 *", "UTC").contains("never runs"));
        assert!(err("* * * * *", "Mars/Olympus").contains("unknown time zone"));
        let seconds = Cron::parse("*/2 * * * * *", "UTC", true).unwrap();
        assert_eq!(seconds.next_runs(NOW, 1), ["2026-12-05T10:07:32Z"]);
    }
}

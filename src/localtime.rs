//! Local time with the zone's abbreviation ("CET", "EDT"), as a user expects to read it.
//!
//! chrono alone only knows the numeric offset of the local zone, so the zone comes from tz-rs,
//! which reads `TZ` or `/etc/localtime` the way libc does (TZif files and POSIX TZ strings). If
//! neither is usable the times are shown in UTC, labelled as such.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

pub struct LocalZone {
    zone: Option<tz::TimeZone>,
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl LocalZone {
    /// The zone of this process: `TZ` if set, else `/etc/localtime`, else UTC.
    pub fn from_env() -> LocalZone {
        let zone = match std::env::var("TZ") {
            // A zone name, `:name`, a path or a POSIX TZ string, as libc reads it.
            Ok(v) if !v.is_empty() => tz::TimeZone::from_posix_tz(&v).ok(),
            _ => tz::TimeZone::local().ok(),
        };
        LocalZone { zone }
    }

    pub fn utc() -> LocalZone {
        LocalZone { zone: None }
    }

    /// The wall-clock time and zone abbreviation at `t`.
    pub fn at(&self, t: DateTime<Utc>) -> (NaiveDateTime, String) {
        let secs = t.timestamp();
        if let Some(zone) = &self.zone
            && let Ok(lt) = zone.find_local_time_type(secs)
        {
            let offset = i64::from(lt.ut_offset());
            let naive = t.naive_utc() + chrono::Duration::seconds(offset);
            let abbr = lt.time_zone_designation();
            let abbr = if abbr.is_empty() || abbr.starts_with(['+', '-']) {
                format_offset(offset)
            } else {
                abbr.to_owned()
            };
            return (naive, abbr);
        }
        (t.naive_utc(), "UTC".to_owned())
    }

    /// "Tue 12 Nov 09:00 CET".
    pub fn format(&self, t: DateTime<Utc>) -> String {
        let (n, abbr) = self.at(t);
        format!("{} {}", format_naive(n), abbr)
    }

    /// "Thu 9 Mar 2023 14:00 PST" when `year` is set, else as [`LocalZone::format`].
    pub fn format_with_year(&self, t: DateTime<Utc>, year: bool) -> String {
        if !year {
            return self.format(t);
        }
        let (n, abbr) = self.at(t);
        let s = format_naive(n);
        // "Thu 9 Mar 14:00" → "Thu 9 Mar 2023 14:00".
        match s.rsplit_once(' ') {
            Some((date, time)) => format!("{date} {} {time} {abbr}", n.year()),
            None => format!("{s} {abbr}"),
        }
    }

    /// The local year at `t`.
    pub fn year(&self, t: DateTime<Utc>) -> i32 {
        self.at(t).0.year()
    }

    /// "09:00 CET" (for the end of a window on the same day).
    pub fn format_time(&self, t: DateTime<Utc>) -> String {
        let (n, abbr) = self.at(t);
        format!("{:02}:{:02} {}", n.hour(), n.minute(), abbr)
    }

    /// Whether two instants fall on the same local day.
    pub fn same_day(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        self.at(a).0.date() == self.at(b).0.date()
    }
}

fn format_naive(n: NaiveDateTime) -> String {
    format!(
        "{} {} {} {:02}:{:02}",
        WEEKDAYS[n.weekday().num_days_from_monday() as usize],
        n.day(),
        MONTHS[n.month0() as usize],
        n.hour(),
        n.minute()
    )
}

/// "+0530" style, for zones whose TZif names them only by offset.
fn format_offset(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// "in 2 days", "3 hours ago", "just now": rounded to the nearest whole unit, as people say it.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = t.signed_duration_since(now).num_seconds();
    let secs = delta.unsigned_abs();
    if secs < 60 {
        return "just now".to_owned();
    }
    if delta > 0 {
        format!("in {}", age(secs))
    } else {
        format!("{} ago", age(secs))
    }
}

/// "3 hours", "2 days": a span rounded to the nearest minute, hour or day.
pub fn age(secs: u64) -> String {
    let round = |unit: u64| (secs + unit / 2) / unit;
    let (n, unit) = if secs < 3600 - 30 {
        (round(60).max(1), "minute")
    } else if secs < 86400 - 1800 {
        (round(3600), "hour")
    } else {
        (round(86400), "day")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn relative_times() {
        let now = t("2026-11-10T12:00:00Z");
        assert_eq!(relative(t("2026-11-11T08:00:00Z"), now), "in 20 hours");
        assert_eq!(relative(t("2026-11-11T12:00:00Z"), now), "in 1 day");
        assert_eq!(relative(t("2026-11-12T08:00:00Z"), now), "in 2 days");
        assert_eq!(relative(t("2026-11-12T12:00:00Z"), now), "in 2 days");
        assert_eq!(relative(t("2026-11-10T09:00:00Z"), now), "3 hours ago");
        assert_eq!(relative(t("2026-11-10T10:20:00Z"), now), "2 hours ago");
        assert_eq!(relative(t("2026-11-10T11:30:00Z"), now), "30 minutes ago");
        assert_eq!(relative(t("2026-11-10T12:59:50Z"), now), "in 1 hour");
        assert_eq!(relative(t("2026-11-10T11:59:30Z"), now), "just now");
        assert_eq!(relative(t("2026-11-10T12:01:00Z"), now), "in 1 minute");
    }

    #[test]
    fn ages() {
        assert_eq!(age(59), "1 minute");
        assert_eq!(age(3 * 3600 + 100), "3 hours");
        assert_eq!(age(8 * 86400), "8 days");
    }

    #[test]
    fn posix_tz_string_gives_abbreviations() {
        let zone = LocalZone {
            zone: tz::TimeZone::from_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3").ok(),
        };
        assert_eq!(
            zone.format(t("2026-11-10T08:00:00Z")),
            "Tue 10 Nov 09:00 CET"
        );
        assert_eq!(
            zone.format(t("2026-07-10T08:00:00Z")),
            "Fri 10 Jul 10:00 CEST"
        );
        assert_eq!(
            LocalZone::utc().format_time(t("2026-07-10T08:00:00Z")),
            "08:00 UTC"
        );
    }
}

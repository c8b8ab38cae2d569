//! Local time with the zone's abbreviation ("CET", "EDT"), as a user expects to read it.
//!
//! chrono alone only knows the numeric offset of the local zone, so the zone comes from tz-rs,
//! which reads `TZ` or `/etc/localtime` the way libc does (TZif files and POSIX TZ strings). If
//! neither is usable the times are shown in UTC, labelled as such.
//!
//! The other way, for the fetcher: a zone by its IANA name ([`LocalZone::named`]) and a local
//! date-time turned into the instant it names ([`LocalZone::to_utc`]), which says so when the
//! clocks skipped that time or showed it twice.

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

    /// The zone with the IANA name `name` ("Europe/Berlin", "UTC"), as the tz database of this
    /// host has it. Only a name: a path or a POSIX TZ string is refused, so that a file naming
    /// its zone cannot make the reader open another file.
    pub fn named(name: &str) -> Result<LocalZone, String> {
        let sound = !name.is_empty()
            && !name.starts_with(['/', '.', ':'])
            && name.split('/').all(|part| !part.is_empty() && part != "..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
        if !sound {
            return Err(format!(
                "{name:?} is not a zone name such as \"Europe/Berlin\""
            ));
        }
        // With a leading ':' the name is only looked up in the tz database: never read as a
        // POSIX TZ string, in which "UTC+1" means an hour *behind* UTC and any made-up
        // abbreviation with an offset ("XYZ-3") is a zone.
        tz::TimeZone::from_posix_tz(&format!(":{name}"))
            .map(|zone| LocalZone { zone: Some(zone) })
            .map_err(|_| {
                format!("{name:?} is not a zone this host knows (a name such as \"Europe/Berlin\")")
            })
    }

    /// The instant the wall-clock time `local` names in this zone, or why there is not exactly
    /// one: a time the clocks skipped (spring) or showed twice (autumn).
    pub fn to_utc(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, NotOneInstant> {
        use tz::datetime::FoundDateTimeKind as Found;
        let Some(zone) = &self.zone else {
            return Ok(local.and_utc());
        };
        let found = tz::datetime::DateTime::find(
            local.year(),
            local.month() as u8,
            local.day() as u8,
            local.hour() as u8,
            local.minute() as u8,
            local.second().min(59) as u8,
            0,
            zone.as_ref(),
        )
        .map_err(|_| NotOneInstant::OutOfRange)?;
        let offset = |dt: &tz::datetime::DateTime| dt.local_time_type().ut_offset();
        let instant = |secs: i64| {
            DateTime::from_timestamp(secs, local.nanosecond()).ok_or(NotOneInstant::OutOfRange)
        };
        match found.into_inner().as_slice() {
            [Found::Normal(dt)] => instant(dt.unix_time()),
            [Found::Normal(first), Found::Normal(second)] => Err(NotOneInstant::Twice {
                first: offset(first),
                second: offset(second),
            }),
            [
                Found::Skipped {
                    before_transition,
                    after_transition,
                },
            ] => Err(NotOneInstant::Skipped {
                at: instant(before_transition.unix_time())?,
                before: offset(before_transition),
                after: offset(after_transition),
            }),
            _ => Err(NotOneInstant::OutOfRange),
        }
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

/// Why a wall-clock time names no single instant in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOneInstant {
    /// The clocks skipped it: at `at` they went from offset `before` to `after` (seconds east
    /// of UTC), forward.
    Skipped {
        at: DateTime<Utc>,
        before: i32,
        after: i32,
    },
    /// The clocks showed it twice: first at offset `first`, then at `second`.
    Twice { first: i32, second: i32 },
    /// Outside what the zone's rules (or the calendar) cover.
    OutOfRange,
}

/// The name of this host's zone, for messages: `TZ` when set (without a leading `:`), else the
/// zone `/etc/localtime` links to ("Europe/Berlin"), else "UTC" when neither is usable.
pub fn host_zone_name() -> String {
    if let Ok(v) = std::env::var("TZ")
        && !v.is_empty()
    {
        let v = v.strip_prefix(':').unwrap_or(&v);
        return zone_of_path(v).unwrap_or(v).to_owned();
    }
    let link = std::fs::read_link("/etc/localtime").ok();
    match link.as_ref().and_then(|p| p.to_str()) {
        Some(target) => zone_of_path(target).unwrap_or(target).to_owned(),
        None if tz::TimeZone::local().is_ok() => "/etc/localtime".to_owned(),
        None => "UTC".to_owned(),
    }
}

/// "Europe/Berlin" of "/usr/share/zoneinfo/Europe/Berlin" (or "../usr/share/zoneinfo/…").
fn zone_of_path(path: &str) -> Option<&str> {
    path.split_once("zoneinfo/").map(|(_, zone)| zone)
}

/// "+02:00" of an offset in seconds east of UTC.
pub fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
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

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn local_times_in_a_named_zone_across_its_changes() {
        let berlin = LocalZone::named("Europe/Berlin").unwrap();
        // Either side of the spring change (29 March 2026, 02:00 CET → 03:00 CEST).
        assert_eq!(
            berlin.to_utc(local("2026-03-29 01:59")),
            Ok(t("2026-03-29T00:59:00Z"))
        );
        assert_eq!(
            berlin.to_utc(local("2026-03-29 03:00")),
            Ok(t("2026-03-29T01:00:00Z"))
        );
        assert_eq!(
            berlin.to_utc(local("2026-03-29 02:30")),
            Err(NotOneInstant::Skipped {
                at: t("2026-03-29T01:00:00Z"),
                before: 3600,
                after: 7200
            })
        );
        // Either side of the autumn change (25 October 2026, 03:00 CEST → 02:00 CET).
        assert_eq!(
            berlin.to_utc(local("2026-10-25 01:30")),
            Ok(t("2026-10-24T23:30:00Z"))
        );
        assert_eq!(
            berlin.to_utc(local("2026-10-25 03:00")),
            Ok(t("2026-10-25T02:00:00Z"))
        );
        assert_eq!(
            berlin.to_utc(local("2026-10-25 02:30")),
            Err(NotOneInstant::Twice {
                first: 7200,
                second: 3600
            })
        );
        assert_eq!(
            LocalZone::utc().to_utc(local("2026-10-25 02:30")),
            Ok(t("2026-10-25T02:30:00Z"))
        );
    }

    #[test]
    fn zone_names_only() {
        assert!(LocalZone::named("UTC").is_ok());
        for bad in [
            "",
            "/etc/localtime",
            ":Europe/Berlin",
            "../zoneinfo/UTC",
            "Europe/../UTC",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            // POSIX strings that look like names: "UTC+1" is an hour behind UTC there.
            "UTC+1",
            "XYZ-3",
            "EST5",
        ] {
            assert!(LocalZone::named(bad).is_err(), "{bad:?}");
        }
        let e = LocalZone::named("Europe/Berln").err().unwrap();
        assert!(e.contains("not a zone this host knows"), "{e}");
        assert_eq!(offset_text(-12600), "-03:30");
        assert_eq!(
            zone_of_path("/usr/share/zoneinfo/Europe/Berlin"),
            Some("Europe/Berlin")
        );
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

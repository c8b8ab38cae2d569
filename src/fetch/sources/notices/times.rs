//! Times in a notices file: an instant with its offset (RFC 3339), or a wall-clock date-time
//! read in the file's `timezone` (else this host's zone), either as a TOML date-time or as a
//! string (`2026-12-10 08:00`, `2026-12-10T08:00:00`, …). A wall-clock time the clocks skipped
//! or showed twice is a mistake that says so: only an offset tells which instant is meant.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use toml::value::{Datetime, Offset};

use super::tree::Value;
use crate::localtime::{LocalZone, NotOneInstant, offset_text};

/// The zone a file's wall-clock times are read in.
pub(super) struct Zone {
    pub(super) zone: LocalZone,
    pub(super) name: String,
    /// The file named it (`timezone`); else it is this host's.
    pub(super) named: bool,
}

impl Zone {
    /// This host's zone, as the fetcher runs in it.
    pub(super) fn host() -> Zone {
        Zone {
            zone: LocalZone::from_env(),
            name: crate::localtime::host_zone_name(),
            named: false,
        }
    }

    /// The zone a file names, or why it cannot be used.
    pub(super) fn named(name: &str) -> Result<Zone, String> {
        Ok(Zone {
            zone: LocalZone::named(name)?,
            name: name.to_owned(),
            named: true,
        })
    }
}

/// A time as written: with its offset, or on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Written {
    Instant(DateTime<Utc>),
    Local(NaiveDateTime),
}

/// What a time is written as, or what is wrong with it.
pub(super) fn written(value: &Value) -> Result<Written, String> {
    match value {
        Value::Str(s) => from_text(s).ok_or_else(|| {
            format!(
                "{s:?} is not a time such as \"2026-12-10 08:00\" or \
                 \"2026-12-10T08:00:00+01:00\""
            )
        }),
        Value::Time(d) => from_toml(d),
        other => Err(format!(
            "must be a time such as \"2026-12-10 08:00\", not {}",
            other.what()
        )),
    }
}

/// The years a time may fall in, in UTC: the cache writes four-digit years (RFC 3339), and a
/// "forever" of 9999-12-31 23:59 west of Greenwich would be the year 10000 there.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// The instant `written` names, in `zone` when it is a wall-clock time, within [`YEARS`].
pub(super) fn instant(written: Written, zone: &Zone) -> Result<DateTime<Utc>, String> {
    let t = named_instant(written, zone)?;
    if YEARS.contains(&t.year()) {
        Ok(t)
    } else {
        Err(format!(
            "falls in the year {} in UTC, outside the years {} to {} (leave out `end` for no \
             end)",
            t.year(),
            YEARS.start(),
            YEARS.end()
        ))
    }
}

fn named_instant(written: Written, zone: &Zone) -> Result<DateTime<Utc>, String> {
    let local = match written {
        Written::Instant(t) => return Ok(t),
        Written::Local(local) => local,
    };
    let shown = wall(local);
    let date = local.format("%Y-%m-%d");
    zone.zone.to_utc(local).map_err(|why| match why {
        NotOneInstant::Skipped { at, before, after } => {
            let wall_at = |offset: i32| (at + chrono::Duration::seconds(offset.into())).naive_utc();
            let (from, to) = (wall_at(before), wall_at(after));
            format!(
                "{shown} does not exist in {}: the clocks went from {} to {}; write the \
                 offset, as {}{}",
                zone.name,
                from.format("%H:%M"),
                to.format("%H:%M"),
                to.format("%Y-%m-%dT%H:%M:%S"),
                offset_text(after)
            )
        }
        NotOneInstant::Twice { first, second } => {
            let time = local.format("%H:%M:%S");
            format!(
                "{shown} happens twice in {} (at {}, then at {}); write the offset you mean, \
                 {date}T{time}{} or {date}T{time}{}",
                zone.name,
                offset_text(first),
                offset_text(second),
                offset_text(first),
                offset_text(second)
            )
        }
        NotOneInstant::OutOfRange => format!("{shown} is out of {}'s range", zone.name),
    })
}

/// "2026-12-10 08:00", with seconds when there are any.
fn wall(t: NaiveDateTime) -> String {
    if t.format("%S").to_string() == "00" {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A time written as a string: RFC 3339 (seconds optional, `T`, `t` or a space between date and
/// time, `Z` for UTC) or the same without an offset.
fn from_text(s: &str) -> Option<Written> {
    let s = s.trim();
    if s.len() < 16 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    if !matches!(&rest[..1], "T" | "t" | " ") {
        return None;
    }
    let mut norm = format!("{date}T{}", &rest[1..]);
    if norm.ends_with(['Z', 'z']) {
        norm.pop();
        norm.push_str("+00:00");
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(t) = DateTime::parse_from_str(&norm, format) {
            return Some(Written::Instant(t.with_timezone(&Utc)));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&norm, format) {
            return Some(Written::Local(t));
        }
    }
    None
}

/// A TOML date-time: with an offset, or local; a date or a time alone is not a moment.
fn from_toml(d: &Datetime) -> Result<Written, String> {
    let (Some(date), Some(time)) = (d.date, d.time) else {
        return Err(match d.date {
            Some(_) => format!("{d} is a date without a time of day: write one, as {d}T08:00"),
            None => format!("{d} is a time of day without a date: write the date too"),
        });
    };
    let bad = || format!("{d} is not a time this build can read");
    let local = NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
        .and_then(|day| {
            let t = NaiveTime::from_hms_nano_opt(
                time.hour.into(),
                time.minute.into(),
                time.second.unwrap_or(0).into(),
                time.nanosecond.unwrap_or(0),
            )?;
            Some(day.and_time(t))
        })
        .ok_or_else(bad)?;
    let east = match d.offset {
        None => return Ok(Written::Local(local)),
        Some(Offset::Z) => 0,
        Some(Offset::Custom { minutes }) => i32::from(minutes) * 60,
    };
    let offset = FixedOffset::east_opt(east).ok_or_else(bad)?;
    local
        .and_local_timezone(offset)
        .single()
        .map(|t| Written::Instant(t.with_timezone(&Utc)))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Written {
        Written::Instant(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    fn local(s: &str) -> Written {
        Written::Local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
    }

    fn text(s: &str) -> Result<Written, String> {
        written(&Value::Str(s.to_owned()))
    }

    #[test]
    fn strings_with_and_without_an_offset() {
        for (s, want) in [
            ("2026-12-10T08:00:00+01:00", utc("2026-12-10T07:00:00Z")),
            ("2026-12-10 08:00+01:00", utc("2026-12-10T07:00:00Z")),
            ("2026-12-10t08:00:30.5Z", utc("2026-12-10T08:00:30.5Z")),
            ("2026-12-10 08:00", local("2026-12-10 08:00:00")),
            ("2026-12-10T08:00", local("2026-12-10 08:00:00")),
            (" 2026-12-10 08:00:15 ", local("2026-12-10 08:00:15")),
        ] {
            assert_eq!(text(s), Ok(want), "{s:?}");
        }
        for bad in [
            "tomorrow",
            "2026-12-10",
            "2026-12-10 8:00",
            "10.12.2026 08:00",
            "2026-12-10 08:00 CET",
        ] {
            let e = text(bad).unwrap_err();
            assert!(e.contains("is not a time such as"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn toml_date_times() {
        let toml = |s: &str| written(&Value::Time(s.parse().unwrap()));
        assert_eq!(
            toml("2026-12-10T08:00:00+01:00"),
            Ok(utc("2026-12-10T07:00:00Z"))
        );
        assert_eq!(
            toml("2026-12-10 08:00:00"),
            Ok(local("2026-12-10 08:00:00"))
        );
        let e = toml("2026-12-10").unwrap_err();
        assert!(e.contains("a date without a time of day"), "{e}");
        let e = toml("08:00:00").unwrap_err();
        assert!(e.contains("without a date"), "{e}");
    }

    #[test]
    fn wall_clock_times_across_daylight_saving_time() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let at = |s: &str| instant(text(s).unwrap(), &berlin);
        assert_eq!(
            at("2026-03-29 01:59").unwrap().to_rfc3339(),
            "2026-03-29T00:59:00+00:00"
        );
        assert_eq!(
            at("2026-03-29 03:00").unwrap().to_rfc3339(),
            "2026-03-29T01:00:00+00:00"
        );
        assert_eq!(
            at("2026-03-29 02:30").unwrap_err(),
            "2026-03-29 02:30 does not exist in Europe/Berlin: the clocks went from 02:00 to \
             03:00; write the offset, as 2026-03-29T03:00:00+02:00"
        );
        assert_eq!(
            at("2026-10-25 02:30").unwrap_err(),
            "2026-10-25 02:30 happens twice in Europe/Berlin (at +02:00, then at +01:00); write \
             the offset you mean, 2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00"
        );
    }
}

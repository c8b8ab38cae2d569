//! Slurm's time formats, read and written exactly as Slurm does, so that a limit we print
//! (`--time 1-22:30`) means to `sbatch` what we meant.
//!
//! Reading follows `time_str2secs` (`src/common/parse_time.c`): `minutes`,
//! `minutes:seconds`, `hours:minutes:seconds`, `days-hours`, `days-hours:minutes`,
//! `days-hours:minutes:seconds`, and `UNLIMITED`/`INFINITE`/`-1` for no limit. Slurm's own
//! check is looser (`sscanf` skips what it cannot read); here every part must be digits.
//! Writing follows `secs2time_str`: `D-HH:MM:SS` with days, `HH:MM:SS` without, `UNLIMITED`.

/// A time value as scontrol prints one (a duration, a partition's `DefaultTime` or
/// `MaxTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlurmTime {
    /// So many seconds.
    Secs(u64),
    /// No limit: `UNLIMITED`, `INFINITE`.
    Unlimited,
    /// No value: `NONE` (a partition without a `DefaultTime`), `N/A` (a reservation whose end
    /// is before its start).
    NotSet,
}

/// Reads a time value in any of Slurm's formats.
pub fn parse(text: &str) -> Result<SlurmTime, String> {
    read(text).ok_or_else(|| format!("{text:?} is not a Slurm time (minutes, [days-]hours:minutes:seconds, days-hours, UNLIMITED)"))
}

/// [`parse`] without the message, for the login's job hint, which says nothing of a mistake.
pub fn read(text: &str) -> Option<SlurmTime> {
    let s = text.trim();
    if ["UNLIMITED", "INFINITE"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
        || s == "-1"
    {
        return Some(SlurmTime::Unlimited);
    }
    if s.eq_ignore_ascii_case("NONE") || s.eq_ignore_ascii_case("N/A") {
        return Some(SlurmTime::NotSet);
    }
    secs(s).map(SlurmTime::Secs)
}

/// The seconds of a finite value, or `None` when it is not one of Slurm's forms.
fn secs(s: &str) -> Option<u64> {
    let (days, rest) = match s.split_once('-') {
        Some((d, rest)) => (Some(number(d)?), rest),
        None => (None, s),
    };
    let parts: Vec<u64> = rest.split(':').map(number).collect::<Option<_>>()?;
    // Without days the parts are minutes[:seconds] or hours:minutes:seconds; with days they
    // are hours[:minutes[:seconds]].
    let (h, m, sec) = match (days, parts.as_slice()) {
        (None, [m]) => (0, *m, 0),
        (None, [m, s]) => (0, *m, *s),
        (_, [h, m, s]) => (*h, *m, *s),
        (Some(_), [h]) => (*h, 0, 0),
        (Some(_), [h, m]) => (*h, *m, 0),
        _ => return None,
    };
    days.unwrap_or(0)
        .checked_mul(86_400)?
        .checked_add(h.checked_mul(3600)?)?
        .checked_add(m.checked_mul(60)?)?
        .checked_add(sec)
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `secs` as scontrol prints a duration (`secs2time_str`): `1-22:30:00`, `04:00:00`,
/// `00:30:00`.
pub fn format(secs: u64) -> String {
    let (days, h, m, s) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    if days > 0 {
        format!("{days}-{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// The longest `--time` that fits in `secs`, in whole minutes (a job's limit is in minutes),
/// written the short way a user types it and Slurm reads it back the same: `1-22:30` with
/// days (days-hours:minutes), `4:05:00` without (two parts would be minutes:seconds).
pub fn format_time_option(secs: u64) -> String {
    let minutes = secs / 60;
    let (days, h, m) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if days > 0 {
        format!("{days}-{h:02}:{m:02}")
    } else {
        format!("{h}:{m:02}:00")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, cases};

    #[test]
    fn every_form_slurm_reads() {
        for (text, secs) in [
            ("30", 1800),
            ("0", 0),
            ("90", 5400),
            ("30:15", 1815),
            ("04:00:00", 14_400),
            ("1:00:00", 3600),
            ("2-12", 2 * 86_400 + 12 * 3600),
            ("1-22:30", 86_400 + 22 * 3600 + 1800),
            ("1-22:30:00", 86_400 + 22 * 3600 + 1800),
            ("7-00:00:00", 7 * 86_400),
            (" 10 ", 600),
        ] {
            assert_eq!(parse(text), Ok(SlurmTime::Secs(secs)), "{text:?}");
        }
        for text in ["UNLIMITED", "unlimited", "INFINITE", "-1"] {
            assert_eq!(parse(text), Ok(SlurmTime::Unlimited), "{text:?}");
        }
        for text in ["NONE", "N/A"] {
            assert_eq!(parse(text), Ok(SlurmTime::NotSet), "{text:?}");
        }
    }

    #[test]
    fn what_is_not_a_time() {
        for text in [
            "",
            "-",
            "1-",
            "-5",
            "1:2:3:4",
            "1-2:3:4:5",
            "a",
            "1h",
            "1-2-3",
            ":30",
            "30:",
            "1--2",
            "１２",
            "99999999999999999999",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn written_as_scontrol_writes_it() {
        assert_eq!(format(0), "00:00:00");
        assert_eq!(format(1800), "00:30:00");
        assert_eq!(format(14_400), "04:00:00");
        assert_eq!(format(86_400 + 22 * 3600 + 1800), "1-22:30:00");
        assert_eq!(format(7 * 86_400), "7-00:00:00");
        assert_eq!(format(100 * 86_400 + 59), "100-00:00:59");
    }

    #[test]
    fn the_time_option_rounds_down_to_minutes() {
        assert_eq!(format_time_option(86_400 + 22 * 3600 + 1859), "1-22:30");
        assert_eq!(format_time_option(4 * 3600 + 5 * 60 + 59), "4:05:00");
        assert_eq!(format_time_option(59), "0:00:00");
    }

    #[test]
    fn read_back_what_was_written() {
        let mut rng = Rng::seeded(0x5eed_d0a7);
        for _ in 0..cases(2000) {
            let secs = match rng.below(3) {
                0 => rng.below(86_400),
                1 => rng.below(400 * 86_400),
                _ => rng.below(1 << 40),
            };
            assert_eq!(parse(&format(secs)), Ok(SlurmTime::Secs(secs)), "{secs}");
            assert_eq!(
                parse(&format_time_option(secs)),
                Ok(SlurmTime::Secs(secs / 60 * 60)),
                "{secs}"
            );
        }
    }
}

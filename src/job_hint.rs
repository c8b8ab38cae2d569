//! `motd-status --job-hint`: at submission, whether a job would cross a maintenance
//! reservation of its partition, from the cache alone (the login's partial reader; never
//! Slurm). Slurm's `cli_filter.lua` runs it through the packaged module
//! (`packaging/job-hint.lua`) and shows what it prints on stderr.
//!
//! A job may start at `b` (`--begin`, else now) and runs for at most `T` (`--time`, else its
//! partition's limit: the smaller of `DefaultTime` and `MaxTime`). It crosses a reservation
//! `R` when `b < R.end` and `b + T > R.start`; Slurm then starts it at `R.end`, or after the
//! next reservation it would cross from there, and so on. The hint says so in one line, and
//! in a second how long a job may be and still start before `R` (Slurm's `--time-min` lets it
//! shorten this one to fit). Anything unsure (no cache, a host of no cluster, the cluster's
//! Slurm data stale, failed or hidden, a value it cannot read) means no hint: the hint is
//! advice, and silence is always safe.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::cache::{Cache, Kind, Provider, SlurmInfo, SlurmPartition, Source};
use crate::localtime::LocalZone;
use crate::sanitize::terminal;
use crate::select::{self, Whose};
use crate::slurm_time::{self, SlurmTime};

/// What `sbatch` was given, as the module passes it: each value as typed, or absent.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub time: Option<String>,
    /// `--time-min`: Slurm may shorten the job to this to start it before a reservation.
    pub time_min: Option<String>,
    pub partition: Option<String>,
    pub begin: Option<String>,
}

/// The hint for a job submitted on `host`, from the cache at `path`: at most two lines, or
/// nothing.
pub fn run(path: &Path, host: &str, req: &Request) -> String {
    let Ok(now) = crate::clock::now() else {
        return String::new();
    };
    let Ok((cache, chosen)) = crate::view::load(path, Whose::Host(host)) else {
        return String::new();
    };
    let zone = LocalZone::from_env();
    let ascii = crate::render::ascii_locale();
    let out = hint(&cache, chosen, req, now, &zone, ascii).unwrap_or_default();
    // The process exits right after printing (see `cli::show`).
    std::mem::forget(cache);
    out
}

/// The hint's lines for `req` on the cluster `chosen` of `cache`, if there is one to give;
/// `ascii` for a locale that is not UTF-8.
pub fn hint(
    cache: &Cache,
    chosen: Option<usize>,
    req: &Request,
    now: DateTime<Utc>,
    zone: &LocalZone,
    ascii: bool,
) -> Option<String> {
    let (source, info) = slurm_of(cache, chosen?, now)?;
    let time = match req.time.as_deref().map(slurm_time::read) {
        None => None,
        Some(Some(SlurmTime::Secs(0) | SlurmTime::Unlimited)) => Some(None),
        Some(Some(SlurmTime::Secs(n))) => Some(Some(n)),
        Some(_) => return None,
    };
    // With --time-min, Slurm shortens the job as far as that to start it sooner: it waits
    // only when even that does not fit.
    let min = match req.time_min.as_deref().map(slurm_time::read) {
        None => None,
        Some(Some(SlurmTime::Secs(n))) if n > 0 => Some(n),
        Some(_) => return None,
    };
    let begin = begin(req.begin.as_deref(), now, zone)?.max(now);
    let partitions: Vec<&SlurmPartition> = match req.partition.as_deref() {
        None => vec![info.partitions.iter().find(|p| p.default)?],
        Some(list) => list
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|name| info.partitions.iter().find(|p| p.name == name))
            .collect::<Option<_>>()?,
    };
    // Held up in every partition it may run in, or no hint; it runs in the one that starts it
    // first, so that is the one to speak of.
    let mut best: Option<(Crossing<'_>, &SlurmPartition, Option<u64>)> = None;
    for p in partitions {
        let secs = time.unwrap_or_else(|| limit(p));
        let shortest = match (min, secs) {
            (Some(m), Some(s)) => Some(m.min(s)),
            (m, s) => m.or(s),
        };
        let windows = windows(source, info, &p.name, begin);
        let c = crossing(&windows, begin, shortest)?;
        if best.as_ref().is_none_or(|(b, ..)| c.start < b.start) {
            best = Some((c, p, secs));
        }
    }
    let (c, p, secs) = best?;
    let dash = if ascii { "-" } else { "–" };
    Some(words(
        &c,
        p,
        (secs, time.is_none(), min),
        begin,
        (now, zone),
        dash,
    ))
}

/// The Slurm source of cluster `chosen`, when what it holds may be trusted at `now`: read at
/// the last run, within `stale_after`, and not hidden from the fetcher.
fn slurm_of(cache: &Cache, chosen: usize, now: DateTime<Utc>) -> Option<(&Source, &SlurmInfo)> {
    let cluster = &cache.clusters.get(chosen)?.name;
    let (si, source) = cache.sources.iter().enumerate().find(|(_, s)| {
        s.provider == Provider::Slurm && s.slurm.as_ref().is_some_and(|i| i.cluster == *cluster)
    })?;
    let info = source.slurm.as_deref()?;
    let age = select::source_age(cache, si, now);
    let sound = !info.hidden && source.failed.is_none() && !age.stale && age.ahead.is_none();
    sound.then_some((source, info))
}

/// A partition's limit for a job that gives none: `None` is no limit.
fn limit(p: &SlurmPartition) -> Option<u64> {
    match (p.default_time, p.max_time) {
        (Some(d), Some(m)) => Some(d.min(m)),
        (d, m) => d.or(m),
    }
}

/// A maintenance reservation's name and window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window<'a> {
    name: &'a str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// The maintenance reservations that hold up jobs of `partition` and end after `begin`.
fn windows<'a>(
    source: &'a Source,
    info: &'a SlurmInfo,
    partition: &str,
    begin: DateTime<Utc>,
) -> Vec<Window<'a>> {
    source
        .items
        .iter()
        .filter(|i| i.kind == Kind::Maintenance)
        .filter_map(|i| {
            let r = info.reservation(&i.id)?;
            let holds = r.holds_up(partition);
            let (start, end) = (i.scheduled_for?, i.scheduled_until?);
            (holds && end > begin).then_some(Window {
                name: &r.name,
                start,
                end,
            })
        })
        .collect()
}

/// The first reservation a job crosses, how many more it then waits for, and when it starts.
#[derive(Debug, PartialEq)]
struct Crossing<'a> {
    first: Window<'a>,
    then: Vec<Window<'a>>,
    start: DateTime<Utc>,
}

/// Whether a job starting at `b` for `secs` (`None`: no limit) would cross any of `windows`,
/// and where that leaves it. The first crossed is the one that starts first.
fn crossing<'a>(
    windows: &[Window<'a>],
    b: DateTime<Utc>,
    secs: Option<u64>,
) -> Option<Crossing<'a>> {
    let crosses = |b: DateTime<Utc>, w: &Window<'_>| {
        let end = secs
            .and_then(|s| i64::try_from(s).ok())
            .and_then(|s| b.checked_add_signed(Duration::try_seconds(s)?));
        b < w.end && end.is_none_or(|end| end > w.start)
    };
    let next = |b| {
        let mut first: Option<&Window<'a>> = None;
        for w in windows.iter().filter(|w| crosses(b, w)) {
            if first.is_none_or(|f| (w.start, w.end) < (f.start, f.end)) {
                first = Some(w);
            }
        }
        first
    };
    let first = *next(b)?;
    let mut c = Crossing {
        first,
        then: Vec::new(),
        start: first.end,
    };
    // Each reservation crossed moves the start past its end, so none is crossed twice.
    while let Some(w) = next(c.start) {
        c.start = w.end;
        c.then.push(*w);
    }
    Some(c)
}

/// The hint's two lines (one when no job fits before the reservation).
/// `time`: the job's limit, whether it is its partition's, and its `--time-min`; `(now, z)`:
/// the clock and zone the times are written for.
fn words(
    c: &Crossing<'_>,
    p: &SlurmPartition,
    (secs, by_default, min): (Option<u64>, bool, Option<u64>),
    begin: DateTime<Utc>,
    (now, z): (DateTime<Utc>, &LocalZone),
    dash: &str,
) -> String {
    let time = secs.map_or_else(|| "UNLIMITED".to_owned(), slurm_time::format);
    let default = match (by_default, min) {
        (_, Some(m)) => format!(", --time-min {}", slurm_time::format(m)),
        (true, None) => ", the partition's default".to_owned(),
        (false, None) => String::new(),
    };
    let after = match c.then.as_slice() {
        [] => String::new(),
        [w] => format!(" and {}", terminal(w.name)),
        more => format!(" and {} more", more.len()),
    };
    let mut out = format!(
        "motd-status: this job (--time {time}{default}) would cross the maintenance reservation \
         {} ({}) on partition {}: it would start after it{after}, at {}.\n",
        terminal(c.first.name),
        window(z, &c.first, now, dash),
        terminal(&p.name),
        z.format_with_year(c.start, z.year(c.start) != z.year(now)),
    );
    let fits = u64::try_from((c.first.start - begin).num_seconds()).unwrap_or(0);
    if fits >= 60 {
        let t = slurm_time::format_time_option(fits);
        // A job that has a --time-min is told no more of it.
        out.push_str(&match min {
            Some(_) => format!("Jobs with --time {t} or less still start before it.\n"),
            None => format!(
                "Jobs with --time {t} or less still start before it (or add --time-min {t} to \
                 let Slurm shorten this one).\n"
            ),
        });
    }
    out
}

/// "Sat 6 Dec 08:00–12:00 CET", or with both ends in full when they are on different days.
fn window(z: &LocalZone, w: &Window<'_>, now: DateTime<Utc>, dash: &str) -> String {
    let years = z.year(w.start) != z.year(now) || z.year(w.end) != z.year(w.start);
    let start = z.format_with_year(w.start, years);
    let end = z.format_time(w.end);
    if !years && z.same_day(w.start, w.end) {
        let (head, from) = start.rsplit_once(' ').unwrap_or((&start, ""));
        let (hm, to) = end.split_once(' ').unwrap_or((&end, ""));
        if from == to {
            return format!("{head}{dash}{hm} {from}");
        }
    }
    format!("{start} {dash} {}", z.format_with_year(w.end, years))
}

/// When a job may start, from `--begin` as Slurm reads these forms of it (`None` for others):
/// `now` or `Unknown` (Slurm's unset); `now+N` with a unit (seconds without one); a date, or a
/// date and time, in the local zone; a time of day, today or, once past, tomorrow.
fn begin(text: Option<&str>, now: DateTime<Utc>, z: &LocalZone) -> Option<DateTime<Utc>> {
    let Some(t) = text.map(str::trim) else {
        return Some(now);
    };
    let lower = t.to_ascii_lowercase();
    if lower == "now" || lower == "unknown" {
        return Some(now);
    }
    if let Some(delta) = lower.strip_prefix("now+") {
        let digits = delta.bytes().take_while(u8::is_ascii_digit).count();
        let (n, unit) = delta.split_at(digits);
        let unit: i64 = match unit {
            "" | "s" | "sec" | "seconds" => 1,
            "m" | "min" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => return None,
        };
        if digits > 12 {
            return None;
        }
        let n: i64 = n.parse().ok()?;
        return now.checked_add_signed(Duration::try_seconds(n.checked_mul(unit)?)?);
    }
    if let Some((d, t)) = t.split_once('T') {
        return local(z, date(d)?.and_time(time(t)?));
    }
    if t.contains('-') {
        return local(z, date(t)?.and_time(NaiveTime::MIN));
    }
    let at = time(t)?;
    let today = z.at(now).0.date();
    match local(z, today.and_time(at))? {
        past if past < now => local(z, today.succ_opt()?.and_time(at)),
        later => Some(later),
    }
}

/// `YYYY-MM-DD`.
fn date(s: &str) -> Option<NaiveDate> {
    match numbers(s, '-', 4)? {
        (y, m, Some(d)) => NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d),
        _ => None,
    }
}

/// `HH:MM` or `HH:MM:SS`.
fn time(s: &str) -> Option<NaiveTime> {
    let (h, m, s) = numbers(s, ':', 2)?;
    NaiveTime::from_hms_opt(h, m, s.unwrap_or(0))
}

/// Two or three numbers between `sep`: the first of up to `width` digits, the others of up
/// to two.
fn numbers(s: &str, sep: char, width: usize) -> Option<(u32, u32, Option<u32>)> {
    let mut out = [None; 3];
    for (i, part) in s.split(sep).enumerate() {
        let most = if i == 0 { width } else { 2 };
        if i > 2 || part.is_empty() || part.len() > most {
            return None;
        }
        let mut n = 0;
        for b in part.bytes() {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(b - b'0');
        }
        out[i] = Some(n);
    }
    Some((out[0]?, out[1]?, out[2]))
}

/// The instant a local time names: read with the zone's offset of the day before, else of the
/// day after, whichever holds at the instant it gives. A time the clocks skipped (spring) is
/// read with the offset before the change, as the C library's `mktime` (which Slurm calls)
/// reads it: 02:30 is 03:30 summer time. Of a time they showed twice (autumn), the first.
/// (Probing the zone this way is far less code than [`LocalZone::to_utc`], which says why.)
fn local(z: &LocalZone, t: NaiveDateTime) -> Option<DateTime<Utc>> {
    let offset = |at: DateTime<Utc>| z.at(at).0 - at.naive_utc();
    let read = |day: i64| {
        let o = offset(t.and_utc().checked_add_signed(Duration::days(day))?);
        let at = t.and_utc().checked_sub_signed(o)?;
        Some((at, offset(at) == o))
    };
    let (before, holds) = read(-1)?;
    match read(1)? {
        (after, true) if !holds => Some(after),
        _ => Some(before),
    }
}

#[cfg(test)]
mod tests;

//! When an entry is: "since Tue 12 Nov 09:00 CET (2 hours ago)", "Thu 14 Nov 08:00–12:00
//! CET (in 2 days)", in the reader's zone, or as dates alone in a file read later.

use chrono::{DateTime, Utc};

use super::Options;
use crate::localtime::relative;
use crate::select::{Entry, Section, What};

/// "since Tue 12 Nov 09:00 CET (2 hours ago)", "Thu 14 Nov 08:00–12:00 CET (in 2 days)", …
/// Dates carry their year when it is not this one (both ends of a window, when they differ).
pub(super) fn when(e: &Entry<'_>, opts: &Options<'_>) -> String {
    let What::Item { item, .. } = &e.what else {
        return String::new();
    };
    let z = opts.zone;
    let this_year = z.year(opts.now);
    let date = |t: DateTime<Utc>| z.format_with_year(t, z.year(t) != this_year);
    // Something that already happened, by the page's clock: if that is ahead of ours, say so
    // rather than "since … (in 6 days)". A file read later says the date alone.
    let past = |t: DateTime<Utc>| {
        if t.signed_duration_since(opts.now).num_seconds() > crate::select::CLOCK_SKEW_SECONDS {
            format!("{} (ahead of this host's clock)", date(t))
        } else if opts.frozen {
            date(t)
        } else {
            format!("{} ({})", date(t), relative(t, opts.now))
        }
    };
    match e.section {
        Section::Incident => match item.started_at.or(item.updated_at) {
            Some(t) => format!("since {}", past(t)),
            None => String::new(),
        },
        Section::Resolved => match item.resolved_at.or(item.updated_at) {
            Some(t) => format!("resolved {}", past(t)),
            None => "resolved".to_owned(),
        },
        Section::MaintenanceNow | Section::MaintenancePlanned => match item.scheduled_for {
            Some(start) => maintenance(e.section, start, item.scheduled_until, opts),
            None => String::new(),
        },
        Section::Component => String::new(),
    }
}

/// A maintenance's window and where it stands: "Thu 14 Nov 08:00–12:00 CET (ends in 2
/// hours)", an overrun, a late start, an end the page puts before the start.
fn maintenance(
    section: Section,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    opts: &Options<'_>,
) -> String {
    let now = opts.now;
    let ago = |t: DateTime<Utc>| relative(t, now).replace(" ago", "");
    let rel = match (section, end) {
        // The page still says "in progress" after the window: it overran.
        (Section::MaintenanceNow, Some(end)) if end <= now && opts.frozen => {
            "still in progress after its end".to_owned()
        }
        (Section::MaintenanceNow, Some(end)) if end <= now => {
            format!("ended {} ago, still in progress", ago(end))
        }
        // In a file, the title's status says the rest.
        (Section::MaintenanceNow, _) if opts.frozen => String::new(),
        (Section::MaintenanceNow, Some(end)) => format!("ends {}", relative(end, now)),
        (Section::MaintenanceNow, None) => relative(start, now),
        // Still "scheduled" after its start: it is late.
        (_, _) if start <= now && opts.frozen => "late to start".to_owned(),
        (_, _) if start <= now => format!("was to start {} ago", ago(start)),
        (_, _) if opts.frozen => String::new(),
        (_, _) => relative(start, now),
    };
    let backwards = end.is_some_and(|end| end < start);
    let window = window(start, end, backwards, opts);
    let backwards = backwards.then_some("the page has it end before it starts");
    match [Some(rel.as_str()).filter(|r| !r.is_empty()), backwards]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
    {
        notes if notes.is_empty() => window,
        notes => format!("{window} ({notes})"),
    }
}

/// "Thu 14 Nov 08:00–12:00 CET" on one day in one zone, else both ends in full; dates of
/// another year carry it.
fn window(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    backwards: bool,
    opts: &Options<'_>,
) -> String {
    let z = opts.zone;
    let years =
        end.is_some_and(|end| z.year(end) != z.year(start)) || z.year(start) != z.year(opts.now);
    match end {
        Some(end) if !years && !backwards && z.same_day(start, end) => {
            let s = z.format(start);
            // "Thu 14 Nov 08:00 CET" → "Thu 14 Nov 08:00–12:00 CET" when the zone holds.
            let e_time = z.format_time(end);
            let (s_head, s_zone) = s.rsplit_once(' ').unwrap_or((&s, ""));
            let (e_hm, e_zone) = e_time.split_once(' ').unwrap_or((&e_time, ""));
            if s_zone == e_zone {
                format!("{s_head}{}{e_hm} {s_zone}", opts.deco.dash)
            } else {
                format!("{s} {} {e_time}", opts.deco.dash)
            }
        }
        Some(end) => format!(
            "{} {} {}",
            z.format_with_year(start, years),
            opts.deco.dash,
            z.format_with_year(end, years)
        ),
        None => format!("from {}", z.format_with_year(start, years)),
    }
}

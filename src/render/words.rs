//! What every format says: the summary's counts, why a name did not resolve, the staleness
//! line, the severity markers and the times of an entry. The layouts (text, JSON, Markdown)
//! arrange these words; none words them on its own.

use chrono::{DateTime, Utc};

use super::Options;
use crate::cache::{Cache, Cause, Counts, Named, Provider, SlurmReservation, Unresolved};
use crate::localtime::age;
use crate::sanitize::terminal;
use crate::select::{Entry, Section, View, What};

#[derive(Clone, Copy)]
pub(super) enum Paint {
    Red,
    Yellow,
    Blue,
    Green,
    Cyan,
    Magenta,
    Bold,
    Dim,
}

impl Paint {
    pub(super) fn code(self) -> &'static str {
        match self {
            Paint::Red => "1;31",
            Paint::Yellow => "1;33",
            Paint::Blue => "1;34",
            Paint::Green => "32",
            Paint::Cyan => "1;36",
            Paint::Magenta => "1;35",
            Paint::Bold => "1",
            Paint::Dim => "2",
        }
    }
}

pub(super) fn marker(e: &Entry<'_>) -> (&'static str, Paint) {
    let item = match &e.what {
        What::Component(c) => {
            return match c.status.as_str() {
                "major_outage" => ("OUTAGE", Paint::Red),
                "partial_outage" => ("PARTIAL", Paint::Yellow),
                "under_maintenance" => ("MAINT", Paint::Blue),
                _ => ("DEGRADED", Paint::Yellow),
            };
        }
        What::Item { item, .. } => item,
    };
    match e.section {
        Section::Incident => match item.impact.as_str() {
            "critical" => ("CRITICAL", Paint::Red),
            "major" => ("MAJOR", Paint::Red),
            "minor" => ("MINOR", Paint::Yellow),
            _ => ("NOTICE", Paint::Cyan),
        },
        Section::MaintenanceNow => ("MAINT", Paint::Magenta),
        Section::MaintenancePlanned => ("PLANNED", Paint::Blue),
        Section::Resolved => ("RESOLVED", Paint::Green),
        Section::Component => ("DEGRADED", Paint::Yellow),
    }
}

pub(super) const MARK_WIDTH: usize = 10;

/// "1 incident, 2 maintenances, 1 resolved, 1 degraded": everything the view counts,
/// listed or not; components by their own state ("1 under maintenance", "1 outage").
pub(super) fn counts(view: &View<'_>, cache: &Cache, opts: &Options<'_>) -> String {
    let c: Counts = view.counts();
    // A notice of the site's notices file is counted as such, not as an incident.
    let notices = view.all_entries().filter(|e| is_notice(e)).count();
    let mut parts = vec![
        (c.incident.saturating_sub(notices), "incident", "incidents"),
        (notices, "notice", "notices"),
        (
            c.maintenance_in_progress
                .saturating_add(c.maintenance_planned),
            "maintenance",
            "maintenances",
        ),
        (c.resolved, "resolved", "resolved"),
    ];
    for &(state, one, many) in &COMPONENT_WORDS {
        let n = view
            .all_entries()
            .filter(
                |e| matches!(&e.what, What::Component(c) if component_state(&c.status) == state),
            )
            .count();
        parts.push((n, one, many));
    }
    let mut words: Vec<String> = parts
        .iter()
        .filter(|(k, _, _)| *k > 0)
        .map(|(k, one, many)| format!("{k} {}", if *k == 1 { one } else { many }))
        .collect();
    if view.omitted_unsorted > 0 {
        words.push(format!("{} more", view.omitted_unsorted));
    }
    if view.knows_nothing() && view.unread.is_empty() {
        // Never "operational" about a cluster the page says nothing of.
        words.insert(
            0,
            "unknown, no component of the page matches its names".to_owned(),
        );
    }
    if !view.unread.is_empty() {
        // Nor while a source that may concern it has never been read.
        let names: Vec<String> = view.unread.iter().map(|n| terminal(n)).collect();
        words.insert(
            0,
            format!("unknown, {} could not be read yet", names.join(" and ")),
        );
    }
    if words.is_empty() {
        // Never without saying as of when: an empty view is a claim about the page.
        format!(
            "all systems operational as of {}",
            opts.zone.format(crate::select::seen_at(cache))
        )
    } else {
        words.join(", ")
    }
}

/// Whether `e` is a notice of the site's notices file (an open item of status `notice`).
pub(super) fn is_notice(e: &Entry<'_>) -> bool {
    matches!(&e.what, What::Item { item, .. } if e.section == Section::Incident && item.status == "notice")
}

/// How a component's status is counted: its own state, in the order of severity.
const COMPONENT_WORDS: [(&str, &str, &str); 4] = [
    ("major_outage", "outage", "outages"),
    ("partial_outage", "partial outage", "partial outages"),
    ("degraded_performance", "degraded", "degraded"),
    (
        "under_maintenance",
        "under maintenance",
        "under maintenance",
    ),
];

/// The state a component's status is counted under: a status this build does not know is
/// counted as degraded.
pub(super) fn component_state(status: &str) -> &str {
    match status {
        "major_outage" | "partial_outage" | "under_maintenance" => status,
        _ => "degraded_performance",
    }
}

/// An item's status as the title shows it ("identified", "in progress"), or `None` for a
/// site's notice, whose status is the window's (the marker and the times say it).
pub(super) fn status_words(e: &Entry<'_>) -> Option<String> {
    match &e.what {
        What::Item { item, .. }
            if !matches!(e.source.provider, Provider::Notices | Provider::Slurm) =>
        {
            Some(item.status.replace('_', " "))
        }
        _ => None,
    }
}

/// What an entry affects, in words: its components' names (page text, raw), or what a Slurm
/// reservation of its own covers ("all nodes", "partition gpu", "12 of 340 nodes").
pub(super) fn affected_words(e: &Entry<'_>) -> Vec<String> {
    match (&e.what, &e.joined) {
        (What::Item { item, .. }, None) if e.source.provider == Provider::Slurm => {
            crate::select::reservation(e.source, item)
                .map(|r| vec![r.covers()])
                .unwrap_or_default()
        }
        (What::Item { affected, .. }, _) => affected_names(affected),
        (What::Component(_), _) => Vec::new(),
    }
}

/// The line Slurm reservations add to their entry: the longest job that can still start
/// before the first that holds every node of some partition, while it is ahead ("jobs with
/// --time over 1-22:30 will wait until it ends"; on some nodes only, Slurm places jobs on the
/// others and nothing is claimed); joined to a page's maintenance, also their names and what
/// each covers. `None` when there is nothing to add.
pub(super) fn slurm_line(e: &Entry<'_>, opts: &Options<'_>) -> Option<String> {
    let all = crate::select::reservations_of(e);
    let holding: Vec<&SlurmReservation> = all
        .iter()
        .filter(|(_, r)| r.holds_up_any())
        .map(|(_, r)| *r)
        .collect();
    let hint = all
        .iter()
        .filter(|(_, r)| r.holds_up_any())
        .filter_map(|(item, _)| item.scheduled_for)
        .min()
        .and_then(|start| longest_job(start, opts.now));
    let they = if holding.len() > 1 {
        "they end"
    } else {
        "it ends"
    };
    let hint = hint.map(|t| {
        format!(
            "{} with --time over {t} will wait until {they}",
            jobs(&holding, all.len())
        )
    });
    let names: Vec<String> = all
        .iter()
        .map(|(_, r)| format!("{} ({})", r.name, r.covers()))
        .collect();
    let s = if names.len() > 1 { "s" } else { "" };
    let names = format!("Slurm reservation{s} {}", names.join(", "));
    match (e.joined.is_some(), hint) {
        (_, _) if all.is_empty() => None,
        (true, Some(h)) => Some(format!("{names}: {h}")),
        (true, None) => Some(names),
        (false, h) => h,
    }
}

/// Whose jobs wait for `rs`, of `of` reservations in the line: "jobs" when one covers all
/// nodes, or when the line is of one that is exactly the one partition it holds up ("partition
/// gpu" says whose); else "jobs in partition gpu" ("partitions gpu, debug").
fn jobs(rs: &[&SlurmReservation], of: usize) -> String {
    let named = |r: &SlurmReservation| r.partition.is_some() && r.holds_up_in().len() == 1;
    if rs.iter().any(|r| r.all_nodes) || (of == 1 && rs.iter().all(|r| named(r))) {
        return "jobs".to_owned();
    }
    let mut whole: Vec<&str> = Vec::new();
    for p in rs.iter().flat_map(|r| r.holds_up_in()) {
        if !whole.contains(&p) {
            whole.push(p);
        }
    }
    let s = if whole.len() == 1 { "" } else { "s" };
    format!("jobs in partition{s} {}", whole.join(", "))
}

/// The longest `--time` of a job that starts at `now` and ends before `start`, written as a
/// user types it; `None` once `start` has passed (or is less than a minute away).
pub(super) fn longest_job(start: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let secs = u64::try_from((start - now).num_seconds()).ok()?;
    (secs >= 60).then(|| crate::slurm_time::format_time_option(secs))
}

/// Why a name did not resolve, in words: `"X" matches no group on the page`.
pub(crate) fn cause_words(u: &Unresolved) -> String {
    let name = terminal(&u.name);
    match u.cause {
        Cause::Missing => match u.what {
            Named::Unknown => format!("{name:?} matches nothing on the page"),
            what => format!("{name:?} matches no {} on the page", what.word()),
        },
        Cause::Ambiguous => format!(
            "{name:?} matches {} {}s, not one",
            u.matches,
            match u.what {
                Named::Unknown => "thing",
                what => what.word(),
            }
        ),
        Cause::Renamed => format!("{name:?} is no longer on the page (renamed or removed?)"),
        Cause::Unknown => format!("{name:?} does not resolve"),
    }
}

/// The lines under a cluster's view about names that did not resolve: why each did not, and
/// when nothing at all matched, who can mend it. Empty when every name resolved.
pub(super) fn unresolved_lines(view: &View<'_>) -> Vec<String> {
    if view.knows_nothing() {
        let mut lines: Vec<String> = view.unresolved.iter().map(cause_words).collect();
        if lines.is_empty() {
            lines.push("the groups and components it names hold no components".to_owned());
        }
        lines.push("ask the site's admins (motd-status-fetch --check)".to_owned());
        return lines;
    }
    view.unresolved
        .iter()
        .map(|u| format!("may be incomplete: {}", cause_words(u)))
        .collect()
}

/// At login, the line for the entries this user has already seen as they are now, or `None`:
/// "2 known issues and 1 maintenance unchanged since you last saw them: motd-status", then
/// shorter ones for narrower terminals ("3 more, unchanged since you last saw them:
/// motd-status", "3 unchanged: motd-status"), longest first.
pub(super) fn folded_line(view: &View<'_>, opts: &Options<'_>) -> Option<[String; 3]> {
    if view.folded.is_empty() {
        return None;
    }
    // Incidents and components that are not operational are both known issues, but for a
    // component under maintenance, which is a maintenance (as its header count says).
    let mut n = [0usize; 4];
    for e in &view.folded {
        let slot = match (&e.what, e.section) {
            _ if is_notice(e) => 1,
            (What::Component(c), _) if c.status == "under_maintenance" => 2,
            (_, Section::Incident | Section::Component) => 0,
            (_, Section::MaintenanceNow | Section::MaintenancePlanned) => 2,
            (_, Section::Resolved) => 3,
        };
        n[slot] += 1;
    }
    let words = [
        ("known issue", "known issues"),
        ("notice", "notices"),
        ("maintenance", "maintenances"),
        ("resolved issue", "resolved issues"),
    ];
    let parts: Vec<String> = n
        .iter()
        .zip(words)
        .filter(|(k, _)| **k > 0)
        .map(|(k, (one, many))| format!("{k} {}", if *k == 1 { one } else { many }))
        .collect();
    let list = match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => return None,
    };
    let pronoun = if view.folded.len() == 1 { "it" } else { "them" };
    let tail = format!(
        "unchanged since you last saw {pronoun}: {}",
        opts.more_command
    );
    let n = view.folded.len();
    Some([
        format!("{list} {tail}"),
        format!("{n} more, {tail}"),
        format!("{n} unchanged: {}", opts.more_command),
    ])
}

/// The line under a view whose entries the cache could not all hold, or `None`.
pub(super) fn omitted_line(cache: &Cache, view: &View<'_>, opts: &Options<'_>) -> Option<String> {
    let n = view.omitted_total();
    (n > 0).then(|| {
        format!(
            "{} and {n} more, past what the cache keeps: {}",
            opts.deco.ellipsis,
            page_url(cache)
        )
    })
}

/// What a view says of its data's age, each source on its own: nothing while every source is
/// current; "status as of 3 hours ago" (with the source's name when there are several), "…
/// (too old to show)" past `expire_after`, or that a source's time is ahead of this host's
/// clock. In a file read at unknown times, always "status as of <date>". The flag: every
/// source is too old, and the view shows nothing else.
pub(super) fn staleness(cache: &Cache, opts: &Options<'_>) -> (Vec<String>, bool) {
    let whole = crate::select::age(cache, opts.now);
    let all_expired = if cache.sources.is_empty() {
        whole.expired
    } else {
        (0..cache.sources.len()).all(|si| crate::select::source_age(cache, si, opts.now).expired)
    };
    if opts.frozen {
        let mut text = format!(
            "status as of {}",
            opts.zone.format(crate::select::seen_at(cache))
        );
        if all_expired {
            text.push_str(" (too old to show)");
        }
        return (vec![text], all_expired);
    }
    let ages: Vec<crate::select::Age> = match cache.sources.len() {
        0 => vec![whole],
        n => (0..n)
            .map(|si| crate::select::source_age(cache, si, opts.now))
            .collect(),
    };
    let lines: Vec<String> = ages.iter().filter_map(age_words).collect();
    let named = lines.len() > 1 || (ages.len() > 1 && lines.len() == 1);
    // Several sources of one age (a page and its notices, read together) say it once.
    if lines.len() > 1 && lines.iter().all(|l| *l == lines[0]) {
        return (vec![lines[0].clone()], all_expired);
    }
    if !named {
        return (lines, all_expired);
    }
    let out = cache
        .sources
        .iter()
        .zip(&ages)
        .filter_map(|(s, a)| Some(format!("{}: {}", terminal(&s.name), age_words(a)?)))
        .collect();
    (out, all_expired)
}

/// One line for each source whose last read failed ("Vendor page: its last read failed: …"),
/// for views a site's admins read; a login says only how old the data is.
pub(super) fn failure_lines(cache: &Cache) -> Vec<String> {
    cache
        .sources
        .iter()
        .filter_map(|s| {
            let why = s.failed.as_deref()?;
            Some(format!(
                "{}: its last read failed: {}",
                terminal(&s.name),
                terminal(why)
            ))
        })
        .collect()
}

/// "status as of 3 hours ago", "… (too old to show)", or that the time is ahead of the clock;
/// `None` for current data.
fn age_words(a: &crate::select::Age) -> Option<String> {
    if let Some(ahead) = a.ahead {
        return Some(format!(
            "status time {} ahead of this host's clock: its age is unknown",
            age(ahead)
        ));
    }
    if !(a.stale || a.expired) {
        return None;
    }
    let mut text = format!("status as of {} ago", age(a.seconds));
    if a.expired {
        text.push_str(" (too old to show)");
    }
    Some(text)
}

pub(super) fn page_name(cache: &Cache) -> String {
    let mut pages = cache.sources.iter().filter(|s| !s.url.is_empty());
    match (pages.next(), pages.next()) {
        (Some(one), None) => terminal(&one.name),
        _ => "Status".to_owned(),
    }
}

pub(super) fn page_url(cache: &Cache) -> String {
    cache
        .sources
        .iter()
        // A scheduler has no address.
        .filter(|s| !s.url.is_empty())
        .map(|s| terminal(&s.url))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text rendering of `views`. Empty at login when there is nothing to report.
pub(super) fn affected_names(affected: &[&crate::cache::Component]) -> Vec<String> {
    affected
        .iter()
        .map(|c| {
            let repeated = affected
                .iter()
                .any(|o| o.id != c.id && o.name.eq_ignore_ascii_case(&c.name));
            match (&c.group, repeated) {
                (Some(g), true) => format!("{g} / {}", c.name),
                _ => c.name.clone(),
            }
        })
        .collect()
}

pub(super) fn component_name(group: Option<&str>, name: &str) -> String {
    match group {
        Some(g) if !g.eq_ignore_ascii_case(name) => format!("{} / {}", terminal(g), terminal(name)),
        _ => terminal(name),
    }
}

//! Rendering a view as text (coloured or plain), JSON for scripts, or Markdown for web portals.
//!
//! Every string that came from the page passes through [`sanitize::terminal`] here, the one
//! place where it meets the output; the only escape sequences written are this module's own SGR
//! colour codes, and none when colour is off. Lines are cut to the terminal width by display
//! width, so wide characters cannot push the layout past the edge.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cache::{Cache, Cause, Counts, Kind, Named, Unresolved};
use crate::localtime::{LocalZone, age, relative};
use crate::sanitize::{is_invisible, terminal};
use crate::select::{Entry, Section, What};
use crate::view::{Format, Request, Target, View};

/// What the layout needs to know of a request.
struct Options<'a> {
    now: DateTime<Utc>,
    zone: &'a LocalZone,
    color: bool,
    width: usize,
    /// At login: at most this many entries, then "… and K more".
    max_items: Option<usize>,
    login: bool,
    /// `--all`: titles say "Not in any cluster" for the unclaimed part.
    all: bool,
    /// The command that lists every entry of this view, for the "… and K more" line.
    more_command: String,
    /// The program's own decorations.
    deco: Deco,
    /// Written to a file read at unknown times: dates only, and always "as of" (see
    /// [`Request::frozen`]).
    frozen: bool,
}

/// The program's own decorations: typographic in a UTF-8 locale, ASCII in the C locale.
#[derive(Clone, Copy)]
struct Deco {
    ellipsis: &'static str,
    dash: &'static str,
    dot: &'static str,
}

const UTF8: Deco = Deco {
    ellipsis: "…",
    dash: "–",
    dot: "·",
};
const ASCII: Deco = Deco {
    ellipsis: "...",
    dash: "-",
    dot: "-",
};

/// Lays out `views` as the request asks.
pub fn render(cache: &Cache, views: &[View<'_>], req: &Request<'_>) -> String {
    let opts = options(cache, req);
    match req.format {
        Format::Text => text(cache, views, &opts),
        Format::Json => json(cache, views, &opts),
        Format::Markdown => markdown(cache, views, &opts),
    }
}

/// What the layout needs of a request.
fn options<'a>(cache: &Cache, req: &Request<'a>) -> Options<'a> {
    Options {
        now: req.now,
        zone: req.zone,
        color: req.color && req.format == Format::Text,
        width: req.width,
        max_items: req.login.then_some(cache.settings.max_items),
        login: req.login,
        all: matches!(req.target, Target::All),
        deco: if req.ascii { ASCII } else { UTF8 },
        frozen: req.frozen,
        more_command: match req.target {
            Target::Cluster(name) => format!("motd-status --cluster {}", shell_word(name)),
            _ => "motd-status".to_owned(),
        },
    }
}

/// `name` as one shell word, quoted when it needs to be, sanitised.
fn shell_word(name: &str) -> String {
    let name = terminal(name);
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.,:+@%/".contains(c))
    {
        name
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

#[derive(Clone, Copy)]
enum Paint {
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
    fn code(self) -> &'static str {
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

struct Out {
    buf: String,
    color: bool,
    width: usize,
    /// What ends a line cut short.
    ellipsis: &'static str,
}

impl Out {
    /// Writes one line of `parts`, cut to the width (ending in "…") before colour is added.
    fn line(&mut self, parts: &[(&str, Option<Paint>)]) {
        let width = self.width.max(20);
        let total: usize = parts.iter().map(|(t, _)| cols(t)).sum();
        let mut room = if total <= width {
            usize::MAX
        } else {
            width - cols(self.ellipsis)
        };
        for (text, paint) in parts {
            // Most parts fit whole: no need to walk them character by character.
            if room == usize::MAX || (text.is_ascii() && text.len() <= room) {
                if room != usize::MAX {
                    room -= text.len();
                }
                match paint {
                    Some(p) if self.color && !text.is_empty() => {
                        let _ = write!(self.buf, "\x1b[{}m{text}\x1b[0m", p.code());
                    }
                    _ => self.buf.push_str(text),
                }
                continue;
            }
            let mut shown = String::with_capacity(text.len());
            let mut cut = false;
            // Whole units only: an emoji and its VS16, a letter and its accents stay together.
            for (unit, w) in units(text) {
                if w > room {
                    cut = true;
                    break;
                }
                room -= w;
                shown.push_str(unit);
            }
            if cut {
                shown.push_str(self.ellipsis);
            }
            match paint {
                Some(p) if self.color && !shown.is_empty() => {
                    let _ = write!(self.buf, "\x1b[{}m{shown}\x1b[0m", p.code());
                }
                _ => self.buf.push_str(&shown),
            }
            if cut {
                break;
            }
        }
        let trimmed = self.buf.trim_end_matches(' ').len();
        self.buf.truncate(trimmed);
        self.buf.push('\n');
    }
}

impl Out {
    /// An address, never cut: after `lead` when it fits, else alone on its own line, whole,
    /// however wide (a cut address cannot be copied).
    fn url(&mut self, lead: &str, url: &str) {
        // Only one unbroken word is an address; anything else is text, cut like text.
        if cols(lead) + cols(url) <= self.width.max(20) || url.contains(char::is_whitespace) {
            self.line(&[(lead, None), (url, Some(Paint::Dim))]);
            return;
        }
        if !lead.trim().is_empty() {
            self.line(&[(lead.trim_end(), Some(Paint::Dim))]);
        }
        match self.color {
            true => {
                let _ = write!(self.buf, "\x1b[{}m{url}\x1b[0m", Paint::Dim.code());
            }
            false => self.buf.push_str(url),
        }
        self.buf.push('\n');
    }
}

/// Display columns, counted the same way the cutting does.
fn cols(s: &str) -> usize {
    if s.is_ascii() {
        // Sanitised text has no control characters: every ASCII byte is one column.
        return s.len();
    }
    units(s).map(|(_, w)| w).sum()
}

/// `s` in the units a terminal draws as one: a character and the zero-width ones after it
/// (combining marks, variation selectors), each with the most columns a terminal may give it.
/// That is unicode-width's count of the unit (an emoji presentation sequence, base + U+FE0F,
/// is 2 columns; ⚠️ is drawn wide although ⚠ alone is narrow), but never less than its base
/// alone (terminals ignore U+FE0E: ⌚︎ stays wide) and at least 2 with a U+FE0F in it (some
/// terminals, tmux 3.4 on, widen any character followed by one). Counting high only wastes a
/// column; counting low pushes the line past the edge, where the terminal wraps it.
fn units(s: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let mut chars = rest.char_indices();
        let (_, base) = chars.next()?;
        let end = chars
            .find(|&(_, c)| c.width().unwrap_or(0) != 0)
            .map_or(rest.len(), |(i, _)| i);
        let (unit, tail) = rest.split_at(end);
        rest = tail;
        let mut w = unit.width().max(base.width().unwrap_or(0));
        if unit.contains('\u{fe0f}') {
            w = w.max(2);
        }
        Some((unit, w))
    })
}

/// Severity marker and its colour. Words, so they survive without colour.
fn marker(e: &Entry<'_>) -> (&'static str, Paint) {
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

const MARK_WIDTH: usize = 10;

/// "1 incident, 2 maintenances, 1 resolved, 1 degraded": everything the view counts,
/// listed or not; components by their own state ("1 under maintenance", "1 outage").
fn counts(view: &View<'_>, cache: &Cache, opts: &Options<'_>) -> String {
    let c: Counts = view.counts();
    let mut parts = vec![
        (c.incident, "incident", "incidents"),
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
            .entries
            .iter()
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
    if view.knows_nothing() {
        // Never "operational" about a cluster the page says nothing of.
        words.insert(
            0,
            "unknown, no component of the page matches its names".to_owned(),
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
fn component_state(status: &str) -> &str {
    match status {
        "major_outage" | "partial_outage" | "under_maintenance" => status,
        _ => "degraded_performance",
    }
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
fn unresolved_lines(view: &View<'_>) -> Vec<String> {
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

/// The line under a view whose entries the cache could not all hold, or `None`.
fn omitted_line(cache: &Cache, view: &View<'_>, opts: &Options<'_>) -> Option<String> {
    let n = view.omitted_total();
    (n > 0).then(|| {
        format!(
            "{} and {n} more, past what the cache keeps: {}",
            opts.deco.ellipsis,
            page_url(cache)
        )
    })
}

/// "status as of 3 hours ago" once the cache is older than the stale threshold (in a file,
/// always, as a date: "status as of Thu 26 Nov 09:05 CET"); and whether it is so old that
/// nothing else should be shown.
fn staleness(cache: &Cache, opts: &Options<'_>) -> (Option<String>, bool) {
    let a = crate::view::age(cache, opts.now);
    if let Some(ahead) = a.ahead {
        let text = format!(
            "status time {} ahead of this host's clock: its age is unknown",
            age(ahead)
        );
        return (Some(text), false);
    }
    let mut text = if opts.frozen {
        format!(
            "status as of {}",
            opts.zone.format(crate::select::seen_at(cache))
        )
    } else if a.stale || a.expired {
        format!("status as of {} ago", age(a.seconds))
    } else {
        return (None, false);
    };
    if a.expired {
        text.push_str(" (too old to show)");
    }
    (Some(text), a.expired)
}

/// One line about the view pam_motd showed just above, when its data is stale: "(the status
/// above is as of 3 hours ago)"; nothing when it is current.
pub fn age_note(cache: &Cache, req: &Request<'_>) -> String {
    let opts = options(cache, req);
    let a = crate::view::age(cache, opts.now);
    let text = match a.ahead {
        Some(ahead) => format!(
            "(the status above has a time {} ahead of this host's clock: its age is unknown)",
            age(ahead)
        ),
        None if a.expired => format!(
            "(the status above is as of {} ago: too old to rely on)",
            age(a.seconds)
        ),
        None if a.stale => format!("(the status above is as of {} ago)", age(a.seconds)),
        None => return String::new(),
    };
    let mut out = Out {
        buf: String::new(),
        color: opts.color,
        width: opts.width,
        ellipsis: opts.deco.ellipsis,
    };
    out.line(&[(&text, Some(Paint::Dim))]);
    out.buf
}

fn page_name(cache: &Cache) -> String {
    match cache.sources.as_slice() {
        [one] => terminal(&one.name),
        _ => "Status".to_owned(),
    }
}

fn page_url(cache: &Cache) -> String {
    cache
        .sources
        .iter()
        .map(|s| terminal(&s.url))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text rendering of `views`. Empty at login when there is nothing to report.
fn text(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut out = Out {
        buf: String::new(),
        color: opts.color,
        width: opts.width,
        ellipsis: opts.deco.ellipsis,
    };
    // Whether a login says anything at all is decided once, for every format, in view.rs.
    let (stale, expired) = staleness(cache, opts);
    if opts.all {
        let line = format!("{} ({})", page_name(cache), page_url(cache));
        out.line(&[(&line, Some(Paint::Bold))]);
    }
    if expired {
        let line = format!("{}: {}", page_name(cache), stale.unwrap_or_default());
        out.line(&[(&line, Some(Paint::Dim))]);
        return out.buf;
    }
    let mut budget = opts.max_items.unwrap_or(usize::MAX);
    for view in views {
        // The part no cluster covers is left out when empty, unless it is the whole page.
        if opts.all
            && view.cluster.is_none()
            && view.entries.is_empty()
            && view.omitted_total() == 0
            && !cache.clusters.is_empty()
        {
            continue;
        }
        let (prefix, title) = match (view.cluster, opts.all) {
            (Some(c), _) => ("Status of ", terminal(c)),
            (None, true) if cache.clusters.is_empty() => ("", "Whole page".to_owned()),
            (None, true) => ("", "Not in any cluster".to_owned()),
            (None, false) => ("Status of ", "this host".to_owned()),
        };
        if opts.all {
            // A blank line between clusters, and one after the page's title line.
            out.buf.push('\n');
        }
        let summary = format!(": {}", counts(view, cache, opts));
        out.line(&[
            (prefix, None),
            (&title, Some(Paint::Bold)),
            (&summary, None),
        ]);
        // Names that did not resolve: at login only when nothing resolved, which leaves the
        // view without a word about the cluster.
        if !opts.login || view.knows_nothing() {
            for line in unresolved_lines(view) {
                out.line(&[("  ", None), (&line, Some(Paint::Dim))]);
            }
        }
        let shown = view.entries.len().min(budget);
        for e in &view.entries[..shown] {
            entry(&mut out, e, opts);
        }
        budget -= shown;
        let hidden = view.entries.len() - shown;
        if opts.max_items.is_some() {
            // At login: one line for everything not shown, pointing where it is listed.
            let omitted = view.omitted_total();
            let line = match (hidden, omitted) {
                (0, 0) => None,
                (0, n) => Some(format!(
                    "{} and {n} more: {}",
                    opts.deco.ellipsis,
                    page_url(cache)
                )),
                (k, n) => Some(format!(
                    "{} and {} more: {}",
                    opts.deco.ellipsis,
                    k.saturating_add(n),
                    opts.more_command
                )),
            };
            if let Some(line) = line {
                out.line(&[(&line, Some(Paint::Dim))]);
            }
        } else if let Some(line) = omitted_line(cache, view, opts) {
            out.line(&[(&line, Some(Paint::Dim))]);
        }
    }
    if let Some(s) = stale {
        out.line(&[(&s, Some(Paint::Dim))]);
    }
    if !opts.all {
        let line = format!(
            "Details: {} {} every cluster: motd-status --all",
            page_url(cache),
            opts.deco.dot
        );
        if cols(&line) <= out.width.max(20) {
            out.line(&[(&line, Some(Paint::Dim))]);
        } else {
            // An address is never cut: it goes on a line of its own.
            out.url("Details: ", &page_url(cache));
            out.line(&[("every cluster: motd-status --all", Some(Paint::Dim))]);
        }
    }
    out.buf
}

fn entry(out: &mut Out, e: &Entry<'_>, opts: &Options<'_>) {
    let (mark, paint) = marker(e);
    let pad = " ".repeat(MARK_WIDTH - mark.len());
    let indent = " ".repeat(MARK_WIDTH + 2);
    let (item, affected) = match &e.what {
        What::Component(c) => {
            let name = component_name(c.group.as_deref(), &c.name);
            let status = c.status.replace('_', " ");
            out.line(&[
                ("  ", None),
                (mark, Some(paint)),
                (&pad, None),
                (&name, Some(Paint::Bold)),
                (&format!(" ({})", terminal(&status)), None),
            ]);
            return;
        }
        What::Item { item, affected } => (item, affected),
    };
    out.line(&[
        ("  ", None),
        (mark, Some(paint)),
        (&pad, None),
        (&terminal(&item.name), Some(Paint::Bold)),
        (
            &format!(" ({})", terminal(&item.status.replace('_', " "))),
            None,
        ),
    ]);
    // The time, then the components: on one line when they fit; else the components on a
    // line of their own, or counted when even that is too narrow (never cut to a letter).
    let time = when(e, opts);
    let names = terminal(&affected_names(affected).join(", "));
    let room = out.width.max(20).saturating_sub(indent.len());
    let joined = match (time.is_empty(), names.is_empty()) {
        (false, false) => format!("{time} {} {names}", opts.deco.dot),
        (false, true) => time.clone(),
        (true, _) => names.clone(),
    };
    if cols(&joined) <= room || names.is_empty() || time.is_empty() && cols(&names) <= room {
        if !joined.is_empty() {
            out.line(&[(&indent, None), (&joined, None)]);
        }
    } else {
        if !time.is_empty() {
            out.line(&[(&indent, None), (&time, None)]);
        }
        if cols(&names) <= room {
            out.line(&[(&indent, None), (&names, None)]);
        } else {
            let n = affected.len();
            let counted = format!(
                "{n} component{} (motd-status --format json lists them)",
                if n == 1 { "" } else { "s" }
            );
            out.line(&[(&indent, None), (&counted, None)]);
        }
    }
    // The newest update is worth its line when asked for, not at every login.
    if !opts.login
        && let Some(update) = item.update.as_deref()
    {
        let text = terminal(update);
        if !text.is_empty() {
            out.line(&[(&indent, None), (&text, Some(Paint::Dim))]);
        }
    }
    if let Some(link) = item.shortlink.as_deref() {
        out.url(&indent, &terminal(link));
    }
}

/// The names of an item's affected components, each qualified by its group when another of
/// them has the same name ("Oregon / PostgreSQL, Virginia / PostgreSQL"). Page text, raw.
fn affected_names(affected: &[&crate::cache::Component]) -> Vec<String> {
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

fn component_name(group: Option<&str>, name: &str) -> String {
    match group {
        Some(g) if !g.eq_ignore_ascii_case(name) => format!("{} / {}", terminal(g), terminal(name)),
        _ => terminal(name),
    }
}

/// "since Tue 12 Nov 09:00 CET (2 hours ago)", "Thu 14 Nov 08:00–12:00 CET (in 2 days)", …
/// Dates carry their year when it is not this one (both ends of a window, when they differ).
fn when(e: &Entry<'_>, opts: &Options<'_>) -> String {
    let What::Item { item, .. } = &e.what else {
        return String::new();
    };
    let z = opts.zone;
    let this_year = z.year(opts.now);
    let date = |t: DateTime<Utc>| z.format_with_year(t, z.year(t) != this_year);
    // Something that already happened, by the page's clock: if that is ahead of ours, say so
    // rather than "since … (in 6 days)". A file read later says the date alone.
    let past = |t: DateTime<Utc>| {
        if t.signed_duration_since(opts.now).num_seconds() > crate::view::CLOCK_SKEW_SECONDS {
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
        Section::MaintenanceNow | Section::MaintenancePlanned => {
            let (Some(start), end) = (item.scheduled_for, item.scheduled_until) else {
                return String::new();
            };
            let now = opts.now;
            let ago = |t: DateTime<Utc>| relative(t, now).replace(" ago", "");
            let rel = match (e.section, end) {
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
            let years =
                end.is_some_and(|end| z.year(end) != z.year(start)) || z.year(start) != this_year;
            let window = match end {
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
            };
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
        Section::Component => String::new(),
    }
}

/// The JSON document for scripts (documented in motd-status(1)). Every request has `views`,
/// one per view shown, each with its `counts` by section (listed or not), what the cache left
/// out (`omitted`, `more`) and its `items`; `cluster`, `items` and `more` at the top are the
/// single view's (or, with `--all`, every view's items in turn and their total left out).
#[derive(Serialize)]
struct JsonDoc<'a> {
    cluster: Option<&'a str>,
    fetched_at: DateTime<Utc>,
    checked_at: Option<DateTime<Utc>>,
    stale: bool,
    expired: bool,
    pages: Vec<JsonPage<'a>>,
    items: Vec<JsonEntry<'a>>,
    more: usize,
    views: Vec<JsonView<'a>>,
}

#[derive(Serialize)]
struct JsonPage<'a> {
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonView<'a> {
    cluster: Option<&'a str>,
    /// `cluster`, `no_cluster` (a host of no cluster) or `unclaimed` (`--all`'s last part).
    scope: &'static str,
    counts: Counts,
    omitted: Counts,
    more: usize,
    /// Names in the cluster's config that did not resolve, and why: the view may be
    /// incomplete.
    unmatched: &'a [Unresolved],
    /// How many components of the page the cluster covers (null: not a cluster's view, or
    /// not known).
    covers: Option<usize>,
    /// `none` (the view cannot know anything of the cluster), `partial` (some names did not
    /// resolve) or `full`; null when not a cluster's view or not known.
    coverage: Option<&'static str>,
    items: Vec<JsonEntry<'a>>,
}

#[derive(Serialize, Clone)]
#[serde(untagged)]
enum JsonEntry<'a> {
    Item(JsonItem<'a>),
    Component(JsonComponent<'a>),
}

#[derive(Serialize, Clone)]
struct JsonItem<'a> {
    /// `incident` or `maintenance`.
    kind: &'static str,
    section: &'static str,
    id: &'a str,
    name: &'a str,
    status: &'a str,
    impact: &'a str,
    shortlink: Option<&'a str>,
    started_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    scheduled_for: Option<DateTime<Utc>>,
    scheduled_until: Option<DateTime<Utc>>,
    /// Names of the affected components that matter in this view (qualified by their group
    /// where two share a name).
    components: Vec<String>,
    update: Option<&'a str>,
    page: &'a str,
}

#[derive(Serialize, Clone)]
struct JsonComponent<'a> {
    /// Always `component`.
    kind: &'static str,
    section: &'static str,
    id: &'a str,
    name: &'a str,
    group: Option<&'a str>,
    status: &'a str,
    page: &'a str,
}

fn json(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let (stale, expired) = staleness(cache, opts);
    let views: Vec<JsonView<'_>> = views
        .iter()
        .map(|v| JsonView {
            cluster: v.cluster,
            scope: v.scope,
            counts: v.counts(),
            omitted: v.omitted,
            more: v.omitted_total(),
            unmatched: &v.unresolved,
            covers: v.covers,
            coverage: v.covers.map(|n| match (n, v.unresolved.is_empty()) {
                (0, _) => "none",
                (_, false) => "partial",
                (_, true) => "full",
            }),
            items: v.entries.iter().map(entry_json).collect(),
        })
        .collect();
    let doc = JsonDoc {
        cluster: if opts.all {
            None
        } else {
            views.first().and_then(|v| v.cluster)
        },
        fetched_at: cache.fetched_at,
        checked_at: cache.checked_at,
        stale: stale.is_some(),
        expired,
        pages: cache
            .sources
            .iter()
            .map(|s| JsonPage {
                name: &s.name,
                url: &s.url,
            })
            .collect(),
        items: views.iter().flat_map(|v| v.items.iter().cloned()).collect(),
        more: views.iter().map(|v| v.more).fold(0, usize::saturating_add),
        views: Vec::new(),
    };
    let doc = JsonDoc { views, ..doc };
    let mut s =
        escape_invisible(serde_json::to_string_pretty(&doc).expect("JSON documents serialise"));
    s.push('\n');
    s
}

/// `json` with every character the terminal sanitiser removes (C1 controls, bidi overrides and
/// isolates, zero-width and other invisible characters) and the line and paragraph separators
/// written as `\uXXXX` escapes: serde_json escapes only C0 controls, so a document shown as it
/// is (`cat`, `less`, a log) would otherwise carry them raw to a terminal. The document stays
/// valid and parses to the same strings: outside strings it is ASCII (C0 there is the pretty
/// printer's newlines, left alone), so only string contents change.
fn escape_invisible(json: String) -> String {
    let hidden =
        |c: char| c >= '\u{7f}' && (is_invisible(c) || matches!(c, '\u{2028}' | '\u{2029}'));
    if !json.contains(hidden) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        if hidden(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn entry_json<'a>(e: &Entry<'a>) -> JsonEntry<'a> {
    match &e.what {
        What::Component(c) => JsonEntry::Component(JsonComponent {
            kind: "component",
            section: e.section.as_str(),
            id: &c.id,
            name: &c.name,
            group: c.group.as_deref(),
            status: &c.status,
            page: &e.source.name,
        }),
        What::Item { item, affected } => JsonEntry::Item(JsonItem {
            kind: match item.kind {
                Kind::Incident => "incident",
                Kind::Maintenance => "maintenance",
            },
            section: e.section.as_str(),
            id: &item.id,
            name: &item.name,
            status: &item.status,
            impact: &item.impact,
            shortlink: item.shortlink.as_deref(),
            started_at: item.started_at,
            resolved_at: item.resolved_at,
            scheduled_for: item.scheduled_for,
            scheduled_until: item.scheduled_until,
            components: affected_names(affected),
            update: item.update.as_deref(),
            page: &e.source.name,
        }),
    }
}

/// Markdown for web dashboards (Open OnDemand's MOTD): headings, bullets, links; text escaped.
fn markdown(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut s = String::new();
    let (stale, expired) = staleness(cache, opts);
    if expired {
        let _ = writeln!(
            s,
            "*{}: {}*",
            md(&page_name(cache)),
            md(&stale.unwrap_or_default())
        );
        return s;
    }
    for v in views {
        if opts.all && v.cluster.is_none() && v.entries.is_empty() && v.omitted_total() == 0 {
            continue;
        }
        let title = v.cluster.map_or_else(|| "Status".to_owned(), terminal);
        let _ = writeln!(s, "### {}: {}\n", md(&title), md(&counts(v, cache, opts)));
        let lines = unresolved_lines(v);
        if !lines.is_empty() {
            for line in lines {
                let _ = writeln!(s, "*{}*  ", md(&line));
            }
            s.push('\n');
        }
        for e in &v.entries {
            let (mark, _) = marker(e);
            let (item, affected) = match &e.what {
                What::Component(c) => {
                    let _ = writeln!(
                        s,
                        "- **{mark}** {} ({})",
                        md(&component_name(c.group.as_deref(), &c.name)),
                        md(&c.status.replace('_', " "))
                    );
                    continue;
                }
                What::Item { item, affected } => (item, affected),
            };
            let name = md(&terminal(&item.name));
            let title = match item.shortlink.as_deref().map(terminal) {
                Some(link) if link.starts_with("https://") || link.starts_with("http://") => {
                    format!("[{name}](<{}>)", link.replace(['<', '>'], ""))
                }
                _ => name,
            };
            let _ = write!(
                s,
                "- **{mark}** {title} ({}) — {}",
                md(&item.status.replace('_', " ")),
                md(&when(e, opts))
            );
            if !affected.is_empty() {
                let names: Vec<String> = affected
                    .iter()
                    .map(|c| md(&component_name(c.group.as_deref(), &c.name)))
                    .collect();
                let _ = write!(s, ". Affects: {}", names.join(", "));
            }
            s.push('\n');
        }
        if let Some(line) = omitted_line(cache, v, opts) {
            let _ = writeln!(s, "- *{}*", md(&line));
        }
        s.push('\n');
    }
    if let Some(line) = stale {
        let _ = writeln!(s, "*{}*\n", md(&line));
    }
    let _ = writeln!(s, "More: {}", md(&page_url(cache)));
    s
}

/// Escapes Markdown and HTML metacharacters in plain text.
fn md(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_{}[]()<>#+-!|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Display width of a rendered plain line, as the renderer counts it.
pub fn display_width(s: &str) -> usize {
    cols(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(width: usize, parts: &[&str]) -> String {
        let mut out = Out {
            buf: String::new(),
            color: false,
            width,
            ellipsis: "…",
        };
        let parts: Vec<(&str, Option<Paint>)> = parts.iter().map(|p| (*p, None)).collect();
        out.line(&parts);
        out.buf.trim_end_matches('\n').to_owned()
    }

    #[test]
    fn emoji_presentation_sequences_are_two_columns() {
        assert_eq!(cols("\u{26a0}"), 1);
        assert_eq!(cols("\u{26a0}\u{fe0f}"), 2);
        assert_eq!(cols("\u{2764}\u{fe0f}"), 2);
        assert_eq!(cols("a\u{26a0}\u{fe0f}b\u{2764}\u{fe0f}c"), 7);
        // Keycaps, and any character a terminal may widen for its VS16.
        assert_eq!(cols("1\u{fe0f}\u{20e3}"), 2);
        assert_eq!(cols("a\u{fe0f}"), 2);
        // Terminals ignore VS15: a wide emoji stays wide.
        assert_eq!(cols("\u{231a}\u{fe0e}"), 2);
        // Combining marks add nothing; each emoji of a skin-tone pair may be drawn wide.
        assert_eq!(cols("cafe\u{301}"), 4);
        assert_eq!(cols("\u{1f44d}\u{1f3fd}"), 4);
        assert_eq!(cols("\u{8a08}\u{7b97}"), 4);
        assert_eq!(display_width("\u{26a0}\u{fe0f} x"), 4);
    }

    #[test]
    fn cutting_keeps_a_base_and_its_variation_selector_together() {
        let warn = "\u{26a0}\u{fe0f}";
        for width in 20..=40 {
            for lead in ["", "a", "ab"] {
                let name = format!("{lead}{}", warn.repeat(30));
                let shown = line(width, &["  ", "MINOR", "     ", &name, " (identified)"]);
                assert!(cols(&shown) <= width, "{shown:?} is wider than {width}");
                assert!(shown.ends_with('…'), "{shown:?}");
                // The 2-column units fill the line: at most one column is left unused.
                assert!(cols(&shown) + 1 >= width, "{shown:?} at {width}");
                let body = shown.trim_start_matches("  MINOR     ");
                let body = body.strip_prefix(lead).unwrap().trim_end_matches('…');
                assert!(
                    body.replace(warn, "").is_empty(),
                    "{shown:?} splits a {warn:?}"
                );
            }
        }
        // A combining accent stays on its letter too.
        assert_eq!(
            line(20, &["1234567890123456789", "e\u{301}\u{301}"]),
            "1234567890123456789e\u{301}\u{301}"
        );
        assert_eq!(
            line(20, &["1234567890123456789", "e\u{301}x"]),
            "1234567890123456789…"
        );
    }

    #[test]
    fn json_escapes_what_the_sanitiser_removes() {
        let raw = serde_json::to_string_pretty(&serde_json::json!({
            "name": "a\u{9b}2J\u{202e}b\u{2066}\u{200b}\u{2028}\u{7f}\u{3164}\u{e0041} caf\u{e9} \u{26a0}\u{fe0f}\n",
        }))
        .unwrap();
        let escaped = escape_invisible(raw.clone());
        assert_eq!(
            escaped,
            "{\n  \"name\": \"a\\u009b2J\\u202eb\\u2066\\u200b\\u2028\\u007f\\u3164\\udb40\\udc41 \
             caf\u{e9} \u{26a0}\u{fe0f}\\n\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(&raw).unwrap()
        );
        assert_eq!(escape_invisible("{}".to_owned()), "{}");
    }
}

//! Rendering a view as text (coloured or plain), JSON for scripts, or Markdown for web portals.
//!
//! Every string that came from the page passes through [`sanitize::terminal`] here, the one
//! place where it meets the output; the only escape sequences written are this module's own SGR
//! colour codes, and none when colour is off. Lines are cut to the terminal width by display
//! width, so wide characters cannot push the layout past the edge.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use unicode_width::UnicodeWidthChar;

use crate::cache::{Cache, Kind};
use crate::localtime::{LocalZone, age, relative};
use crate::sanitize::terminal;
use crate::select::{self, Entry, Scope, Section};

/// A titled list of entries: a cluster's view, or one part of `--all`.
pub struct View<'a> {
    /// The cluster's name; `None` for a host of no cluster or the unclaimed part of `--all`.
    pub cluster: Option<&'a str>,
    pub entries: Vec<Entry<'a>>,
    /// Entries the fetcher left out of the cache (counted, never shown).
    pub more: usize,
}

impl<'a> View<'a> {
    /// The view of `scope` at `now`, titled `cluster`.
    pub fn of(
        cache: &'a Cache,
        cluster: Option<&'a str>,
        scope: Scope<'a>,
        now: DateTime<Utc>,
    ) -> View<'a> {
        View {
            cluster,
            entries: select::entries(cache, scope, now),
            more: match scope {
                Scope::Cluster(c) => c.more,
                _ => 0,
            },
        }
    }
}

pub struct Options<'a> {
    pub now: DateTime<Utc>,
    pub zone: &'a LocalZone,
    pub color: bool,
    /// Columns; every line is cut to this display width.
    pub width: usize,
    /// At login: at most this many entries, then "… and K more".
    pub max_items: Option<usize>,
    /// At login: print nothing at all when there is nothing to report.
    pub login: bool,
    /// `--all`: titles say "Not in any cluster" for the unclaimed part.
    pub all: bool,
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
}

impl Out {
    /// Writes one line of `parts`, cut to the width (ending in "…") before colour is added.
    fn line(&mut self, parts: &[(&str, Option<Paint>)]) {
        let width = self.width.max(20);
        let total: usize = parts.iter().map(|(t, _)| cols(t)).sum();
        let mut room = if total <= width {
            usize::MAX
        } else {
            width - 1
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
            for c in text.chars() {
                let w = c.width().unwrap_or(0);
                if w > room {
                    cut = true;
                    break;
                }
                room -= w;
                shown.push(c);
            }
            if cut {
                shown.push('…');
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

/// Display columns, counted the same way the cutting does.
fn cols(s: &str) -> usize {
    if s.is_ascii() {
        // Sanitised text has no control characters: every ASCII byte is one column.
        return s.len();
    }
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Severity marker and its colour. Words, so they survive without colour.
fn marker(e: &Entry<'_>) -> (&'static str, Paint) {
    if let Some(c) = e.component {
        return match c.status.as_str() {
            "major_outage" => ("OUTAGE", Paint::Red),
            "partial_outage" => ("PARTIAL", Paint::Yellow),
            "under_maintenance" => ("MAINT", Paint::Blue),
            _ => ("DEGRADED", Paint::Yellow),
        };
    }
    let item = e.item.expect("an entry is an item or a component");
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

/// "1 incident, 2 maintenances, 1 resolved, 1 component".
fn counts(entries: &[Entry<'_>]) -> String {
    let n = |f: &dyn Fn(Section) -> bool| entries.iter().filter(|e| f(e.section)).count();
    let maint = |s| matches!(s, Section::MaintenanceNow | Section::MaintenancePlanned);
    let parts = [
        (n(&|s| s == Section::Incident), "incident", "incidents"),
        (n(&maint), "maintenance", "maintenances"),
        (n(&|s| s == Section::Resolved), "resolved", "resolved"),
        (n(&|s| s == Section::Component), "degraded", "degraded"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(k, _, _)| *k > 0)
        .map(|(k, one, many)| format!("{k} {}", if *k == 1 { one } else { many }))
        .collect();
    if words.is_empty() {
        "all systems operational".to_owned()
    } else {
        words.join(", ")
    }
}

/// "status as of 3 hours ago" once the cache is older than the stale threshold; and whether it
/// is so old that nothing else should be shown.
fn staleness(cache: &Cache, now: DateTime<Utc>) -> (Option<String>, bool) {
    let seen = cache
        .checked_at
        .unwrap_or(cache.fetched_at)
        .max(cache.fetched_at);
    let secs = now.signed_duration_since(seen).num_seconds().max(0) as u64;
    if secs <= cache.settings.stale_seconds {
        return (None, false);
    }
    let expired = secs > cache.settings.expire_seconds;
    let mut text = format!("status as of {} ago", age(secs));
    if expired {
        text.push_str(" (too old to show)");
    }
    (Some(text), expired)
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
pub fn text(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut out = Out {
        buf: String::new(),
        color: opts.color,
        width: opts.width,
    };
    let (stale, expired) = staleness(cache, opts.now);
    let total: usize = views.iter().map(|v| v.entries.len()).sum();
    if opts.login && (!cache.settings.login || (total == 0 && !expired)) {
        return String::new();
    }
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
    let mut hidden = 0;
    for view in views {
        if opts.all && view.entries.is_empty() && view.cluster.is_none() {
            continue;
        }
        let title = match (view.cluster, opts.all) {
            (Some(c), _) => terminal(c),
            (None, true) if cache.clusters.is_empty() => "Whole page".to_owned(),
            (None, true) => "Not in any cluster".to_owned(),
            (None, false) => "this host".to_owned(),
        };
        if opts.all {
            // A blank line between clusters, and one after the page's title line.
            out.buf.push('\n');
        }
        let mut summary = format!(": {}", counts(&view.entries));
        if view.more > 0 {
            summary.push_str(&format!(" and {} more", view.more));
        }
        out.line(&[
            ("Status of ", None),
            (&title, Some(Paint::Bold)),
            (&summary, None),
        ]);
        for e in &view.entries {
            if budget == 0 {
                hidden += 1;
                continue;
            }
            budget -= 1;
            entry(&mut out, e, opts);
        }
        hidden += view.more;
    }
    if hidden > 0 {
        out.line(&[(
            &format!("… and {hidden} more: motd-status --all"),
            Some(Paint::Dim),
        )]);
    }
    if let Some(s) = stale {
        out.line(&[(&s, Some(Paint::Dim))]);
    }
    if !opts.all {
        out.line(&[(
            &format!(
                "Details: {} · every cluster: motd-status --all",
                page_url(cache)
            ),
            Some(Paint::Dim),
        )]);
    }
    out.buf
}

fn entry(out: &mut Out, e: &Entry<'_>, opts: &Options<'_>) {
    let (mark, paint) = marker(e);
    let pad = " ".repeat(MARK_WIDTH - mark.len());
    let indent = " ".repeat(MARK_WIDTH + 2);
    if let Some(c) = e.component {
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
    let item = e.item.expect("an entry is an item or a component");
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
    let mut detail = when(e, opts);
    if !e.affected.is_empty() {
        let names: Vec<&str> = e.affected.iter().map(|c| c.name.as_str()).collect();
        if !detail.is_empty() {
            detail.push_str(" · ");
        }
        detail.push_str(&terminal(&names.join(", ")));
    }
    if !detail.is_empty() {
        out.line(&[(&indent, None), (&detail, None)]);
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
        out.line(&[(&indent, None), (&terminal(link), Some(Paint::Dim))]);
    }
}

fn component_name(group: Option<&str>, name: &str) -> String {
    match group {
        Some(g) if !g.eq_ignore_ascii_case(name) => format!("{} / {}", terminal(g), terminal(name)),
        _ => terminal(name),
    }
}

/// "since Tue 12 Nov 09:00 CET (2 hours ago)", "Thu 14 Nov 08:00–12:00 CET (in 2 days)", …
pub fn when(e: &Entry<'_>, opts: &Options<'_>) -> String {
    let Some(item) = e.item else {
        return String::new();
    };
    let z = opts.zone;
    let at = |t: DateTime<Utc>| format!("{} ({})", z.format(t), relative(t, opts.now));
    match e.section {
        Section::Incident => match item.started_at.or(item.updated_at) {
            Some(t) => format!("since {}", at(t)),
            None => String::new(),
        },
        Section::Resolved => match item.resolved_at.or(item.updated_at) {
            Some(t) => format!("resolved {}", at(t)),
            None => "resolved".to_owned(),
        },
        Section::MaintenanceNow | Section::MaintenancePlanned => {
            let (Some(start), end) = (item.scheduled_for, item.scheduled_until) else {
                return String::new();
            };
            let rel_to = if e.section == Section::MaintenanceNow {
                end.unwrap_or(start)
            } else {
                start
            };
            let rel = relative(rel_to, opts.now);
            let rel = if e.section == Section::MaintenanceNow && end.is_some() {
                format!("ends {rel}")
            } else {
                rel
            };
            match end {
                Some(end) if z.same_day(start, end) => {
                    let s = z.format(start);
                    // "Thu 14 Nov 08:00 CET" → "Thu 14 Nov 08:00–12:00 CET" when the zone holds.
                    let e_time = z.format_time(end);
                    let (s_head, s_zone) = s.rsplit_once(' ').unwrap_or((&s, ""));
                    let (e_hm, e_zone) = e_time.split_once(' ').unwrap_or((&e_time, ""));
                    if s_zone == e_zone {
                        format!("{s_head}–{e_hm} {s_zone} ({rel})")
                    } else {
                        format!("{s} – {e_time} ({rel})")
                    }
                }
                Some(end) => format!("{} – {} ({rel})", z.format(start), z.format(end)),
                None => format!("from {} ({rel})", z.format(start)),
            }
        }
        Section::Component => String::new(),
    }
}

/// The JSON contract for scripts: `cluster`, `fetched_at`, `items` (each with `kind`, `id`,
/// `name`, `status`, and more). `--all` adds `views`, one per cluster.
pub fn json(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let (stale, expired) = staleness(cache, opts.now);
    let items = |v: &View<'_>| -> Vec<Value> { v.entries.iter().map(entry_json).collect() };
    let mut root = json!({
        "cluster": if opts.all { None } else { views.first().and_then(|v| v.cluster) },
        "fetched_at": cache.fetched_at,
        "checked_at": cache.checked_at,
        "stale": stale.is_some(),
        "expired": expired,
        "pages": cache.sources.iter().map(|s| json!({"name": s.name, "url": s.url})).collect::<Vec<_>>(),
    });
    if opts.all {
        root["items"] = Value::Array(views.iter().flat_map(items).collect());
        root["views"] = views
            .iter()
            .map(|v| json!({"cluster": v.cluster, "items": items(v)}))
            .collect();
    } else {
        root["items"] = Value::Array(views.first().map(items).unwrap_or_default());
        root["more"] = json!(views.first().map_or(0, |v| v.more));
    }
    let mut s = serde_json::to_string_pretty(&root).expect("JSON values serialise");
    s.push('\n');
    s
}

fn entry_json(e: &Entry<'_>) -> Value {
    if let Some(c) = e.component {
        return json!({
            "kind": "component",
            "section": e.section.as_str(),
            "id": c.id,
            "name": c.name,
            "group": c.group,
            "status": c.status,
            "page": e.source.name,
        });
    }
    let item = e.item.expect("an entry is an item or a component");
    json!({
        "kind": match item.kind { Kind::Incident => "incident", Kind::Maintenance => "maintenance" },
        "section": e.section.as_str(),
        "id": item.id,
        "name": item.name,
        "status": item.status,
        "impact": item.impact,
        "shortlink": item.shortlink,
        "started_at": item.started_at,
        "resolved_at": item.resolved_at,
        "scheduled_for": item.scheduled_for,
        "scheduled_until": item.scheduled_until,
        "components": e.affected.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "update": item.update,
        "page": e.source.name,
    })
}

/// Markdown for web dashboards (Open OnDemand's MOTD): headings, bullets, links; text escaped.
pub fn markdown(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut s = String::new();
    let (stale, expired) = staleness(cache, opts.now);
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
        if opts.all && v.entries.is_empty() && v.cluster.is_none() {
            continue;
        }
        let title = v.cluster.map_or_else(|| "Status".to_owned(), terminal);
        let _ = writeln!(s, "### {}: {}\n", md(&title), counts(&v.entries));
        for e in &v.entries {
            let (mark, _) = marker(e);
            if let Some(c) = e.component {
                let _ = writeln!(
                    s,
                    "- **{mark}** {} ({})",
                    md(&component_name(c.group.as_deref(), &c.name)),
                    md(&c.status.replace('_', " "))
                );
                continue;
            }
            let item = e.item.expect("an entry is an item or a component");
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
            if !e.affected.is_empty() {
                let names: Vec<String> = e
                    .affected
                    .iter()
                    .map(|c| md(&component_name(c.group.as_deref(), &c.name)))
                    .collect();
                let _ = write!(s, ". Affects: {}", names.join(", "));
            }
            s.push('\n');
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

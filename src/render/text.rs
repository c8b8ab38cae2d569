//! The terminal's layout: one line per part, cut to the width by display columns (whole
//! grapheme units only), coloured with this module's own SGR codes and none else.

use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::Options;
use super::when::when;
use super::words::{
    MARK_WIDTH, Paint, affected_words, component_name, counts, failure_lines, folded_line, marker,
    omitted_line, page_name, page_url, slurm_line, staleness, status_words, unresolved_lines,
};
use crate::cache::Cache;
use crate::sanitize::terminal;
use crate::select::{Entry, View, What};

pub(super) struct Out {
    pub(super) buf: String,
    pub(super) color: bool,
    pub(super) width: usize,
    /// What ends a line cut short.
    pub(super) ellipsis: &'static str,
}

impl Out {
    /// Writes one line of `parts`, cut to the width (ending in "…") before colour is added.
    pub(super) fn line(&mut self, parts: &[(&str, Option<Paint>)]) {
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
pub(super) fn cols(s: &str) -> usize {
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

/// The text rendering of `views`: the page's title under `--all`, each view, the staleness
/// line, and where the details are. Whether a login says anything at all is decided once, for
/// every format, in view.rs.
pub(super) fn text(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut out = Out {
        buf: String::new(),
        color: opts.color,
        width: opts.width,
        ellipsis: opts.deco.ellipsis,
    };
    let (stale, expired) = staleness(cache, opts);
    if opts.all {
        let line = format!("{} ({})", page_name(cache), page_url(cache));
        out.line(&[(&line, Some(Paint::Bold))]);
    }
    if expired {
        let line = format!("{}: {}", page_name(cache), stale.join("; "));
        out.line(&[(&line, Some(Paint::Dim))]);
        return out.buf;
    }
    let mut budget = opts.max_items.unwrap_or(usize::MAX);
    for view in views {
        // The part no cluster covers is left out when empty, unless it is the whole page.
        if opts.all && view.cluster.is_none() && view.is_empty() && !cache.clusters.is_empty() {
            continue;
        }
        budget -= view_block(&mut out, cache, view, opts, budget);
    }
    for s in stale {
        out.line(&[(&s, Some(Paint::Dim))]);
    }
    if !opts.login {
        for s in failure_lines(cache) {
            out.line(&[(&s, Some(Paint::Dim))]);
        }
    }
    if !opts.all {
        details(&mut out, cache, opts);
    }
    out.buf
}

/// One view: its title and summary, why names did not resolve, its entries (at most `budget`
/// of them) and what it does not list. Returns how many entries it listed.
fn view_block(
    out: &mut Out,
    cache: &Cache,
    view: &View<'_>,
    opts: &Options<'_>,
    budget: usize,
) -> usize {
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
    // Names that did not resolve: at login only when nothing resolved, which leaves the view
    // without a word about the cluster.
    if !opts.login || view.knows_nothing() {
        for line in unresolved_lines(view) {
            out.line(&[("  ", None), (&line, Some(Paint::Dim))]);
        }
    }
    let listed = view.listed(budget);
    for e in listed {
        entry(out, e, opts);
    }
    if let Some(forms) = folded_line(view, opts) {
        let room = out.width.max(20);
        match forms.iter().find(|f| cols(f) + 2 <= room) {
            Some(line) => out.line(&[("  ", None), (line, Some(Paint::Dim))]),
            None => {
                // Narrower still: the command on a line of its own, never cut.
                let n = format!("{} unchanged, see:", view.folded.len());
                out.line(&[("  ", None), (&n, Some(Paint::Dim))]);
                out.line(&[("  ", None), (&opts.more_command, Some(Paint::Dim))]);
            }
        }
    }
    let shown = listed.len();
    let line = if opts.max_items.is_some() {
        more_line(cache, view, opts, view.entries.len() - shown)
    } else {
        omitted_line(cache, view, opts)
    };
    if let Some(line) = line {
        out.line(&[(&line, Some(Paint::Dim))]);
    }
    shown
}

/// At login, one line for everything not shown (`hidden` entries over the budget, and what
/// the cache left out), pointing where it is listed.
fn more_line(cache: &Cache, view: &View<'_>, opts: &Options<'_>, hidden: usize) -> Option<String> {
    match (hidden, view.omitted_total()) {
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
    }
}

/// "Details: <address> · every cluster: motd-status --all"; the address never cut.
fn details(out: &mut Out, cache: &Cache, opts: &Options<'_>) {
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
            &status_words(e).map_or_else(String::new, |s| format!(" ({})", terminal(&s))),
            None,
        ),
    ]);
    // The time, then the components: on one line when they fit; else the components on a
    // line of their own, or counted when even that is too narrow (never cut to a letter).
    let time = when(e, opts);
    let names = terminal(&affected_words(e).join(", "));
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
    if let Some(line) = slurm_line(e, opts) {
        out.line(&[(&indent, None), (&terminal(&line), None)]);
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
        assert_eq!(super::super::display_width("\u{26a0}\u{fe0f} x"), 4);
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
}

//! Markdown for web dashboards (Open OnDemand's MOTD): headings, bullets, links; page text
//! escaped.

use std::fmt::Write as _;

use super::Options;
use super::when::when;
use super::words::{
    affected_words, component_name, counts, marker, omitted_line, page_name, page_url, slurm_line,
    staleness, status_words, unresolved_lines,
};
use crate::cache::{Cache, Provider};
use crate::sanitize::terminal;
use crate::select::{View, What};

pub(super) fn markdown(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
    let mut s = String::new();
    let (stale, expired) = staleness(cache, opts);
    if expired {
        let _ = writeln!(s, "*{}: {}*", md(&page_name(cache)), md(&stale.join("; ")));
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
            let status = status_words(e).map_or_else(String::new, |w| format!(" ({})", md(&w)));
            let _ = write!(s, "- **{mark}** {title}{status} — {}", md(&when(e, opts)));
            let names: Vec<String> = match e.joined {
                None if e.source.provider == Provider::Slurm => {
                    affected_words(e).iter().map(|w| md(w)).collect()
                }
                _ => affected
                    .iter()
                    .map(|c| md(&component_name(c.group.as_deref(), &c.name)))
                    .collect(),
            };
            if !names.is_empty() {
                let _ = write!(s, ". Affects: {}", names.join(", "));
            }
            if let Some(line) = slurm_line(e, opts) {
                let _ = write!(s, ". {}", md(&line));
            }
            s.push('\n');
        }
        if let Some(line) = omitted_line(cache, v, opts) {
            let _ = writeln!(s, "- *{}*", md(&line));
        }
        s.push('\n');
    }
    for line in stale {
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

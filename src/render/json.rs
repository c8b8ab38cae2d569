//! The JSON document for scripts: typed, so its schema is a type (documented in
//! motd-status(1)).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Options;
use super::words::{affected_names, longest_job, staleness};
use crate::cache::{Cache, Counts, Kind, Provider, Unresolved};
use crate::sanitize::is_invisible;
use crate::select::{Entry, View, What};

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
    /// `statuspage` or `notices`.
    kind: &'static str,
    /// This source's own times (each source fails, and ages, on its own); null for a source
    /// no run has read yet.
    fetched_at: Option<DateTime<Utc>>,
    checked_at: Option<DateTime<Utc>>,
    /// Why the last read failed, when it did: the source shows its last good data (or, with
    /// null times, has none).
    failed: Option<&'a str>,
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
    /// The sources no run has read yet (their first reads failed): the view cannot know.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unread: &'a [&'a str],
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
    /// `incident`, `maintenance` or `notice`.
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
    /// A Slurm maintenance reservation: the item itself (kind `reservation`), or joined to a
    /// page's maintenance of the same event.
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation: Option<Box<JsonReservation<'a>>>,
    /// Every Slurm reservation of the entry, earliest first (`reservation` is the first): a
    /// page's maintenance may stand for several (one per partition or node set).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reservations: Vec<JsonReservation<'a>>,
}

#[derive(Serialize, Clone)]
struct JsonReservation<'a> {
    name: &'a str,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    /// As Slurm writes them (`node[001-012]`), and how many.
    nodes: &'a str,
    node_count: u64,
    /// "all nodes", "partition gpu", "12 of 340 nodes".
    covers: String,
    /// The one partition whose nodes it holds exactly, if any.
    partition: Option<&'a str>,
    /// The partitions it holds any node of.
    partitions: &'a [String],
    /// The partitions it holds every node of: their jobs wait for it.
    whole_partitions: Vec<&'a str>,
    /// While it is ahead and holds up some partition's jobs: the longest `--time` of a job
    /// that can still start before it.
    longest_job: Option<String>,
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

pub(super) fn json(cache: &Cache, views: &[View<'_>], opts: &Options<'_>) -> String {
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
            unread: &v.unread,
            items: v.entries.iter().map(|e| entry_json(e, opts.now)).collect(),
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
        stale: !stale.is_empty(),
        expired,
        pages: cache
            .sources
            .iter()
            .enumerate()
            .map(|(si, s)| JsonPage {
                name: &s.name,
                url: &s.url,
                kind: provider_word(s.provider),
                fetched_at: (!s.never_read()).then(|| s.fetched_at.unwrap_or(cache.fetched_at)),
                checked_at: (!s.never_read()).then(|| crate::select::source_seen(cache, si)),
                failed: s.failed.as_deref(),
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

fn provider_word(p: Provider) -> &'static str {
    match p {
        Provider::Statuspage => "statuspage",
        Provider::Notices => "notices",
        Provider::Slurm => "slurm",
        Provider::Other => "other",
    }
}

fn entry_json<'a>(e: &Entry<'a>, now: DateTime<Utc>) -> JsonEntry<'a> {
    let reservations: Vec<JsonReservation<'a>> = crate::select::reservations_of(e)
        .into_iter()
        .map(|(item, r)| JsonReservation {
            name: &r.name,
            start: item.scheduled_for,
            end: item.scheduled_until,
            nodes: &r.nodes,
            node_count: r.node_count,
            covers: r.covers(),
            partition: r.partition.as_deref(),
            partitions: &r.partitions,
            whole_partitions: r.holds_up_in(),
            longest_job: item
                .scheduled_for
                .filter(|_| r.holds_up_any())
                .and_then(|s| longest_job(s, now)),
        })
        .collect();
    let reservation = reservations.first().cloned().map(Box::new);
    // A reservation of its own is known by its name.
    let own = e.joined.is_none() && reservation.is_some();
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
                _ if own => "reservation",
                Kind::Incident if item.status == "notice" => "notice",
                Kind::Incident => "incident",
                Kind::Maintenance => "maintenance",
            },
            section: e.section.as_str(),
            id: match &reservation {
                Some(r) if own => r.name,
                _ => &item.id,
            },
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
            reservation,
            reservations,
        }),
    }
}

/// Markdown for web dashboards (Open OnDemand's MOTD): headings, bullets, links; text escaped.
#[cfg(test)]
mod tests {
    use super::*;

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

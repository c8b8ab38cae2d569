//! Selection: the one rule for what a view shows. Everything else asks this module.
//!
//! Two questions, each answered once here:
//!
//! - **Which items and components concern a scope** ([`Coverage`]). An item concerns a cluster
//!   when one of its components is covered by the cluster, or when it names no component and
//!   the site shows unscoped items everywhere. A host of no cluster sees only those unscoped
//!   items; the unclaimed part of `--all` holds what no cluster covers.
//! - **Which section an item is in at `now`** ([`section_of`]): unresolved incidents (and a
//!   site's notices between their start and end), maintenance in progress, maintenance
//!   starting within `upcoming`, incidents resolved within `recent`, then covered components
//!   that are not operational and that no item above names (nor, for "under maintenance", a
//!   maintenance hidden because its window ended unconfirmed). A maintenance whose status the
//!   page does not keep (a notice's `planned`) goes by its window alone. Nothing of a source
//!   whose data is past `expire_after` is shown: each source ages on its own.
//! - **One event, one entry** ([`slurm`]): a Slurm maintenance reservation joins the page's
//!   maintenance of the cluster that starts closest to it within `[slurm] match_window`; one
//!   page maintenance may have several (one per partition or node set).
//!
//! The fetcher's trimming ([`may_show_between`], [`entries`]), the cache's partial reader
//! (which parses only the items [`Coverage::concerns`] accepts) and every renderer call these;
//! none of them decides on its own, so two readings of one cache cannot disagree.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

mod slurm;
mod view;
mod whose;

pub use crate::cache::Section;
use crate::cache::{Cache, Cluster, Component, Counts, Item, Kind, Settings, Source};
pub use slurm::{reservation, reservations_of};
pub use view::{Age, CLOCK_SKEW_SECONDS, View, age, motd_file_behind, source_age, source_seen};
pub use whose::{Scope, Whose, cluster_by_name, cluster_for_host, hostname};

/// One line of a view: an item, or a degraded component.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub section: Section,
    pub source: &'a Source,
    pub what: What<'a>,
    /// The Slurm maintenance reservations that are this page maintenance's event too (their
    /// source and item, never an empty list, earliest first): shown as part of this entry (see
    /// [`slurm::join`]).
    pub joined: Option<Vec<(&'a Source, &'a Item)>>,
}

/// What an [`Entry`] shows.
#[derive(Debug, Clone)]
pub enum What<'a> {
    /// An incident or maintenance, with the components it affects that matter in this view.
    Item {
        item: &'a Item,
        affected: Vec<&'a Component>,
    },
    /// A component that is not operational and that no item of the view names.
    Component(&'a Component),
}

/// Which items and components concern one scope.
pub struct Coverage<'a> {
    scope: Scope<'a>,
    /// The cluster's components, as (source index, id), sorted: a login asks about every
    /// component of the page, and a binary search beats hashing each id.
    covered: Vec<(usize, &'a str)>,
    /// Every cluster's components, for the unclaimed part, sorted.
    claimed: Vec<(usize, &'a str)>,
    show_unscoped: bool,
    no_clusters: bool,
}

impl<'a> Coverage<'a> {
    /// The coverage of `scope` among `clusters` (all of the cache's, for [`Scope::Unclaimed`]).
    pub fn new(clusters: &'a [Cluster], scope: Scope<'a>, show_unscoped: bool) -> Self {
        let refs = |c: &'a Cluster| c.components.iter().map(|r| (r.source, r.id.as_str()));
        let (mut covered, mut claimed): (Vec<_>, Vec<_>) = match scope {
            Scope::Cluster(c) => (refs(c).collect(), Vec::new()),
            Scope::NoCluster => (Vec::new(), Vec::new()),
            Scope::Unclaimed => (Vec::new(), clusters.iter().flat_map(refs).collect()),
        };
        covered.sort_unstable();
        claimed.sort_unstable();
        Coverage {
            scope,
            covered,
            claimed,
            show_unscoped,
            no_clusters: clusters.is_empty(),
        }
    }

    /// Whether an item of source `si` that names `components` concerns this scope.
    pub fn concerns<S: AsRef<str>>(&self, si: usize, components: &[S]) -> bool {
        let unscoped = components.is_empty();
        match self.scope {
            Scope::Cluster(_) => {
                (unscoped && self.show_unscoped) || components.iter().any(|id| self.holds(si, id))
            }
            Scope::NoCluster => unscoped && self.show_unscoped,
            Scope::Unclaimed if unscoped => !self.show_unscoped || self.no_clusters,
            Scope::Unclaimed => !components
                .iter()
                .any(|id| self.claimed.binary_search(&(si, id.as_ref())).is_ok()),
        }
    }

    /// Whether component `id` of source `si` belongs to this scope: an item names it by it, and
    /// it is listed when it is not operational.
    pub fn holds<S: AsRef<str>>(&self, si: usize, id: S) -> bool {
        let key = (si, id.as_ref());
        match self.scope {
            Scope::Cluster(_) => self.covered.binary_search(&key).is_ok(),
            Scope::NoCluster => false,
            Scope::Unclaimed => self.claimed.binary_search(&key).is_err(),
        }
    }
}

/// When the page last confirmed what the cache says: a 304 moves `checked_at`.
pub fn seen_at(cache: &Cache) -> DateTime<Utc> {
    cache
        .checked_at
        .unwrap_or(cache.fetched_at)
        .max(cache.fetched_at)
}

/// Where an item belongs at `now`, or `None` if it is out of every window. `seen` is when the
/// page last confirmed the item's status: a maintenance still "in progress" after its window
/// is shown only if the page said so after the window ended (an overrun), not because the
/// cache is too old to know it finished.
pub fn section_of(
    item: &Item,
    settings: &Settings,
    now: DateTime<Utc>,
    seen: DateTime<Utc>,
) -> Option<Section> {
    // Windows are saturating: "forever" in a config must not overflow the calendar.
    let since = shift(now, settings.recent_seconds, false);
    let until = shift(now, settings.upcoming_seconds, true);
    match item.kind {
        Kind::Incident => match item.status.as_str() {
            "resolved" | "postmortem" | "completed" => {
                let at = item.resolved_at.or(item.updated_at)?;
                (at >= since).then_some(Section::Resolved)
            }
            // A site's notice: shown from its start until its end, if it has one.
            "notice" => {
                let start = item.scheduled_for.unwrap_or(DateTime::<Utc>::MIN_UTC);
                let ended = item.scheduled_until.is_some_and(|end| end <= now);
                (start <= now && !ended).then_some(Section::Incident)
            }
            _ => Some(Section::Incident),
        },
        Kind::Maintenance => match item.status.as_str() {
            "in_progress" | "verifying" => match item.scheduled_until {
                Some(end) if end <= now && seen < end => None,
                _ => Some(Section::MaintenanceNow),
            },
            "completed" | "cancelled" => None,
            // `scheduled`, or a status this build does not know: go by the window.
            _ => {
                let start = item.scheduled_for?;
                // An end before the start is the page's mistake: it must not hide a
                // maintenance still ahead, so it counts only once the start has passed.
                let end = item
                    .scheduled_until
                    .filter(|&end| end > start || start <= now);
                if end.is_some_and(|end| end <= now) {
                    None
                } else if start <= now && item.status != "scheduled" {
                    Some(Section::MaintenanceNow)
                } else {
                    (start <= until).then_some(Section::MaintenancePlanned)
                }
            }
        },
    }
}

/// Whether `item` can be in a view at some time between `from` and `until`, with the page
/// confirming its state at any time in between. The fetcher drops only items for which this
/// is false, so its trimming never changes a view while the cache can be shown: this asks
/// [`section_of`] itself, at every instant where its answer can change (the item's own times,
/// shifted by the windows, and either side of them).
pub fn may_show_between(
    item: &Item,
    settings: &Settings,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> bool {
    let times = [
        item.started_at,
        item.updated_at,
        item.resolved_at,
        item.scheduled_for,
        item.scheduled_until,
    ];
    let nudge = Duration::nanoseconds(1);
    let mut candidates = vec![from];
    for t in times.into_iter().flatten() {
        for base in [
            t,
            shift(t, settings.recent_seconds, true),
            shift(t, settings.upcoming_seconds, false),
        ] {
            for c in [
                Some(base),
                base.checked_sub_signed(nudge),
                base.checked_add_signed(nudge),
            ]
            .into_iter()
            .flatten()
            {
                if from <= c && c <= until {
                    candidates.push(c);
                }
            }
        }
    }
    candidates.iter().any(|&now| {
        [from, now]
            .into_iter()
            .any(|seen| section_of(item, settings, now, seen).is_some())
    })
}

/// `t` moved `secs` forward or back, clamped to the calendar's ends.
fn shift(t: DateTime<Utc>, secs: u64, forward: bool) -> DateTime<Utc> {
    let d = Duration::try_seconds(secs.min(i64::MAX as u64) as i64).unwrap_or(Duration::MAX);
    let moved = if forward {
        t.checked_add_signed(d)
    } else {
        t.checked_sub_signed(d)
    };
    moved.unwrap_or(if forward {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    })
}

/// Statuses that put a component in the last section of a view.
pub fn is_degraded(status: &str) -> bool {
    !matches!(status, "operational" | "")
}

/// The entries of `scope` at `now`, most severe first.
pub fn entries<'a>(cache: &'a Cache, scope: Scope<'a>, now: DateTime<Utc>) -> Vec<Entry<'a>> {
    let settings = &cache.settings;
    let cov = Coverage::new(&cache.clusters, scope, settings.show_unscoped);
    // A source whose data is past `expire_after` shows nothing (the view says how old it is).
    let shown: Vec<bool> = (0..cache.sources.len())
        .map(|si| !source_age(cache, si, now).expired)
        .collect();
    let mut out = Vec::new();
    let mut named: HashSet<(usize, &str)> = HashSet::new();
    let mut ended: HashSet<(usize, &str)> = HashSet::new();
    for (si, source) in cache
        .sources
        .iter()
        .enumerate()
        .filter(|(si, _)| shown[*si])
    {
        let seen = source_seen(cache, si);
        for item in &source.items {
            if !cov.concerns(si, &item.components) {
                continue;
            }
            let Some(section) = section_of(item, settings, now, seen) else {
                // A maintenance "in progress" past its window that the page has not confirmed
                // since is not shown, and nor is the "under maintenance" its components got
                // from the same snapshot of the page.
                if item.kind == Kind::Maintenance
                    && matches!(item.status.as_str(), "in_progress" | "verifying")
                {
                    for id in item.components.iter().filter(|id| cov.holds(si, id)) {
                        ended.insert((si, id));
                    }
                }
                continue;
            };
            let mut affected = Vec::new();
            for id in item.components.iter().filter(|id| cov.holds(si, id)) {
                named.insert((si, id));
                affected.extend(source.components.iter().find(|c| c.id == *id));
            }
            out.push(Entry {
                section,
                source,
                what: What::Item { item, affected },
                joined: None,
            });
        }
    }
    for (si, source) in cache
        .sources
        .iter()
        .enumerate()
        .filter(|(si, _)| shown[*si])
    {
        for comp in &source.components {
            let key = (si, comp.id.as_str());
            if cov.holds(si, &comp.id)
                && is_degraded(&comp.status)
                && !named.contains(&key)
                && !(comp.status == "under_maintenance" && ended.contains(&key))
            {
                out.push(Entry {
                    section: Section::Component,
                    source,
                    what: What::Component(comp),
                    joined: None,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.section
            .cmp(&b.section)
            .then_with(|| rank(b).cmp(&rank(a)))
            .then_with(|| order_key(a).cmp(&order_key(b)))
    });
    slurm::join(&mut out, settings.match_window_seconds);
    out
}

/// How many entries of each section.
pub fn count(entries: &[Entry<'_>]) -> Counts {
    let mut c = Counts::default();
    for e in entries {
        c.add(e.section, 1);
    }
    c
}

/// Within a section, more severe first.
fn rank(e: &Entry<'_>) -> u8 {
    match &e.what {
        What::Item { item, .. } => impact_rank(&item.impact),
        What::Component(c) => component_rank(&c.status),
    }
}

pub fn impact_rank(impact: &str) -> u8 {
    match impact {
        "critical" => 4,
        "major" => 3,
        "minor" => 2,
        "maintenance" => 1,
        _ => 0,
    }
}

pub fn component_rank(status: &str) -> u8 {
    match status {
        "major_outage" => 4,
        "partial_outage" => 3,
        "degraded_performance" => 2,
        "under_maintenance" => 1,
        _ => 0,
    }
}

/// Then by time: newest incidents first, maintenance in window order, then by name and id, so
/// that the order is total and every reading of a cache lists a view the same way.
fn order_key<'a>(e: &Entry<'a>) -> (i64, u32, &'a str, &'a str) {
    match &e.what {
        What::Item { item, .. } => {
            let t = match e.section {
                Section::Incident => item.started_at.map(rev),
                Section::Resolved => item.resolved_at.map(rev),
                _ => item
                    .scheduled_for
                    .map(|t| (t.timestamp(), t.timestamp_subsec_nanos())),
            }
            .unwrap_or((0, 0));
            (t.0, t.1, item.name.as_str(), item.id.as_str())
        }
        What::Component(c) => (0, 0, c.name.as_str(), c.id.as_str()),
    }
}

/// A key that sorts later times first.
fn rev(t: DateTime<Utc>) -> (i64, u32) {
    (-t.timestamp() - 1, 999_999_999 - t.timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests;

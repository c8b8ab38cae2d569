//! Selection: which cluster this host belongs to, and what that cluster's users should see.
//!
//! The host's cluster is the first whose host globs match. An item concerns a cluster when one
//! of its components is covered by the cluster, or when it names no component and the site
//! shows unscoped items everywhere. A view lists, most severe first: unresolved incidents,
//! maintenance in progress, maintenance starting within the `upcoming` window, incidents
//! resolved within the `recent` window, then covered components that are not operational and
//! that no item above already names.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::cache::{Cache, Cluster, Component, Item, Kind, Settings, Source};
use crate::glob::host_matches;

/// The five parts of a view, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Incident,
    MaintenanceNow,
    MaintenancePlanned,
    Resolved,
    Component,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Incident => "incident",
            Section::MaintenanceNow => "maintenance_in_progress",
            Section::MaintenancePlanned => "maintenance_planned",
            Section::Resolved => "resolved",
            Section::Component => "component",
        }
    }
}

/// One line of a view: an item, or a degraded component.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub section: Section,
    pub source: &'a Source,
    /// Set for every section but [`Section::Component`].
    pub item: Option<&'a Item>,
    /// The degraded component, for [`Section::Component`].
    pub component: Option<&'a Component>,
    /// The item's components that matter here (those of the cluster, or all of them).
    pub affected: Vec<&'a Component>,
}

/// What a view is about.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// A cluster's view.
    Cluster(&'a Cluster),
    /// A host that matches no cluster: unscoped items only.
    NoCluster,
    /// For `--all`: what concerns no cluster (and unscoped items when they are not shown on
    /// every cluster).
    Unclaimed,
}

/// The first cluster whose `hosts` globs match `host`.
pub fn cluster_for_host<'a>(cache: &'a Cache, host: &str) -> Option<&'a Cluster> {
    cache
        .clusters
        .iter()
        .find(|c| c.hosts.iter().any(|p| host_matches(p, host)))
}

/// A cluster by name, case-insensitively.
pub fn cluster_by_name<'a>(cache: &'a Cache, name: &str) -> Option<&'a Cluster> {
    cache
        .clusters
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
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
                if item.scheduled_until.is_some_and(|end| end <= now) {
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
    let covered: HashSet<(usize, &str)> = match scope {
        Scope::Cluster(c) => c
            .components
            .iter()
            .map(|r| (r.source, r.id.as_str()))
            .collect(),
        _ => HashSet::new(),
    };
    // Everything some cluster covers, for the unclaimed view.
    let claimed: HashSet<(usize, &str)> = match scope {
        Scope::Unclaimed => cache
            .clusters
            .iter()
            .flat_map(|c| c.components.iter().map(|r| (r.source, r.id.as_str())))
            .collect(),
        _ => HashSet::new(),
    };
    let show_unscoped = cache.settings.show_unscoped;
    let seen = cache
        .checked_at
        .unwrap_or(cache.fetched_at)
        .max(cache.fetched_at);

    let mut out = Vec::new();
    let mut named: HashSet<(usize, &str)> = HashSet::new();
    for (si, source) in cache.sources.iter().enumerate() {
        for item in &source.items {
            let Some(section) = section_of(item, &cache.settings, now, seen) else {
                continue;
            };
            let ids: Vec<&str> = match scope {
                Scope::Cluster(_) => item
                    .components
                    .iter()
                    .map(String::as_str)
                    .filter(|id| covered.contains(&(si, *id)))
                    .collect(),
                Scope::NoCluster => Vec::new(),
                Scope::Unclaimed => item.components.iter().map(String::as_str).collect(),
            };
            let concerns = match scope {
                Scope::Cluster(_) => {
                    !ids.is_empty() || (item.components.is_empty() && show_unscoped)
                }
                Scope::NoCluster => item.components.is_empty() && show_unscoped,
                Scope::Unclaimed => {
                    if item.components.is_empty() {
                        !show_unscoped || cache.clusters.is_empty()
                    } else {
                        !item
                            .components
                            .iter()
                            .any(|id| claimed.contains(&(si, id.as_str())))
                    }
                }
            };
            if !concerns {
                continue;
            }
            for id in &ids {
                named.insert((si, id));
            }
            let affected = ids
                .iter()
                .filter_map(|id| source.components.iter().find(|c| c.id == *id))
                .collect();
            out.push(Entry {
                section,
                source,
                item: Some(item),
                component: None,
                affected,
            });
        }
    }
    for (si, source) in cache.sources.iter().enumerate() {
        for comp in &source.components {
            let key = (si, comp.id.as_str());
            let in_scope = match scope {
                Scope::Cluster(_) => covered.contains(&key),
                Scope::NoCluster => false,
                Scope::Unclaimed => !claimed.contains(&key),
            };
            if in_scope && is_degraded(&comp.status) && !named.contains(&key) {
                out.push(Entry {
                    section: Section::Component,
                    source,
                    item: None,
                    component: Some(comp),
                    affected: Vec::new(),
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
    out
}

/// Within a section, more severe first.
fn rank(e: &Entry<'_>) -> u8 {
    match (e.item, e.component) {
        (Some(item), _) => impact_rank(&item.impact),
        (None, Some(c)) => component_rank(&c.status),
        _ => 0,
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

/// Then by time: newest incidents first, maintenance in window order, then by name.
fn order_key<'a>(e: &Entry<'a>) -> (i64, &'a str) {
    match (e.item, e.component) {
        (Some(item), _) => {
            let t = match e.section {
                Section::Incident => -item.started_at.map_or(0, |t| t.timestamp()),
                Section::Resolved => -item.resolved_at.map_or(0, |t| t.timestamp()),
                _ => item.scheduled_for.map_or(0, |t| t.timestamp()),
            };
            (t, item.name.as_str())
        }
        (None, Some(c)) => (0, c.name.as_str()),
        _ => (0, ""),
    }
}

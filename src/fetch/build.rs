//! The cache builder: from what the sources gave and what the clusters resolved to, the cache
//! every login reads. It keeps every item some view can show while the cache can be shown
//! (asking [`select`] itself, so the trimming never changes a view), caps each view at
//! [`PER_VIEW`] items (counting, by section, what each view loses), keeps the components
//! views can use (the others go to the catalog mirrors resolve against), and records whose view
//! `motd_file` holds.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::address::{Url, redact_text};
use super::config::{Config, SourceKind};
use super::motd_file;
use super::resolve::{Catalog, Resolved};
use super::session;
use super::sources::{NAME_CHARS, SourceData, shorten};
use crate::cache::{self, Cache, Component, Counts, Item};
use crate::select::{self, Scope, What, is_degraded};

/// Each view (every cluster's, a host of no cluster's, the unclaimed part of `--all`) keeps at
/// least its first this many items in the cache, most severe first, and counts the rest by
/// section. No real page comes near it; a page with thousands of open items must not make
/// every login parse them all.
pub const PER_VIEW: usize = 200;

/// What the builder makes one source of the cache from.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// What source `config` (its index in the config) gave this run.
    Fresh { config: usize, data: SourceData },
    /// A source's last good data as the previous cache holds it (unchanged since, or unreadable
    /// this run), with its catalog.
    Kept {
        source: cache::Source,
        catalog: Vec<cache::Listed>,
    },
}

impl Part {
    /// What its clusters' names resolve against.
    pub fn catalog(&self) -> Catalog<'_> {
        match self {
            Part::Fresh { data, .. } => Catalog::of_data(data),
            Part::Kept { source, catalog } => Catalog::of_cache(source, catalog),
        }
    }
}

/// Builds the cache from the sources' parts. Of what a source gave this run, it keeps every
/// item that some view can show while the cache can be shown ([`select::may_show_between`]
/// `now` and [`shown_until`]: completed maintenance, incidents resolved before the `recent`
/// window and maintenance further ahead than that are dropped); a source's last good data stays
/// as it was, with its own age. Then it caps each view (see [`cap_views`]), and keeps the
/// components those items name or that are not operational. So for as long as the cache is
/// shown, every view read from it is the view of the whole page.
pub fn build_cache(
    cfg: &Config,
    parts: &[Part],
    resolved: &[Resolved],
    now: DateTime<Utc>,
) -> Cache {
    assemble(cfg, parts, resolved, now, true)
}

/// The cache of `parts`: trimmed as [`build_cache`] says, or (`trim` false, for tests that
/// compare the two) the whole page.
pub(crate) fn assemble(
    cfg: &Config,
    parts: &[Part],
    resolved: &[Resolved],
    now: DateTime<Utc>,
    trim: bool,
) -> Cache {
    let settings = cfg.settings.clone();
    let sources: Vec<cache::Source> = parts
        .iter()
        .map(|p| match p {
            Part::Fresh { config, data } => fresh(cfg, *config, data, now, trim),
            Part::Kept { source, .. } => source.clone(),
        })
        .collect();
    // The cache's own times are its oldest source's: what a reader of the previous release
    // (which knows no source's own) takes for the whole.
    let fetched_at = sources
        .iter()
        .filter_map(|s| s.fetched_at)
        .min()
        .unwrap_or(now);
    let checked_at = (0..sources.len())
        .map(|si| {
            sources[si]
                .checked_at
                .or(sources[si].fetched_at)
                .unwrap_or(now)
        })
        .min()
        .unwrap_or(now);
    let catalogs = parts
        .iter()
        .map(|p| match p {
            Part::Fresh { .. } => Vec::new(),
            Part::Kept { catalog, .. } => catalog.clone(),
        })
        .collect();
    let clusters = resolved.iter().map(Resolved::to_cluster).collect();
    let mut cache = Cache {
        version: cache::VERSION,
        generator: concat!("motd-status-fetch ", env!("CARGO_PKG_VERSION")).to_owned(),
        fetched_at,
        checked_at: Some(checked_at.max(fetched_at)),
        settings,
        sources,
        clusters,
        no_cluster_omitted: Counts::default(),
        unclaimed_omitted: Counts::default(),
        motd_file: motd_file::recorded(cfg),
        motd_view: None,
        validators: Vec::new(),
        catalogs: Some(catalogs),
    };
    cache.motd_view = motd_file::view_of(cfg, &cache.clusters);
    if trim {
        cap_views(&mut cache, now, PER_VIEW);
        keep_components_in_use(&mut cache);
    }
    cache
}

/// A source as this run read it, its items trimmed to what a view can show.
fn fresh(
    cfg: &Config,
    config: usize,
    d: &SourceData,
    now: DateTime<Utc>,
    trim: bool,
) -> cache::Source {
    let settings = &cfg.settings;
    let until = shown_until(settings, now);
    let mut items: Vec<Item> = d
        .items
        .iter()
        .filter(|item| !trim || select::may_show_between(item, settings, now, until))
        .cloned()
        .collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    let (name, url) = name_and_address(cfg, config, d);
    // A Slurm source's reservations beyond their items: those of the items kept.
    let slurm = d.slurm.as_ref().map(|info| {
        let mut info = info.clone();
        info.reservations
            .retain(|r| items.iter().any(|i| i.id == r.id));
        info
    });
    cache::Source {
        name: shorten(&name, NAME_CHARS),
        // Every user reads the cache: an address's credentials stay out of it. A scheduler
        // has no address to show.
        url: match slurm {
            Some(_) => String::new(),
            None => shorten(&redact_text(&url), NAME_CHARS),
        },
        provider: match (&slurm, d.named_by_clusters) {
            (Some(_), _) => cache::Provider::Slurm,
            (None, true) => cache::Provider::Notices,
            (None, false) => cache::Provider::Statuspage,
        },
        origin: cfg
            .sources
            .get(config)
            .map(|s| s.shown())
            .unwrap_or_default(),
        fetched_at: Some(now),
        checked_at: Some(now),
        failed: None,
        time_zone: d.time_zone.clone(),
        components: d.components.clone(),
        items,
        dropped: Vec::new(),
        slurm,
    }
}

/// Configured source `ci` as a source no run has read yet: nothing but its name, its address
/// and why its last read failed (see [`cache::Source::never_read`]).
pub(crate) fn unread(cfg: &Config, ci: usize, why: String) -> cache::Source {
    let configured = cfg.sources.get(ci);
    let shown = configured.map(|s| s.shown()).unwrap_or_default();
    let (provider, url) = match configured.map(|s| &s.kind) {
        Some(SourceKind::Slurm(_)) => (cache::Provider::Slurm, String::new()),
        Some(SourceKind::Notices(_)) => (cache::Provider::Notices, shown.clone()),
        _ => (cache::Provider::Statuspage, shown.clone()),
    };
    let name = configured
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| Url::parse(&shown).map_or_else(|_| shown.clone(), |u| u.host()));
    cache::Source {
        name: shorten(&name, NAME_CHARS),
        url: shorten(&redact_text(&url), NAME_CHARS),
        provider,
        origin: shown,
        failed: Some(why),
        ..Default::default()
    }
}

/// A source's name and address: the page's own, else the config's. A page may leave out its
/// own name and address; then the config's say it, and failing a name, the address's host.
fn name_and_address(cfg: &Config, si: usize, d: &SourceData) -> (String, String) {
    let configured = cfg.sources.get(si);
    let url = match d.url.trim() {
        "" => configured.map_or_else(String::new, |s| s.shown()),
        u => u.to_owned(),
    };
    let name = configured
        .and_then(|s| s.name.clone())
        .or_else(|| Some(d.name.trim().to_owned()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| Url::parse(&url).map_or_else(|_| url.clone(), |u| u.host()));
    (name, url)
}

/// The last moment a cache fetched in full at `fetched` can be shown: a 304 moves its
/// `checked_at` on, but only for [`session::FULL_EVERY`] (then the fetcher refetches in full),
/// and past `checked_at + expire_after` it shows no items.
pub fn shown_until(settings: &cache::Settings, fetched: DateTime<Utc>) -> DateTime<Utc> {
    let secs = session::FULL_EVERY
        .as_secs()
        .saturating_add(settings.expire_seconds)
        .min(i64::MAX as u64) as i64;
    chrono::Duration::try_seconds(secs)
        .and_then(|d| fetched.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Keeps the components a view can use: those its items name and those not operational (a
/// view lists them); and of each cluster's coverage, those kept. The others go to the source's
/// catalog, where no view looks but a mirror resolves its own clusters' names.
fn keep_components_in_use(cache: &mut Cache) {
    let mut kept: HashSet<(usize, String)> = HashSet::new();
    let mut catalogs = cache.catalogs.take().unwrap_or_default();
    catalogs.resize(cache.sources.len(), Vec::new());
    for (si, source) in cache.sources.iter_mut().enumerate() {
        let named: HashSet<&str> = source
            .items
            .iter()
            .flat_map(|i| i.components.iter().map(String::as_str))
            .collect();
        let (used, others): (Vec<Component>, Vec<Component>) =
            std::mem::take(&mut source.components)
                .into_iter()
                .partition(|c| named.contains(c.id.as_str()) || is_degraded(&c.status));
        source.components = used;
        catalogs[si].extend(others.into_iter().map(|c| cache::Listed {
            id: c.id,
            name: c.name,
            group: c.group,
        }));
        kept.extend(source.components.iter().map(|c| (si, c.id.clone())));
    }
    cache.catalogs = Some(catalogs);
    for cluster in &mut cache.clusters {
        cluster
            .components
            .retain(|r| kept.contains(&(r.source, r.id.clone())));
    }
}

/// Caps every view at `per_view` items: each view keeps its first `per_view` items, those in
/// a section at `now` first, ranked as [`select`] ranks them, then maintenance further ahead
/// by start; every item some view keeps stays. What a view loses is counted in the cache
/// (`omitted`): by the section it was in at the fetch, maintenance further ahead apart. So a
/// view's counts are exact as of the fetch, and its text says where the rest is.
fn cap_views(cache: &mut Cache, now: DateTime<Utc>, per_view: usize) {
    let views = ranked_views(cache, now);
    if views.iter().all(|v| v.len() <= per_view) {
        return;
    }
    let keep: HashSet<(usize, String)> = views
        .iter()
        .flat_map(|v| v.iter().take(per_view))
        .map(|&(si, id, _)| (si, id.to_owned()))
        .collect();
    let sections: HashMap<(usize, String), Option<select::Section>> = views
        .iter()
        .flatten()
        .map(|&(si, id, section)| ((si, id.to_owned()), section))
        .collect();
    for (si, source) in cache.sources.iter_mut().enumerate() {
        let (kept, dropped): (Vec<Item>, Vec<Item>) = std::mem::take(&mut source.items)
            .into_iter()
            .partition(|i| keep.contains(&(si, i.id.clone())));
        source.items = kept;
        source.dropped = dropped
            .into_iter()
            .map(|i| cache::Dropped {
                section: sections.get(&(si, i.id.clone())).copied().flatten(),
                id: i.id,
                components: i.components,
            })
            .collect();
    }
    count_left_out(cache);
}

/// Each view's items in rank order (those in a section at `now` first, as [`select`] ranks
/// them, then maintenance further ahead by start), as (source, item id, section; `None` for
/// later): every cluster's, then a host of no cluster's, then the unclaimed part's.
fn ranked_views(
    cache: &Cache,
    now: DateTime<Utc>,
) -> Vec<Vec<(usize, &str, Option<select::Section>)>> {
    let mut scopes: Vec<Scope<'_>> = cache.clusters.iter().map(Scope::Cluster).collect();
    scopes.push(Scope::NoCluster);
    scopes.push(Scope::Unclaimed);
    let source_of = |e: &select::Entry<'_>| {
        cache
            .sources
            .iter()
            .position(|s| std::ptr::eq(s, e.source))
            .expect("an entry's source is one of the cache's")
    };
    scopes
        .iter()
        .map(|&scope| {
            let mut ranked: Vec<_> = select::entries(cache, scope, now)
                .into_iter()
                .filter_map(|e| match e.what {
                    What::Item { item, .. } => {
                        Some((source_of(&e), item.id.as_str(), Some(e.section)))
                    }
                    What::Component(_) => None,
                })
                .collect();
            let cov = select::Coverage::new(&cache.clusters, scope, cache.settings.show_unscoped);
            let mut later: Vec<(Option<DateTime<Utc>>, usize, &str)> = Vec::new();
            for (si, source) in cache.sources.iter().enumerate() {
                for item in &source.items {
                    if cov.concerns(si, &item.components)
                        && select::section_of(item, &cache.settings, now, now).is_none()
                    {
                        later.push((item.scheduled_for, si, item.id.as_str()));
                    }
                }
            }
            later.sort();
            ranked.extend(later.into_iter().map(|(_, si, id)| (si, id, None)));
            ranked
        })
        .collect()
}

/// Counts, in every view of the cache (each cluster's, a host of no cluster's, the unclaimed
/// part's), the items left out past the cap that concern it, by their section at the fetch:
/// the one rule for what a view says it does not list, for the fetcher's own clusters and a
/// mirror's.
pub(crate) fn count_left_out(cache: &mut Cache) {
    let count = |scope: Scope<'_>| {
        let cov = select::Coverage::new(&cache.clusters, scope, cache.settings.show_unscoped);
        let mut c = Counts::default();
        for (si, source) in cache.sources.iter().enumerate() {
            for d in source
                .dropped
                .iter()
                .filter(|d| cov.concerns(si, &d.components))
            {
                match d.section {
                    Some(section) => c.add(section, 1),
                    None => c.maintenance_later = c.maintenance_later.saturating_add(1),
                }
            }
        }
        c
    };
    let clusters: Vec<Counts> = cache
        .clusters
        .iter()
        .map(|c| count(Scope::Cluster(c)))
        .collect();
    let no_cluster = count(Scope::NoCluster);
    let unclaimed = count(Scope::Unclaimed);
    for (c, n) in cache.clusters.iter_mut().zip(clusters) {
        c.omitted = n;
        c.more = n.total();
    }
    cache.no_cluster_omitted = no_cluster;
    cache.unclaimed_omitted = unclaimed;
}

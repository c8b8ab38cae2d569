//! A mirror's cache with the local config laid over it. The mirrored cache is taken whole
//! (sources, items, clusters, settings, and its `fetched_at`/`checked_at`, so a login tells the
//! age of the data at its origin, not of the copy). Local `[[cluster]]` tables, if any, replace
//! the mirrored clusters and are resolved against the mirrored components and the catalog of
//! the others (by group name, component name or id; group ids of the origin page are not known
//! here), and their views count what the publisher left out past its cap exactly as the
//! publisher counts it in its own. Display settings the local file sets explicitly win over
//! the mirrored ones, but no window may be longer than the publisher's: it kept only what its
//! own windows show.

use std::collections::HashSet;

use super::address::Location;
use super::build;
use super::config::Config;
use super::motd_file;
use super::resolve::{self, Catalog};
use crate::cache::{Cache, Cluster, Settings};

/// The mirrored cache with the local config laid over it. Returns the cache and what the
/// local config asks that the mirror cannot do (windows longer than the publisher's, names
/// that do not resolve), each one line for the log.
pub fn combine(
    cfg: &Config,
    mut mirrored: Cache,
    at: &Location,
    prev: Option<&Cache>,
) -> (Cache, Vec<String>) {
    let (settings, mut problems) = settings(cfg, &mirrored.settings);
    mirrored.settings = settings;
    if !cfg.clusters.is_empty() {
        let catalogs: Vec<Catalog<'_>> = mirrored
            .sources
            .iter()
            .enumerate()
            .map(|(si, s)| Catalog::of_cache(s, mirrored.catalog_of(si)))
            .collect();
        let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
        // A publisher that kept the catalog of its components lets names resolve as on the
        // page; an older one kept only the components that matter now, where a name matching
        // nothing proves nothing, so nothing is said about it.
        let knows_all = mirrored.catalogs.is_some();
        let mut clusters: Vec<Cluster> = resolved
            .iter()
            .map(|r| {
                let mut c = r.to_cluster();
                if !knows_all {
                    c.unmatched.clear();
                    c.unresolved.clear();
                    c.matched.clear();
                    c.covers = None;
                }
                c
            })
            .collect();
        if knows_all {
            problems.extend(resolved.iter().flat_map(|r| r.problems()));
        }
        resolve::mark_renamed(&mut clusters, prev);
        mirrored.clusters = clusters;
        build::count_left_out(&mut mirrored);
        keep_refs_in_use(&mut mirrored);
    }
    mirrored.generator = format!(
        "motd-status-fetch {} (mirror of {})",
        env!("CARGO_PKG_VERSION"),
        at.shown()
    );
    mirrored.validators = Vec::new();
    // This node's own pam_motd file, not the publisher's.
    mirrored.motd_file = motd_file::recorded(cfg);
    mirrored.motd_view = motd_file::view_of(cfg, &mirrored.clusters);
    (mirrored, problems)
}

/// The display settings: the local config's over the publisher's, except that a window cannot
/// be longer than the publisher's (`recent`, `upcoming`, `expire_after`): the publisher kept
/// only what its own windows can show, so a longer one would miss items without a word.
/// Returns the settings and a line for each window cut back.
pub fn settings(cfg: &Config, publisher: &Settings) -> (Settings, Vec<String>) {
    let mut s = cfg.settings_set.apply(publisher);
    let mut problems = Vec::new();
    let show = |secs: u64| humantime::format_duration(std::time::Duration::from_secs(secs));
    for (key, local, theirs) in [
        ("recent", &mut s.recent_seconds, publisher.recent_seconds),
        (
            "upcoming",
            &mut s.upcoming_seconds,
            publisher.upcoming_seconds,
        ),
        (
            "login.expire_after",
            &mut s.expire_seconds,
            publisher.expire_seconds,
        ),
    ] {
        if *local > theirs {
            problems.push(format!(
                "{key} ({}) is longer than the mirrored cache's ({}): a mirror shows only what \
                 its publisher kept, so {} is used; set it on the publisher",
                show(*local),
                show(theirs),
                show(theirs)
            ));
            *local = theirs;
        }
    }
    if s.stale_seconds >= s.expire_seconds {
        s.stale_seconds = publisher
            .stale_seconds
            .min(s.expire_seconds.saturating_sub(1));
    }
    (s, problems)
}

/// Each cluster's coverage, kept to the components the cache holds (as the publisher keeps
/// its own); `covers` still counts them all.
fn keep_refs_in_use(cache: &mut Cache) {
    let kept: HashSet<(usize, &str)> = cache
        .sources
        .iter()
        .enumerate()
        .flat_map(|(si, s)| s.components.iter().map(move |c| (si, c.id.as_str())))
        .collect();
    let kept: HashSet<(usize, String)> = kept
        .into_iter()
        .map(|(si, id)| (si, id.to_owned()))
        .collect();
    for c in &mut cache.clusters {
        c.components
            .retain(|r| kept.contains(&(r.source, r.id.clone())));
    }
}

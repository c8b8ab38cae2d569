//! Mirror mode: take another fetcher's published cache as the source.
//!
//! One node per site talks to Statuspage; the other login nodes copy its cache from a web
//! server (`mirror = "https://…/status.json"`) or a shared file system (`mirror = "/path"`).
//! The copy is checked like any input: the byte cap, the cache format and version, and that
//! its clusters point at sources it has. A file mirror is trusted like the cache itself (owner
//! root, this user or the fetcher's user; nobody else may write it or a directory above it),
//! for the same reason the login binary refuses such a cache.
//!
//! How it combines with the local config: the mirrored cache is taken whole (sources, items,
//! clusters, settings, and its `fetched_at`/`checked_at`, so the login view tells the age of
//! the data at its origin, not of the copy). Local `[[cluster]]` tables, if any, replace the
//! mirrored clusters and are resolved against the mirrored components and the catalog of the
//! others (by group name, component name or id; group ids of the origin page are not known
//! here), and their views count what the publisher left out past its cap exactly as the
//! publisher counts it in its own. Display settings the local file sets explicitly win over
//! the mirrored ones, but no window may be longer than the publisher's: it kept only what its
//! own windows show.

use std::path::Path;

use std::collections::HashSet;

use super::{Fetched, Run, Source, parse_json};
use crate::cache::{self, Cache, Cluster, Counts, ReadError, Settings};
use crate::fetch::address::Location;
use crate::fetch::config::Config;
use crate::fetch::http::FetchError;
use crate::fetch::resolve::{self, Catalog};
use crate::fetch::session::{Got, Session};
use crate::select::{Coverage, Scope};

/// A published cache, where it is read from.
pub(crate) struct Mirror<'a>(pub &'a Location);

impl Source for Mirror<'_> {
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError> {
        fetch(run.session, self.0).map(|c| Fetched::Cache(Box::new(c)))
    }
}

/// Fetches and checks the mirrored cache.
pub fn fetch(session: &mut Session<'_>, at: &Location) -> Result<Cache, FetchError> {
    let fail = |cause: String| FetchError {
        url: at.shown(),
        cause,
    };
    let bytes = match at {
        Location::Web(url) => match session.get(url, None)? {
            Got::Body(b) => b,
            Got::Status(s) => return Err(fail(format!("HTTP {s}"))),
        },
        // Checked on the file read: owner, mode and the directories above it (see trust).
        Location::Local(path) => session
            .read_file(path)?
            .ok_or_else(|| fail("no such file".to_owned()))?,
    };
    check(&at.shown(), &bytes)
}

/// Parses and checks a published cache.
pub fn check(url: &str, bytes: &[u8]) -> Result<Cache, FetchError> {
    let fail = |cause: String| FetchError {
        url: url.to_owned(),
        cause,
    };
    // The same one-line causes as for a page (HTML, empty, broken JSON) before the cache's own.
    let _: serde_json::Value = parse_json(url, bytes)?;
    let c = cache::parse(Path::new(url), bytes).map_err(|e| {
        fail(match e {
            ReadError::Version(_, v) => format!(
                "cache format version {v}, this build reads {} (update one side)",
                cache::VERSION
            ),
            ReadError::Malformed(_, why) => format!("not a motd-status cache: {why}"),
            other => other.to_string(),
        })
    })?;
    // Counts of what the publisher left out: a cache holds at most a few MiB, so no view can
    // have left out more than a page's worth of items.
    const MAX_COUNT: usize = 1_000_000;
    let counts = c
        .clusters
        .iter()
        .flat_map(|cl| [cl.more, cl.omitted.total()])
        .chain([c.no_cluster_omitted.total(), c.unclaimed_omitted.total()]);
    if let Some(n) = counts.into_iter().find(|&n| n > MAX_COUNT) {
        return Err(fail(format!(
            "not a valid motd-status cache: a view claims {n} entries left out"
        )));
    }
    for cl in &c.clusters {
        if let Some(r) = cl.components.iter().find(|r| r.source >= c.sources.len()) {
            return Err(fail(format!(
                "not a valid motd-status cache: cluster {:?} names source {} of {}",
                cl.name,
                r.source,
                c.sources.len()
            )));
        }
    }
    Ok(c)
}

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
        let catalogs: Vec<Catalog<'_>> = mirrored.sources.iter().map(Catalog::of_cache).collect();
        let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
        // A publisher that kept the catalog of its components lets names resolve as on the
        // page; an older one kept only the components that matter now, where a name matching
        // nothing proves nothing, so nothing is said about it.
        let knows_all = mirrored.sources.iter().all(|s| s.catalog.is_some());
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
        count_dropped(&mut mirrored, &mut clusters);
        resolve::mark_renamed(&mut clusters, prev);
        mirrored.clusters = clusters;
        keep_refs_in_use(&mut mirrored);
    }
    mirrored.generator = format!(
        "motd-status-fetch {} (mirror of {})",
        env!("CARGO_PKG_VERSION"),
        at.shown()
    );
    mirrored.validators = Vec::new();
    // This node's own pam_motd file, not the publisher's.
    mirrored.motd_file = crate::fetch::build::pam_motd_file(cfg);
    mirrored.motd_view = crate::fetch::build::pam_motd_view(cfg, &mirrored.clusters);
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

/// Counts, in the views of the local clusters (and of a host of no cluster, and the part no
/// cluster covers), the items the publisher left out past its cap, as the publisher counts
/// them in its own views: by their section at its fetch.
fn count_dropped(mirrored: &mut Cache, clusters: &mut [Cluster]) {
    let show_unscoped = mirrored.settings.show_unscoped;
    let count = |scope: Scope<'_>, all: &[Cluster]| {
        let cov = Coverage::new(all, scope, show_unscoped);
        let mut c = Counts::default();
        for (si, source) in mirrored.sources.iter().enumerate() {
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
    let counts: Vec<Counts> = clusters
        .iter()
        .map(|c| count(Scope::Cluster(c), clusters))
        .collect();
    mirrored.no_cluster_omitted = count(Scope::NoCluster, clusters);
    mirrored.unclaimed_omitted = count(Scope::Unclaimed, clusters);
    for (c, n) in clusters.iter_mut().zip(counts) {
        c.omitted = n;
        c.more = n.total();
    }
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

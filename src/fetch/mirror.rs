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
//! mirrored clusters and are resolved against the mirrored components (by group name,
//! component name or id: a cache keeps only the components that matter, so group ids of the
//! origin page are not known here). Display settings the local file sets explicitly win over
//! the mirrored ones.

use std::path::Path;

use super::config::Config;
use super::http::FetchError;
use super::parse_json;
use super::resolve::{self, Catalog};
use super::session::{Got, Session};
use crate::cache::{self, Cache, ReadError};

/// Whether `mirror` is fetched over HTTP (else it is a path).
pub fn is_url(mirror: &str) -> bool {
    mirror.starts_with("http://") || mirror.starts_with("https://")
}

/// Fetches and checks the mirrored cache.
pub fn fetch(session: &mut Session<'_>, mirror: &str) -> Result<Cache, FetchError> {
    let fail = |cause: String| FetchError {
        url: mirror.to_owned(),
        cause,
    };
    let bytes = if is_url(mirror) {
        match session.get(mirror, None)? {
            Got::Body(b) => b,
            Got::Status(s) => return Err(fail(format!("HTTP {s}"))),
        }
    } else {
        let path = Path::new(mirror.strip_prefix("file://").unwrap_or(mirror));
        // Checked on the file read: owner, mode and the directories above it (see trust).
        session
            .read_file(path)?
            .ok_or_else(|| fail("no such file".to_owned()))?
    };
    check(mirror, &bytes)
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

/// The mirrored cache with the local config laid over it. Returns the cache and the local
/// clusters' resolution problems (expected for components that matter to nobody right now).
pub fn combine(cfg: &Config, mut mirrored: Cache, url: &str) -> (Cache, Vec<String>) {
    mirrored.settings = cfg.settings_set.apply(&mirrored.settings);
    let mut problems = Vec::new();
    if !cfg.clusters.is_empty() {
        let catalogs: Vec<Catalog<'_>> = mirrored.sources.iter().map(Catalog::of_cache).collect();
        let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
        // The publisher capped its own clusters' views; these are new, with nothing omitted.
        // A mirrored cache holds only the components that matter now, so a name matching
        // none of them is expected, not a mistake to warn about.
        mirrored.clusters = resolved
            .iter()
            .map(|r| crate::cache::Cluster {
                unmatched: Vec::new(),
                ..r.to_cluster()
            })
            .collect();
        problems.extend(resolved.into_iter().flat_map(|r| r.problems));
    }
    mirrored.generator = format!(
        "motd-status-fetch {} (mirror of {})",
        env!("CARGO_PKG_VERSION"),
        super::http::redact(url)
    );
    mirrored.validators = Vec::new();
    // This node's own pam_motd file, not the publisher's.
    mirrored.motd_file = super::pam_motd_file(cfg);
    (mirrored, problems)
}

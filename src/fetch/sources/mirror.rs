//! Mirror mode: take another fetcher's published cache as the source.
//!
//! One node per site talks to Statuspage; the other login nodes copy its cache from a web
//! server (`mirror = "https://…/status.json"`) or a shared file system (`mirror = "/path"`).
//! The copy is checked like any input: the byte cap, the cache format and version, and that
//! its clusters point at sources it has. A file mirror is trusted like the cache itself (owner
//! root, this user or the fetcher's user; nobody else may write it or a directory above it),
//! for the same reason the login binary refuses such a cache.
//!
//! How the copy is laid under the local config (its own clusters and settings) is
//! [`crate::fetch::overlay`]'s.

use std::path::Path;

use super::{Fetched, Run, Source, parse_json};
use crate::cache::{self, Cache, ReadError};
use crate::fetch::address::Location;
use crate::fetch::http::FetchError;
use crate::fetch::session::{Got, Session};

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

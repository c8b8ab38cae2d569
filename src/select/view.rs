//! A view: the entries of one scope at one moment, what the cache left out of it, and what
//! its cluster's names could not resolve; and how old the data behind it is.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Entry, Scope};
use crate::cache::{Cache, Cause, Cluster, Counts, Named, Unresolved};

/// A titled list of entries: a cluster's view, or one part of `--all`.
pub struct View<'a> {
    /// The cluster's name; `None` for a host of no cluster or the unclaimed part of `--all`.
    pub cluster: Option<&'a str>,
    pub scope: &'static str,
    pub entries: Vec<Entry<'a>>,
    /// Entries this user has already seen as they are now, counted in one line at login
    /// instead of shown (see `crate::seen`); empty everywhere else.
    pub folded: Vec<Entry<'a>>,
    /// Entries the fetcher left out past its cap, by section (counted, never shown).
    pub omitted: Counts,
    /// Left out but not counted by section (a cache of the previous release says only how
    /// many).
    pub omitted_unsorted: usize,
    /// The cluster's config names that did not resolve at the last fetch, and why: the view
    /// may be incomplete.
    pub unresolved: Cow<'a, [Unresolved]>,
    /// How many components of the page the cluster covers (`None`: not known, or not a
    /// cluster's view). With none, the view cannot know anything about the cluster.
    pub covers: Option<usize>,
    /// The names of the sources no run has read yet: any of them may concern the view, which
    /// therefore cannot know how things are.
    pub unread: Vec<&'a str>,
}

impl<'a> View<'a> {
    /// The view of `scope` at `now`.
    pub fn of(cache: &'a Cache, scope: Scope<'a>, now: DateTime<Utc>) -> View<'a> {
        let entries = super::entries(cache, scope, now);
        let (cluster, name, omitted, more) = match scope {
            Scope::Cluster(c) => (Some(c), "cluster", c.omitted, c.more),
            Scope::NoCluster => (None, "no_cluster", cache.no_cluster_omitted, 0),
            Scope::Unclaimed => (None, "unclaimed", cache.unclaimed_omitted, 0),
        };
        View {
            cluster: cluster.map(|c| c.name.as_str()),
            scope: name,
            entries,
            folded: Vec::new(),
            omitted,
            omitted_unsorted: more.saturating_sub(omitted.total()),
            unresolved: cluster.map_or(Cow::Borrowed(&[][..]), unresolved),
            covers: cluster.and_then(|c| c.covers),
            unread: cache
                .sources
                .iter()
                .filter(|s| s.never_read())
                .map(|s| s.name.as_str())
                .collect(),
        }
    }

    /// Whether the view covers no component of the page: it cannot tell how the cluster is.
    pub fn knows_nothing(&self) -> bool {
        self.covers == Some(0)
    }

    /// Whether there is nothing to say at all (a login then prints nothing).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
            && self.folded.is_empty()
            && self.omitted_total() == 0
            && !self.knows_nothing()
            && self.unread.is_empty()
    }

    /// Everything the view counts: the entries it lists, those folded and those left out, by
    /// section.
    pub fn counts(&self) -> Counts {
        super::count(&self.entries)
            .plus(&super::count(&self.folded))
            .plus(&self.omitted)
    }

    /// Every entry of the view, listed or folded.
    pub fn all_entries(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries.iter().chain(&self.folded)
    }

    /// The entries listed within `budget`: the first ones, in the view's order. The rest are
    /// counted in one line.
    pub fn listed(&self, budget: usize) -> &[Entry<'a>] {
        &self.entries[..self.entries.len().min(budget)]
    }

    /// How many entries the cache could not list.
    pub fn omitted_total(&self) -> usize {
        self.omitted.total().saturating_add(self.omitted_unsorted)
    }
}

/// A cluster's unresolved names: as the cache says why, or (a cache of an earlier release,
/// which only lists them) as names that matched nothing.
fn unresolved(c: &Cluster) -> Cow<'_, [Unresolved]> {
    if !c.unresolved.is_empty() || c.unmatched.is_empty() {
        return Cow::Borrowed(&c.unresolved);
    }
    Cow::Owned(
        c.unmatched
            .iter()
            .map(|name| Unresolved {
                name: name.clone(),
                what: Named::Unknown,
                cause: Cause::Missing,
                matches: 0,
            })
            .collect(),
    )
}

/// How far a time from the page (or another host) may run ahead of this host's clock before
/// it is called out: clocks of well-run hosts agree far better than this.
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// How old the data is at `now`, against the site's `stale_after` and `expire_after`.
pub struct Age {
    /// Seconds since the page last confirmed the cache (0 if that is in the future).
    pub seconds: u64,
    /// Older than `stale_after`: the view ends with "status as of …".
    pub stale: bool,
    /// Older than `expire_after`: the view shows only that line.
    pub expired: bool,
    /// Seconds the cache's time is ahead of this host's clock, past [`CLOCK_SKEW_SECONDS`]:
    /// its age is unknown (a mirror with a wrong clock, or a clock that jumped back), so it is
    /// never taken for fresh; the view says so in place of "status as of".
    pub ahead: Option<u64>,
}

/// The age of `cache` at `now`: its oldest source's.
pub fn age(cache: &Cache, now: DateTime<Utc>) -> Age {
    age_since(cache, super::seen_at(cache), now)
}

/// The age at `now` of what the cache holds of source `si`: each source fails, and ages, on
/// its own.
pub fn source_age(cache: &Cache, si: usize, now: DateTime<Utc>) -> Age {
    age_since(cache, source_seen(cache, si), now)
}

/// When source `si` last confirmed what the cache holds of it: its own times, else the
/// cache's (a cache of one source, or of an earlier release).
pub fn source_seen(cache: &Cache, si: usize) -> DateTime<Utc> {
    let s = &cache.sources[si];
    match s.fetched_at {
        Some(fetched) => s.checked_at.unwrap_or(fetched).max(fetched),
        None => super::seen_at(cache),
    }
}

fn age_since(cache: &Cache, seen: DateTime<Utc>, now: DateTime<Utc>) -> Age {
    let delta = now.signed_duration_since(seen).num_seconds();
    let seconds = delta.max(0) as u64;
    Age {
        seconds,
        stale: seconds > cache.settings.stale_seconds,
        expired: seconds > cache.settings.expire_seconds,
        ahead: (delta < -CLOCK_SKEW_SECONDS).then_some(delta.unsigned_abs()),
    }
}

/// How far `motd_file` is behind the cache: seconds by which its last write precedes the
/// cache's last confirmation (0 when current), or `None` when it cannot be read. pam_motd and
/// web portals show the file whatever its age; a run that stopped before writing it (or could
/// not write it) leaves it behind.
pub fn motd_file_behind(path: &Path, cache: &Cache) -> Option<u64> {
    let written: DateTime<Utc> = std::fs::metadata(path).ok()?.modified().ok()?.into();
    let behind = super::seen_at(cache)
        .signed_duration_since(written)
        .num_seconds();
    // The fetcher writes it right after the cache: within a minute is current.
    Some(if behind > MOTD_FILE_SLACK {
        behind as u64
    } else {
        0
    })
}

/// How far the file's write may trail the cache's confirmation and still be current.
const MOTD_FILE_SLACK: i64 = 60;

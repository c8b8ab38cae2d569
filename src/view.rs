//! A view, from cache to output: `(cache, request) → text`, the one call behind the login,
//! `--cluster`, `--all` and the fetcher's `motd_file`.
//!
//! A request names a target (this host, a cluster, or everything), a time and an output form.
//! The views are computed here from the cache by [`select`]; [`render`] only lays them out.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::cache::{self, Cache, Cause, Cluster, Counts, Named, Unresolved, Want};
use crate::localtime::LocalZone;
use crate::render;
use crate::select::{self, Entry, Scope};

/// Text (coloured or not), JSON for scripts, Markdown for web portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

impl Format {
    pub fn parse(v: &str) -> Result<Format, String> {
        match v {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!("takes text, json or markdown, not {other:?}")),
        }
    }
}

/// Whose view.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The cluster whose host globs match this hostname (unscoped items only if none does).
    Host(&'a str),
    /// A cluster by name.
    Cluster(&'a str),
    /// Every cluster, then what no cluster covers (`--all`).
    All,
}

/// What to show and how.
pub struct Request<'a> {
    pub target: Target<'a>,
    pub now: DateTime<Utc>,
    pub zone: &'a LocalZone,
    pub format: Format,
    pub color: bool,
    /// Columns; every text line is cut to this display width.
    pub width: usize,
    /// At login: nothing at all when there is nothing to report, at most `max_items` entries.
    pub login: bool,
    /// The program's own decorations (`…`, `–`, `·`) in ASCII, for a terminal whose locale is
    /// not UTF-8 (C or POSIX); page text passes as it is.
    pub ascii: bool,
    /// The view goes into a file that is read later, at times nobody knows (`motd_file`, which
    /// pam_motd or a web portal shows until the next run rewrites it, and which a stopped
    /// fetcher leaves as it is): times are written as dates only, never "2 hours ago", and
    /// the view always ends saying as of when.
    pub frozen: bool,
}

/// Whether the locale, as the C library reads it (`LC_ALL`, then `LC_CTYPE`, then `LANG`; the
/// first set wins; none is the C locale), is not UTF-8.
pub fn ascii_locale() -> bool {
    let value = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    match value {
        None => true,
        Some(v) => {
            let v = v.to_ascii_lowercase();
            !(v.contains("utf-8") || v.contains("utf8"))
        }
    }
}

/// A titled list of entries: a cluster's view, or one part of `--all`.
pub struct View<'a> {
    /// The cluster's name; `None` for a host of no cluster or the unclaimed part of `--all`.
    pub cluster: Option<&'a str>,
    pub scope: &'static str,
    pub entries: Vec<Entry<'a>>,
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
}

impl<'a> View<'a> {
    /// The view of `scope` at `now`.
    pub fn of(cache: &'a Cache, scope: Scope<'a>, now: DateTime<Utc>) -> View<'a> {
        let entries = select::entries(cache, scope, now);
        let (cluster, name, omitted, more) = match scope {
            Scope::Cluster(c) => (Some(c), "cluster", c.omitted, c.more),
            Scope::NoCluster => (None, "no_cluster", cache.no_cluster_omitted, 0),
            Scope::Unclaimed => (None, "unclaimed", cache.unclaimed_omitted, 0),
        };
        View {
            cluster: cluster.map(|c| c.name.as_str()),
            scope: name,
            entries,
            omitted,
            omitted_unsorted: more.saturating_sub(omitted.total()),
            unresolved: cluster.map_or(Cow::Borrowed(&[][..]), unresolved),
            covers: cluster.and_then(|c| c.covers),
        }
    }

    /// Whether the view covers no component of the page: it cannot tell how the cluster is.
    pub fn knows_nothing(&self) -> bool {
        self.covers == Some(0)
    }

    /// Whether there is nothing to say at all (a login then prints nothing).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.omitted_total() == 0 && !self.knows_nothing()
    }

    /// Everything the view counts: the entries it lists and those left out, by section.
    pub fn counts(&self) -> Counts {
        select::count(&self.entries).plus(&self.omitted)
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

/// The age of `cache` at `now`.
pub fn age(cache: &Cache, now: DateTime<Utc>) -> Age {
    let seen = select::seen_at(cache);
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
    let behind = select::seen_at(cache)
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

/// Reads what `target` needs of the cache at `path`: one view's part, or all of it for `--all`.
/// Returns the cache and the index of the target's cluster.
pub fn load(path: &Path, target: Target<'_>) -> Result<(Cache, Option<usize>), String> {
    let read = match target {
        Target::Host(h) => cache::read_for(path, Want::Host(h)),
        Target::Cluster(n) => cache::read_for(path, Want::Cluster(n)),
        Target::All => cache::read(path).map(|c| (c, None)),
    };
    read.map_err(|e| e.to_string())
}

/// Renders `req` from a whole cache (the fetcher's `motd_file`, tests).
pub fn render(cache: &Cache, req: &Request<'_>) -> Result<String, String> {
    let chosen = match req.target {
        Target::Host(h) => Want::Host(h).find(&cache.clusters),
        Target::Cluster(n) => Want::Cluster(n).find(&cache.clusters),
        Target::All => None,
    };
    render_loaded(cache, chosen, req)
}

/// Renders `req` from what [`load`] returned.
pub fn render_loaded(
    cache: &Cache,
    chosen: Option<usize>,
    req: &Request<'_>,
) -> Result<String, String> {
    let views: Vec<View<'_>> = match (req.target, chosen) {
        (Target::All, _) => cache
            .clusters
            .iter()
            .map(Scope::Cluster)
            .chain([Scope::Unclaimed])
            .map(|s| View::of(cache, s, req.now))
            .collect(),
        (Target::Cluster(name), None) => return Err(no_such_cluster(cache, name)),
        (_, Some(i)) => vec![View::of(cache, Scope::Cluster(&cache.clusters[i]), req.now)],
        (Target::Host(_), None) => vec![View::of(cache, Scope::NoCluster, req.now)],
    };
    // At login, in every format (a pam_motd or Open OnDemand file too): nothing at all when
    // the site turned it off or there is nothing to report. Expired data still says so.
    if req.login {
        let nothing = views.iter().all(View::is_empty);
        if !cache.settings.login || (nothing && !age(cache, req.now).expired) {
            return Ok(String::new());
        }
    }
    Ok(render::render(cache, &views, req))
}

/// What a login prints after pam_motd showed it this very view: nothing, or one line saying
/// how old the data is when it is stale (or of unknown age), since the file pam_motd showed
/// says only as of when.
pub fn after_pam_motd(cache: &Cache, req: &Request<'_>) -> String {
    if !cache.settings.login {
        return String::new();
    }
    render::age_note(cache, req)
}

fn no_such_cluster(cache: &Cache, name: &str) -> String {
    let names: Vec<String> = cache
        .clusters
        .iter()
        .map(|c| crate::sanitize::terminal(&c.name))
        .collect();
    format!(
        "no cluster named {:?} in the cache (clusters: {})",
        crate::sanitize::terminal(name),
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    )
}

//! The cache file: the one thing the fetcher writes and the login binary reads.
//!
//! This module holds the format; its parts do one job each: [`read`] the careful (and, for one
//! view, partial) reader, [`write`] the lock and the atomic replacement, [`trust`] who may
//! have written a file we read, [`timestamp`] the strict RFC 3339 fields, `settings` what
//! the site set for the login.
//!
//! The cache is versioned JSON holding what a login could show: the fetcher drops only items
//! that no view can show again and, past a generous cap per view, counts what it drops
//! (see `fetch::build_cache`). Which items a view shows is decided at display time, by
//! [`crate::select`], from what is here; nothing in the file pre-selects a view.
//!
//! Compatibility: fields are only ever added, and readers ignore unknown ones, so a login
//! binary of the previous release reads this build's caches and the other way round (the
//! previous release's per-cluster `uses` and `unscoped` positions are ignored here).

pub mod read;
mod scan;
mod settings;
mod slurm;
pub mod timestamp;
pub mod trust;
pub mod write;

pub use read::{Filter, ReadError, Wanted, parse, read, read_for};
pub use settings::{ALWAYS_SHOW, Repeat, Settings};
pub use slurm::{SlurmInfo, SlurmPartition, SlurmReservation};
pub use write::{Lock, replace_file, to_bytes, write_atomic};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use timestamp as ts;

/// The cache format version this build reads and writes.
pub const VERSION: u32 = 1;
/// Where the cache lives unless `--cache`, `MOTD_STATUS_CACHE` or the config say otherwise.
pub const DEFAULT_PATH: &str = "/var/cache/motd-status/status.json";
/// Environment variable naming the cache, for both binaries.
pub const ENV_PATH: &str = "MOTD_STATUS_CACHE";
/// A cache larger than this is refused unread: a trimmed cache of a huge page is well under it.
pub const MAX_BYTES: u64 = 4 << 20;
/// The system user the packaged fetcher runs as; a cache it owns is trusted.
pub const FETCH_USER: &str = "motd-status";

/// The cache path from `--cache`, then `MOTD_STATUS_CACHE`, then the default.
pub fn path(flag: Option<std::path::PathBuf>) -> std::path::PathBuf {
    crate::env::path_or(flag, ENV_PATH, DEFAULT_PATH)
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Cache {
    pub version: u32,
    /// `motd-status-fetch <version>`, for whoever reads the file by hand.
    #[serde(default)]
    pub generator: String,
    /// The last time every source was fetched successfully (its oldest source's time).
    #[serde(deserialize_with = "ts::required")]
    pub fetched_at: DateTime<Utc>,
    /// The last time every source was confirmed current (a 304 moves this, not `fetched_at`;
    /// its oldest source's time).
    #[serde(default, deserialize_with = "ts::optional")]
    pub checked_at: Option<DateTime<Utc>>,
    pub settings: Settings,
    pub sources: Vec<Source>,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// Entries of a host of no cluster's view that the fetcher left out past its cap.
    #[serde(default, skip_serializing_if = "Counts::is_zero")]
    pub no_cluster_omitted: Counts,
    /// Entries of the unclaimed part of `--all` that the fetcher left out past its cap.
    #[serde(default, skip_serializing_if = "Counts::is_zero")]
    pub unclaimed_omitted: Counts,
    /// The text view the fetcher also writes for pam_motd (`motd_file` in text): a login that
    /// pam_motd has shown it to does not show it again (see `cli::shown_by_pam_motd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motd_file: Option<String>,
    /// Whose view `motd_file` holds: a login defers to pam_motd only for its own view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motd_view: Option<MotdView>,
    /// HTTP validators (ETag / Last-Modified) by URL, for conditional requests. Fetcher only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<Validator>,
    /// Each source's other components (operational, and named by no item kept), by source: no
    /// view shows them, but a mirror resolves its own clusters' names against them as the page
    /// would. The last field, so that a login cuts it off unread (see `read::read_for`).
    /// `None` in a cache of a fetcher that did not keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogs: Option<Vec<Vec<Listed>>>,
}

impl Cache {
    /// The catalog of source `si`: its components no view shows (empty if none is known).
    pub fn catalog_of(&self, si: usize) -> &[Listed] {
        self.catalogs
            .as_ref()
            .and_then(|c| c.get(si))
            .map_or(&[], Vec::as_slice)
    }
}

/// Whose view the fetcher's text `motd_file` holds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct MotdView {
    /// The cluster's name; `None`: the view of a host of no cluster.
    pub cluster: Option<String>,
}

/// What kind of source a source of the cache is.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// An Atlassian Statuspage page (public or private).
    #[default]
    Statuspage,
    /// The site's own notices file: its items' components stand for names clusters give.
    Notices,
    /// A cluster's Slurm: its maintenance reservations, read with scontrol.
    Slurm,
    /// A kind a later release adds.
    #[serde(other)]
    Other,
}

impl Provider {
    fn is_default(&self) -> bool {
        *self == Provider::Statuspage
    }
}

/// One status page (or notices file) the items came from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Source {
    pub name: String,
    pub url: String,
    /// What kind of source it is (a page, unless it says otherwise).
    #[serde(default, skip_serializing_if = "Provider::is_default")]
    pub provider: Provider,
    /// The configured source it came from, as messages show its address: how the next run
    /// finds this source's last good data when reading it fails.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    /// When this source was last read in full, and last confirmed current (a 304 moves only
    /// this): its own age, since each source fails on its own. `None`: the cache's own times.
    #[serde(
        default,
        deserialize_with = "ts::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub fetched_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "ts::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub checked_at: Option<DateTime<Utc>>,
    /// Why the last run could not read it, if it could not: what it holds is its last good data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Components a login may need: those named by items, those not operational, and those a
    /// cluster covers that could matter. Groups are not listed; each component names its group.
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub items: Vec<Item>,
    /// Items left out past the cap of every view, reduced to what a mirror needs to count them
    /// in its own clusters' views.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
    /// A Slurm source's partitions and reservations (see [`SlurmInfo`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<Box<SlurmInfo>>,
}

impl Source {
    /// Whether no run has read this source yet: its first reads failed, so it holds nothing,
    /// and no view that may depend on it can know how things are.
    pub fn never_read(&self) -> bool {
        self.fetched_at.is_none() && self.failed.is_some()
    }
}

/// A component of the page that no view shows: enough to resolve a name to it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub group: Option<String>,
}

/// An item the fetcher left out past its cap: its id, its components, and its section at the
/// fetch (`None`: maintenance further ahead than `upcoming`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Dropped {
    pub id: String,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub section: Option<Section>,
}

/// The five parts of a view, in display order.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Incident,
    #[serde(rename = "maintenance_in_progress")]
    MaintenanceNow,
    #[serde(rename = "maintenance_planned")]
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

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub group: Option<String>,
    pub status: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Maintenance,
}

/// An incident or a scheduled maintenance, reduced to what a login shows.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: Kind,
    /// Ids of the components it affects (of its own source). Written first after `kind`: a
    /// login reads this field of every item to decide whether to read the rest.
    #[serde(default)]
    pub components: Vec<String>,
    pub id: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub scheduled_for: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub scheduled_until: Option<DateTime<Utc>>,
    /// The newest update's text, converted to plain text and shortened by the fetcher.
    #[serde(default)]
    pub update: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    pub name: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The components this cluster covers, as (source index, component id).
    #[serde(default)]
    pub components: Vec<ComponentRef>,
    /// Entries of this cluster's view the fetcher left out past its cap, by section, as
    /// ranked at the fetch. A view counts them with the entries it does not show.
    #[serde(default, skip_serializing_if = "Counts::is_zero")]
    pub omitted: Counts,
    /// The total of `omitted`: what the previous release's login binary reads.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: usize,
    /// Names in the config (groups, components) that matched nothing or several things at the
    /// last fetch: the view may be incomplete (`motd-status-fetch --status` warns). What the
    /// previous release reads; [`Cluster::unresolved`] says why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<String>,
    /// Each name of `unmatched`, with what it was meant to name and why it did not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<Unresolved>,
    /// The names that matched at the last fetch: a later fetch at which one matches nothing
    /// tells a name renamed or removed on the page from a typo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
    /// How many components of the page the names cover, the operational ones included. `Some(0)`:
    /// the view cannot know anything about the cluster. `None`: written by a fetcher that did
    /// not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<usize>,
}

/// A name in a cluster's config that did not resolve cleanly at the last fetch.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub name: String,
    /// What the name was meant to name.
    pub what: Named,
    pub cause: Cause,
    /// How many things an ambiguous name matches.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub matches: usize,
}

/// What a cluster's name is meant to name.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Named {
    Group,
    Component,
    /// A kind a later release adds, or a cache that did not say.
    #[serde(other)]
    Unknown,
}

impl Named {
    /// The word for it in messages.
    pub fn word(self) -> &'static str {
        match self {
            Named::Group => "group",
            Named::Component => "component",
            Named::Unknown => "name",
        }
    }
}

/// Why a name did not resolve.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// It matches nothing on the page, and never did as far as the cache knows: a typo?
    Missing,
    /// It matches several groups or components.
    Ambiguous,
    /// It matched at an earlier fetch and matches nothing now: renamed or removed on the page.
    Renamed,
    /// A cause a later release adds.
    #[serde(other)]
    Unknown,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Entries per section of a view.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(default)]
pub struct Counts {
    pub incident: usize,
    pub maintenance_in_progress: usize,
    pub maintenance_planned: usize,
    pub resolved: usize,
    pub component: usize,
    /// Maintenance further ahead than `upcoming` at the fetch: in no section yet, so in no
    /// summary, but left out all the same.
    pub maintenance_later: usize,
}

impl Counts {
    fn slot(&mut self, section: Section) -> &mut usize {
        match section {
            Section::Incident => &mut self.incident,
            Section::MaintenanceNow => &mut self.maintenance_in_progress,
            Section::MaintenancePlanned => &mut self.maintenance_planned,
            Section::Resolved => &mut self.resolved,
            Section::Component => &mut self.component,
        }
    }

    /// The count of one section.
    pub fn get(&self, section: Section) -> usize {
        match section {
            Section::Incident => self.incident,
            Section::MaintenanceNow => self.maintenance_in_progress,
            Section::MaintenancePlanned => self.maintenance_planned,
            Section::Resolved => self.resolved,
            Section::Component => self.component,
        }
    }

    pub fn add(&mut self, section: Section, n: usize) {
        let slot = self.slot(section);
        *slot = slot.saturating_add(n);
    }

    /// The sum of both, section by section.
    pub fn plus(mut self, other: &Counts) -> Counts {
        self.incident = self.incident.saturating_add(other.incident);
        self.maintenance_in_progress = self
            .maintenance_in_progress
            .saturating_add(other.maintenance_in_progress);
        self.maintenance_planned = self
            .maintenance_planned
            .saturating_add(other.maintenance_planned);
        self.resolved = self.resolved.saturating_add(other.resolved);
        self.component = self.component.saturating_add(other.component);
        self.maintenance_later = self
            .maintenance_later
            .saturating_add(other.maintenance_later);
        self
    }

    pub fn total(&self) -> usize {
        [
            self.incident,
            self.maintenance_in_progress,
            self.maintenance_planned,
            self.resolved,
            self.component,
            self.maintenance_later,
        ]
        .iter()
        .fold(0usize, |a, b| a.saturating_add(*b))
    }

    pub fn is_zero(&self) -> bool {
        self.total() == 0
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComponentRef {
    pub source: usize,
    pub id: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Validator {
    pub url: String,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A later release's new kind of name or cause reads as unknown, not as a broken cache.
    #[test]
    fn unknown_enum_values_read_as_unknown() {
        let u: Unresolved =
            serde_json::from_str(r#"{"name": "x", "what": "rack", "cause": "retired"}"#).unwrap();
        assert_eq!((u.what, u.cause), (Named::Unknown, Cause::Unknown));
    }
}

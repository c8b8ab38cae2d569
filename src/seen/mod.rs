//! What this user has already seen: at login, an entry unchanged since the user last saw it
//! (and seen recently) is folded into one line instead of shown again in full.
//!
//! Users log in many times a day; an incident that lasts a week would otherwise show the same
//! lines at every login, and people stop reading the block, including the day it says
//! something new. So each entry has an identity (its source and id) and a version (what a user
//! would call a change: its section, status, impact, title, window and newest update), and the
//! user's state file ([`file`]) remembers, per identity, the version last shown in full and
//! when. An entry is shown in full when its version is new to this user, when they last saw it
//! longer than `[login] repeat_after` ago, or when the site's `[login] always_show` keeps it
//! (by default critical incidents, and maintenance in progress or starting within a day).
//!
//! Only the login folds, and only in text: `motd-status` itself, `--all`, `--cluster` and
//! every other format show everything and change no state.

pub mod file;

use chrono::{DateTime, Utc};

use crate::cache::{Repeat, Settings};
use crate::select::{CLOCK_SKEW_SECONDS, Entry, Section, View, What};

/// The state file's first line; a file that does not start with it is someone else's.
const HEADER: &str = "motd-status seen 1";
/// Records of entries no longer in the view are kept this long (seconds), so an entry that
/// leaves the view for a while (a maintenance beyond the window, a component back to normal
/// and down again) is not news when it comes back unchanged.
const KEEP_SECONDS: i64 = 30 * 86400;
/// At most this many records: the file stays a few kilobytes whatever happens over the years.
pub const MAX_RECORDS: usize = 256;

/// What one user has seen: per entry, the version last shown in full and when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// Sorted by key, one record per key.
    records: Vec<Record>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    key: u64,
    version: u64,
    /// Unix seconds.
    shown_at: i64,
}

impl Seen {
    /// The state file's text; anything that is not exactly the format (a corrupt or foreign
    /// file) is an empty state: everything is shown in full, and the file is replaced.
    pub fn parse(text: &str) -> Seen {
        Self::try_parse(text).unwrap_or_default()
    }

    fn try_parse(text: &str) -> Option<Seen> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut records = Vec::new();
        for line in lines {
            let mut f = line.split(' ');
            let (k, v, t) = (f.next()?, f.next()?, f.next()?);
            if f.next().is_some() || k.len() != 16 || v.len() != 16 {
                return None;
            }
            records.push(Record {
                key: u64::from_str_radix(k, 16).ok()?,
                version: u64::from_str_radix(v, 16).ok()?,
                shown_at: t.parse().ok()?,
            });
        }
        records.sort_by_key(|r| r.key);
        records.dedup_by_key(|r| r.key);
        Some(Seen { records })
    }

    /// The state file's text.
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(HEADER.len() + 1 + self.records.len() * 45);
        s.push_str(HEADER);
        s.push('\n');
        for r in &self.records {
            s.push_str(&format!(
                "{:016x} {:016x} {}\n",
                r.key, r.version, r.shown_at
            ));
        }
        s
    }

    fn get(&self, key: u64) -> Option<&Record> {
        self.records
            .binary_search_by_key(&key, |r| r.key)
            .ok()
            .map(|i| &self.records[i])
    }
}

/// Whether the site folds at all: it did not turn it off (`[login] repeat = "always"`). (The
/// user asks for everything with `MOTD_STATUS=full`, which the login reads before the cache.)
pub fn folds(settings: &Settings) -> bool {
    settings.repeat == Repeat::Changes
}

/// Moves the entries of `view` that this user has seen as they are now, recently, and that
/// the site does not always show, from its entries to its folded ones. Order is kept.
pub fn fold(view: &mut View<'_>, seen: &Seen, settings: &Settings, now: DateTime<Utc>) {
    let (full, folded) = std::mem::take(&mut view.entries)
        .into_iter()
        .partition(|e| shown_in_full(e, seen, settings, now));
    view.entries = full;
    view.folded = folded;
}

/// THE rule: an entry is shown in full unless this user saw this very version less than
/// `repeat_after` ago and the site does not always show it.
fn shown_in_full(e: &Entry<'_>, seen: &Seen, settings: &Settings, now: DateTime<Utc>) -> bool {
    always_shown(e, settings, now) || is_news(e, seen, settings, now)
}

/// Whether `e` is news to this user: a version they have not seen, or saw `repeat_after` ago
/// or longer.
fn is_news(e: &Entry<'_>, seen: &Seen, settings: &Settings, now: DateTime<Utc>) -> bool {
    let after = i64::try_from(settings.repeat_after_seconds).unwrap_or(i64::MAX);
    match seen.get(identity(e)) {
        Some(r) if r.version == version(e) => {
            let age = now.timestamp().saturating_sub(r.shown_at);
            // A record from the future was written by a node whose clock is ahead (homes are
            // shared): it says nothing about when this user saw the entry.
            age >= after || age < -CLOCK_SKEW_SECONDS
        }
        _ => true,
    }
}

/// Whether a word of `[login] always_show` keeps `e` in full (see `cache::ALWAYS_SHOW`).
fn always_shown(e: &Entry<'_>, settings: &Settings, now: DateTime<Utc>) -> bool {
    let item = match &e.what {
        What::Item { item, .. } => Some(*item),
        What::Component(_) => None,
    };
    let impact = item.map_or("", |i| i.impact.as_str());
    let notice = item.is_some_and(|i| i.status == "notice");
    // A component counts by its own state: an outage as an incident of that impact, under
    // maintenance as maintenance in progress.
    let component = match &e.what {
        What::Component(c) => c.status.as_str(),
        What::Item { .. } => "",
    };
    let soon = || {
        let left = item
            .and_then(|i| i.scheduled_for)
            .map(|at| (at - now).num_seconds());
        left.is_some_and(|s| s <= i64::try_from(settings.soon_seconds).unwrap_or(i64::MAX))
    };
    settings
        .always_show
        .iter()
        .any(|w| match (w.as_str(), e.section) {
            ("critical", Section::Incident) => impact == "critical",
            ("critical", Section::Component) => component == "major_outage",
            ("major", Section::Incident) => matches!(impact, "major" | "critical"),
            ("major", Section::Component) => matches!(component, "major_outage" | "partial_outage"),
            ("maintenance_in_progress", Section::Component) => component == "under_maintenance",
            ("incident", Section::Incident) => !notice,
            ("notice", Section::Incident) => notice,
            ("maintenance_in_progress", Section::MaintenanceNow) => true,
            ("maintenance_soon", Section::MaintenancePlanned) => soon(),
            ("maintenance_planned", Section::MaintenancePlanned) => true,
            ("resolved", Section::Resolved) => true,
            ("component", Section::Component) => true,
            _ => false,
        })
}

/// The state after a login showed `listed` in full and folded the rest of `view`: the
/// listed entries that were news to this user (a version they had not seen, or seen longer
/// than `repeat_after` ago) as seen at `now`, every other record as it was (an entry shown
/// only because the site always shows it keeps its record, so a week-long maintenance in
/// progress does not rewrite the file at every login), and records of entries gone from the
/// view while they are recent; `None` when nothing changed (the file is then left alone).
pub fn after(
    seen: &Seen,
    view: &View<'_>,
    listed: &[Entry<'_>],
    settings: &Settings,
    now: DateTime<Utc>,
) -> Option<Seen> {
    let now_s = now.timestamp();
    let mut records: Vec<Record> = listed
        .iter()
        .filter(|e| is_news(e, seen, settings, now))
        .map(|e| Record {
            key: identity(e),
            version: version(e),
            shown_at: now_s,
        })
        .collect();
    records.sort_by_key(|r| r.key);
    records.dedup_by_key(|r| r.key);
    let in_view: Vec<u64> = view.all_entries().map(identity).collect();
    let fresh = records.clone();
    for r in &seen.records {
        let shown_now = fresh.binary_search_by_key(&r.key, |f| f.key).is_ok();
        let recent = now_s.saturating_sub(r.shown_at) < KEEP_SECONDS;
        if !shown_now && (in_view.contains(&r.key) || recent) {
            records.push(*r);
        }
    }
    // Past the cap, the ones shown longest ago go first.
    if records.len() > MAX_RECORDS {
        records.sort_by_key(|r| std::cmp::Reverse(r.shown_at));
        records.truncate(MAX_RECORDS);
    }
    records.sort_by_key(|r| r.key);
    let next = Seen { records };
    (next != *seen).then_some(next)
}

/// An entry's identity: its source and its id on that source (a component's apart from an
/// item's).
fn identity(e: &Entry<'_>) -> u64 {
    let mut h = Fnv::new();
    h.field(&e.source.url);
    match &e.what {
        What::Item { item, .. } => {
            h.field("item");
            h.field(&item.id);
        }
        What::Component(c) => {
            h.field("component");
            h.field(&c.id);
        }
    }
    h.0
}

/// An entry's version: what a user would call a change. For an incident or maintenance its
/// section (planned → in progress → resolved), status, impact, title, window, the components
/// it affects, and its newest update: the text and the item's `updated_at`, which a new update
/// moves even when its text repeats the last one's ("We are continuing to investigate"); for a
/// component its status.
fn version(e: &Entry<'_>) -> u64 {
    let mut h = Fnv::new();
    h.field(e.section.as_str());
    match &e.what {
        What::Item { item, .. } => {
            h.field(&item.status);
            h.field(&item.impact);
            h.field(&item.name);
            h.field(item.update.as_deref().unwrap_or(""));
            let times = [item.scheduled_for, item.scheduled_until, item.updated_at];
            for t in times {
                h.field(&t.map_or(String::new(), |t| t.timestamp().to_string()));
            }
            // In any order: a page that lists them anew is no change.
            let mut components: Vec<&str> = item.components.iter().map(String::as_str).collect();
            components.sort_unstable();
            for c in components {
                h.field(c);
            }
        }
        What::Component(c) => h.field(&c.status),
    }
    h.0
}

/// 64-bit FNV-1a: stable across builds and releases (the state outlives the binary), unlike
/// the standard library's hasher.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Hashes `s` and a separator no UTF-8 text contains, so fields cannot run into each other.
    fn field(&mut self, s: &str) {
        for b in s.bytes().chain([0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests;

//! The display settings the fetcher resolves from its config and writes into the cache, so
//! that the login binary reads no config file.
//!
//! Every field has a default, so a cache of an earlier release (without the newer fields)
//! reads as if the site had set nothing.

use serde::{Deserialize, Serialize};

/// Display settings resolved by the fetcher from the config, so the login binary needs no config.
/// Read by hand (`hand`): the first three must be there, the others default as
/// [`Settings::default`] has them.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Settings {
    /// Resolved incidents stay visible this long (seconds).
    pub recent_seconds: u64,
    /// Scheduled maintenance shows up this long before it starts (seconds).
    pub upcoming_seconds: u64,
    /// Items naming no component are shown on every cluster.
    pub show_unscoped: bool,
    /// Past this age the view ends with a "status as of" line (seconds).
    pub stale_seconds: u64,
    /// Past this age only the "status as of" line is shown (seconds).
    pub expire_seconds: u64,
    /// At most this many items at login; the rest are counted.
    pub max_items: usize,
    /// The site's switch: false makes `--login` print nothing.
    pub login: bool,
    /// `[login] repeat`: whether a login folds what this user has already seen (`changes`,
    /// the default) or shows everything in full every time (`always`).
    pub repeat: Repeat,
    /// `[login] repeat_after`: an unchanged entry is shown in full again once this user last
    /// saw it this long ago (seconds).
    pub repeat_after_seconds: u64,
    /// `[login] always_show`: what a login shows in full whatever this user has seen. Kept
    /// as words, so that a word of a later release is ignored here rather than making the
    /// whole cache unreadable.
    pub always_show: Vec<String>,
    /// `[login] soon`: how close a maintenance must be to count as `maintenance_soon`.
    pub soon_seconds: u64,
    /// `[slurm] match_window`: a page's maintenance and a Slurm reservation of the same
    /// cluster starting this close together are one entry.
    pub match_window_seconds: u64,
}

/// Whether a login folds what a user has already seen.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Show what changed in full, and one line for the rest.
    #[default]
    Changes,
    /// Show everything in full at every login.
    Always,
}

/// The words of `always_show`, and what each keeps in full: an incident's impact, a
/// section, or a maintenance about to start.
pub const ALWAYS_SHOW: [(&str, &str); 9] = [
    ("critical", "incidents and notices of critical impact"),
    ("major", "incidents and notices of major or critical impact"),
    ("incident", "every open incident"),
    ("notice", "every notice of the site's notices"),
    ("maintenance_in_progress", "maintenance in progress"),
    (
        "maintenance_soon",
        "maintenance starting within [login] soon",
    ),
    ("maintenance_planned", "every planned maintenance"),
    ("resolved", "recently resolved incidents"),
    ("component", "components that are not operational"),
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            recent_seconds: 2 * 86400,
            upcoming_seconds: 7 * 86400,
            show_unscoped: true,
            stale_seconds: 3600,
            expire_seconds: 7 * 86400,
            max_items: 8,
            login: true,
            repeat: Repeat::default(),
            repeat_after_seconds: 86400,
            // Critical incidents, and maintenance in progress or starting within a day.
            always_show: ["critical", "maintenance_in_progress", "maintenance_soon"]
                .map(str::to_owned)
                .to_vec(),
            soon_seconds: 86400,
            match_window_seconds: 2 * 3600,
        }
    }
}

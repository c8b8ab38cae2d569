//! The display settings the fetcher resolves from its config and writes into the cache, so
//! that the login binary reads no config file.
//!
//! Every field has a default, so a cache of an earlier release (without the newer fields)
//! reads as if the site had set nothing.

use serde::{Deserialize, Serialize};

/// Display settings resolved by the fetcher from the config, so the login binary needs no config.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Settings {
    /// Resolved incidents stay visible this long (seconds).
    pub recent_seconds: u64,
    /// Scheduled maintenance shows up this long before it starts (seconds).
    pub upcoming_seconds: u64,
    /// Items naming no component are shown on every cluster.
    pub show_unscoped: bool,
    /// Past this age the view ends with a "status as of" line (seconds).
    #[serde(default = "default_stale")]
    pub stale_seconds: u64,
    /// Past this age only the "status as of" line is shown (seconds).
    #[serde(default = "default_expire")]
    pub expire_seconds: u64,
    /// At most this many items at login; the rest are counted.
    #[serde(default = "default_max_items")]
    pub max_items: usize,
    /// The site's switch: false makes `--login` print nothing.
    #[serde(default = "default_true")]
    pub login: bool,
    /// `[login] repeat`: whether a login folds what this user has already seen (`changes`,
    /// the default) or shows everything in full every time (`always`).
    #[serde(default)]
    pub repeat: Repeat,
    /// `[login] repeat_after`: an unchanged entry is shown in full again once this user last
    /// saw it this long ago (seconds).
    #[serde(default = "default_day")]
    pub repeat_after_seconds: u64,
    /// `[login] always_show`: what a login shows in full whatever this user has seen. Kept
    /// as words, so that a word of a later release is ignored here rather than making the
    /// whole cache unreadable.
    #[serde(default = "default_always_show")]
    pub always_show: Vec<String>,
    /// `[login] soon`: how close a maintenance must be to count as `maintenance_soon`.
    #[serde(default = "default_day")]
    pub soon_seconds: u64,
    /// `[slurm] match_window`: a page's maintenance and a Slurm reservation of the same
    /// cluster starting this close together are one entry.
    #[serde(default = "default_match_window")]
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

fn default_stale() -> u64 {
    3600
}
fn default_expire() -> u64 {
    7 * 86400
}
fn default_max_items() -> usize {
    8
}
fn default_true() -> bool {
    true
}
fn default_day() -> u64 {
    86400
}
fn default_match_window() -> u64 {
    2 * 3600
}
/// Critical incidents, and maintenance in progress or starting within a day.
fn default_always_show() -> Vec<String> {
    ["critical", "maintenance_in_progress", "maintenance_soon"]
        .map(str::to_owned)
        .to_vec()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            recent_seconds: 2 * 86400,
            upcoming_seconds: 7 * 86400,
            show_unscoped: true,
            stale_seconds: default_stale(),
            expire_seconds: default_expire(),
            max_items: default_max_items(),
            login: true,
            repeat: Repeat::default(),
            repeat_after_seconds: default_day(),
            always_show: default_always_show(),
            soon_seconds: default_day(),
            match_window_seconds: default_match_window(),
        }
    }
}

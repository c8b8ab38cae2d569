//! The sources of status, each a room of its own behind one interface, [`Source`]: it reads its
//! data within the run's deadline (through the run's [`Session`], which records what a later
//! run may ask conditionally), turns it into the cache's model, and says in one line what it
//! could not do. The run loop, the cache builder, `motd_file`, `metrics_file` and `--status`
//! know only the interface.
//!
//! - [`statuspage`]: a public Statuspage page (API v2), over HTTP(S) or from a directory;
//! - [`manage`]: a private page, through the manage API (v1) with a key;
//! - [`mirror`]: another fetcher's published cache, copied whole;
//! - [`notices`]: the site's own notices file, kept by hand (TOML or JSON);
//! - [`slurm`]: a cluster's scheduler, its maintenance reservations read with scontrol.
//!
//! A new source is a file here, one [`SourceKind`] and one arm of [`of`].

pub(crate) mod manage;
pub(crate) mod mirror;
pub(crate) mod model;
pub(crate) mod notices;
pub(crate) mod slurm;
pub(crate) mod statuspage;

use chrono::{DateTime, Utc};

use super::config::{Config, SourceConfig, SourceKind};
use super::http::{FetchError, Secret};
use super::log;
use super::session::Session;
use crate::cache::{self, Cache};

/// An update's text is cut to this many characters in the cache: a login shows one line of it.
pub(crate) const UPDATE_CHARS: usize = 200;
/// Titles, component and group names are cut to this many characters: a terminal line is
/// shorter. Every string the cache takes from a source is capped, and the whole cache must fit
/// the login's read cap or the run fails.
pub(crate) const NAME_CHARS: usize = 300;
/// Statuses and impacts are single words.
pub(crate) const WORD_CHARS: usize = 40;

/// What one source gave this run.
pub(crate) enum Fetched {
    /// A page's data, in the cache's model, before the cache builder trims it.
    Data(SourceData),
    /// Another fetcher's cache, whole (mirror mode).
    Cache(Box<Cache>),
}

/// A page's data in the cache's model: every component and item it has (strings capped), and
/// the groups its clusters' names resolve against.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceData {
    /// The page's own name and address (either may be empty: the builder falls back to the
    /// config's).
    pub name: String,
    pub url: String,
    pub time_zone: Option<String>,
    /// Every component (group rows excluded), each naming its group.
    pub components: Vec<cache::Component>,
    pub items: Vec<cache::Item>,
    pub groups: Vec<Group>,
    /// Its components stand for names a cluster gives (its own name, or a group or component
    /// it names), not for a page's components (a notices file's `affects`): a cluster covers
    /// those it gives, as [`crate::fetch::resolve`] decides.
    pub named_by_clusters: bool,
    /// A cluster's Slurm: its partitions and reservations, and the cluster it is for (whose
    /// view alone its items reach).
    pub slurm: Option<Box<cache::SlurmInfo>>,
}

/// A group of components, as a page names it.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The page's id for it, where the source has one.
    pub id: Option<String>,
    pub name: String,
    pub status: String,
    /// The ids of its components.
    pub members: Vec<String>,
}

/// What a source may use of the run.
pub(crate) struct Run<'r, 'h> {
    /// Requests (with the run's deadline) and local reads.
    pub session: &'r mut Session<'h>,
    pub now: DateTime<Utc>,
    /// How far back resolved incidents matter (`recent`): a source that pages through
    /// history stops there.
    pub recent: chrono::Duration,
    /// The source's API key, for a private page.
    pub key: Option<&'r Secret>,
}

/// A source of status: the one interface of this room.
pub(crate) trait Source {
    /// Reads the source, in the cache's model, or says in one line (naming the address) what
    /// went wrong.
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError>;
}

/// The room that reads `config`.
pub(crate) fn of(config: &SourceConfig) -> Box<dyn Source + '_> {
    match &config.kind {
        SourceKind::Page(at) => Box::new(statuspage::PublicPage(at)),
        SourceKind::Private(m) => Box::new(manage::PrivatePage(m)),
        SourceKind::Mirror(at) => Box::new(mirror::Mirror(at)),
        SourceKind::Notices(at) => Box::new(notices::Notices(at)),
        SourceKind::Slurm(s) => Box::new(slurm::Slurm(s)),
    }
}

/// The API keys of the private sources, by source index: read before anything is fetched, so
/// that a bad key file fails the run at once.
pub(crate) fn keys(cfg: &Config) -> Result<Vec<Option<Secret>>, String> {
    cfg.sources
        .iter()
        .map(|s| match &s.kind {
            SourceKind::Private(m) => manage::load_key(m).map(Some),
            _ => Ok(None),
        })
        .collect()
}

/// Reads the configured sources that `read` accepts (by index), in order, each with its index;
/// the first that fails fails the run (`--check` and `--list-groups`; a fetch reads each on its
/// own).
pub(crate) fn fetch_all(
    cfg: &Config,
    session: &mut Session<'_>,
    keys: &[Option<Secret>],
    now: DateTime<Utc>,
    read: impl Fn(usize) -> bool,
) -> Result<Vec<(usize, Fetched)>, FetchError> {
    let recent =
        chrono::Duration::seconds(cfg.settings.recent_seconds.min(i64::MAX as u64 / 2000) as i64);
    let mut out = Vec::new();
    for (ci, (source, key)) in cfg.sources.iter().zip(keys).enumerate() {
        if !read(ci) {
            continue;
        }
        let started = std::time::Instant::now();
        let mut run = Run {
            session,
            now,
            recent,
            key: key.as_ref(),
        };
        let fetched = of(source).fetch(&mut run)?;
        let (components, items) = match &fetched {
            Fetched::Data(d) => (d.components.len(), d.items.len()),
            Fetched::Cache(c) => c.sources.iter().fold((0, 0), |(n, m), s| {
                (n + s.components.len(), m + s.items.len())
            }),
        };
        log::info(format!(
            "fetched {} in {}ms: {components} components, {items} incidents and maintenances",
            source.shown(),
            started.elapsed().as_millis(),
        ));
        out.push((ci, fetched));
    }
    Ok(out)
}

/// Parses a JSON body into `T`; HTML, an empty body and broken JSON each get their own cause.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    url: &str,
    body: &[u8],
) -> Result<T, FetchError> {
    let fail = |cause: String| FetchError {
        url: url.to_owned(),
        cause,
    };
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => return Err(fail("empty response".to_owned())),
        Some(b'<') => {
            return Err(fail(
                "got HTML, not JSON (a login or error page in front of the status page?)"
                    .to_owned(),
            ));
        }
        _ => {}
    }
    serde_json::from_slice::<T>(body).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else if e.is_syntax() {
            "invalid JSON"
        } else {
            "unexpected JSON"
        };
        fail(format!("{what}: {e}"))
    })
}

/// A name as compared: NFC-normalised, fully case-folded, trimmed. Clusters' names are
/// resolved so (`crate::fetch::resolve`), and a notices file's `affects` names are told apart
/// so.
pub fn folded(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfc: String = s.trim().nfc().collect();
    caseless::default_case_fold_str(&nfc).nfc().collect()
}

/// The first `max` characters of `s`, with "…" when cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

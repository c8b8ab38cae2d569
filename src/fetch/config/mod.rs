//! The fetcher's configuration: one TOML file, resolved once into [`Config`].
//!
//! Only `motd-status-fetch` reads it; whatever the login binary needs (clusters, host globs,
//! windows, display settings) travels in the cache, already resolved. Unknown keys are errors
//! (a typo must not silently fall back to a default) and every error names the file, the line
//! and the key. Every address is parsed here, once, into the type the fetcher uses
//! ([`super::address`]). The parts: [`toml`] reads the text and words TOML's own errors,
//! [`sources`] resolves where the sources are, [`settings`] the rest.

mod settings;
mod slurm;
mod sources;
#[cfg(test)]
mod tests;
mod toml;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use settings::check_proxy;
pub use slurm::{SlurmConfig, SlurmSource};
use toml::ConfigText;

use super::address::{Location, Url};
use crate::cache::{self, Repeat, Settings};

pub const DEFAULT_PATH: &str = "/etc/motd-status/config.toml";
pub const ENV_PATH: &str = "MOTD_STATUS_CONFIG";

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The page and any further sources (pages, notices files), in order. A mirror is the only
    /// source.
    pub sources: Vec<SourceConfig>,
    pub cache: PathBuf,
    pub settings: Settings,
    pub clusters: Vec<ClusterConfig>,
    pub http: HttpConfig,
    /// Where to also write this host's rendered view after each fetch (for pam_motd).
    pub motd_file: Option<PathBuf>,
    /// `motd_format = "markdown"` writes Markdown instead of text (for Open OnDemand).
    pub motd_markdown: bool,
    /// `motd_cluster`: whose view `motd_file` holds, instead of this host's cluster.
    pub motd_cluster: Option<String>,
    /// Where to write Prometheus metrics after every run (the node exporter's textfile
    /// collector directory, say).
    pub metrics_file: Option<PathBuf>,
    /// The display settings the file sets explicitly: in mirror mode they override the
    /// mirrored cache's, the rest come from the mirror.
    pub settings_set: SettingsOverlay,
    /// Sleep a random time up to this long before the first request.
    pub jitter: Duration,
    /// `[slurm]`: how the clusters' schedulers are asked (their sources are in `sources`).
    pub slurm: SlurmConfig,
    /// A digest of the config text and this build: a cache written under another config is
    /// never refreshed by a 304 alone.
    pub digest: String,
}

/// The display settings the config file sets itself, each `None` when left out.
///
/// Kept apart from the resolved [`Settings`] because a mirror must be able to tell "the site
/// chose this" from "this is the default": only the former overrides the mirrored cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsOverlay {
    pub recent_seconds: Option<u64>,
    pub upcoming_seconds: Option<u64>,
    pub show_unscoped: Option<bool>,
    pub stale_seconds: Option<u64>,
    pub expire_seconds: Option<u64>,
    pub max_items: Option<usize>,
    pub login: Option<bool>,
    pub repeat: Option<Repeat>,
    pub repeat_after_seconds: Option<u64>,
    pub always_show: Option<Vec<String>>,
    pub soon_seconds: Option<u64>,
    pub match_window_seconds: Option<u64>,
}

impl SettingsOverlay {
    /// `base` with the values set here laid over it.
    pub fn apply(&self, base: &Settings) -> Settings {
        Settings {
            recent_seconds: self.recent_seconds.unwrap_or(base.recent_seconds),
            upcoming_seconds: self.upcoming_seconds.unwrap_or(base.upcoming_seconds),
            show_unscoped: self.show_unscoped.unwrap_or(base.show_unscoped),
            stale_seconds: self.stale_seconds.unwrap_or(base.stale_seconds),
            expire_seconds: self.expire_seconds.unwrap_or(base.expire_seconds),
            max_items: self.max_items.unwrap_or(base.max_items),
            login: self.login.unwrap_or(base.login),
            repeat: self.repeat.unwrap_or(base.repeat),
            repeat_after_seconds: self
                .repeat_after_seconds
                .unwrap_or(base.repeat_after_seconds),
            always_show: self
                .always_show
                .clone()
                .unwrap_or_else(|| base.always_show.clone()),
            soon_seconds: self.soon_seconds.unwrap_or(base.soon_seconds),
            match_window_seconds: self
                .match_window_seconds
                .unwrap_or(base.match_window_seconds),
        }
    }
}

/// One configured source, named in logs and metrics by its `name`, else its address.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Shown to users when there are several sources; defaults to the page's own name.
    pub name: Option<String>,
    pub kind: SourceKind,
}

/// What a source is, and where it is read from: the rooms of `super::sources`.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A public Statuspage page (API v2): its base address, or a local directory holding the
    /// same `api/v2/*.json` files.
    Page(Location),
    /// A private page, through the manage API (v1) with a key.
    Private(ManageConfig),
    /// Another fetcher's published cache, copied whole (mirror mode: the only source).
    Mirror(Location),
    /// The site's own notices file (TOML or JSON), local or on a web server.
    Notices(Location),
    /// A cluster's scheduler: its maintenance reservations, read with scontrol.
    Slurm(SlurmSource),
}

/// A private page: the v1 API with a key.
#[derive(Debug, Clone)]
pub struct ManageConfig {
    pub page_id: String,
    /// As written; `%d/` stands for `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=`).
    pub api_key_file: PathBuf,
    pub api_base: Url,
}

impl ManageConfig {
    /// The page's own address in the API: `<api_base>/pages/<page_id>`.
    pub fn page_url(&self) -> Url {
        self.api_base.join(&format!("pages/{}", self.page_id))
    }
}

impl SourceConfig {
    /// The address it is read from, as messages show it (credentials hidden).
    pub fn shown(&self) -> String {
        match &self.kind {
            SourceKind::Page(at) | SourceKind::Mirror(at) | SourceKind::Notices(at) => at.shown(),
            SourceKind::Private(m) => m.page_url().redacted(),
            SourceKind::Slurm(s) => match &s.conf {
                Some(conf) => format!("Slurm of {} ({})", s.cluster, conf.display()),
                None => format!("Slurm of {}", s.cluster),
            },
        }
    }

    /// Whether `address` (as the run's session records what it asked) is one of this
    /// source's: its own address, or one below it.
    pub fn owns(&self, address: &str) -> bool {
        let base = match &self.kind {
            SourceKind::Page(Location::Web(u))
            | SourceKind::Mirror(Location::Web(u))
            | SourceKind::Notices(Location::Web(u)) => u.as_str().trim_end_matches('/').to_owned(),
            SourceKind::Page(Location::Local(p))
            | SourceKind::Mirror(Location::Local(p))
            | SourceKind::Notices(Location::Local(p)) => p.display().to_string(),
            SourceKind::Private(m) => m.page_url().as_str().to_owned(),
            // Asked no conditional request: nothing is recorded for it.
            SourceKind::Slurm(_) => return false,
        };
        address
            .strip_prefix(base.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    /// How logs and metrics name it: its name, else its address.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.shown())
    }
}

pub const DEFAULT_API_BASE: &str = "https://api.statuspage.io/v1";

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub groups: Vec<String>,
    pub components: Vec<String>,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request deadline, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// TCP connect deadline (TLS and proxy handshakes included).
    pub connect_timeout: Duration,
    /// The longest wait for the next bytes of an answer.
    pub read_timeout: Duration,
    /// Largest response body accepted.
    pub max_bytes: u64,
    /// Further attempts after a 5xx, 420/429 or a failed connection.
    pub retries: u32,
    /// The first wait before a retry; each later one doubles it.
    pub retry_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the request at once.
    pub max_retry_after: Duration,
    /// The least time between two requests with the same API key (Statuspage allows 1/s).
    pub api_interval: Duration,
    /// The whole run's budget: no retry starts that could end after it.
    pub deadline: Duration,
    /// `proxy` from the config: overrides the environment; `Some("")` means no proxy.
    pub proxy: Option<String>,
    /// `no_proxy` from the config: overrides `NO_PROXY`.
    pub no_proxy: Option<String>,
    /// Extra trusted CA certificates (PEM), beside the system's.
    pub ca_file: Option<PathBuf>,
}

impl Config {
    /// The mirrored cache's location, in mirror mode.
    pub fn mirror(&self) -> Option<&Location> {
        self.sources.iter().find_map(|s| match &s.kind {
            SourceKind::Mirror(at) => Some(at),
            _ => None,
        })
    }
}

/// Whether a source is a notices file: its notices reach a cluster by the cluster's own name,
/// so a cluster need name no group or component.
fn has_notices(sources: &[SourceConfig]) -> bool {
    sources
        .iter()
        .any(|s| matches!(s.kind, SourceKind::Notices(_)))
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(15),
            max_bytes: 8 << 20,
            retries: 2,
            retry_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(60),
            api_interval: Duration::from_secs(1),
            // Under the packaged unit's TimeoutStartSec=2min.
            deadline: Duration::from_secs(100),
            proxy: None,
            no_proxy: None,
            ca_file: None,
        }
    }
}

/// A config error: file, line (when known), key (when known), what is wrong.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    /// The column (in characters, from 1) where the value starts, with `line`.
    pub column: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    /// The config names no page, source or mirror at all: the package is installed but the
    /// site has not set it up yet (the timer's runs are then a quiet no-op).
    pub unconfigured: bool,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The config path from `--config`, then `MOTD_STATUS_CONFIG`, then the default.
pub fn resolve_path(flag: Option<PathBuf>) -> PathBuf {
    crate::env::path_or(flag, ENV_PATH, DEFAULT_PATH)
}

/// Reads and resolves the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_owned(),
        line: None,
        column: None,
        key: None,
        unconfigured: false,
        message: format!("cannot read the config: {e}"),
    })?;
    parse(path, &text)
}

/// Resolves config text; `path` is only used in messages and to resolve relative paths.
///
/// Each part of the file is resolved by its own function below, in the order the checks have
/// always run, so that a file with several mistakes still reports the same one first.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let file = ConfigText { path, text };
    let raw = toml::read_raw(&file)?;
    if !raw.names_top_page()
        && raw.source.is_empty()
        && raw.mirror.is_none()
        && !slurm::wanted(&raw)
    {
        return Err(ConfigError {
            unconfigured: true,
            ..file.error(
                None,
                Some("page"),
                "is not set: motd-status is installed but not configured yet; set page \
                 (the status page's address, e.g. page = \"https://status.example.org\") \
                 or mirror",
            )
        });
    }
    let mut sources = sources::sources(&file, &raw)?;
    let slurm = slurm::config(&file, raw.slurm.as_ref())?;
    sources.extend(slurm::sources(
        &file,
        &raw.cluster,
        &slurm,
        raw.mirror.is_some(),
    )?);
    let mirror = sources.iter().find_map(|s| match &s.kind {
        SourceKind::Mirror(Location::Local(path)) => Some(path.clone()),
        _ => None,
    });
    let settings_set = settings::overlay(&file, &raw)?;
    let settings = settings_set.apply(&Settings::default());
    settings::check_stale_before_expire(&file, raw.login.as_ref(), &settings)?;
    let clusters = settings::clusters(&file, &raw.cluster, has_notices(&sources))?;
    let http = settings::http(&file, &raw)?;
    let motd_markdown = settings::motd_markdown(&file, raw.motd_format.as_ref())?;
    let jitter = file.duration(raw.jitter.as_ref(), "jitter", Duration::ZERO)?;
    let dir = file.dir();
    let cache = raw
        .cache
        .map(|p| toml::beside(dir, &p))
        .unwrap_or_else(|| PathBuf::from(cache::DEFAULT_PATH));
    let motd_file = raw.motd_file.map(|p| toml::beside(dir, &p));
    settings::check_motd_file(
        &file,
        "motd_file",
        &cache,
        motd_file.as_deref(),
        mirror.as_deref(),
    )?;
    let metrics_file = raw.metrics_file.map(|p| toml::beside(dir, &p));
    settings::check_motd_file(
        &file,
        "metrics_file",
        &cache,
        metrics_file.as_deref(),
        mirror.as_deref(),
    )?;
    if metrics_file.is_some() && metrics_file == motd_file {
        return Err(file.error(None, Some("metrics_file"), "is also the motd_file"));
    }
    Ok(Config {
        path: path.to_owned(),
        sources,
        cache,
        settings,
        clusters,
        http,
        motd_file,
        motd_markdown,
        motd_cluster: raw.motd_cluster,
        metrics_file,
        settings_set,
        jitter,
        slurm,
        digest: digest(text),
    })
}

/// FNV-1a of the config text and this build's version, as hex: stable across builds of the
/// same version, unlike `std`'s hasher.
fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in env!("CARGO_PKG_VERSION")
        .bytes()
        .chain([0])
        .chain(text.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

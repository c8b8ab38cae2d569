//! The fetcher's configuration: one TOML file, resolved once into [`Config`].
//!
//! Only `motd-status-fetch` reads it; whatever the login binary needs (clusters, host globs,
//! windows, display settings) travels in the cache, already resolved. Unknown keys are errors
//! (a typo must not silently fall back to a default) and every error names the file, the line
//! and the key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::cache::{self, Settings};

pub const DEFAULT_PATH: &str = "/etc/motd-status/config.toml";
pub const ENV_PATH: &str = "MOTD_STATUS_CONFIG";

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The page and any further sources, in order; the first is the main page.
    pub sources: Vec<SourceConfig>,
    pub cache: PathBuf,
    pub settings: Settings,
    pub clusters: Vec<ClusterConfig>,
    pub http: HttpConfig,
    /// Where to also write this host's rendered view after each fetch (for pam_motd).
    pub motd_file: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Shown to users when there are several sources; defaults to the page's own name.
    pub name: Option<String>,
    /// Base address: `https://…`, `file://…` or a local directory.
    pub page: String,
}

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub groups: Vec<String>,
    pub components: Vec<String>,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request deadline.
    pub timeout: Duration,
    /// TCP connect deadline.
    pub connect_timeout: Duration,
    /// Largest response body accepted.
    pub max_bytes: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 8 << 20,
        }
    }
}

/// A config error: file, line (when known), key (when known), what is wrong.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    page: Option<Spanned<String>>,
    cache: Option<PathBuf>,
    recent: Option<Spanned<String>>,
    upcoming: Option<Spanned<String>>,
    show_unscoped: Option<bool>,
    #[serde(default)]
    cluster: Vec<RawCluster>,
    #[serde(default)]
    source: Vec<RawSource>,
    login: Option<RawLogin>,
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_bytes: Option<u64>,
    motd_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<String>,
    page: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    name: Spanned<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogin {
    enabled: Option<bool>,
    max_items: Option<usize>,
    stale_after: Option<Spanned<String>>,
    expire_after: Option<Spanned<String>>,
}

/// The config path from `--config`, then `MOTD_STATUS_CONFIG`, then the default.
pub fn resolve_path(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os(ENV_PATH)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

/// Reads and resolves the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_owned(),
        line: None,
        key: None,
        message: format!("cannot read the config: {e}"),
    })?;
    parse(path, &text)
}

/// Resolves config text; `path` is only used in messages and to resolve relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let err = |span: Option<Range<usize>>, key: Option<&str>, message: String| ConfigError {
        path: path.to_owned(),
        line: span.map(|s| line_of(text, s.start)),
        key: key.map(str::to_owned),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let span = e.span();
        let key = span.clone().and_then(|s| key_at(text, s.start));
        err(span, key.as_deref(), e.message().trim().to_owned())
    })?;
    let duration = |v: &Option<Spanned<String>>, key: &str, default: Duration| match v {
        None => Ok(default),
        Some(s) => humantime::parse_duration(s.get_ref()).map_err(|e| {
            err(
                Some(s.span()),
                Some(key),
                format!(
                    "{:?} is not a duration like \"2d\" or \"90min\": {e}",
                    s.get_ref()
                ),
            )
        }),
    };
    let base = path.parent().unwrap_or(Path::new("."));

    let mut sources = Vec::new();
    match &raw.page {
        Some(p) if p.get_ref().trim().is_empty() => {
            return Err(err(Some(p.span()), Some("page"), "is empty".to_owned()));
        }
        Some(p) => sources.push(SourceConfig {
            name: None,
            page: resolve_page(base, p.get_ref()),
        }),
        None if raw.source.is_empty() => {
            return Err(err(
                None,
                Some("page"),
                "is missing: set it to the status page's address, e.g. \
                 page = \"https://status.example.org\""
                    .to_owned(),
            ));
        }
        None => {}
    }
    for s in &raw.source {
        sources.push(SourceConfig {
            name: s.name.clone(),
            page: resolve_page(base, &s.page),
        });
    }

    let defaults = Settings::default();
    let login = raw.login.as_ref();
    let settings = Settings {
        recent_seconds: duration(&raw.recent, "recent", secs(defaults.recent_seconds))?.as_secs(),
        upcoming_seconds: duration(&raw.upcoming, "upcoming", secs(defaults.upcoming_seconds))?
            .as_secs(),
        show_unscoped: raw.show_unscoped.unwrap_or(defaults.show_unscoped),
        stale_seconds: duration(
            login.map_or(&None, |l| &l.stale_after),
            "login.stale_after",
            secs(defaults.stale_seconds),
        )?
        .as_secs(),
        expire_seconds: duration(
            login.map_or(&None, |l| &l.expire_after),
            "login.expire_after",
            secs(defaults.expire_seconds),
        )?
        .as_secs(),
        max_items: login
            .and_then(|l| l.max_items)
            .unwrap_or(defaults.max_items),
        login: login.and_then(|l| l.enabled).unwrap_or(true),
    };

    let mut clusters: Vec<ClusterConfig> = Vec::new();
    for c in &raw.cluster {
        let name = c.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(
                Some(c.name.span()),
                Some("cluster.name"),
                "is empty".to_owned(),
            ));
        }
        if clusters.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
            return Err(err(
                Some(c.name.span()),
                Some("cluster.name"),
                format!("{name:?} is used by two clusters"),
            ));
        }
        if c.groups.is_empty() && c.components.is_empty() {
            return Err(err(
                Some(c.name.span()),
                Some("cluster.groups"),
                format!("cluster {name:?} names no groups and no components"),
            ));
        }
        clusters.push(ClusterConfig {
            name: name.to_owned(),
            groups: c.groups.clone(),
            components: c.components.clone(),
            hosts: c.hosts.clone(),
        });
    }

    let defaults = HttpConfig::default();
    let http = HttpConfig {
        timeout: duration(&raw.timeout, "timeout", defaults.timeout)?,
        connect_timeout: duration(
            &raw.connect_timeout,
            "connect_timeout",
            defaults.connect_timeout,
        )?,
        max_bytes: raw.max_bytes.unwrap_or(defaults.max_bytes),
    };

    Ok(Config {
        path: path.to_owned(),
        sources,
        cache: raw
            .cache
            .map(|p| base.join(p))
            .unwrap_or_else(|| PathBuf::from(cache::DEFAULT_PATH)),
        settings,
        clusters,
        http,
        motd_file: raw.motd_file.map(|p| base.join(p)),
    })
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A relative directory in `page` is relative to the config file, like `cache`.
fn resolve_page(base: &Path, page: &str) -> String {
    let page = page.trim();
    if page.contains("://") || page.starts_with('/') {
        page.to_owned()
    } else {
        base.join(page).to_string_lossy().into_owned()
    }
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The key on the line holding byte `at` (`key = …`), to name it in an error.
fn key_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("/etc/motd-status/config.toml"), text)
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = p("page = \"https://status.example.org\"\n").unwrap();
        assert_eq!(c.sources[0].page, "https://status.example.org");
        assert_eq!(c.cache, PathBuf::from(cache::DEFAULT_PATH));
        assert_eq!(c.settings.recent_seconds, 2 * 86400);
        assert_eq!(c.settings.upcoming_seconds, 7 * 86400);
        assert!(c.settings.show_unscoped);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = p("page = \"x\"\nrecent = 5\n").unwrap_err().to_string();
        assert!(
            e.starts_with("/etc/motd-status/config.toml:2: key `recent`:"),
            "{e}"
        );
        let e = p("page = \"x\"\n\nupcoming = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/etc/motd-status/config.toml:3: key `upcoming`:"),
            "{e}"
        );
        let e = p("page = \"x\"\nshow_unscopd = true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2:") && e.contains("show_unscopd"), "{e}");
        let e = p("cache = \"/x\"\n").unwrap_err().to_string();
        assert!(e.contains("key `page`: is missing"), "{e}");
        let e = p("page = \"x\"\n[[cluster]]\nname = \"A\"\nhosts = [\"a*\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":3:") && e.contains("names no groups"), "{e}");
        let e = p("page = \"x\"\npage = [").unwrap_err().to_string();
        assert!(e.contains(":2"), "{e}");
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let c = parse(
            Path::new("/srv/conf/c.toml"),
            "page = \"sample\"\ncache = \"out/s.json\"",
        )
        .unwrap();
        assert_eq!(c.sources[0].page, "/srv/conf/sample");
        assert_eq!(c.cache, PathBuf::from("/srv/conf/out/s.json"));
    }
}

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
    /// `motd_format = "markdown"` writes Markdown instead of text (for Open OnDemand).
    pub motd_markdown: bool,
    /// `motd_cluster`: whose view `motd_file` holds, instead of this host's cluster.
    pub motd_cluster: Option<String>,
    /// A published motd-status cache to copy instead of fetching pages (URL or path).
    pub mirror: Option<String>,
    /// The display settings the file sets explicitly: in mirror mode they override the
    /// mirrored cache's, the rest come from the mirror.
    pub settings_given: SettingsGiven,
    /// Sleep a random time up to this long before the first request.
    pub jitter: Duration,
    /// A digest of the config text and this build: a cache written under another config is
    /// never refreshed by a 304 alone.
    pub digest: String,
}

/// Which display settings the config file itself sets.
#[derive(Debug, Clone, Default)]
pub struct SettingsGiven {
    pub recent: bool,
    pub upcoming: bool,
    pub show_unscoped: bool,
    pub stale: bool,
    pub expire: bool,
    pub max_items: bool,
    pub login: bool,
}

impl SettingsGiven {
    /// `base` with the explicitly set values of `local` laid over it.
    pub fn overlay(&self, base: &Settings, local: &Settings) -> Settings {
        let pick = |given: bool, l: u64, b: u64| if given { l } else { b };
        Settings {
            recent_seconds: pick(self.recent, local.recent_seconds, base.recent_seconds),
            upcoming_seconds: pick(self.upcoming, local.upcoming_seconds, base.upcoming_seconds),
            show_unscoped: if self.show_unscoped {
                local.show_unscoped
            } else {
                base.show_unscoped
            },
            stale_seconds: pick(self.stale, local.stale_seconds, base.stale_seconds),
            expire_seconds: pick(self.expire, local.expire_seconds, base.expire_seconds),
            max_items: if self.max_items {
                local.max_items
            } else {
                base.max_items
            },
            login: if self.login { local.login } else { base.login },
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Shown to users when there are several sources; defaults to the page's own name.
    pub name: Option<String>,
    /// Base address: `https://…`, `file://…` or a local directory. For a private page, the
    /// v1 address of the page (`<api_base>/pages/<page_id>`), used in messages.
    pub page: String,
    /// Set for a private page read through the manage API (v1).
    pub manage: Option<ManageConfig>,
}

/// A private page: the v1 API with a key.
#[derive(Debug, Clone)]
pub struct ManageConfig {
    pub page_id: String,
    /// As written; `%d/` stands for `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=`).
    pub api_key_file: PathBuf,
    /// Without a trailing slash.
    pub api_base: String,
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
    read_timeout: Option<Spanned<String>>,
    max_bytes: Option<u64>,
    retries: Option<u32>,
    retry_delay: Option<Spanned<String>>,
    max_retry_after: Option<Spanned<String>>,
    api_interval: Option<Spanned<String>>,
    deadline: Option<Spanned<String>>,
    jitter: Option<Spanned<String>>,
    proxy: Option<String>,
    no_proxy: Option<String>,
    ca_file: Option<PathBuf>,
    motd_file: Option<PathBuf>,
    motd_format: Option<Spanned<String>>,
    motd_cluster: Option<String>,
    page_id: Option<Spanned<String>>,
    api_key_file: Option<PathBuf>,
    api_base: Option<String>,
    mirror: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<String>,
    page: Option<String>,
    page_id: Option<Spanned<String>>,
    api_key_file: Option<PathBuf>,
    api_base: Option<String>,
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
    cache::flag_env_or(flag, ENV_PATH, DEFAULT_PATH)
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
    let top_manage = raw.page_id.is_some() || raw.api_key_file.is_some();
    let manage = |page_id: &Option<Spanned<String>>,
                  key: &Option<PathBuf>,
                  api_base: &Option<String>,
                  prefix: &str|
     -> Result<Option<ManageConfig>, ConfigError> {
        match (page_id, key) {
            (None, None) => Ok(None),
            (Some(id), Some(key)) => {
                let page_id = id.get_ref().trim();
                if page_id.is_empty()
                    || !page_id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(err(
                        Some(id.span()),
                        Some(&format!("{prefix}page_id")),
                        format!("{page_id:?} is not a Statuspage page id like \"abcdefghijkl\""),
                    ));
                }
                let api_base = api_base
                    .as_deref()
                    .unwrap_or(DEFAULT_API_BASE)
                    .trim()
                    .trim_end_matches('/')
                    .to_owned();
                if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
                    return Err(err(
                        None,
                        Some(&format!("{prefix}api_base")),
                        format!("{api_base:?} is not an http(s) URL"),
                    ));
                }
                let key = if key.starts_with("%d") {
                    key.clone()
                } else {
                    base.join(key)
                };
                Ok(Some(ManageConfig {
                    page_id: page_id.to_owned(),
                    api_key_file: key,
                    api_base,
                }))
            }
            (Some(id), None) => Err(err(
                Some(id.span()),
                Some(&format!("{prefix}api_key_file")),
                "is missing: a private page needs page_id and api_key_file".to_owned(),
            )),
            (None, Some(_)) => Err(err(
                None,
                Some(&format!("{prefix}page_id")),
                "is missing: a private page needs page_id and api_key_file".to_owned(),
            )),
        }
    };
    let source = |name: Option<String>,
                  page: Option<&str>,
                  manage: Option<ManageConfig>,
                  prefix: &str|
     -> Result<SourceConfig, ConfigError> {
        match (page, manage) {
            (Some(_), Some(_)) => Err(err(
                None,
                Some(&format!("{prefix}page")),
                "is set beside page_id: a source is either a public page (page) or a \
                 private one (page_id and api_key_file)"
                    .to_owned(),
            )),
            (Some(p), None) if p.trim().is_empty() => Err(err(
                None,
                Some(&format!("{prefix}page")),
                "is empty".to_owned(),
            )),
            (Some(p), None) => Ok(SourceConfig {
                name,
                page: resolve_page(base, p),
                manage: None,
            }),
            (None, Some(m)) => Ok(SourceConfig {
                name,
                page: format!("{}/pages/{}", m.api_base, m.page_id),
                manage: Some(m),
            }),
            (None, None) => Err(err(
                None,
                Some(&format!("{prefix}page")),
                "is missing: set it to the status page's address, e.g. \
                 page = \"https://status.example.org\""
                    .to_owned(),
            )),
        }
    };
    if let Some(m) = &raw.mirror {
        if raw.page.is_some() || top_manage || !raw.source.is_empty() {
            return Err(err(
                Some(m.span()),
                Some("mirror"),
                "is set beside page, page_id or [[source]]: a mirror copies another \
                 fetcher's cache whole, sources included"
                    .to_owned(),
            ));
        }
        if m.get_ref().trim().is_empty() {
            return Err(err(Some(m.span()), Some("mirror"), "is empty".to_owned()));
        }
    } else if raw.page.is_some() || top_manage || raw.source.is_empty() {
        let m = manage(&raw.page_id, &raw.api_key_file, &raw.api_base, "")?;
        let page = raw.page.as_ref().map(|p| p.get_ref().as_str());
        sources.push(source(None, page, m, "").map_err(|mut e| {
            if let Some(p) = &raw.page {
                e.line = Some(line_of(text, p.span().start));
            }
            e
        })?);
    }
    for s in &raw.source {
        let m = manage(&s.page_id, &s.api_key_file, &s.api_base, "source.")?;
        sources.push(source(s.name.clone(), s.page.as_deref(), m, "source.")?);
    }
    let mirror = raw.mirror.as_ref().map(|m| resolve_page(base, m.get_ref()));

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
    let settings_given = SettingsGiven {
        recent: raw.recent.is_some(),
        upcoming: raw.upcoming.is_some(),
        show_unscoped: raw.show_unscoped.is_some(),
        stale: login.is_some_and(|l| l.stale_after.is_some()),
        expire: login.is_some_and(|l| l.expire_after.is_some()),
        max_items: login.is_some_and(|l| l.max_items.is_some()),
        login: login.is_some_and(|l| l.enabled.is_some()),
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
        read_timeout: duration(&raw.read_timeout, "read_timeout", defaults.read_timeout)?,
        max_bytes: raw.max_bytes.unwrap_or(defaults.max_bytes),
        retries: raw.retries.unwrap_or(defaults.retries),
        retry_delay: duration(&raw.retry_delay, "retry_delay", defaults.retry_delay)?,
        max_retry_after: duration(
            &raw.max_retry_after,
            "max_retry_after",
            defaults.max_retry_after,
        )?,
        api_interval: duration(&raw.api_interval, "api_interval", defaults.api_interval)?,
        deadline: duration(&raw.deadline, "deadline", defaults.deadline)?,
        proxy: raw.proxy.map(|p| p.trim().to_owned()),
        no_proxy: raw.no_proxy,
        ca_file: raw.ca_file.map(|p| base.join(p)),
    };
    for (name, value) in [
        ("timeout", http.timeout),
        ("connect_timeout", http.connect_timeout),
        ("read_timeout", http.read_timeout),
        ("deadline", http.deadline),
    ] {
        if value.is_zero() {
            return Err(err(None, Some(name), "must be more than 0s".to_owned()));
        }
    }

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
        motd_markdown: match &raw.motd_format {
            None => false,
            Some(f) => match f.get_ref().as_str() {
                "text" => false,
                "markdown" => true,
                other => {
                    return Err(err(
                        Some(f.span()),
                        Some("motd_format"),
                        format!("{other:?} is not \"text\" or \"markdown\""),
                    ));
                }
            },
        },
        motd_cluster: raw.motd_cluster.clone(),
        mirror,
        settings_given,
        jitter: duration(&raw.jitter, "jitter", Duration::ZERO)?,
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

    #[test]
    fn private_pages_mirrors_and_network_keys() {
        let c = p("page_id = \"abc123\"\napi_key_file = \"key\"\nretries = 0\njitter = \"30s\"\n")
            .unwrap();
        let m = c.sources[0].manage.as_ref().unwrap();
        assert_eq!(m.api_base, DEFAULT_API_BASE);
        assert_eq!(m.api_key_file, PathBuf::from("/etc/motd-status/key"));
        assert_eq!(
            c.sources[0].page,
            "https://api.statuspage.io/v1/pages/abc123"
        );
        assert_eq!((c.http.retries, c.jitter), (0, Duration::from_secs(30)));
        let c = p("page_id = \"abc123\"\napi_key_file = \"%d/api-key\"\n").unwrap();
        assert_eq!(
            c.sources[0].manage.as_ref().unwrap().api_key_file,
            PathBuf::from("%d/api-key")
        );
        let e = p("page_id = \"abc123\"\n").unwrap_err().to_string();
        assert!(e.contains("key `api_key_file`: is missing"), "{e}");
        let e = p("page = \"x\"\npage_id = \"abc\"\napi_key_file = \"k\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is set beside page_id"), "{e}");
        let e = p("mirror = \"https://x/status.json\"\npage = \"y\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `mirror`") && e.contains(":1:"), "{e}");
        let c = p("mirror = \"https://x/status.json\"\nrecent = \"1h\"\n").unwrap();
        assert!(c.sources.is_empty() && c.settings_given.recent && !c.settings_given.upcoming);
        let e = p("page = \"x\"\ntimeout = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `timeout`: must be more than 0s"), "{e}");
        assert_ne!(
            p("page = \"x\"").unwrap().digest,
            p("page = \"y\"").unwrap().digest
        );
    }
}

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
    /// Where to write Prometheus metrics after every run (the node exporter's textfile
    /// collector directory, say).
    pub metrics_file: Option<PathBuf>,
    /// A published motd-status cache to copy instead of fetching pages (URL or path).
    pub mirror: Option<String>,
    /// The display settings the file sets explicitly: in mirror mode they override the
    /// mirrored cache's, the rest come from the mirror.
    pub settings_set: SettingsOverlay,
    /// Sleep a random time up to this long before the first request.
    pub jitter: Duration,
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
    /// The config names no page, source or mirror at all: the package is installed but the
    /// site has not set it up yet (the timer's runs are then a quiet no-op).
    pub unconfigured: bool,
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
    metrics_file: Option<PathBuf>,
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
    crate::env::path_or(flag, ENV_PATH, DEFAULT_PATH)
}

/// Reads and resolves the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_owned(),
        line: None,
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
    let raw = read_raw(&file)?;
    if !raw.names_top_page() && raw.source.is_empty() && raw.mirror.is_none() {
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
    let mirror = mirror(&file, &raw)?;
    let sources = sources(&file, &raw)?;
    let settings_set = settings_overlay(&file, &raw)?;
    let settings = settings_set.apply(&Settings::default());
    check_stale_before_expire(&file, raw.login.as_ref(), &settings)?;
    let clusters = clusters(&file, &raw.cluster)?;
    let http = http(&file, &raw)?;
    let motd_markdown = motd_markdown(&file, raw.motd_format.as_ref())?;
    let jitter = file.duration(raw.jitter.as_ref(), "jitter", Duration::ZERO)?;
    let dir = file.dir();
    let cache = raw
        .cache
        .map(|p| dir.join(p))
        .unwrap_or_else(|| PathBuf::from(cache::DEFAULT_PATH));
    let motd_file = raw.motd_file.map(|p| dir.join(p));
    check_motd_file(
        &file,
        "motd_file",
        &cache,
        motd_file.as_deref(),
        mirror.as_deref(),
    )?;
    let metrics_file = raw.metrics_file.map(|p| dir.join(p));
    check_motd_file(
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
        mirror,
        settings_set,
        jitter,
        digest: digest(text),
    })
}

/// The config being resolved: its path, named in every error, and its text, to turn the byte
/// spans TOML gives into line numbers.
#[derive(Clone, Copy)]
struct ConfigText<'a> {
    path: &'a Path,
    text: &'a str,
}

impl ConfigText<'_> {
    /// An error at `span` (its line, when known) about `key` (when known).
    fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            path: self.path.to_owned(),
            line: span.map(|s| line_of(self.text, s.start)),
            key: key.map(str::to_owned),
            message: message.into(),
            unconfigured: false,
        }
    }

    /// The directory relative paths in the file are resolved against.
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The duration written at `key`, `None` when the key is left out.
    fn optional_duration(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
    ) -> Result<Option<Duration>, ConfigError> {
        value
            .map(|s| {
                humantime::parse_duration(s.get_ref()).map_err(|e| {
                    self.error(
                        Some(s.span()),
                        Some(key),
                        format!(
                            "{:?} is not a duration like \"2d\" or \"90min\": {e}",
                            s.get_ref()
                        ),
                    )
                })
            })
            .transpose()
    }

    /// The duration written at `key`, or `default`.
    fn duration(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        Ok(self.optional_duration(value, key)?.unwrap_or(default))
    }

    /// Whole seconds of the duration at `key`: the cache keeps display windows in seconds.
    fn optional_seconds(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
    ) -> Result<Option<u64>, ConfigError> {
        Ok(self.optional_duration(value, key)?.map(|d| d.as_secs()))
    }
}

impl Raw {
    /// Whether the top level names a page, public or private (as opposed to only
    /// `[[source]]` tables or a mirror).
    fn names_top_page(&self) -> bool {
        self.page.is_some() || self.page_id.is_some() || self.api_key_file.is_some()
    }
}

/// Deserialises the text, pointing TOML's own errors (unknown keys, wrong types, syntax) at
/// the line and, when the line reads `key = …`, the key.
fn read_raw(file: &ConfigText) -> Result<Raw, ConfigError> {
    toml::from_str(file.text).map_err(|e| {
        let span = e.span();
        let key = span.clone().and_then(|s| key_at(file.text, s.start));
        let table = span.clone().and_then(|s| table_at(file.text, s.start));
        file.error(
            span,
            key.as_deref(),
            plain_toml_error(e.message().trim(), table.as_deref()),
        )
    })
}

/// TOML's (serde's) messages, in the words of the config: what to write instead.
fn plain_toml_error(message: &str, table: Option<&str>) -> String {
    if let Some(name) = table
        && message.contains("expected a sequence")
    {
        return format!(
            "[{name}] is one table, but there may be several: write [[{name}]] for each"
        );
    }
    if message.starts_with("duplicate key") {
        return "is set twice: keep one".to_owned();
    }
    for (serde, plain) in [
        ("expected usize", "a whole number such as 8, without quotes"),
        ("expected u64", "a whole number, without quotes"),
        ("expected u32", "a whole number, without quotes"),
        ("expected a boolean", "true or false, without quotes"),
        ("expected a string", "a quoted string"),
        ("expected a sequence", "a list such as [\"a\", \"b\"]"),
    ] {
        if message.contains(serde) {
            let got = message
                .strip_prefix("invalid type: ")
                .and_then(|m| m.split(", expected").next())
                .unwrap_or("something else");
            return format!("must be {plain}, not {got}");
        }
    }
    message.to_owned()
}

/// The table a `[name]` header line at byte `at` opens.
fn table_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?.trim();
    let name = line.strip_prefix('[')?.strip_suffix(']')?;
    (!name.starts_with('[')).then(|| name.trim().to_owned())
}

/// `mirror`, resolved like `page`. A mirror copies another fetcher's cache whole, so it
/// excludes every way of naming a page.
fn mirror(file: &ConfigText, raw: &Raw) -> Result<Option<String>, ConfigError> {
    let Some(m) = &raw.mirror else {
        return Ok(None);
    };
    if raw.names_top_page() || !raw.source.is_empty() {
        return Err(file.error(
            Some(m.span()),
            Some("mirror"),
            "is set beside page, page_id or [[source]]: a mirror copies another \
             fetcher's cache whole, sources included",
        ));
    }
    if m.get_ref().trim().is_empty() {
        return Err(file.error(Some(m.span()), Some("mirror"), "is empty"));
    }
    resolve_page(file.dir(), m.get_ref())
        .map(Some)
        .map_err(|e| file.error(Some(m.span()), Some("mirror"), e))
}

/// The pages to fetch: the top-level page first (required unless there are `[[source]]`
/// tables or a mirror), then each `[[source]]` in order.
fn sources(file: &ConfigText, raw: &Raw) -> Result<Vec<SourceConfig>, ConfigError> {
    let mut sources = Vec::new();
    if raw.mirror.is_none() && (raw.names_top_page() || raw.source.is_empty()) {
        let m = manage(
            file,
            raw.page_id.as_ref(),
            raw.api_key_file.as_ref(),
            raw.api_base.as_deref(),
            "",
        )?;
        let page = raw.page.as_ref().map(|p| p.get_ref().as_str());
        sources.push(source(file, None, page, m, "").map_err(|mut e| {
            // `source` cannot know where the top-level page is; point at it when it is there.
            if let Some(p) = &raw.page {
                e.line = Some(line_of(file.text, p.span().start));
            }
            e
        })?);
    }
    for s in &raw.source {
        let m = manage(
            file,
            s.page_id.as_ref(),
            s.api_key_file.as_ref(),
            s.api_base.as_deref(),
            "source.",
        )?;
        sources.push(source(
            file,
            s.name.clone(),
            s.page.as_deref(),
            m,
            "source.",
        )?);
    }
    Ok(sources)
}

/// A private page's settings, `None` when neither `page_id` nor `api_key_file` is set.
/// `prefix` is how error messages name the table (`""` or `"source."`).
fn manage(
    file: &ConfigText,
    page_id: Option<&Spanned<String>>,
    api_key_file: Option<&PathBuf>,
    api_base: Option<&str>,
    prefix: &str,
) -> Result<Option<ManageConfig>, ConfigError> {
    let (id, key) = match (page_id, api_key_file) {
        (None, None) => return Ok(None),
        (Some(id), Some(key)) => (id, key),
        (Some(id), None) => {
            return Err(file.error(
                Some(id.span()),
                Some(&format!("{prefix}api_key_file")),
                "is missing: a private page needs page_id and api_key_file",
            ));
        }
        (None, Some(_)) => {
            return Err(file.error(
                None,
                Some(&format!("{prefix}page_id")),
                "is missing: a private page needs page_id and api_key_file",
            ));
        }
    };
    let page_id = id.get_ref().trim();
    if page_id.is_empty()
        || !page_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(file.error(
            Some(id.span()),
            Some(&format!("{prefix}page_id")),
            format!("{page_id:?} is not a Statuspage page id like \"abcdefghijkl\""),
        ));
    }
    let api_base = api_base
        .unwrap_or(DEFAULT_API_BASE)
        .trim()
        .trim_end_matches('/')
        .to_owned();
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(file.error(
            None,
            Some(&format!("{prefix}api_base")),
            format!("{api_base:?} is not an http(s) URL"),
        ));
    }
    // `%d/…` is left for the fetcher to expand: it names systemd's credentials directory.
    let api_key_file = if key.starts_with("%d") {
        key.clone()
    } else {
        file.dir().join(key)
    };
    Ok(Some(ManageConfig {
        page_id: page_id.to_owned(),
        api_key_file,
        api_base,
    }))
}

/// One source from its `page` or its private-page settings: exactly one of the two.
fn source(
    file: &ConfigText,
    name: Option<String>,
    page: Option<&str>,
    manage: Option<ManageConfig>,
    prefix: &str,
) -> Result<SourceConfig, ConfigError> {
    match (page, manage) {
        (Some(_), Some(_)) => Err(file.error(
            None,
            Some(&format!("{prefix}page")),
            "is set beside page_id: a source is either a public page (page) or a \
             private one (page_id and api_key_file)",
        )),
        (Some(p), None) if p.trim().is_empty() => {
            Err(file.error(None, Some(&format!("{prefix}page")), "is empty"))
        }
        (Some(p), None) => Ok(SourceConfig {
            name,
            page: resolve_page(file.dir(), p)
                .map_err(|e| file.error(None, Some(&format!("{prefix}page")), e))?,
            manage: None,
        }),
        (None, Some(m)) => Ok(SourceConfig {
            name,
            page: format!("{}/pages/{}", m.api_base, m.page_id),
            manage: Some(m),
        }),
        (None, None) => Err(file.error(
            None,
            Some(&format!("{prefix}page")),
            "is missing: set it to the status page's address, e.g. \
             page = \"https://status.example.org\"",
        )),
    }
}

/// The display settings the file sets (top-level windows and `[login]`), left unresolved so
/// that a mirror can tell them from defaults.
fn settings_overlay(file: &ConfigText, raw: &Raw) -> Result<SettingsOverlay, ConfigError> {
    let login = raw.login.as_ref();
    Ok(SettingsOverlay {
        recent_seconds: file.optional_seconds(raw.recent.as_ref(), "recent")?,
        upcoming_seconds: file.optional_seconds(raw.upcoming.as_ref(), "upcoming")?,
        show_unscoped: raw.show_unscoped,
        stale_seconds: file.optional_seconds(
            login.and_then(|l| l.stale_after.as_ref()),
            "login.stale_after",
        )?,
        expire_seconds: file.optional_seconds(
            login.and_then(|l| l.expire_after.as_ref()),
            "login.expire_after",
        )?,
        max_items: login.and_then(|l| l.max_items),
        login: login.and_then(|l| l.enabled),
    })
}

/// `stale_after` must be shorter than `expire_after`. Otherwise data older than
/// `expire_after` is still shown whole, without the "status as of" line, until it turns
/// stale: expiry is silently off. Checked on the resolved values, so a value set in the file
/// is also checked against the other's default.
fn check_stale_before_expire(
    file: &ConfigText,
    login: Option<&RawLogin>,
    settings: &Settings,
) -> Result<(), ConfigError> {
    let (stale, expire) = (settings.stale_seconds, settings.expire_seconds);
    if stale < expire {
        return Ok(());
    }
    let stale_raw = login.and_then(|l| l.stale_after.as_ref());
    let expire_raw = login.and_then(|l| l.expire_after.as_ref());
    // The value as written, or the default, named as such.
    let value = |raw: Option<&Spanned<String>>, seconds: u64| match raw {
        Some(s) => format!("{:?}", s.get_ref()),
        None => format!("the default {:?}", short_duration(seconds)),
    };
    // Point at the key the file sets (stale_after when both are), naming the other in the
    // message.
    Err(match (stale_raw, expire_raw) {
        (None, Some(e)) => file.error(
            Some(e.span()),
            Some("login.expire_after"),
            format!(
                "{} must be longer than login.stale_after ({})",
                value(expire_raw, expire),
                value(None, stale)
            ),
        ),
        _ => file.error(
            stale_raw.map(Spanned::span),
            Some("login.stale_after"),
            format!(
                "{} must be shorter than login.expire_after ({})",
                value(stale_raw, stale),
                value(expire_raw, expire)
            ),
        ),
    })
}

/// Seconds in the largest unit that divides them, as the config would spell them: "1h", "7d".
fn short_duration(seconds: u64) -> String {
    for (unit, size) in [("d", 86400), ("h", 3600), ("min", 60)] {
        if seconds != 0 && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// The `[[cluster]]` tables: each named (uniquely, ignoring case) and matching something.
fn clusters(file: &ConfigText, raw: &[RawCluster]) -> Result<Vec<ClusterConfig>, ConfigError> {
    let mut clusters: Vec<ClusterConfig> = Vec::new();
    for c in raw {
        let name = c.name.get_ref().trim();
        if name.is_empty() {
            return Err(file.error(Some(c.name.span()), Some("cluster.name"), "is empty"));
        }
        if clusters.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
            return Err(file.error(
                Some(c.name.span()),
                Some("cluster.name"),
                format!("{name:?} is used by two clusters"),
            ));
        }
        if c.groups.is_empty() && c.components.is_empty() {
            return Err(file.error(
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
    Ok(clusters)
}

/// The HTTP client's settings over [`HttpConfig::default`]. The deadlines must not be zero:
/// a zero timeout would fail every request.
fn http(file: &ConfigText, raw: &Raw) -> Result<HttpConfig, ConfigError> {
    let defaults = HttpConfig::default();
    let duration = |value: &Option<Spanned<String>>, key: &str, default: Duration| {
        file.duration(value.as_ref(), key, default)
    };
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
        proxy: raw.proxy.as_ref().map(|p| p.trim().to_owned()),
        no_proxy: raw.no_proxy.clone(),
        ca_file: raw.ca_file.as_ref().map(|p| file.dir().join(p)),
    };
    if let Some(p) = http.proxy.as_deref().filter(|p| !p.is_empty()) {
        super::http::check_proxy(p).map_err(|e| file.error(None, Some("proxy"), e))?;
    }
    for (name, value) in [
        ("timeout", http.timeout),
        ("connect_timeout", http.connect_timeout),
        ("read_timeout", http.read_timeout),
        ("deadline", http.deadline),
    ] {
        if value.is_zero() {
            return Err(file.error(None, Some(name), "must be more than 0s"));
        }
    }
    Ok(http)
}

/// `motd_file` and `metrics_file` must not be a file the fetcher reads or writes for itself:
/// written over the cache (or its mirror, or the lock), they would blank every login.
fn check_motd_file(
    file: &ConfigText,
    key: &str,
    cache: &Path,
    motd_file: Option<&Path>,
    mirror: Option<&str>,
) -> Result<(), ConfigError> {
    let Some(motd) = motd_file else {
        return Ok(());
    };
    let same = |other: &Path| {
        let (a, b) = (normal(motd), normal(other));
        a == b
            || std::fs::metadata(motd)
                .ok()
                .zip(std::fs::metadata(other).ok())
                .is_some_and(|(x, y)| {
                    use std::os::unix::fs::MetadataExt;
                    x.dev() == y.dev() && x.ino() == y.ino()
                })
    };
    let lock = cache.with_file_name(format!(
        ".{}.lock",
        cache
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let clash = if same(cache) {
        Some("cache")
    } else if same(&lock) {
        Some("cache (its lock file)")
    } else if mirror.is_some_and(|m| !m.contains("://") && same(Path::new(m))) {
        Some("mirror")
    } else {
        None
    };
    match clash {
        Some(what) => Err(file.error(
            None,
            Some(key),
            format!(
                "{} is also the {what}: every run would write over it; give {key} a file of \
                 its own",
                motd.display()
            ),
        )),
        None => Ok(()),
    }
}

/// `path` without `.` components and doubled slashes, for comparing names.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// `motd_format`: whether `motd_file` gets Markdown (`"markdown"`) or text (`"text"`, the
/// default).
fn motd_markdown(file: &ConfigText, format: Option<&Spanned<String>>) -> Result<bool, ConfigError> {
    let Some(f) = format else {
        return Ok(false);
    };
    match f.get_ref().as_str() {
        "text" => Ok(false),
        "markdown" => Ok(true),
        other => Err(file.error(
            Some(f.span()),
            Some("motd_format"),
            format!("{other:?} is not \"text\" or \"markdown\""),
        )),
    }
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

/// A page or mirror address as the fetcher uses it: `http(s)://…` as written; a `file:` URL
/// (RFC 8089: `file:///path`, `file://localhost/path` or `file:/path`, percent-encoded) or a
/// path becomes a local path, a relative one taken from the config file's directory.
fn resolve_page(base: &Path, page: &str) -> Result<String, String> {
    let page = page.trim();
    if let Some((scheme, rest)) = page.split_once("://")
        && !scheme.eq_ignore_ascii_case("file")
    {
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "{page:?}: only https://, http:// and file: addresses (or a path) can be read"
            ));
        }
        // A user name or password must escape what would end it (RFC 3986): unescaped, the
        // address names another host than the one it seems to, and its password would show.
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if rest[authority_end..].contains('@') || rest[..authority_end].matches('@').count() > 1 {
            return Err(format!(
                "{:?}: its user name or password holds a /, ?, # or @: write them as %2F, \
                 %3F, %23 and %40",
                super::http::redact_url(page)
            ));
        }
        // The base address is wanted; one ending in the API's own path is taken as meant.
        let rest = rest.trim_end_matches('/');
        let rest = rest.strip_suffix("/api/v2").unwrap_or(rest);
        return Ok(format!("{scheme}://{rest}"));
    }
    let Some(rest) = page
        .get(..5)
        .filter(|s| s.eq_ignore_ascii_case("file:"))
        .map(|_| &page[5..])
    else {
        // A path: absolute, or relative as ./dir or ../dir (to the config file's directory).
        // A bare "status.example.org" is a web address missing its scheme far more often than
        // a directory beside the config.
        if !(page.starts_with('/') || page.starts_with("./") || page.starts_with("../")) {
            return Err(format!(
                "{page:?} is neither an address nor a path: write https://{page} for a web \
                 page, or ./{page} (or an absolute path) for a directory"
            ));
        }
        return Ok(base.join(page).to_string_lossy().into_owned());
    };
    let path = match rest.strip_prefix("//") {
        Some(auth_path) => {
            let (host, path) = auth_path.split_at(auth_path.find('/').unwrap_or(auth_path.len()));
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return Err(format!(
                    "{page:?} names the host {host:?}: a file: URL reaches local files only \
                     (file:///path/to/page, or a plain path)"
                ));
            }
            path
        }
        None => rest,
    };
    if !path.starts_with('/') {
        return Err(format!(
            "{page:?} is not an absolute file: URL; write file:///path/to/page, or a plain \
             path (relative to the config file's directory)"
        ));
    }
    percent_decode(path).ok_or_else(|| format!("{page:?} has a broken %-escape"))
}

/// `%XX` escapes decoded (RFC 3986), as UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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
    fn toml_mistakes_get_plain_words() {
        let e = p("page = \"./p\"\n[cluster]\nname = \"A\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2:") && e.contains("write [[cluster]]"), "{e}");
        let e = p("page = \"./p\"\npage = \"./q\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `page`: is set twice"), "{e}");
        let e = p("page = \"./p\"\n[login]\nmax_items = \"8\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("key `max_items`: must be a whole number such as 8, without quotes, not string \"8\""),
            "{e}"
        );
        let e = p("page = \"./p\"\nshow_unscoped = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be true or false"), "{e}");
    }

    #[test]
    fn motd_file_cannot_be_the_cache() {
        for text in [
            "page = \"./x\"\ncache = \"/var/cache/m/status.json\"\nmotd_file = \"/var/cache/m/./status.json\"\n",
            "page = \"./x\"\nmotd_file = \"/var/cache/motd-status/status.json\"\n",
            "page = \"./x\"\ncache = \"/c/s.json\"\nmotd_file = \"/c/.s.json.lock\"\n",
        ] {
            let e = p(text).unwrap_err().to_string();
            assert!(
                e.contains("motd_file") && e.contains("is also the cache"),
                "{e}"
            );
        }
        assert!(p("page = \"./x\"\nmotd_file = \"/run/motd-status/motd\"\n").is_ok());
    }

    #[test]
    fn file_urls_follow_rfc_8089() {
        let base = Path::new("/etc/motd-status");
        for (page, want) in [
            ("file:///srv/page", "/srv/page"),
            ("file://localhost/srv/page", "/srv/page"),
            ("FILE://LOCALHOST/srv/page", "/srv/page"),
            ("file:/srv/page", "/srv/page"),
            ("file:///srv/status%20page/%C3%A9", "/srv/status page/é"),
            ("./sample-page", "/etc/motd-status/./sample-page"),
            ("HTTPS://Status.Example.org", "https://Status.Example.org"),
            (
                "https://status.example.org/api/v2/",
                "https://status.example.org",
            ),
            ("/srv/page", "/srv/page"),
            ("https://status.example.org", "https://status.example.org"),
        ] {
            assert_eq!(resolve_page(base, page).as_deref(), Ok(want), "{page}");
        }
        for page in [
            "file://sample-page",
            "file://other.host/srv",
            "file:relative",
            "file:///a%2",
        ] {
            let e = resolve_page(base, page).unwrap_err();
            assert!(e.contains(page), "{page}: {e}");
        }
        let e = p("page = \"file://page-dir\"\n").unwrap_err().to_string();
        assert!(e.contains("page") && e.contains("local files only"), "{e}");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = p("page = \"./x\"\nrecent = 5\n").unwrap_err().to_string();
        assert!(
            e.starts_with("/etc/motd-status/config.toml:2: key `recent`:"),
            "{e}"
        );
        let e = p("page = \"./x\"\n\nupcoming = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/etc/motd-status/config.toml:3: key `upcoming`:"),
            "{e}"
        );
        let e = p("page = \"./x\"\nshow_unscopd = true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2:") && e.contains("show_unscopd"), "{e}");
        let e = p("cache = \"/x\"\n").unwrap_err().to_string();
        assert!(
            e.contains("key `page`: is not set") && e.contains("not configured yet"),
            "{e}"
        );
        let e = p("page = \"./x\"\n[[cluster]]\nname = \"A\"\nhosts = [\"a*\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":3:") && e.contains("names no groups"), "{e}");
        let e = p("page = \"./x\"\npage = [").unwrap_err().to_string();
        assert!(e.contains(":2"), "{e}");
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let c = parse(
            Path::new("/srv/conf/c.toml"),
            "page = \"./sample\"\ncache = \"out/s.json\"",
        )
        .unwrap();
        assert_eq!(c.sources[0].page, "/srv/conf/./sample");
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
        let e = p("page = \"./x\"\npage_id = \"abc\"\napi_key_file = \"k\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is set beside page_id"), "{e}");
        let e = p("mirror = \"https://x/status.json\"\npage = \"y\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `mirror`") && e.contains(":1:"), "{e}");
        let c = p("mirror = \"https://x/status.json\"\nrecent = \"1h\"\n").unwrap();
        assert!(c.sources.is_empty());
        assert_eq!(c.settings_set.recent_seconds, Some(3600));
        assert_eq!(c.settings_set.upcoming_seconds, None);
        let e = p("page = \"./x\"\ntimeout = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `timeout`: must be more than 0s"), "{e}");
        assert_ne!(
            p("page = \"./x\"").unwrap().digest,
            p("page = \"./y\"").unwrap().digest
        );
    }

    #[test]
    fn overlay_lays_only_the_set_values_over_the_base() {
        let base = Settings {
            recent_seconds: 1,
            upcoming_seconds: 2,
            show_unscoped: false,
            stale_seconds: 3,
            expire_seconds: 4,
            max_items: 5,
            login: false,
        };
        assert_eq!(SettingsOverlay::default().apply(&base), base);
        let some = SettingsOverlay {
            upcoming_seconds: Some(20),
            show_unscoped: Some(true),
            max_items: Some(0),
            ..SettingsOverlay::default()
        };
        assert_eq!(
            some.apply(&base),
            Settings {
                upcoming_seconds: 20,
                show_unscoped: true,
                max_items: 0,
                ..base.clone()
            }
        );
        let all = SettingsOverlay {
            recent_seconds: Some(10),
            upcoming_seconds: Some(20),
            show_unscoped: Some(true),
            stale_seconds: Some(30),
            expire_seconds: Some(40),
            max_items: Some(50),
            login: Some(true),
        };
        let over = all.apply(&base);
        assert_eq!(
            (over.recent_seconds, over.stale_seconds, over.expire_seconds),
            (10, 30, 40)
        );
        assert!(over.login && over.show_unscoped && over.max_items == 50);
    }

    #[test]
    fn overlay_holds_what_the_file_sets_and_settings_the_resolved_values() {
        let c = p("page = \"./x\"\nupcoming = \"1d\"\nshow_unscoped = false\n\
                   [login]\nenabled = false\nstale_after = \"2h\"\n")
        .unwrap();
        assert_eq!(
            c.settings_set,
            SettingsOverlay {
                upcoming_seconds: Some(86400),
                show_unscoped: Some(false),
                stale_seconds: Some(7200),
                login: Some(false),
                ..SettingsOverlay::default()
            }
        );
        assert_eq!(c.settings, c.settings_set.apply(&Settings::default()));
        assert_eq!(
            (c.settings.recent_seconds, c.settings.max_items),
            (2 * 86400, 8)
        );
        let c = p("page = \"./x\"\n[login]\n").unwrap();
        assert_eq!(c.settings_set, SettingsOverlay::default());
        assert_eq!(c.settings, Settings::default());
    }

    #[test]
    fn stale_after_must_be_shorter_than_expire_after() {
        let login = |keys: &str| p(&format!("page = \"./x\"\n[login]\n{keys}")).map(|c| c.settings);
        let e = |keys: &str| login(keys).unwrap_err().to_string();
        // Equal, however spelt.
        assert_eq!(
            e("expire_after = \"168h\"\nstale_after = \"7d\"\n"),
            "/etc/motd-status/config.toml:4: key `login.stale_after`: \"7d\" must be shorter \
             than login.expire_after (\"168h\")"
        );
        // Longer.
        assert_eq!(
            e("stale_after = \"8d\"\nexpire_after = \"7d\"\n"),
            "/etc/motd-status/config.toml:3: key `login.stale_after`: \"8d\" must be shorter \
             than login.expire_after (\"7d\")"
        );
        // Only stale_after set, against expire_after's default (7d).
        assert_eq!(
            e("stale_after = \"7d\"\n"),
            "/etc/motd-status/config.toml:3: key `login.stale_after`: \"7d\" must be shorter \
             than login.expire_after (the default \"7d\")"
        );
        assert_eq!(
            login("stale_after = \"6d\"\n").unwrap().stale_seconds,
            6 * 86400
        );
        // Only expire_after set, against stale_after's default (1h): the error points at it.
        assert_eq!(
            e("max_items = 3\nexpire_after = \"30min\"\n"),
            "/etc/motd-status/config.toml:4: key `login.expire_after`: \"30min\" must be \
             longer than login.stale_after (the default \"1h\")"
        );
        assert!(e("expire_after = \"1h\"\n").contains("must be longer"));
        assert_eq!(
            login("expire_after = \"61min\"\n").unwrap().expire_seconds,
            3660
        );
        // Both set, in order; and the defaults.
        let s = login("stale_after = \"59min\"\nexpire_after = \"1h\"\n").unwrap();
        assert_eq!((s.stale_seconds, s.expire_seconds), (3540, 3600));
        assert!(login("").is_ok());
        // A mirror's config is checked too.
        let m = p("mirror = \"https://x/status.json\"\n[login]\nstale_after = \"8d\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains(":3: key `login.stale_after`: \"8d\" must be shorter"),
            "{m}"
        );
        // A malformed duration is still reported as such, before any comparison.
        let bad = e("stale_after = \"soon\"\nexpire_after = \"1s\"\n");
        assert!(
            bad.contains(":3: key `login.stale_after`: \"soon\" is not a duration"),
            "{bad}"
        );
    }

    #[test]
    fn short_duration_uses_the_largest_exact_unit() {
        let all = [0, 45, 90, 5400, 3600, 7 * 86400, 86400 + 1].map(short_duration);
        assert_eq!(all, ["0s", "45s", "90s", "90min", "1h", "7d", "86401s"]);
    }
}

//! The config's text: TOML read into raw tables (unknown keys refused), byte spans turned into
//! lines, and TOML's and serde's messages put in the words of the config.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) page: Option<Spanned<String>>,
    pub(super) cache: Option<PathBuf>,
    pub(super) recent: Option<Spanned<String>>,
    pub(super) upcoming: Option<Spanned<String>>,
    pub(super) show_unscoped: Option<bool>,
    #[serde(default)]
    pub(super) cluster: Vec<RawCluster>,
    #[serde(default)]
    pub(super) source: Vec<RawSource>,
    pub(super) login: Option<RawLogin>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    pub(super) read_timeout: Option<Spanned<String>>,
    pub(super) max_bytes: Option<u64>,
    pub(super) retries: Option<u32>,
    pub(super) retry_delay: Option<Spanned<String>>,
    pub(super) max_retry_after: Option<Spanned<String>>,
    pub(super) api_interval: Option<Spanned<String>>,
    pub(super) deadline: Option<Spanned<String>>,
    pub(super) jitter: Option<Spanned<String>>,
    pub(super) proxy: Option<String>,
    pub(super) no_proxy: Option<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) motd_file: Option<PathBuf>,
    pub(super) metrics_file: Option<PathBuf>,
    pub(super) motd_format: Option<Spanned<String>>,
    pub(super) motd_cluster: Option<String>,
    pub(super) page_id: Option<Spanned<String>>,
    pub(super) api_key_file: Option<PathBuf>,
    pub(super) api_base: Option<String>,
    pub(super) mirror: Option<Spanned<String>>,
    pub(super) slurm: Option<super::slurm::RawSlurm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: Option<String>,
    pub(super) page: Option<String>,
    pub(super) notices: Option<Spanned<String>>,
    pub(super) page_id: Option<Spanned<String>>,
    pub(super) api_key_file: Option<PathBuf>,
    pub(super) api_base: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCluster {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) groups: Vec<String>,
    #[serde(default)]
    pub(super) components: Vec<String>,
    #[serde(default)]
    pub(super) hosts: Vec<String>,
    pub(super) slurm: Option<bool>,
    pub(super) slurm_conf: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLogin {
    pub(super) enabled: Option<bool>,
    pub(super) max_items: Option<usize>,
    pub(super) stale_after: Option<Spanned<String>>,
    pub(super) expire_after: Option<Spanned<String>>,
    pub(super) repeat: Option<Spanned<String>>,
    pub(super) repeat_after: Option<Spanned<String>>,
    pub(super) always_show: Option<Vec<Spanned<String>>>,
    pub(super) soon: Option<Spanned<String>>,
}

/// The config being resolved: its path, named in every error, and its text, to turn the byte
/// spans TOML gives into line numbers.
#[derive(Clone, Copy)]
pub(super) struct ConfigText<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
}

impl ConfigText<'_> {
    /// An error at `span` (its line, when known) about `key` (when known).
    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            path: self.path.to_owned(),
            line: span.clone().map(|s| line_of(self.text, s.start)),
            column: span.map(|s| column_of(self.text, s.start)),
            key: key.map(str::to_owned),
            message: message.into(),
            unconfigured: false,
        }
    }

    /// `p` resolved against the file's directory, without the `./` of `./notices.toml`
    /// (messages then name `/etc/motd-status/notices.toml`).
    pub(super) fn beside(&self, p: impl AsRef<Path>) -> PathBuf {
        beside(self.dir(), p.as_ref())
    }

    /// The directory relative paths in the file are resolved against.
    pub(super) fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The duration written at `key`, `None` when the key is left out.
    pub(super) fn optional_duration(
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
    pub(super) fn duration(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        Ok(self.optional_duration(value, key)?.unwrap_or(default))
    }

    /// Whole seconds of the duration at `key`: the cache keeps display windows in seconds.
    pub(super) fn optional_seconds(
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
    pub(super) fn names_top_page(&self) -> bool {
        self.page.is_some() || self.page_id.is_some() || self.api_key_file.is_some()
    }
}

/// Deserialises the text, pointing TOML's own errors (unknown keys, wrong types, syntax) at
/// the line and, when the line reads `key = …`, the key.
pub(super) fn read_raw(file: &ConfigText) -> Result<Raw, ConfigError> {
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

/// 1-based line number of byte offset `at`.
pub(super) fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The column (in characters, from 1) of byte `at` on its line.
pub(super) fn column_of(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..at].chars().count() + 1
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

/// `p` joined to `dir`, with every `.` component left out (`..` stays: it may cross a link).
pub(super) fn beside(dir: &Path, p: &Path) -> PathBuf {
    dir.join(p).components().collect()
}

//! The config's settings: the display windows and `[login]`, the clusters, the HTTP client's
//! limits, and the files the fetcher writes besides the cache.

use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::toml::{ConfigText, Raw, RawCluster, RawLogin};
use super::{ClusterConfig, ConfigError, HttpConfig, SettingsOverlay};
use crate::cache::{ALWAYS_SHOW, Repeat, Settings};

/// The display settings the file sets (top-level windows and `[login]`), left unresolved so
/// that a mirror can tell them from defaults.
pub(super) fn overlay(file: &ConfigText, raw: &Raw) -> Result<SettingsOverlay, ConfigError> {
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
        repeat: login
            .and_then(|l| l.repeat.as_ref())
            .map(|r| repeat(file, r))
            .transpose()?,
        repeat_after_seconds: match login.and_then(|l| l.repeat_after.as_ref()) {
            Some(v) => Some(positive_seconds(file, v, "login.repeat_after")?),
            None => None,
        },
        always_show: login
            .and_then(|l| l.always_show.as_ref())
            .map(|words| always_show(file, words))
            .transpose()?,
        soon_seconds: file.optional_seconds(login.and_then(|l| l.soon.as_ref()), "login.soon")?,
        match_window_seconds: file.optional_seconds(
            raw.slurm.as_ref().and_then(|s| s.match_window.as_ref()),
            "slurm.match_window",
        )?,
    })
}

/// `[login] repeat`: `changes` or `always`.
fn repeat(file: &ConfigText, v: &Spanned<String>) -> Result<Repeat, ConfigError> {
    match v.get_ref().as_str() {
        "changes" => Ok(Repeat::Changes),
        "always" => Ok(Repeat::Always),
        other => Err(file.error(
            Some(v.span()),
            Some("login.repeat"),
            format!("{other:?} is neither \"changes\" nor \"always\""),
        )),
    }
}

/// A duration that must be more than zero.
fn positive_seconds(file: &ConfigText, v: &Spanned<String>, key: &str) -> Result<u64, ConfigError> {
    match file.optional_seconds(Some(v), key)? {
        Some(0) | None => Err(file.error(
            Some(v.span()),
            Some(key),
            format!(
                "{:?} must be more than 0 (repeat = \"always\" shows everything at every login)",
                v.get_ref()
            ),
        )),
        Some(n) => Ok(n),
    }
}

/// `[login] always_show`: words of [`ALWAYS_SHOW`], each once.
fn always_show(file: &ConfigText, words: &[Spanned<String>]) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        let word = w.get_ref().trim();
        if !ALWAYS_SHOW.iter().any(|(known, _)| *known == word) {
            let known: Vec<&str> = ALWAYS_SHOW.iter().map(|(k, _)| *k).collect();
            return Err(file.error(
                Some(w.span()),
                Some("login.always_show"),
                format!("{word:?} is not one of {}", known.join(", ")),
            ));
        }
        if !out.iter().any(|o| o == word) {
            out.push(word.to_owned());
        }
    }
    Ok(out)
}

/// `stale_after` must be shorter than `expire_after`. Otherwise data older than
/// `expire_after` is still shown whole, without the "status as of" line, until it turns
/// stale: expiry is silently off. Checked on the resolved values, so a value set in the file
/// is also checked against the other's default.
pub(super) fn check_stale_before_expire(
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
pub(super) fn short_duration(seconds: u64) -> String {
    for (unit, size) in [("d", 86400), ("h", 3600), ("min", 60)] {
        if seconds != 0 && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// The `[[cluster]]` tables: each named (uniquely, ignoring case) and matching something: a
/// group or component it names, or (with a notices file among the sources, `notices`) the
/// notices that name it.
pub(super) fn clusters(
    file: &ConfigText,
    raw: &[RawCluster],
    notices: bool,
) -> Result<Vec<ClusterConfig>, ConfigError> {
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
        let slurm = c.slurm == Some(true) || c.slurm_conf.is_some();
        if c.groups.is_empty() && c.components.is_empty() && !notices && !slurm {
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
pub(super) fn http(file: &ConfigText, raw: &Raw) -> Result<HttpConfig, ConfigError> {
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
        ca_file: raw.ca_file.as_ref().map(|p| file.beside(p)),
    };
    if let Some(p) = http.proxy.as_deref().filter(|p| !p.is_empty()) {
        check_proxy(p).map_err(|e| file.error(None, Some("proxy"), e))?;
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
pub(super) fn check_motd_file(
    file: &ConfigText,
    key: &str,
    cache: &Path,
    motd_file: Option<&Path>,
    mirror: Option<&Path>,
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
    } else if mirror.is_some_and(same) {
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
pub(super) fn motd_markdown(
    file: &ConfigText,
    format: Option<&Spanned<String>>,
) -> Result<bool, ConfigError> {
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

/// Whether the fetcher can use `proxy`: an HTTP CONNECT proxy (`http://`, `https://` or no
/// scheme), not a SOCKS one, which this build cannot speak.
pub(crate) fn check_proxy(proxy: &str) -> Result<(), String> {
    let scheme = proxy
        .split_once("://")
        .map(|(s, _)| s.trim().to_ascii_lowercase());
    match scheme.as_deref() {
        Some(s) if s.starts_with("socks") => Err(format!(
            "a SOCKS proxy ({s}), which motd-status-fetch does not support; use an HTTP \
             proxy (http://host:port, or https:// to reach it over TLS)"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socks_proxies_are_refused() {
        assert!(check_proxy("http://proxy:3128").is_ok());
        assert!(check_proxy("proxy:3128").is_ok());
        assert!(check_proxy("https://proxy").is_ok());
        for socks in ["socks5://p:1080", "SOCKS5H://p", "socks4a://p", "socks://p"] {
            assert!(check_proxy(socks).unwrap_err().contains("SOCKS"), "{socks}");
        }
    }
}

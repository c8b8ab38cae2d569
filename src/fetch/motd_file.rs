//! `motd_file`: the view the fetcher also writes after every run, for pam_motd (text) or a web
//! portal such as Open OnDemand (Markdown): this host's view (or `motd_cluster`'s), written for
//! a file read at times nobody knows (dates only, and as of when), atomically, under the cache's
//! lock. An empty file when a login would print nothing.

use chrono::{DateTime, Utc};

use super::config::Config;
use super::failure::Failure;
use crate::cache::{self, Cache};
use crate::localtime::LocalZone;
use crate::render::{Format, Request};
use crate::select::{self, Whose};
use crate::view;

/// The site's switch the login snippets read: while it exists, every login is silent, and so
/// is the file pam_motd shows (empty from the next run on). `MOTD_STATUS_SITE_SWITCH` names
/// another file (for tests).
pub(crate) const SITE_SWITCH: &str = "/etc/motd-status/disabled";

/// Writes `motd_file`, if the config sets one, from `cache` at `now`: empty while the site's
/// switch is on.
pub(crate) fn write(cfg: &Config, cache: &Cache, now: DateTime<Utc>) -> Result<(), Failure> {
    let Some(path) = &cfg.motd_file else {
        return Ok(());
    };
    let switch = crate::env::path("MOTD_STATUS_SITE_SWITCH").unwrap_or_else(|| SITE_SWITCH.into());
    if switch.exists() {
        return replace(path, "");
    }
    let host = crate::select::hostname();
    let zone = LocalZone::from_env();
    let req = Request {
        whose: match &cfg.motd_cluster {
            Some(name) => Whose::Cluster(name),
            None => Whose::Host(&host),
        },
        now,
        zone: &zone,
        format: if cfg.motd_markdown {
            Format::Markdown
        } else {
            Format::Text
        },
        color: false,
        width: 80,
        login: true,
        ascii: crate::render::ascii_locale(),
        frozen: true,
    };
    let text = view::render(cache, &req).map_err(|e| {
        Failure::Failed(format!(
            "{}: cannot render this host's view: {e}",
            path.display()
        ))
    })?;
    replace(path, &text)
}

/// Writes `text` to `path`, atomically.
fn replace(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    cache::replace_file(path, text.as_bytes()).map_err(|e| {
        Failure::Failed(format!(
            "{}: cannot write motd_file: {e} (the cache itself was updated)",
            path.display()
        ))
    })
}

/// Empties the text `motd_file` the previous run wrote for pam_motd, when this config no longer
/// writes it there (taken out, moved, or Markdown now): left as it was, pam_motd would go on
/// showing it, frozen, beside the login's own view. A file no longer there stays gone.
pub(crate) fn retire(cfg: &Config, prev: Option<&Cache>) {
    let Some(old) = prev.and_then(|p| p.motd_file.as_deref()) else {
        return;
    };
    if recorded(cfg).as_deref() == Some(old) || !std::path::Path::new(old).is_file() {
        return;
    }
    match replace(std::path::Path::new(old), "") {
        Ok(()) => super::log::info(format!(
            "{old}: emptied; motd_file is no longer written there"
        )),
        Err(e) => super::log::warn(e),
    }
}

/// The `motd_file` pam_motd may show (a text one; Markdown is for web portals), as the cache
/// records it for logins to know.
pub(crate) fn recorded(cfg: &Config) -> Option<String> {
    cfg.motd_file
        .as_ref()
        .filter(|_| !cfg.motd_markdown)
        .map(|p| p.display().to_string())
}

/// Whose view the text `motd_file` holds: `motd_cluster`'s, else the cluster of this host.
pub(crate) fn view_of(cfg: &Config, clusters: &[cache::Cluster]) -> Option<cache::MotdView> {
    recorded(cfg)?;
    let cluster = match &cfg.motd_cluster {
        Some(name) => Some(
            select::cluster_by_name(clusters, name)
                .map_or_else(|| name.clone(), |c| c.name.clone()),
        ),
        None => select::cluster_for_host(clusters, &select::hostname()).map(|c| c.name.clone()),
    };
    Some(cache::MotdView { cluster })
}

//! `motd-status-fetch --status`: the cache and the config turned into one line and a state, in
//! the monitoring-plugins convention (Nagios, Icinga, Checkmk): CRITICAL when logins cannot
//! show anything useful (no usable cache, expired data, a cluster whose names match nothing),
//! WARNING when they show it with a caveat (stale data, names that did not resolve, a
//! `motd_file` left behind the cache), OK otherwise. It reads only local files.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::config::Config;
use crate::cache::{self, Cache, Cluster};
use crate::exit::State;
use crate::localtime::age as words;
use crate::sanitize::terminal;
use crate::select::{self, Scope, View};

/// The check's state and line.
pub(crate) fn check(cfg: &Config, now: DateTime<Utc>) -> (State, String) {
    let c = match cache::read(&cfg.cache) {
        Ok(c) => c,
        Err(e) => {
            let line = format!("MOTD-STATUS CRITICAL - {}", terminal(&e.to_string()));
            return (State::Critical, line);
        }
    };
    let entries: usize = c
        .clusters
        .iter()
        .map(|cl| select::entries(&c, Scope::Cluster(cl), now).len())
        .sum();
    let (state, why) = verdict(&c, cfg.motd_file.as_deref(), now, entries);
    let age = select::age(&c, now);
    let perf = format!(
        "age={}s;{};{};0 entries={entries};;;0 unmatched={};;;0",
        age.seconds,
        c.settings.stale_seconds,
        c.settings.expire_seconds,
        c.clusters
            .iter()
            .map(|cl| cl.unmatched.len())
            .sum::<usize>()
    );
    (
        state,
        format!("MOTD-STATUS {} - {why} | {perf}", state.word()),
    )
}

/// The worst of what holds, and why, in words.
fn verdict(
    c: &Cache,
    motd_file: Option<&Path>,
    now: DateTime<Utc>,
    entries: usize,
) -> (State, String) {
    let age = select::age(c, now);
    let when = match age.ahead {
        Some(s) => format!("status time {} ahead of this host's clock", words(s)),
        None => format!("status {} old", words(age.seconds)),
    };
    let (blind, partial): (Vec<&Cluster>, Vec<&Cluster>) = c
        .clusters
        .iter()
        .filter(|cl| cl.covers == Some(0) || !cl.unmatched.is_empty())
        .partition(|cl| cl.covers == Some(0));
    let names = |list: &[&Cluster], blind: bool| -> String {
        list.iter()
            .map(|cl| cluster_words(c, cl, now, blind))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !blind.is_empty() {
        return (State::Critical, format!("{when}; {}", names(&blind, true)));
    }
    if let Some(worst) = sources_words(c, now) {
        return worst;
    }
    if !partial.is_empty() {
        return (
            State::Warning,
            format!("{when}; {}", names(&partial, false)),
        );
    }
    if let Some(path) = motd_file
        && let Some(why) = motd_file_words(path, c)
    {
        return (
            State::Warning,
            format!("{when}; motd_file {} {why}", path.display()),
        );
    }
    let n = c.clusters.len();
    (
        State::Ok,
        format!("{when}, {n} clusters, {entries} entries"),
    )
}

/// The worst of what holds for the sources, each on its own: a source never read, or data past
/// `expire_after` (CRITICAL: every view says it cannot know, or logins show nothing of it but
/// its age), past `stale_after` or of unknown age, a last read that failed (WARNING); each
/// named when there are several.
fn sources_words(c: &Cache, now: DateTime<Utc>) -> Option<(State, String)> {
    let mut worst: Option<(State, Vec<String>)> = None;
    for (si, s) in c.sources.iter().enumerate() {
        let a = select::source_age(c, si, now);
        let when = match a.ahead {
            Some(ahead) => format!("status time {} ahead of this host's clock", words(ahead)),
            None => format!("status {} old", words(a.seconds)),
        };
        let label = if c.sources.len() > 1 {
            format!("{}: ", terminal(&s.name))
        } else {
            String::new()
        };
        let (state, why) = if s.never_read() {
            let failed = s.failed.as_deref().unwrap_or_default();
            let line = format!("{label}never read: {}", terminal(failed));
            worst = match worst {
                Some((State::Critical, mut lines)) => {
                    lines.push(line);
                    Some((State::Critical, lines))
                }
                _ => Some((State::Critical, vec![line])),
            };
            continue;
        } else if a.expired {
            (
                State::Critical,
                "past expire_after: logins show nothing but its age".to_owned(),
            )
        } else if a.stale || a.ahead.is_some() {
            (
                State::Warning,
                "past stale_after: is the fetcher running?".to_owned(),
            )
        } else if let Some(failed) = &s.failed {
            (
                State::Warning,
                format!("its last read failed: {}", terminal(failed)),
            )
        } else {
            continue;
        };
        let line = format!("{label}{when}, {why}");
        match &mut worst {
            Some((w, lines)) if *w == state => lines.push(line),
            Some((w, _)) if *w > state => {}
            _ => worst = Some((state, vec![line])),
        }
    }
    worst.map(|(state, lines)| (state, lines.join("; ")))
}

/// What a cluster's names did not resolve to: "cluster "Alpha" covers no component of the page
/// ("X" matches no group on the page)", or "cluster "Beta": "Y" matches 2 components, not one".
fn cluster_words(c: &Cache, cl: &Cluster, now: DateTime<Utc>, blind: bool) -> String {
    let causes = View::of(c, Scope::Cluster(cl), now)
        .unresolved
        .iter()
        .map(crate::render::cause_words)
        .collect::<Vec<_>>()
        .join(", ");
    let name = terminal(&cl.name);
    match (blind, causes.is_empty()) {
        (true, true) => format!(
            "cluster {name:?} covers no component of the page (its groups hold no components)"
        ),
        (true, false) => format!("cluster {name:?} covers no component of the page ({causes})"),
        (false, _) => format!("cluster {name:?}: {causes}"),
    }
}

/// Why `motd_file` is not current, if it is not.
fn motd_file_words(path: &Path, c: &Cache) -> Option<String> {
    match select::motd_file_behind(path, c) {
        None => Some("is missing or unreadable".to_owned()),
        Some(0) => None,
        Some(s) => Some(format!(
            "is {} behind the cache: can the fetcher write it?",
            words(s)
        )),
    }
}

//! Monitoring: Prometheus metrics after every run, and `--status` for Nagios-family checks.
//!
//! A fetcher that fails quietly keeps showing week-old data until it expires, and nobody is
//! told. So every run, success or not, rewrites `metrics_file` (atomically, for the node
//! exporter's textfile collector), and `--status` turns the cache and the config into one line
//! and an exit code in the monitoring-plugins convention. Both read only local files.
//!
//! Counters (`_total`) and the failure streak carry over from the previous file, which is the
//! only state the fetcher keeps between runs besides the cache.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::session::Traffic;
use crate::cache::{self, Cache, Cause};
use crate::exit::Exit;
use crate::select::{self, Scope, Section};

/// What a run did, for its metrics.
pub struct Run<'a> {
    pub at: DateTime<Utc>,
    pub exit: Exit,
    /// Traffic by source label.
    pub traffic: Vec<(String, Traffic)>,
    /// The cache in place after the run, if it can be read.
    pub cache: Option<&'a Cache>,
    /// The config's `motd_file`, if any.
    pub motd_file: Option<&'a Path>,
}

/// The metrics text for `run`, carrying counters over from `previous` (the old file).
pub fn render(run: &Run<'_>, previous: &str) -> String {
    let prev = |name: &str| -> f64 {
        previous
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {}", number(*value));
        }
    };
    let ok = run.exit == Exit::Ok;
    let at = run.at.timestamp() as f64;
    metric(
        "motd_status_last_attempt_timestamp_seconds",
        "gauge",
        "When the fetcher last ran.",
        &[(String::new(), at)],
    );
    let last_ok = if ok {
        at
    } else {
        prev("motd_status_last_success_timestamp_seconds")
    };
    metric(
        "motd_status_last_success_timestamp_seconds",
        "gauge",
        "When a run last succeeded (0: never, as far as this file knows).",
        &[(String::new(), last_ok)],
    );
    let result = match run.exit {
        Exit::Ok => "success",
        Exit::Failed => "failed",
        Exit::Usage => "config_error",
        Exit::Locked => "locked",
        Exit::Plugin(_) => "success",
    };
    metric(
        "motd_status_last_run_result",
        "gauge",
        "The last run's result: 1 for the one it had.",
        &["success", "failed", "config_error", "locked"]
            .iter()
            .map(|r| (labels(&[("result", r)]), f64::from(u8::from(*r == result))))
            .collect::<Vec<_>>(),
    );
    let streak = match run.exit {
        Exit::Ok => 0.0,
        // Another fetcher was at work: this run says nothing about the page.
        Exit::Locked => prev("motd_status_consecutive_failures"),
        _ => prev("motd_status_consecutive_failures") + 1.0,
    };
    metric(
        "motd_status_consecutive_failures",
        "gauge",
        "Runs that failed since the last success.",
        &[(String::new(), streak)],
    );
    type Pick = fn(&Traffic) -> u64;
    let counters: [(&str, &str, Pick); 3] = [
        (
            "motd_status_requests_total",
            "Requests made (a GET with its retries, or a file read), by source.",
            |t| t.requests,
        ),
        (
            "motd_status_not_modified_total",
            "304 answers to conditional requests, by source.",
            |t| t.not_modified,
        ),
        (
            "motd_status_received_bytes_total",
            "Bytes of bodies received, by source.",
            |t| t.bytes,
        ),
    ];
    for (name, help, pick) in counters {
        let mut samples: Vec<(String, f64)> = Vec::new();
        for (source, t) in &run.traffic {
            let l = labels(&[("source", source)]);
            let before = prev(&format!("{name}{l}"));
            samples.push((l, before + pick(t) as f64));
        }
        // Sources this run did not reach keep their count.
        for line in previous.lines().filter(|l| l.starts_with(name)) {
            if let Some((l, v)) = line[name.len()..].rsplit_once(' ')
                && l.starts_with('{')
                && !samples.iter().any(|(s, _)| s == l)
                && let Ok(v) = v.parse::<f64>()
            {
                samples.push((l.to_owned(), v));
            }
        }
        metric(name, "counter", help, &samples);
    }
    if let Some(c) = run.cache {
        let seen = select::seen_at(c);
        metric(
            "motd_status_cache_age_seconds",
            "gauge",
            "Seconds since the page last confirmed the cache.",
            &[(String::new(), (run.at - seen).num_seconds().max(0) as f64)],
        );
        let mut entries = Vec::new();
        let mut unmatched = Vec::new();
        let mut unresolved = Vec::new();
        let mut covers = Vec::new();
        for cluster in &c.clusters {
            let counts = crate::select::View::of(c, Scope::Cluster(cluster), run.at).counts();
            for section in [
                Section::Incident,
                Section::MaintenanceNow,
                Section::MaintenancePlanned,
                Section::Resolved,
                Section::Component,
            ] {
                entries.push((
                    labels(&[("cluster", &cluster.name), ("section", section.as_str())]),
                    counts.get(section) as f64,
                ));
            }
            unmatched.push((
                labels(&[("cluster", &cluster.name)]),
                cluster.unmatched.len() as f64,
            ));
            for cause in [Cause::Missing, Cause::Ambiguous, Cause::Renamed] {
                let n = cluster
                    .unresolved
                    .iter()
                    .filter(|u| u.cause == cause)
                    .count();
                unresolved.push((
                    labels(&[("cluster", &cluster.name), ("cause", cause_label(cause))]),
                    n as f64,
                ));
            }
            if let Some(n) = cluster.covers {
                covers.push((labels(&[("cluster", &cluster.name)]), n as f64));
            }
        }
        if let Some(path) = run.motd_file {
            let behind = crate::select::motd_file_behind(path, c).map_or(-1.0, |s| s as f64);
            metric(
                "motd_status_motd_file_behind_seconds",
                "gauge",
                "How long motd_file's last write precedes the cache's last confirmation (0: \
                 current; -1: missing or unreadable).",
                &[(String::new(), behind)],
            );
        }
        metric(
            "motd_status_entries",
            "gauge",
            "Entries of each cluster's view now, by section.",
            &entries,
        );
        metric(
            "motd_status_unmatched_names",
            "gauge",
            "Names in a cluster's config that matched nothing (or several things) on the page.",
            &unmatched,
        );
        metric(
            "motd_status_unresolved_names",
            "gauge",
            "Names in a cluster's config that did not resolve, by cause: missing (matches \
             nothing), ambiguous (matches several things), renamed (matched before, not now).",
            &unresolved,
        );
        metric(
            "motd_status_covered_components",
            "gauge",
            "Components of the page a cluster covers (0: its view cannot know anything).",
            &covers,
        );
    }
    out
}

/// `{k="v",…}` with Prometheus's escapes; control characters become spaces.
fn labels(pairs: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"");
        for c in crate::sanitize::terminal(v).chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
    out
}

fn cause_label(cause: Cause) -> &'static str {
    match cause {
        Cause::Missing => "missing",
        Cause::Ambiguous => "ambiguous",
        Cause::Renamed => "renamed",
        Cause::Unknown => "unknown",
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Writes the metrics of `run` to `path`, atomically.
pub fn write(path: &Path, run: &Run<'_>) -> std::io::Result<()> {
    cache::replace_file(path, render(run, &previous(path)).as_bytes())
}

/// The previous metrics file, whose counters carry over: read like any file the fetcher did
/// not just write (a regular file, opened without blocking so a FIFO cannot hang the run,
/// capped); anything else starts the counters afresh.
fn previous(path: &Path) -> String {
    use std::io::Read;
    let Ok((file, _)) = cache::trust::open_regular(path) else {
        return String::new();
    };
    let mut text = String::new();
    match file.take(MAX_PREVIOUS).read_to_string(&mut text) {
        Ok(n) if (n as u64) < MAX_PREVIOUS => text,
        _ => String::new(),
    }
}

/// A metrics file of a site with many clusters stays far below this.
const MAX_PREVIOUS: u64 = 4 << 20;

/// The `--status` check: one line, and 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN is the
/// caller's, for a config it cannot read).
pub fn status(cache_path: &Path, motd_file: Option<&Path>, now: DateTime<Utc>) -> (u8, String) {
    let c = match cache::read(cache_path) {
        Ok(c) => c,
        Err(e) => {
            return (
                2,
                format!(
                    "MOTD-STATUS CRITICAL - {}",
                    crate::sanitize::terminal(&e.to_string())
                ),
            );
        }
    };
    let age = crate::select::age(&c, now);
    // Each cluster's names that did not resolve, worded by cause; the clusters that cover
    // nothing at all, whose views cannot know anything.
    let names = |cl: &cache::Cluster| {
        let causes: Vec<String> = crate::select::View::of(&c, Scope::Cluster(cl), now)
            .unresolved
            .iter()
            .map(crate::render::cause_words)
            .collect();
        causes.join(", ")
    };
    let blind: Vec<String> = c
        .clusters
        .iter()
        .filter(|cl| cl.covers == Some(0))
        .map(|cl| {
            format!(
                "cluster {:?} covers no component of the page ({})",
                crate::sanitize::terminal(&cl.name),
                match names(cl) {
                    n if n.is_empty() => "its groups hold no components".to_owned(),
                    n => n,
                }
            )
        })
        .collect();
    let unmatched: Vec<String> = c
        .clusters
        .iter()
        .filter(|cl| cl.covers != Some(0) && !cl.unmatched.is_empty())
        .map(|cl| {
            format!(
                "cluster {:?}: {}",
                crate::sanitize::terminal(&cl.name),
                names(cl)
            )
        })
        .collect();
    let entries: usize = c
        .clusters
        .iter()
        .map(|cl| select::entries(&c, Scope::Cluster(cl), now).len())
        .sum();
    let when = match age.ahead {
        Some(s) => format!(
            "status time {} ahead of this host's clock",
            crate::localtime::age(s)
        ),
        None => format!("status {} old", crate::localtime::age(age.seconds)),
    };
    let (code, word, why) = if !blind.is_empty() {
        (2, "CRITICAL", format!("{when}; {}", blind.join("; ")))
    } else if age.expired {
        (
            2,
            "CRITICAL",
            format!("{when}, past expire_after: logins show nothing but its age"),
        )
    } else if age.stale || age.ahead.is_some() {
        (
            1,
            "WARNING",
            format!("{when}, past stale_after: is the fetcher running?"),
        )
    } else if !unmatched.is_empty() {
        (1, "WARNING", format!("{when}; {}", unmatched.join("; ")))
    } else if let Some(path) = motd_file
        && let Some(why) = match crate::select::motd_file_behind(path, &c) {
            None => Some("is missing or unreadable".to_owned()),
            Some(0) => None,
            Some(s) => Some(format!(
                "is {} behind the cache: can the fetcher write it?",
                crate::localtime::age(s)
            )),
        }
    {
        (
            1,
            "WARNING",
            format!("{when}; motd_file {} {why}", path.display()),
        )
    } else {
        (
            0,
            "OK",
            format!("{when}, {} clusters, {entries} entries", c.clusters.len()),
        )
    };
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
    (code, format!("MOTD-STATUS {word} - {why} | {perf}"))
}

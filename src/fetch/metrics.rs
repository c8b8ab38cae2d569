//! Prometheus metrics after every run, for the node exporter's textfile collector.
//!
//! A fetcher that fails quietly keeps showing week-old data until it expires, and nobody is
//! told. So every run, success or not, rewrites `metrics_file` (atomically, under the cache's
//! lock). The metrics are one table, [`METRICS`]: a name, a type, a help text and how to take
//! its samples from the run. Counters (`_total`) and the failure streak carry over from the
//! previous file, which is the only state the fetcher keeps between runs besides the cache.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::address::redact_text;
use super::config::Config;
use super::log;
use super::session::Traffic;
use crate::cache::{self, Cache, Cause};
use crate::exit::Exit;
use crate::select::{self, Scope, Section, View};

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

/// Samples: `{labels}` (or nothing) and a value.
type Samples = Vec<(String, f64)>;

/// One metric: its name, type, help, and its samples from the run and the previous file.
struct Metric {
    name: &'static str,
    counter: bool,
    help: &'static str,
    samples: fn(&Run<'_>, &Previous<'_>) -> Samples,
}

/// Every metric, in the order written.
const METRICS: &[Metric] = &[
    Metric {
        name: "motd_status_last_attempt_timestamp_seconds",
        counter: false,
        help: "When the fetcher last ran.",
        samples: |run, _| one(run.at.timestamp() as f64),
    },
    Metric {
        name: "motd_status_last_success_timestamp_seconds",
        counter: false,
        help: "When a run last succeeded (0: never, as far as this file knows).",
        samples: |run, prev| match run.exit {
            Exit::Ok => one(run.at.timestamp() as f64),
            _ => one(prev.value("motd_status_last_success_timestamp_seconds")),
        },
    },
    Metric {
        name: "motd_status_last_run_result",
        counter: false,
        help: "The last run's result: 1 for the one it had.",
        samples: |run, _| {
            RESULTS
                .iter()
                .map(|r| {
                    (
                        labels(&[("result", r)]),
                        f64::from(u8::from(*r == result(run.exit))),
                    )
                })
                .collect()
        },
    },
    Metric {
        name: "motd_status_consecutive_failures",
        counter: false,
        help: "Runs that failed since the last success.",
        samples: |run, prev| {
            let before = prev.value("motd_status_consecutive_failures");
            one(match run.exit {
                Exit::Ok => 0.0,
                // Another fetcher was at work: this run says nothing about the page.
                Exit::Locked => before,
                _ => before + 1.0,
            })
        },
    },
    Metric {
        name: "motd_status_requests_total",
        counter: true,
        help: "Requests made (a GET with its retries, or a file read), by source.",
        samples: |run, prev| counter(run, prev, "motd_status_requests_total", |t| t.requests),
    },
    Metric {
        name: "motd_status_not_modified_total",
        counter: true,
        help: "304 answers to conditional requests, by source.",
        samples: |run, prev| {
            counter(run, prev, "motd_status_not_modified_total", |t| {
                t.not_modified
            })
        },
    },
    Metric {
        name: "motd_status_received_bytes_total",
        counter: true,
        help: "Bytes of bodies received, by source.",
        samples: |run, prev| counter(run, prev, "motd_status_received_bytes_total", |t| t.bytes),
    },
    Metric {
        name: "motd_status_cache_age_seconds",
        counter: false,
        help: "Seconds since the page last confirmed the cache.",
        samples: |run, _| match run.cache {
            Some(c) => one((run.at - select::seen_at(c)).num_seconds().max(0) as f64),
            None => Vec::new(),
        },
    },
    Metric {
        name: "motd_status_source_age_seconds",
        counter: false,
        help: "Seconds since each source last confirmed what the cache holds of it (each \
               source fails, and ages, on its own); +Inf for a source never read.",
        samples: |run, _| {
            per_source(run, |c, si| match c.sources[si].never_read() {
                true => f64::INFINITY,
                false => (run.at - select::source_seen(c, si)).num_seconds().max(0) as f64,
            })
        },
    },
    Metric {
        name: "motd_status_source_failed",
        counter: false,
        help: "1 when a source's last read failed (the cache holds its last good data, if it \
               was ever read).",
        samples: |run, _| {
            per_source(run, |c, si| {
                f64::from(u8::from(c.sources[si].failed.is_some()))
            })
        },
    },
    Metric {
        name: "motd_status_motd_file_behind_seconds",
        counter: false,
        help: "How long motd_file's last write precedes the cache's last confirmation (0: \
               current; -1: missing or unreadable).",
        samples: |run, _| match (run.cache, run.motd_file) {
            (Some(c), Some(path)) => {
                one(select::motd_file_behind(path, c).map_or(-1.0, |s| s as f64))
            }
            _ => Vec::new(),
        },
    },
    Metric {
        name: "motd_status_entries",
        counter: false,
        help: "Entries of each cluster's view now, by section.",
        samples: entries,
    },
    Metric {
        name: "motd_status_unmatched_names",
        counter: false,
        help: "Names in a cluster's config that matched nothing (or several things) on the page.",
        samples: |run, _| per_cluster(run, |c| vec![(Vec::new(), c.unmatched.len() as f64)]),
    },
    Metric {
        name: "motd_status_unresolved_names",
        counter: false,
        help: "Names in a cluster's config that did not resolve, by cause: missing (matches \
               nothing), ambiguous (matches several things), renamed (matched before, not now).",
        samples: |run, _| {
            per_cluster(run, |c| {
                [Cause::Missing, Cause::Ambiguous, Cause::Renamed]
                    .into_iter()
                    .map(|cause| {
                        let n = c.unresolved.iter().filter(|u| u.cause == cause).count();
                        (vec![("cause", cause_label(cause))], n as f64)
                    })
                    .collect()
            })
        },
    },
    Metric {
        name: "motd_status_covered_components",
        counter: false,
        help: "Components of the page a cluster covers (0: its view cannot know anything).",
        samples: |run, _| {
            per_cluster(run, |c| {
                c.covers
                    .map(|n| (Vec::new(), n as f64))
                    .into_iter()
                    .collect()
            })
        },
    },
];

const RESULTS: [&str; 4] = ["success", "failed", "config_error", "locked"];

fn result(exit: Exit) -> &'static str {
    match exit {
        Exit::Ok | Exit::Plugin(_) => "success",
        Exit::Failed => "failed",
        Exit::Usage => "config_error",
        Exit::Locked => "locked",
    }
}

/// The metrics text for `run`, carrying counters over from `previous` (the old file).
pub fn render(run: &Run<'_>, previous: &str) -> String {
    let prev = Previous(previous);
    let mut out = String::new();
    for m in METRICS {
        let samples = (m.samples)(run, &prev);
        // Metrics of the cache are left out when there is none to read.
        if samples.is_empty() && !m.counter {
            continue;
        }
        let kind = if m.counter { "counter" } else { "gauge" };
        let _ = writeln!(out, "# HELP {} {}", m.name, m.help);
        let _ = writeln!(out, "# TYPE {} {kind}", m.name);
        for (labels, value) in samples {
            let _ = writeln!(out, "{}{labels} {}", m.name, number(value));
        }
    }
    out
}

/// The previous metrics file, to carry values over.
struct Previous<'a>(&'a str);

impl Previous<'_> {
    /// The value of the series `name{labels}`, 0 when the file does not have it.
    fn value(&self, series: &str) -> f64 {
        self.0
            .lines()
            .find_map(|l| {
                l.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    }
}

fn one(value: f64) -> Samples {
    vec![(String::new(), value)]
}

/// A counter by source: this run's traffic added to the previous file's count; sources this
/// run did not reach keep theirs.
fn counter(run: &Run<'_>, prev: &Previous<'_>, name: &str, pick: fn(&Traffic) -> u64) -> Samples {
    let mut samples: Samples = run
        .traffic
        .iter()
        .map(|(source, t)| {
            let l = labels(&[("source", source)]);
            let before = prev.value(&format!("{name}{l}"));
            (l, before + pick(t) as f64)
        })
        .collect();
    for line in prev.0.lines().filter(|l| l.starts_with(name)) {
        if let Some((l, v)) = line[name.len()..].rsplit_once(' ')
            && l.starts_with('{')
            && !samples.iter().any(|(s, _)| s == l)
            && let Ok(v) = v.parse::<f64>()
        {
            samples.push((l.to_owned(), v));
        }
    }
    samples
}

/// Each cluster's view now, by section.
fn entries(run: &Run<'_>, _: &Previous<'_>) -> Samples {
    const SECTIONS: [Section; 5] = [
        Section::Incident,
        Section::MaintenanceNow,
        Section::MaintenancePlanned,
        Section::Resolved,
        Section::Component,
    ];
    per_cluster(run, |c| {
        let cache = run.cache.expect("per_cluster runs with a cache");
        let counts = View::of(cache, Scope::Cluster(c), run.at).counts();
        SECTIONS
            .iter()
            .map(|s| (vec![("section", s.as_str())], counts.get(*s) as f64))
            .collect()
    })
}

/// A sample for each source of the cache, labelled with its name.
fn per_source(run: &Run<'_>, value: impl Fn(&Cache, usize) -> f64) -> Samples {
    let Some(c) = run.cache else {
        return Vec::new();
    };
    (0..c.sources.len())
        .map(|si| (labels(&[("source", &c.sources[si].name)]), value(c, si)))
        .collect()
}

/// Samples for each cluster of the cache, labelled with its name and `each`'s own labels.
fn per_cluster(
    run: &Run<'_>,
    each: impl Fn(&cache::Cluster) -> Vec<(Vec<(&'static str, &'static str)>, f64)>,
) -> Samples {
    let Some(c) = run.cache else {
        return Vec::new();
    };
    c.clusters
        .iter()
        .flat_map(|cluster| {
            each(cluster).into_iter().map(|(more, value)| {
                let mut pairs = vec![("cluster", cluster.name.as_str())];
                pairs.extend(more);
                (labels(&pairs), value)
            })
        })
        .collect()
}

fn cause_label(cause: Cause) -> &'static str {
    match cause {
        Cause::Missing => "missing",
        Cause::Ambiguous => "ambiguous",
        Cause::Renamed => "renamed",
        Cause::Unknown => "unknown",
    }
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

fn number(v: f64) -> String {
    if v.is_infinite() {
        // Prometheus's spelling; Rust's would be "inf".
        (if v > 0.0 { "+Inf" } else { "-Inf" }).to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Writes `metrics_file` after a run, success or not: the traffic by source (its configured
/// name, else its redacted address) and what the cache in place says.
pub(crate) fn write_run(
    cfg: &Config,
    path: &Path,
    at: DateTime<Utc>,
    exit: Exit,
    traffic: &[(String, Traffic)],
) {
    let mut by_source: Vec<(String, Traffic)> = Vec::new();
    for (url, t) in traffic {
        let label = cfg
            .sources
            .iter()
            .find(|s| s.owns(url))
            .map_or_else(|| redact_text(url).into_owned(), |s| s.label());
        match by_source.iter_mut().find(|(l, _)| *l == label) {
            Some((_, sum)) => {
                sum.requests += t.requests;
                sum.not_modified += t.not_modified;
                sum.bytes = sum.bytes.saturating_add(t.bytes);
            }
            None => by_source.push((label, t.clone())),
        }
    }
    let cache = cache::read(&cfg.cache).ok();
    let run = Run {
        at,
        exit,
        traffic: by_source,
        cache: cache.as_ref(),
        motd_file: cfg.motd_file.as_deref(),
    };
    if let Err(e) = cache::write::check_dir(path)
        .and_then(|()| write(path, &run).map_err(|e| format!("{}: {e}", path.display())))
    {
        log::error(format!("cannot write metrics_file: {e}"));
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

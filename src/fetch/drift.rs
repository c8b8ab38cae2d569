//! The drift check: sites enter every downtime twice, on the status page and as a Slurm
//! maintenance reservation, by hand, and the two drift apart. For each cluster with a Slurm
//! source, every maintenance a login would show is paired the way the login pairs them
//! ([`crate::select`]'s one entry per event), and what does not pair, or pairs with other
//! times, is said in one line: by `--check`, and as a warning in every run.

use chrono::{DateTime, Utc};

use super::config::Config;
use crate::cache::{Cache, Kind, Provider};
use crate::localtime::LocalZone;
use crate::sanitize::terminal;
use crate::select::{Entry, Scope, Section, What, entries};

/// Every drift between the pages' maintenances and the clusters' reservations at `now`, one
/// line each, the cluster first; and the clusters whose reservations Slurm hides.
pub(crate) fn lines(
    cache: &Cache,
    cfg: &Config,
    now: DateTime<Utc>,
    zone: &LocalZone,
) -> Vec<String> {
    let tolerance = i64::try_from(cfg.slurm.tolerance.as_secs()).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    for cluster in &cache.clusters {
        let Some(slurm) = cache.sources.iter().find(|s| {
            s.slurm
                .as_ref()
                .is_some_and(|i| i.cluster.eq_ignore_ascii_case(&cluster.name))
        }) else {
            continue;
        };
        let name = terminal(&cluster.name);
        if slurm.slurm.as_ref().is_some_and(|i| i.hidden) {
            out.push(format!(
                "cluster {name:?}: Slurm hides its reservations from this user \
                 (PrivateData=reservations in slurm.conf): nothing can be checked or shown"
            ));
            continue;
        }
        if slurm.failed.is_some() {
            // Its last good data is not what Slurm has now: nothing to compare.
            continue;
        }
        for e in entries(cache, Scope::Cluster(cluster), now) {
            if let Some(line) = drift(&e, tolerance, zone) {
                out.push(format!("cluster {name:?}: {line}"));
            }
        }
    }
    out
}

/// What is wrong with one entry of a cluster's view, if anything.
fn drift(e: &Entry<'_>, tolerance: i64, zone: &LocalZone) -> Option<String> {
    let What::Item { item, .. } = &e.what else {
        return None;
    };
    if item.kind != Kind::Maintenance
        || !matches!(
            e.section,
            Section::MaintenanceNow | Section::MaintenancePlanned
        )
    {
        return None;
    }
    if e.source.provider == Provider::Slurm {
        let r = crate::select::reservation(e.source, item)?;
        return Some(format!(
            "reservation {} is not announced on the status page",
            terminal(&r.name)
        ));
    }
    let Some(joined) = &e.joined else {
        return Some(format!(
            "no Slurm reservation for {:?} {}",
            terminal(&item.name),
            span(item.scheduled_for, item.scheduled_until, zone)
        ));
    };
    // Several reservations of one event (one per partition or node set): from the first
    // start to the last end.
    let start = joined.iter().filter_map(|(_, r)| r.scheduled_for).min();
    let end = joined.iter().filter_map(|(_, r)| r.scheduled_until).max();
    let apart = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
        (Some(a), Some(b)) => (a - b).num_seconds().abs() > tolerance,
        (a, b) => a.is_some() != b.is_some(),
    };
    (apart(item.scheduled_for, start) || apart(item.scheduled_until, end)).then(|| {
        format!(
            "times differ for {:?}: page {}, Slurm {}",
            terminal(&item.name),
            span(item.scheduled_for, item.scheduled_until, zone),
            span(start, end, zone)
        )
    })
}

/// A window: "Sat 6 Dec 08:00–12:00 CET", or both ends in full across days.
fn span(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>, zone: &LocalZone) -> String {
    match (start, end) {
        (Some(s), Some(e)) if zone.same_day(s, e) => {
            let start = zone.format(s);
            let (head, abbr) = start.rsplit_once(' ').unwrap_or((&start, ""));
            let end = zone.format_time(e);
            let end = end.split_once(' ').map_or(end.as_str(), |(hm, _)| hm);
            format!("{head}–{end} {abbr}")
        }
        (Some(s), Some(e)) => format!("{} – {}", zone.format(s), zone.format(e)),
        (Some(s), None) => format!("from {}", zone.format(s)),
        (None, _) => "(no time)".to_owned(),
    }
}

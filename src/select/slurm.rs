//! One entry, not two: a status page's maintenance of a cluster and a Slurm maintenance
//! reservation of the same cluster starting within `[slurm] match_window` of each other are
//! one event, announced twice. The view shows the page's entry (its title, link and words)
//! with the reservation joined to it (its name, what it covers, the longest job that still
//! fits); a reservation that no page announces is an entry of its own.

use super::{Entry, Section, What};
use crate::cache::{Item, Kind, Provider, SlurmReservation, Source};

/// The reservation behind `item` of a Slurm source.
pub fn reservation<'a>(source: &'a Source, item: &Item) -> Option<&'a SlurmReservation> {
    source.slurm.as_ref()?.reservation(&item.id)
}

/// The Slurm reservation an entry stands for, itself or joined to a page's maintenance.
pub fn reservation_of<'a>(e: &Entry<'a>) -> Option<(&'a Item, &'a SlurmReservation)> {
    let (source, item) = match (&e.what, e.joined) {
        (_, Some((source, item))) => (source, item),
        (What::Item { item, .. }, None) => (e.source, *item),
        (What::Component(_), None) => return None,
    };
    Some((item, reservation(source, item)?))
}

/// Joins each reservation among `entries` to the page's maintenance that starts closest to it,
/// within `window` seconds, and drops it as an entry of its own. Order is kept.
pub fn join(entries: &mut Vec<Entry<'_>>, window: u64) {
    let window = i64::try_from(window).unwrap_or(i64::MAX);
    let mut joined = vec![false; entries.len()];
    for r in 0..entries.len() {
        let Some(start) = maintenance(&entries[r], true) else {
            continue;
        };
        let best = (0..entries.len())
            .filter(|&p| entries[p].joined.is_none())
            .filter_map(|p| {
                let diff = (maintenance(&entries[p], false)? - start)
                    .num_seconds()
                    .abs();
                (diff <= window).then_some((diff, p))
            })
            .min();
        if let (Some((_, p)), What::Item { item, .. }) = (best, &entries[r].what) {
            entries[p].joined = Some((entries[r].source, *item));
            joined[r] = true;
        }
    }
    let mut i = 0;
    entries.retain(|_| {
        i += 1;
        !joined[i - 1]
    });
}

/// The start of `e` when it is a maintenance of a Slurm source (`slurm`) or of another.
fn maintenance(e: &Entry<'_>, slurm: bool) -> Option<chrono::DateTime<chrono::Utc>> {
    let What::Item { item, .. } = &e.what else {
        return None;
    };
    let is_slurm = e.source.provider == Provider::Slurm;
    let section = matches!(
        e.section,
        Section::MaintenanceNow | Section::MaintenancePlanned
    );
    (item.kind == Kind::Maintenance && section && is_slurm == slurm).then_some(item.scheduled_for?)
}

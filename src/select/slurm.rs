//! One entry, not two: a status page's maintenance of a cluster and the Slurm maintenance
//! reservations of the same cluster starting within `[slurm] match_window` of it are one
//! event, announced twice (a site may reserve each partition or node set on its own, for one
//! announced maintenance). The view shows the page's entry (its title, link and words) with the
//! reservations joined to it (their names, what they cover, the longest job that still fits);
//! a reservation that no page announces is an entry of its own.

use super::{Entry, Section, What};
use crate::cache::{Item, Kind, Provider, SlurmReservation, Source};

/// The reservation behind `item` of a Slurm source.
pub fn reservation<'a>(source: &'a Source, item: &Item) -> Option<&'a SlurmReservation> {
    source.slurm.as_ref()?.reservation(&item.id)
}

/// Every Slurm reservation an entry stands for, earliest first: itself, or those joined to a
/// page's maintenance.
pub fn reservations_of<'a>(e: &Entry<'a>) -> Vec<(&'a Item, &'a SlurmReservation)> {
    match (&e.what, &e.joined) {
        (_, Some(joined)) => joined
            .iter()
            .filter_map(|&(source, item)| Some((item, reservation(source, item)?)))
            .collect(),
        (What::Item { item, .. }, None) => reservation(e.source, item)
            .map(|r| (*item, r))
            .into_iter()
            .collect(),
        (What::Component(_), None) => Vec::new(),
    }
}

/// Joins each reservation among `entries` to the page's maintenance that starts closest to it,
/// within `window` seconds (one page maintenance may take several), and drops it as an entry
/// of its own. Order is kept.
pub fn join(entries: &mut Vec<Entry<'_>>, window: u64) {
    let window = i64::try_from(window).unwrap_or(i64::MAX);
    let mut joined = vec![false; entries.len()];
    for r in 0..entries.len() {
        let Some(start) = maintenance(&entries[r], true) else {
            continue;
        };
        let best = (0..entries.len())
            .filter_map(|p| {
                let diff = (maintenance(&entries[p], false)? - start)
                    .num_seconds()
                    .abs();
                (diff <= window).then_some((diff, p))
            })
            .min();
        if let (Some((_, p)), What::Item { item, .. }) = (best, &entries[r].what) {
            let one = (entries[r].source, *item);
            entries[p].joined.get_or_insert_with(Vec::new).push(one);
            joined[r] = true;
        }
    }
    for e in entries.iter_mut() {
        if let Some(list) = &mut e.joined {
            list.sort_by_key(|(_, i)| (i.scheduled_for, i.scheduled_until, i.name.clone()));
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

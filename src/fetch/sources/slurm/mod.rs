//! Slurm as a source: the scheduler's maintenance reservations, read from the real scontrol.
//! On a cluster, a maintenance is real when the scheduler has a reservation for it: from then
//! on jobs that cannot finish before it wait until after it. So the fetcher reads them (the
//! login never runs scontrol), with the partitions a job-length hint needs and the
//! controller's `PrivateData`, which can hide reservations from the service user.
//!
//! - [`scontrol`]: running it, with a deadline, a cap on its output and one-line errors;
//! - [`parse`]: its `--oneliner` records and `show config`;
//! - `duration` (the room `slurm_time`, which the login shares): Slurm's time formats;
//! - [`hostlist`]: node ranges, counted and (up to a cap) written out.
//!
//! Why the text and not `--json`: Debian 12's Slurm (22.05) has no `--json` for scontrol
//! ("scontrol: unrecognized option '--json'"); it came in 23.02, and needs a data_parser
//! plugin the packages may not ship. The `--oneliner` text is the same from 22.05 to 25.11
//! except for keys added at known places (`Comment`, `AllowedPartitions`, `QOS`) and `Watts`
//! dropped, and [`parse`] reads every one of them.
//!
//! Times come as UTC ([`scontrol`] runs scontrol with `TZ=UTC0`), so no zone is guessed.

pub(crate) use crate::slurm_time as duration;
pub mod hostlist;
pub mod parse;
pub mod scontrol;
mod source;

use std::collections::BTreeSet;

pub use hostlist::Hostlist;
pub use parse::{ControllerConfig, Partition, Reservation};
pub use scontrol::{Scontrol, ScontrolError};
pub(crate) use source::Slurm;

/// Why a read gave nothing: scontrol failed, or printed what we could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlurmError {
    Run(ScontrolError),
    /// The command (`show reservation`) and what was wrong with its output.
    Parse {
        what: &'static str,
        why: String,
    },
}

impl std::fmt::Display for SlurmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlurmError::Run(e) => e.fmt(f),
            SlurmError::Parse { what, why } => write!(f, "scontrol {what}: {why}"),
        }
    }
}

impl Scontrol {
    /// Every reservation the controller shows this user.
    pub fn reservations(&self) -> Result<Vec<Reservation>, SlurmError> {
        let text = self
            .run(&["show", "reservation", "--oneliner"])
            .map_err(SlurmError::Run)?;
        parse::reservations(&text).map_err(|why| SlurmError::Parse {
            what: "show reservation",
            why,
        })
    }

    /// Every partition, hidden ones too (a job may name one).
    pub fn partitions(&self) -> Result<Vec<Partition>, SlurmError> {
        let text = self
            .run(&["--all", "show", "partition", "--oneliner"])
            .map_err(SlurmError::Run)?;
        parse::partitions(&text).map_err(|why| SlurmError::Parse {
            what: "show partition",
            why,
        })
    }

    /// The controller's config: its cluster name, version and `PrivateData`.
    pub fn config(&self) -> Result<ControllerConfig, SlurmError> {
        self.run(&["show", "config"])
            .map(|text| parse::config(&text))
            .map_err(SlurmError::Run)
    }
}

/// What a reservation covers, in words a login can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Every node (`ALL_NODES`, or all the partitions' nodes).
    AllNodes,
    /// Exactly one partition's nodes ("partition gpu").
    Partition(String),
    /// Some nodes: `count` of `of` ("12 of 340 nodes"); `of` is 0 when unknown.
    Nodes { count: u64, of: u64 },
}

/// What `r` covers among `partitions`.
pub fn coverage(r: &Reservation, partitions: &[Partition]) -> Coverage {
    if r.has_flag("ALL_NODES") {
        return Coverage::AllNodes;
    }
    let mine = r.hostlist().and_then(|h| h.set()).ok();
    let theirs: Vec<Option<BTreeSet<String>>> = partitions
        .iter()
        .map(|p| Hostlist::parse(&p.nodes).and_then(|h| h.set()).ok())
        .collect();
    let all: Option<BTreeSet<String>> = theirs.iter().try_fold(BTreeSet::new(), |mut all, p| {
        all.extend(p.as_ref()?.iter().cloned());
        Some(all)
    });
    if let (Some(mine), Some(all)) = (&mine, &all)
        && !all.is_empty()
        && mine == all
    {
        return Coverage::AllNodes;
    }
    let named = r.partition.as_deref();
    let same = partitions
        .iter()
        .zip(&theirs)
        .filter(|(_, set)| mine.is_some() && set.as_ref() == mine.as_ref())
        .map(|(p, _)| p.name.as_str());
    let mut same: Vec<&str> = same.collect();
    same.sort_by_key(|name| Some(*name) != named);
    match same.first() {
        Some(name) => Coverage::Partition((*name).to_owned()),
        None if r.has_flag("PART_NODES") && named.is_some() => {
            Coverage::Partition(named.unwrap_or_default().to_owned())
        }
        None => Coverage::Nodes {
            count: r.node_count,
            of: all.map_or(0, |a| a.len() as u64),
        },
    }
}

/// Whether `r` holds every node of partition `p`, so that no job of `p` can run during it:
/// `ALL_NODES`, `PART_NODES` of `p`, or a node set that holds all of `p`'s. A list too long
/// to write out holds it only by those flags (a job may still find a node: say nothing).
pub fn holds_whole(r: &Reservation, p: &Partition) -> bool {
    if r.has_flag("ALL_NODES")
        || (r.has_flag("PART_NODES") && r.partition.as_deref() == Some(p.name.as_str()))
    {
        return true;
    }
    match (
        r.hostlist().and_then(|h| h.set()),
        Hostlist::parse(&p.nodes).and_then(|h| h.set()),
    ) {
        (Ok(mine), Ok(theirs)) => !theirs.is_empty() && theirs.is_subset(&mine),
        _ => false,
    }
}

/// Whether `r` holds any node of partition `p` (a job there may wait for it). A list too
/// long to write out counts as holding some.
pub fn touches(r: &Reservation, p: &Partition) -> bool {
    if r.has_flag("ALL_NODES") || r.partition.as_deref() == Some(p.name.as_str()) {
        return true;
    }
    match (
        r.hostlist().and_then(|h| h.set()),
        Hostlist::parse(&p.nodes).and_then(|h| h.set()),
    ) {
        (Ok(mine), Ok(theirs)) => !mine.is_disjoint(&theirs),
        _ => true,
    }
}

#[cfg(test)]
mod tests;

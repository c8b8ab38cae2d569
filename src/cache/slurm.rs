//! Slurm's side of a cluster in the cache: what the fetcher read with scontrol (the login
//! never runs it), on the cluster's Slurm source. Its maintenance reservations are items of
//! that source (maintenance, status `reservation`, a window from their start to their end);
//! what a login says of them beyond that (what they cover, which partitions a job waits in)
//! is here, by the items' ids, so the items stay the same shape as every source's.

use serde::{Deserialize, Serialize};

/// A cluster's Slurm, as the fetcher last read it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmInfo {
    /// The `[[cluster]]` whose scheduler it is (its source covers that cluster alone).
    pub cluster: String,
    /// The controller hides reservations from the fetcher (`PrivateData=reservations`):
    /// nothing is known of them, and nothing may be said from their absence.
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub partitions: Vec<SlurmPartition>,
    /// The maintenance reservations, one per item of the source, by the item's id.
    #[serde(default)]
    pub reservations: Vec<SlurmReservation>,
}

/// A partition, as much as a job's hint needs.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmPartition {
    pub name: String,
    /// Jobs that name no partition go here.
    #[serde(default)]
    pub default: bool,
    /// A job's limit when it gives none (seconds); `None`: the partition has no `DefaultTime`
    /// and its `max_time` applies.
    #[serde(default)]
    pub default_time: Option<u64>,
    /// `None`: no limit.
    #[serde(default)]
    pub max_time: Option<u64>,
    #[serde(default)]
    pub nodes: u64,
}

/// A maintenance reservation beyond its item: its name, what it covers, and which partitions'
/// jobs it holds up.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmReservation {
    /// The id of its item in the source.
    pub id: String,
    /// Its name in Slurm (`scontrol show reservation NAME`).
    pub name: String,
    /// Its nodes as Slurm writes them (`node[001-012]`), cut to a line.
    #[serde(default)]
    pub nodes: String,
    #[serde(default)]
    pub node_count: u64,
    /// Every node of the cluster.
    #[serde(default)]
    pub all_nodes: bool,
    /// The one partition whose nodes it holds exactly, if any.
    #[serde(default)]
    pub partition: Option<String>,
    /// The nodes of the cluster (0: unknown), for "12 of 340 nodes".
    #[serde(default)]
    pub of: u64,
    /// The partitions it holds any node of: a job there may wait for it.
    #[serde(default)]
    pub partitions: Vec<String>,
    /// The partitions it holds every node of: a job there that cannot end before it waits
    /// until it ends (on some nodes only, Slurm places jobs on the others). Added after
    /// `partitions`; a cache without it knows this of `all_nodes` and `partition` alone.
    #[serde(default)]
    pub whole_partitions: Vec<String>,
}

impl SlurmInfo {
    /// The reservation behind item `id`.
    pub fn reservation(&self, id: &str) -> Option<&SlurmReservation> {
        self.reservations.iter().find(|r| r.id == id)
    }
}

impl SlurmReservation {
    /// Whether jobs of `partition` wait for it: it holds every node they may run on.
    pub fn holds_up(&self, partition: &str) -> bool {
        self.all_nodes
            || self.partition.as_deref() == Some(partition)
            || self.whole_partitions.iter().any(|p| p == partition)
    }

    /// The partitions whose jobs wait for it, its own first (empty for none; with
    /// `all_nodes`, every job waits).
    pub fn holds_up_in(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.partition.iter().map(String::as_str).collect();
        for p in &self.whole_partitions {
            if !out.contains(&p.as_str()) {
                out.push(p);
            }
        }
        out
    }

    /// Whether any job waits for it.
    pub fn holds_up_any(&self) -> bool {
        self.all_nodes || !self.holds_up_in().is_empty()
    }

    /// What it covers, in words: "all nodes", "partition gpu", "12 of 340 nodes".
    pub fn covers(&self) -> String {
        match (&self.partition, self.all_nodes) {
            (_, true) => "all nodes".to_owned(),
            (Some(p), false) => format!("partition {p}"),
            (None, false) if self.of > 0 => format!("{} of {} nodes", self.node_count, self.of),
            (None, false) => format!(
                "{} node{}",
                self.node_count,
                if self.node_count == 1 { "" } else { "s" }
            ),
        }
    }
}

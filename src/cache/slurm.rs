//! Slurm's side of a cluster in the cache: what the fetcher read with scontrol (the login
//! never runs it), on the cluster's Slurm source. Its maintenance reservations are items of
//! that source (maintenance, status `reservation`, a window from their start to their end);
//! what a login says of them beyond that (what they cover, which partitions a job waits in)
//! is here, by the items' ids, so the items stay the same shape as every source's.

use serde::{Deserialize, Serialize};

use serde::de::MapAccess;

use super::fields::{self, Fields, value};

/// A cluster's Slurm, as the fetcher last read it.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmInfo {
    /// The `[[cluster]]` whose scheduler it is (its source covers that cluster alone).
    pub cluster: String,
    /// The controller hides reservations from the fetcher (`PrivateData=reservations`):
    /// nothing is known of them, and nothing may be said from their absence.
    pub hidden: bool,
    pub partitions: Vec<SlurmPartition>,
    /// The maintenance reservations, one per item of the source, by the item's id.
    pub reservations: Vec<SlurmReservation>,
}

/// A partition, as much as a job's hint needs.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmPartition {
    pub name: String,
    /// Jobs that name no partition go here.
    pub default: bool,
    /// A job's limit when it gives none (seconds); `None`: the partition has no `DefaultTime`
    /// and its `max_time` applies.
    pub default_time: Option<u64>,
    /// `None`: no limit.
    pub max_time: Option<u64>,
    pub nodes: u64,
}

/// A maintenance reservation beyond its item: its name, what it covers, and which partitions'
/// jobs it holds up.
#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct SlurmReservation {
    /// The id of its item in the source.
    pub id: String,
    /// Its name in Slurm (`scontrol show reservation NAME`).
    pub name: String,
    /// Its nodes as Slurm writes them (`node[001-012]`), cut to a line.
    pub nodes: String,
    pub node_count: u64,
    /// Every node of the cluster.
    pub all_nodes: bool,
    /// The one partition whose nodes it holds exactly, if any.
    pub partition: Option<String>,
    /// The nodes of the cluster (0: unknown), for "12 of 340 nodes".
    pub of: u64,
    /// The partitions it holds any node of: a job there may wait for it.
    pub partitions: Vec<String>,
}

impl SlurmInfo {
    /// The reservation behind item `id`.
    pub fn reservation(&self, id: &str) -> Option<&SlurmReservation> {
        self.reservations.iter().find(|r| r.id == id)
    }
}

impl SlurmReservation {
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

// Read by hand (see `fields`): every key but the ids and names may be missing.

impl<'de> Fields<'de> for SlurmInfo {
    const NAME: &'static str = "struct SlurmInfo";
    const KEYS: &'static [&'static str] = &["cluster", "hidden", "partitions", "reservations"];
    const REQUIRED: u32 = 1;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.cluster = value(map)?,
            1 => self.hidden = value(map)?,
            2 => self.partitions = value(map)?,
            _ => self.reservations = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for SlurmPartition {
    const NAME: &'static str = "struct SlurmPartition";
    const KEYS: &'static [&'static str] = &["name", "default", "default_time", "max_time", "nodes"];
    const REQUIRED: u32 = 1;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.name = value(map)?,
            1 => self.default = value(map)?,
            2 => self.default_time = value(map)?,
            3 => self.max_time = value(map)?,
            _ => self.nodes = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for SlurmReservation {
    const NAME: &'static str = "struct SlurmReservation";
    const KEYS: &'static [&'static str] = &[
        "id",
        "name",
        "nodes",
        "node_count",
        "all_nodes",
        "partition",
        "of",
        "partitions",
    ];
    const REQUIRED: u32 = 0b11;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.id = value(map)?,
            1 => self.name = value(map)?,
            2 => self.nodes = value(map)?,
            3 => self.node_count = value(map)?,
            4 => self.all_nodes = value(map)?,
            5 => self.partition = value(map)?,
            6 => self.of = value(map)?,
            _ => self.partitions = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for SlurmInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Deserialize<'de> for SlurmPartition {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Deserialize<'de> for SlurmReservation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

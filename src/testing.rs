//! What the integration tests use of the library, in one place: everything else is the
//! crate's own (`pub(crate)`), so the compiler finds dead code. Not an interface for anyone
//! else.

pub use crate::localtime::LocalZone;
pub use crate::render::{Format, Request, display_width};
pub use crate::rng::{Rng, cases};
pub use crate::select::Whose;
pub use crate::view::{load, render, render_loaded};

/// The cache's format, its reader and its types.
pub mod cache {
    pub use crate::cache::{
        Cache, Cause, Cluster, Component, ComponentRef, Counts, Item, Kind, Named, Provider,
        Repeat, Settings, SlurmInfo, SlurmPartition, SlurmReservation, Source, Unresolved, VERSION,
        parse, read, to_bytes,
    };
}
pub use cache::*;

/// Slurm's reservations, read with the real scontrol.
pub mod slurm {
    pub use crate::fetch::sources::slurm::{
        ControllerConfig, Coverage, Partition, Reservation, Scontrol, ScontrolError, SlurmError,
        coverage, touches,
    };
    pub use crate::slurm_time::{SlurmTime, format as format_duration};
}

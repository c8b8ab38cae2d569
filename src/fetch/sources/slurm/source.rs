//! A cluster's scheduler as a source: its maintenance reservations become maintenance items
//! of the cluster (status `reservation`, their window from start to end), with what a login
//! says beyond that kept beside them ([`cache::SlurmInfo`]): what each covers, which
//! partitions' jobs it holds up, and the partitions' time limits.

use chrono::{DateTime, Utc};

use super::super::{Fetched, NAME_CHARS, Run, Source, SourceData, shorten};
use super::duration::SlurmTime;
use super::{
    ControllerConfig, Coverage, Partition, Reservation, Scontrol, coverage, holds_whole, touches,
};
use crate::cache::{self, Item, Kind, SlurmInfo, SlurmPartition, SlurmReservation};
use crate::fetch::config::SlurmSource;
use crate::fetch::http::FetchError;

/// The one component of a Slurm source: the cluster itself.
const COMPONENT: &str = "slurm";

/// The scheduler of one cluster.
pub(crate) struct Slurm<'a>(pub &'a SlurmSource);

impl Source for Slurm<'_> {
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError> {
        let s = self.0;
        let scontrol = Scontrol {
            program: s.scontrol.clone(),
            slurm_conf: s.conf.clone(),
            timeout: s.timeout,
        };
        let failed = |e: super::SlurmError| FetchError {
            url: format!("Slurm of {}", s.cluster),
            cause: e.to_string(),
        };
        let config = scontrol.config().map_err(failed)?;
        let partitions = scontrol.partitions().map_err(failed)?;
        let reservations = scontrol.reservations().map_err(failed)?;
        Ok(Fetched::Data(data(
            s,
            &config,
            &partitions,
            &reservations,
            run.now,
        )))
    }
}

/// What scontrol said, in the cache's model.
pub(crate) fn data(
    s: &SlurmSource,
    config: &ControllerConfig,
    partitions: &[Partition],
    reservations: &[Reservation],
    now: DateTime<Utc>,
) -> SourceData {
    let maintenance: Vec<&Reservation> = reservations
        .iter()
        .filter(|r| s.flags.iter().any(|f| r.has_flag(f)) && r.end > now)
        .collect();
    SourceData {
        name: "Slurm".to_owned(),
        url: String::new(),
        time_zone: None,
        components: vec![cache::Component {
            id: COMPONENT.to_owned(),
            name: s.cluster.clone(),
            group: None,
            status: "operational".to_owned(),
        }],
        items: maintenance.iter().map(|r| item(r)).collect(),
        groups: Vec::new(),
        named_by_clusters: true,
        slurm: Some(Box::new(SlurmInfo {
            cluster: s.cluster.clone(),
            hidden: config.hides_reservations() && !s.sees_all && !privileged(config),
            partitions: partitions.iter().map(partition).collect(),
            reservations: maintenance
                .iter()
                .map(|r| reservation(r, partitions))
                .collect(),
        })),
    }
}

fn id(r: &Reservation) -> String {
    shorten(&format!("slurm:{}", r.name), NAME_CHARS)
}

fn item(r: &Reservation) -> Item {
    Item {
        kind: Kind::Maintenance,
        id: id(r),
        name: shorten(&format!("Slurm reservation {}", r.name), NAME_CHARS),
        status: "reservation".to_owned(),
        impact: "maintenance".to_owned(),
        shortlink: None,
        started_at: Some(r.start),
        updated_at: None,
        resolved_at: None,
        scheduled_for: Some(r.start),
        scheduled_until: Some(r.end),
        components: vec![COMPONENT.to_owned()],
        update: None,
    }
}

fn reservation(r: &Reservation, partitions: &[Partition]) -> SlurmReservation {
    let cov = coverage(r, partitions);
    SlurmReservation {
        id: id(r),
        name: shorten(&r.name, NAME_CHARS),
        nodes: shorten(&r.nodes, NAME_CHARS),
        node_count: r.node_count,
        all_nodes: cov == Coverage::AllNodes,
        partition: match &cov {
            Coverage::Partition(p) => Some(shorten(p, NAME_CHARS)),
            _ => None,
        },
        of: match cov {
            Coverage::Nodes { of, .. } => of,
            _ => 0,
        },
        partitions: partitions
            .iter()
            .filter(|p| touches(r, p))
            .map(|p| shorten(&p.name, NAME_CHARS))
            .collect(),
        whole_partitions: partitions
            .iter()
            .filter(|p| holds_whole(r, p))
            .map(|p| shorten(&p.name, NAME_CHARS))
            .collect(),
    }
}

fn partition(p: &Partition) -> SlurmPartition {
    let secs = |t: SlurmTime| match t {
        SlurmTime::Secs(n) => Some(n),
        SlurmTime::Unlimited | SlurmTime::NotSet => None,
    };
    SlurmPartition {
        name: shorten(&p.name, NAME_CHARS),
        default: p.default,
        default_time: secs(p.default_time),
        max_time: secs(p.max_time),
        nodes: p.total_nodes,
    }
}

/// Whether this process sees every reservation whatever `PrivateData` says: it runs as root
/// or as the `SlurmUser`. (A Slurm operator or administrator does too, but only the accounting
/// database knows who is one: docs/slurm.md says what a site does.)
fn privileged(config: &ControllerConfig) -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    let euid = unsafe { libc::geteuid() };
    euid == 0
        || config
            .slurm_user
            .as_deref()
            .is_some_and(|u| user_id(u) == Some(euid))
}

/// The uid of `name`, from the password database.
fn user_id(name: &str) -> Option<u32> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer to static storage or null; we read one field at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    (!pw.is_null()).then(|| unsafe { (*pw).pw_uid })
}

//! `[slurm]` and the clusters' `slurm` and `slurm_conf`: which clusters' schedulers the
//! fetcher asks for maintenance reservations, and how. Each such cluster becomes a source of
//! its own (its reservations fail, and age, on their own), after the configured ones.

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::toml::{ConfigText, Raw, RawCluster};
use super::{ConfigError, SourceConfig, SourceKind};

/// `[slurm]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmConfig {
    /// The `scontrol` to run (a name is looked up on `PATH`).
    pub scontrol: PathBuf,
    /// How long one scontrol call may take.
    pub timeout: Duration,
    /// A reservation with any of these flags is maintenance.
    pub flags: Vec<String>,
    /// A page's maintenance and a reservation starting this close together are one event.
    pub match_window: Duration,
    /// The drift check's tolerance: times of one event that differ by more are reported.
    pub tolerance: Duration,
    /// The site says the fetcher's user sees every reservation (a Slurm operator, or named in
    /// every maintenance reservation): `PrivateData=reservations` does not make them hidden.
    pub sees_all_reservations: bool,
}

impl Default for SlurmConfig {
    fn default() -> Self {
        SlurmConfig {
            scontrol: PathBuf::from("scontrol"),
            timeout: Duration::from_secs(10),
            flags: vec!["MAINT".to_owned()],
            match_window: Duration::from_secs(2 * 3600),
            tolerance: Duration::from_secs(15 * 60),
            sees_all_reservations: false,
        }
    }
}

/// One cluster's scheduler, as a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmSource {
    /// The `[[cluster]]` it is for.
    pub cluster: String,
    /// `slurm_conf`: another cluster's `slurm.conf` (`SLURM_CONF`); `None`: the one scontrol
    /// reaches by default on this host.
    pub conf: Option<PathBuf>,
    pub scontrol: PathBuf,
    pub timeout: Duration,
    pub flags: Vec<String>,
    /// `[slurm] sees_all_reservations`.
    pub sees_all: bool,
}

/// `[slurm]` as written.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlurm {
    scontrol: Option<PathBuf>,
    timeout: Option<Spanned<String>>,
    flags: Option<Vec<Spanned<String>>>,
    pub(super) match_window: Option<Spanned<String>>,
    tolerance: Option<Spanned<String>>,
    sees_all_reservations: Option<bool>,
}

/// Whether any cluster asks for its scheduler's reservations.
pub(super) fn wanted(raw: &Raw) -> bool {
    raw.cluster.iter().any(asks)
}

fn asks(c: &RawCluster) -> bool {
    c.slurm == Some(true) || c.slurm_conf.is_some()
}

/// `[slurm]`, with its defaults.
pub(super) fn config(
    file: &ConfigText,
    raw: Option<&RawSlurm>,
) -> Result<SlurmConfig, ConfigError> {
    let d = SlurmConfig::default();
    let Some(r) = raw else {
        return Ok(d);
    };
    let timeout = file.duration(r.timeout.as_ref(), "slurm.timeout", d.timeout)?;
    if timeout.is_zero() {
        let span = r.timeout.as_ref().map(Spanned::span);
        return Err(file.error(span, Some("slurm.timeout"), "must be more than 0"));
    }
    let mut flags = Vec::new();
    for f in r.flags.iter().flatten() {
        let flag = f.get_ref().trim().to_ascii_uppercase();
        if flag.is_empty() || !flag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(file.error(
                Some(f.span()),
                Some("slurm.flags"),
                format!("{:?} is not a reservation flag (like MAINT)", f.get_ref()),
            ));
        }
        flags.push(flag);
    }
    if r.flags.as_ref().is_some_and(Vec::is_empty) {
        return Err(file.error(
            None,
            Some("slurm.flags"),
            "is empty: no reservation would be maintenance (the default is [\"MAINT\"])",
        ));
    }
    Ok(SlurmConfig {
        scontrol: r.scontrol.as_ref().map_or(d.scontrol, |p| {
            if p.is_absolute() || p.components().count() == 1 {
                p.clone()
            } else {
                file.beside(p)
            }
        }),
        timeout,
        flags: if flags.is_empty() { d.flags } else { flags },
        match_window: file.duration(
            r.match_window.as_ref(),
            "slurm.match_window",
            d.match_window,
        )?,
        tolerance: file.duration(r.tolerance.as_ref(), "slurm.tolerance", d.tolerance)?,
        sees_all_reservations: r.sees_all_reservations.unwrap_or(d.sees_all_reservations),
    })
}

/// The sources of the clusters that ask for their scheduler's reservations, in their order.
pub(super) fn sources(
    file: &ConfigText,
    clusters: &[RawCluster],
    cfg: &SlurmConfig,
    mirror: bool,
) -> Result<Vec<SourceConfig>, ConfigError> {
    let mut out = Vec::new();
    for c in clusters.iter().filter(|c| asks(c)) {
        let name = c.name.get_ref().trim().to_owned();
        if c.slurm == Some(false) {
            return Err(file.error(
                Some(c.name.span()),
                Some("cluster.slurm_conf"),
                format!("cluster {name:?} sets slurm = false and a slurm_conf"),
            ));
        }
        if mirror {
            return Err(file.error(
                Some(c.name.span()),
                Some("cluster.slurm"),
                format!(
                    "cluster {name:?} asks for Slurm's reservations, but a mirror reads no \
                     source of its own: set slurm on the fetcher it mirrors"
                ),
            ));
        }
        out.push(SourceConfig {
            name: Some(format!("Slurm of {name}")),
            kind: SourceKind::Slurm(SlurmSource {
                cluster: name,
                conf: c.slurm_conf.as_ref().map(|p| file.beside(p)),
                scontrol: cfg.scontrol.clone(),
                timeout: cfg.timeout,
                flags: cfg.flags.clone(),
                sees_all: cfg.sees_all_reservations,
            }),
        });
    }
    Ok(out)
}

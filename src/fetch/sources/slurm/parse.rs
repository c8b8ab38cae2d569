//! What scontrol prints, read: `show reservation --oneliner`, `show partition --oneliner` and
//! `show config`.
//!
//! A `--oneliner` record is `Key=Value` words separated by single spaces, in the order
//! `slurm_sprint_reservation_info` (`src/api/reservation_info.c`) writes them. Two values may
//! hold spaces and `=`: the name, which comes first (`ReservationName=a b=c StartTime=…` is a
//! reservation named `a b=c`), and the comment, which comes last (Slurm 23.02 on). Every value
//! between them is a time, a count, a node list or a comma list without spaces. So the name
//! runs to the first ` StartTime=`, the comment from the first word that starts `Comment=` to
//! the end of the record, and the rest are words. A word without `=` (a value with a space, of
//! a key some later Slurm adds) is joined to the value before it; a line that does not start a
//! record (a name or comment with a newline) is joined to the record before it. A name holding
//! ` StartTime=` cannot be told apart, and fails on its times.
//!
//! `(null)` is no value. Times are read as UTC: [`super::scontrol`] runs scontrol with `TZ`
//! set to UTC, and scontrol writes times in the zone it runs in (`slurm_make_time_str`
//! formats with `localtime_r` in the client), with `SLURM_TIME_FORMAT` set to `standard`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::duration::{self, SlurmTime};
use super::hostlist::Hostlist;

/// One reservation, as scontrol printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `N/A` (end before start) is [`SlurmTime::NotSet`].
    pub duration: SlurmTime,
    /// The nodes as scontrol writes them (`node[001-012]`), empty for none.
    pub nodes: String,
    pub node_count: u64,
    pub core_count: Option<u64>,
    pub partition: Option<String>,
    /// `MAINT`, `SPEC_NODES`, `ALL_NODES`, `PART_NODES`, `IGNORE_JOBS`, … as written.
    pub flags: Vec<String>,
    pub features: Option<String>,
    pub users: Option<String>,
    pub groups: Option<String>,
    pub accounts: Option<String>,
    pub licenses: Option<String>,
    pub tres: Option<String>,
    /// `ACTIVE` or `INACTIVE` (scontrol's view at the moment it ran).
    pub state: String,
    /// Slurm 23.02 and later.
    pub comment: Option<String>,
}

impl Reservation {
    /// Whether it has the flag `flag` (case does not matter).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    /// Its nodes, parsed.
    pub fn hostlist(&self) -> Result<Hostlist, String> {
        Hostlist::parse(&self.nodes)
    }
}

/// One partition, as scontrol printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub nodes: String,
    pub total_nodes: u64,
    /// `Default=YES`: jobs that name no partition go here.
    pub default: bool,
    /// The time limit of a job that gives none; `NONE` is [`SlurmTime::NotSet`] (the limit is
    /// then `max_time`).
    pub default_time: SlurmTime,
    pub max_time: SlurmTime,
    pub state: String,
}

/// What `show config` says that we use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControllerConfig {
    pub cluster_name: Option<String>,
    pub version: Option<String>,
    /// `PrivateData`'s items, lower case (`reservations`, `jobs`, …); empty for `none`.
    pub private_data: Vec<String>,
    /// The user slurmctld runs as, who (like root) sees every reservation whatever
    /// `PrivateData` says.
    pub slurm_user: Option<String>,
}

impl ControllerConfig {
    /// Whether ordinary users (the fetcher's service user among them) see only their own
    /// reservations: `PrivateData=reservations` (or `all`).
    pub fn hides_reservations(&self) -> bool {
        self.private_data
            .iter()
            .any(|p| p == "reservations" || p == "all")
    }
}

/// Reads `scontrol show reservation --oneliner`. "No reservations in the system" is none.
pub(crate) fn reservations(text: &str) -> Result<Vec<Reservation>, String> {
    records(text, "ReservationName=", "No reservations in the system")?
        .into_iter()
        .map(|(line, record)| reservation(&record).map_err(|e| format!("line {line}: {e}")))
        .collect()
}

/// Reads `scontrol show partition --oneliner`. "No partitions in the system" is none.
pub(crate) fn partitions(text: &str) -> Result<Vec<Partition>, String> {
    records(text, "PartitionName=", "No partitions in the system")?
        .into_iter()
        .map(|(line, record)| partition(&record).map_err(|e| format!("line {line}: {e}")))
        .collect()
}

/// Reads `scontrol show config` (`Key = value` lines); a key's first line counts.
pub(crate) fn config(text: &str) -> ControllerConfig {
    let mut values: BTreeMap<&str, &str> = BTreeMap::new();
    for line in text.lines() {
        if let Some((key, value)) = line.split_once(" = ")
            && !key.trim().contains(' ')
        {
            values.entry(key.trim()).or_insert(value.trim());
        }
    }
    let given = |key: &str| values.get(key).copied().and_then(value).map(str::to_owned);
    let private_data = given("PrivateData")
        .map(|v| {
            v.split(',')
                .map(|p| p.trim().to_ascii_lowercase())
                .filter(|p| !p.is_empty() && p != "none")
                .collect()
        })
        .unwrap_or_default();
    ControllerConfig {
        cluster_name: given("ClusterName"),
        version: given("SLURM_VERSION"),
        private_data,
        // "SlurmUser = slurm(64030)": the name alone.
        slurm_user: given("SlurmUser").map(|u| u.split('(').next().unwrap_or("").to_owned()),
    }
}

/// The records of `text`, each with its first line's number: lines that start with `start`
/// begin one, other lines continue the one before (joined with a newline).
fn records(text: &str, start: &str, none: &str) -> Result<Vec<(usize, String)>, String> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with(start) {
            out.push((i + 1, line.trim_end().to_owned()));
        } else if let Some((_, record)) = out.last_mut() {
            record.push('\n');
            record.push_str(line.trim_end());
        } else if line.trim() == none {
            return Ok(Vec::new());
        } else if !line.trim().is_empty() {
            return Err(format!("line {}: not a record: {:?}", i + 1, cut(line)));
        }
    }
    Ok(out)
}

/// A record's words as `key → value`: the head (the name, up to ` StartTime=` when it is a
/// reservation), then `Key=Value` words, then the tail from `Comment=`.
fn fields<'a>(record: &'a str, start: &'static str) -> Result<BTreeMap<&'a str, String>, String> {
    let mut out = BTreeMap::new();
    let body = &record[start.len()..];
    let (name, mut rest) = if start == "ReservationName=" {
        let at = body.find(" StartTime=").ok_or("no StartTime")?;
        (&body[..at], &body[at + 1..])
    } else {
        body.split_once(' ').unwrap_or((body, ""))
    };
    out.insert(&start[..start.len() - 1], name.to_owned());
    let mut last: Option<&str> = None;
    while !rest.is_empty() {
        let (word, next) = rest.split_once(' ').unwrap_or((rest, ""));
        if word.is_empty() {
            rest = next;
            continue;
        }
        if let Some(comment) = rest.strip_prefix("Comment=") {
            out.entry("Comment").or_insert_with(|| comment.to_owned());
            break;
        }
        match word.split_once('=') {
            Some((key, value)) if is_key(key) => {
                last = Some(key);
                out.entry(key).or_insert_with(|| value.to_owned());
            }
            // A value with a space: joined to the one before.
            _ => {
                if let Some(value) = last.and_then(|k| out.get_mut(k)) {
                    value.push(' ');
                    value.push_str(word);
                }
            }
        }
        rest = next;
    }
    Ok(out)
}

fn is_key(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn reservation(record: &str) -> Result<Reservation, String> {
    let f = fields(record, "ReservationName=")?;
    let name = f["ReservationName"].clone();
    let at = |e: String| format!("reservation {:?}: {e}", cut(&name));
    let opt = |key: &str| f.get(key).and_then(|v| value(v)).map(str::to_owned);
    let need = |key: &str| opt(key).ok_or_else(|| at(format!("no {key}")));
    let count = |key: &str| -> Result<Option<u64>, String> {
        opt(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| at(format!("{key}={v:?} is not a count")))
            })
            .transpose()
    };
    let time = |key: &str| -> Result<DateTime<Utc>, String> {
        let v = need(key)?;
        NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S")
            .map(|t| t.and_utc())
            .map_err(|_| at(format!("{key}={v:?} is not a time as scontrol writes one")))
    };
    Ok(Reservation {
        start: time("StartTime")?,
        end: time("EndTime")?,
        duration: duration::parse(&need("Duration")?).map_err(at)?,
        nodes: opt("Nodes").unwrap_or_default(),
        node_count: count("NodeCnt")?.unwrap_or(0),
        core_count: count("CoreCnt")?,
        partition: opt("PartitionName"),
        flags: opt("Flags")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        features: opt("Features"),
        users: opt("Users"),
        groups: opt("Groups"),
        accounts: opt("Accounts"),
        licenses: opt("Licenses"),
        tres: opt("TRES"),
        state: need("State")?,
        comment: f.get("Comment").cloned(),
        name,
    })
}

fn partition(record: &str) -> Result<Partition, String> {
    let f = fields(record, "PartitionName=")?;
    let name = f["PartitionName"].clone();
    let at = |e: String| format!("partition {:?}: {e}", cut(&name));
    let opt = |key: &str| f.get(key).and_then(|v| value(v)).map(str::to_owned);
    let time = |key: &str| match opt(key) {
        Some(v) => duration::parse(&v).map_err(at),
        None => Ok(SlurmTime::NotSet),
    };
    let total = opt("TotalNodes").unwrap_or_else(|| "0".to_owned());
    Ok(Partition {
        nodes: opt("Nodes").unwrap_or_default(),
        total_nodes: total
            .parse()
            .map_err(|_| at(format!("TotalNodes={total:?} is not a count")))?,
        default: opt("Default").is_some_and(|v| v.eq_ignore_ascii_case("YES")),
        default_time: time("DefaultTime")?,
        max_time: time("MaxTime")?,
        state: opt("State").unwrap_or_default(),
        name,
    })
}

/// A value, or `None` for `(null)` and the empty string.
fn value(v: &str) -> Option<&str> {
    (!v.is_empty() && v != "(null)").then_some(v)
}

/// At most 80 characters of `s`, for an error message.
fn cut(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As Debian 12's scontrol (22.05) printed them, and one with a comment (23.02 on).
    const RESERVATIONS: &str = "\
ReservationName=maint_all StartTime=2026-12-05T00:11:25 EndTime=2026-12-05T04:11:25 Duration=04:00:00 Nodes=node[001-340] NodeCnt=340 CoreCnt=340 Features=(null) PartitionName=(null) Flags=MAINT,SPEC_NODES,ALL_NODES TRES=cpu=340 Users=root Groups=(null) Accounts=(null) Licenses=(null) State=ACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)
ReservationName=a b=c StartTime=2026-12-08T00:11:35 EndTime=2026-12-08T00:21:35 Duration=00:10:00 Nodes=node005 NodeCnt=1 CoreCnt=1 Features=(null) PartitionName=(null) Flags=MAINT,SPEC_NODES TRES=cpu=1 Users=root Groups=(null) Accounts=(null) Licenses=(null) State=INACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)
ReservationName=gpu StartTime=2026-12-07T00:11:25 EndTime=2026-12-08T22:41:25 Duration=1-22:30:00 Nodes=node[001-012] NodeCnt=12 CoreCnt=12 Features=(null) PartitionName=gpu Flags=MAINT,SPEC_NODES,PART_NODES TRES=cpu=12 AllowedPartitions=(null) QOS=(null) Users=(null) Groups=(null) Accounts=root Licenses=(null) State=INACTIVE BurstBuffer=(null) MaxStartDelay=(null) Comment=Nodes=none State=odd  spaces
";

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn reservations_as_scontrol_prints_them() {
        let r = reservations(RESERVATIONS).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0],
            Reservation {
                name: "maint_all".into(),
                start: t("2026-12-05T00:11:25Z"),
                end: t("2026-12-05T04:11:25Z"),
                duration: SlurmTime::Secs(4 * 3600),
                nodes: "node[001-340]".into(),
                node_count: 340,
                core_count: Some(340),
                partition: None,
                flags: vec!["MAINT".into(), "SPEC_NODES".into(), "ALL_NODES".into()],
                features: None,
                users: Some("root".into()),
                groups: None,
                accounts: None,
                licenses: None,
                tres: Some("cpu=340".into()),
                state: "ACTIVE".into(),
                comment: None,
            }
        );
        assert_eq!(r[1].name, "a b=c");
        assert_eq!(r[1].nodes, "node005");
        assert_eq!(r[2].partition.as_deref(), Some("gpu"));
        assert_eq!(r[2].accounts.as_deref(), Some("root"));
        assert_eq!(r[2].duration, SlurmTime::Secs(86_400 + 22 * 3600 + 1800));
        assert_eq!(r[2].state, "INACTIVE");
        assert_eq!(
            r[2].comment.as_deref(),
            Some("Nodes=none State=odd  spaces")
        );
        assert!(r[2].has_flag("maint") && !r[2].has_flag("ALL_NODES"));
    }

    #[test]
    fn none_at_all() {
        assert_eq!(reservations("No reservations in the system\n"), Ok(vec![]));
        assert_eq!(reservations(""), Ok(vec![]));
        assert_eq!(partitions("No partitions in the system\n"), Ok(vec![]));
    }

    #[test]
    fn core_specs_and_a_name_across_lines() {
        let text = "ReservationName=two\nlines StartTime=2026-12-05T00:00:00 EndTime=2026-12-04T00:00:00 Duration=N/A Nodes=n[1-2] NodeCnt=2 CoreCnt=2 Features=(null) PartitionName=(null) Flags=   NodeName=n1 CoreIDs=0   NodeName=n2 CoreIDs=0 TRES=cpu=2 Users=root Groups=(null) Accounts=(null) Licenses=(null) State=INACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)\n";
        let r = reservations(text).unwrap();
        assert_eq!(r[0].name, "two\nlines");
        assert_eq!(r[0].duration, SlurmTime::NotSet);
        assert!(r[0].flags.is_empty());
        assert_eq!(r[0].tres.as_deref(), Some("cpu=2"));
    }

    #[test]
    fn mistakes_name_the_line_and_the_reservation() {
        let bad = RESERVATIONS.replace("StartTime=2026-12-07T00:11:25", "StartTime=Tomorr 00:11");
        let e = reservations(&bad).unwrap_err();
        assert!(
            e.starts_with("line 3: reservation \"gpu\": StartTime="),
            "{e}"
        );
        let e = reservations("Slurm says hello\n").unwrap_err();
        assert_eq!(e, "line 1: not a record: \"Slurm says hello\"");
        let e = reservations("ReservationName=x Duration=1\n").unwrap_err();
        assert_eq!(e, "line 1: no StartTime");
    }

    #[test]
    fn partitions_as_scontrol_prints_them() {
        let text = "\
PartitionName=batch AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=YES QoS=N/A DefaultTime=01:00:00 DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED MaxTime=7-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED Nodes=node[001-340] PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode=OFF State=UP TotalCPUs=340 TotalNodes=340 SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=340,mem=340M,node=340,billing=340
PartitionName=gpu AllowGroups=ALL Default=NO DefaultTime=NONE MaxTime=UNLIMITED Nodes=node[001-012] State=UP TotalNodes=12
";
        let p = partitions(text).unwrap();
        assert_eq!(
            p,
            [
                Partition {
                    name: "batch".into(),
                    nodes: "node[001-340]".into(),
                    total_nodes: 340,
                    default: true,
                    default_time: SlurmTime::Secs(3600),
                    max_time: SlurmTime::Secs(7 * 86_400),
                    state: "UP".into(),
                },
                Partition {
                    name: "gpu".into(),
                    nodes: "node[001-012]".into(),
                    total_nodes: 12,
                    default: false,
                    default_time: SlurmTime::NotSet,
                    max_time: SlurmTime::Unlimited,
                    state: "UP".into(),
                }
            ]
        );
    }

    #[test]
    fn the_config_lines_we_read() {
        let text = "Configuration data as of 2026-12-05T00:11:35\nAuthInfo                = socket=/run/munge/munge.socket.2\nClusterName             = alpha\nPrivateData             = accounts,Reservations\nSLURM_VERSION           = 22.05.8\n\nSlurmctld(primary) at vm is UP\n";
        let c = config(text);
        assert_eq!(c.cluster_name.as_deref(), Some("alpha"));
        assert_eq!(c.version.as_deref(), Some("22.05.8"));
        assert_eq!(c.private_data, ["accounts", "reservations"]);
        assert!(c.hides_reservations());
        let open = config("PrivateData             = none\n");
        assert!(open.private_data.is_empty() && !open.hides_reservations());
    }
}

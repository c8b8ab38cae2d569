//! Property tests: what scontrol would print of any reservation reads back as that
//! reservation, whatever its name and comment hold; coverage on a made-up cluster.

use chrono::{DateTime, Utc};

use super::duration::{self, SlurmTime};
use super::parse::{self, Partition, Reservation};
use super::{Coverage, coverage, holds_whole, touches};
use crate::rng::{Rng, cases};

/// Free text as an admin may type it: spaces (several in a row), `=`, keys, brackets,
/// non-ASCII.
fn text(rng: &mut Rng, first: bool) -> String {
    const BITS: &[&str] = &[
        "a",
        "maint",
        " ",
        "  ",
        "=",
        "b=c",
        "Nodes=",
        "State=x",
        "(null)",
        "é",
        "[1-3]",
        ",",
        "Comment=",
        "EndTime=",
        "ReservationName=",
        "x",
        "日本",
    ];
    let mut s = String::new();
    for _ in 0..1 + rng.below(8) {
        let bit: &&str = rng.pick(BITS);
        s.push_str(bit);
    }
    // A record starts with its name: the name itself is never empty or spaces at the end.
    if first && (s.trim().is_empty() || s.ends_with(' ')) {
        s.push('n');
    }
    s
}

fn time(rng: &mut Rng) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + rng.below(200_000_000) as i64, 0).unwrap()
}

fn list(rng: &mut Rng, choices: &[&str]) -> Option<String> {
    rng.chance(50).then(|| {
        (0..1 + rng.below(3))
            .map(|_| *rng.pick(choices))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn reservation(rng: &mut Rng) -> Reservation {
    let start = time(rng);
    let end = start + chrono::Duration::seconds(rng.below(30 * 86_400) as i64);
    Reservation {
        name: text(rng, true),
        start,
        end,
        duration: SlurmTime::Secs((end - start).num_seconds() as u64),
        nodes: rng.pick(&["", "node[001-012]", "n1,n[3-4]"]).to_string(),
        node_count: rng.below(500),
        core_count: Some(rng.below(5000)),
        partition: list(rng, &["gpu", "batch"]).map(|p| p.replace(',', "")),
        flags: list(rng, &["MAINT", "SPEC_NODES", "IGNORE_JOBS"])
            .map(|f| f.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        features: list(rng, &["a100", "ib&fast"]),
        users: list(rng, &["root", "alice"]),
        groups: list(rng, &["staff"]),
        accounts: list(rng, &["root", "proj1"]),
        licenses: list(rng, &["matlab:2"]),
        tres: Some(format!("cpu={}", rng.below(99))),
        state: rng.pick(&["ACTIVE", "INACTIVE"]).to_string(),
        comment: rng
            .chance(50)
            .then(|| text(rng, false).trim_end().to_owned()),
    }
}

/// The record as `slurm_sprint_reservation_info` writes it, in 22.05's shape or the later
/// one (core specs, `AllowedPartitions`, `QOS`, no `Watts`, a comment), with a key of some
/// future Slurm whose value holds a space.
fn print(r: &Reservation, rng: &mut Rng) -> String {
    let t = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "(null)".into());
    let SlurmTime::Secs(d) = r.duration else {
        unreachable!()
    };
    let mut out = format!(
        "ReservationName={} StartTime={} EndTime={} Duration={} Nodes={} NodeCnt={} CoreCnt={} Features={} PartitionName={} Flags={} ",
        r.name,
        t(r.start),
        t(r.end),
        duration::format(d),
        if r.nodes.is_empty() {
            "(null)"
        } else {
            &r.nodes
        },
        r.node_count,
        r.core_count.unwrap_or(0),
        o(&r.features),
        o(&r.partition),
        r.flags.join(","),
    );
    let later = rng.chance(50);
    if later {
        out.push_str("  NodeName=n1 CoreIDs=0-1   NodeName=n2 CoreIDs=0 ");
    }
    out.push_str(&format!("TRES={} ", o(&r.tres)));
    if later {
        out.push_str("AllowedPartitions=(null) QOS=(null) Future=two words ");
    }
    out.push_str(&format!(
        "Users={} Groups={} Accounts={} Licenses={} State={} BurstBuffer=(null){} MaxStartDelay=(null)",
        o(&r.users), o(&r.groups), o(&r.accounts), o(&r.licenses), r.state,
        if later { "" } else { " Watts=n/a" },
    ));
    if let Some(c) = &r.comment {
        out.push_str(&format!(" Comment={c}"));
    }
    out.push('\n');
    out
}

#[test]
fn any_reservation_reads_back_as_printed() {
    let mut rng = Rng::seeded(0x51_0e3);
    for case in 0..cases(500) {
        let mut r: Vec<Reservation> = (0..1 + rng.below(3))
            .map(|_| reservation(&mut rng))
            .collect();
        // A name holding " StartTime=" cannot be told apart; scontrol would print it as is.
        r.retain(|r| !r.name.contains(" StartTime="));
        let text: String = r.iter().map(|r| print(r, &mut rng)).collect();
        let read =
            parse::reservations(&text).unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        assert_eq!(read, r, "case {case}:\n{text}");
    }
}

fn part(name: &str, nodes: &str, total: u64) -> Partition {
    Partition {
        name: name.into(),
        nodes: nodes.into(),
        total_nodes: total,
        default: name == "batch",
        default_time: SlurmTime::NotSet,
        max_time: SlurmTime::Unlimited,
        state: "UP".into(),
    }
}

#[test]
fn what_a_reservation_covers() {
    let parts = [
        part("batch", "node[001-340]", 340),
        part("gpu", "node[001-012]", 12),
        part("login", "login[1-2]", 2),
    ];
    let mut rng = Rng::seeded(1);
    let mut r = reservation(&mut rng);
    r.flags = vec!["MAINT".into(), "ALL_NODES".into()];
    assert_eq!(coverage(&r, &parts), Coverage::AllNodes);
    r.flags = vec!["MAINT".into()];
    r.nodes = "login[1-2],node[001-340]".into();
    assert_eq!(coverage(&r, &parts), Coverage::AllNodes);
    r.nodes = "node[001-012]".into();
    r.partition = None;
    assert_eq!(coverage(&r, &parts), Coverage::Partition("gpu".into()));
    r.nodes = "node[001-012,020]".into();
    r.node_count = 13;
    assert_eq!(coverage(&r, &parts), Coverage::Nodes { count: 13, of: 342 });
    assert!(touches(&r, &parts[0]) && touches(&r, &parts[1]) && !touches(&r, &parts[2]));
    // It holds every node of gpu, some of batch's: only gpu's jobs wait for it.
    assert!(holds_whole(&r, &parts[1]) && !holds_whole(&r, &parts[0]));
    assert!(!holds_whole(&r, &parts[2]));
    r.nodes = "node042".into();
    assert!(touches(&r, &parts[0]) && !holds_whole(&r, &parts[0]));
    r.flags = vec!["MAINT".into(), "ALL_NODES".into()];
    assert!(parts.iter().all(|p| holds_whole(&r, p)));
    r.flags = vec!["MAINT".into()];
    r.nodes = "node[001-012]".into();
    r.partition = Some("batch".into());
    r.flags = vec!["MAINT".into(), "PART_NODES".into()];
    assert_eq!(coverage(&r, &parts), Coverage::Partition("gpu".into()));
    r.nodes = "x[0-99999999999]".into();
    assert_eq!(coverage(&r, &parts), Coverage::Partition("batch".into()));
    assert!(touches(&r, &parts[2]));
    // Too long to write out: only PART_NODES says it holds batch whole.
    assert!(holds_whole(&r, &parts[0]) && !holds_whole(&r, &parts[1]));
}

//! The job hint on caches made here: when a job crosses, fits, or starts inside a reservation,
//! chained reservations, no time limit, the default partition, a list of partitions, what
//! makes it silent, and every form of `--begin` (a named zone across its clock changes).

use super::*;
use crate::cache::{
    Cluster, ComponentRef, Counts, Item, Settings, SlurmPartition, SlurmReservation,
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Thu 4 Dec 2025, 09:30 in Berlin.
const NOW: &str = "2025-12-04T08:30:00Z";

fn berlin() -> LocalZone {
    LocalZone::named("Europe/Berlin").unwrap()
}

fn w(name: &'static str, start: &str, end: &str) -> Window<'static> {
    Window {
        name,
        start: t(start),
        end: t(end),
    }
}

const H: u64 = 3600;

#[test]
fn crossing_fitting_and_the_edges() {
    let r = [w("m", "2025-12-06T07:00:00Z", "2025-12-06T11:00:00Z")];
    let b = t(NOW);
    // 46.5 hours to the start: a job of two days crosses it and starts at its end.
    let c = crossing(&r, b, Some(48 * H)).unwrap();
    assert_eq!((c.first, c.then.len(), c.start), (r[0], 0, r[0].end));
    // Ending exactly at its start fits; a second more does not.
    let edge = 46 * H + 1800;
    assert_eq!(crossing(&r, b, Some(edge)), None);
    assert!(crossing(&r, b, Some(edge + 1)).is_some());
    // Starting exactly at its end, or inside it.
    assert_eq!(crossing(&r, r[0].end, Some(H)), None);
    let inside = crossing(&r, t("2025-12-06T10:00:00Z"), Some(60)).unwrap();
    assert_eq!(inside.start, r[0].end);
    // No limit crosses whatever lies ahead.
    assert!(crossing(&r, b, None).is_some());
    assert_eq!(crossing(&r, r[0].end, None), None);
}

#[test]
fn chained_reservations_push_the_start_past_each() {
    let r = [
        w("a", "2025-12-06T07:00:00Z", "2025-12-06T11:00:00Z"),
        w("b", "2025-12-06T12:00:00Z", "2025-12-06T14:00:00Z"),
        w("c", "2025-12-06T20:00:00Z", "2025-12-06T21:00:00Z"),
    ];
    let b = t("2025-12-06T06:00:00Z");
    // Two hours: after a, it would cross b too, then fit before c.
    let c = crossing(&r, b, Some(2 * H)).unwrap();
    assert_eq!(
        (c.first.name, c.then.clone(), c.start),
        ("a", vec![r[1]], r[1].end)
    );
    // No limit: after the last.
    let c = crossing(&r, b, None).unwrap();
    assert_eq!((c.then.len(), c.start), (2, r[2].end));
    // Half an hour fits before a.
    assert_eq!(crossing(&r, b, Some(1800)), None);
}

/// A cluster "Alpha" with a Slurm source read at `fetched`: partitions batch (the default, an
/// hour by default, seven days at most) and gpu (half an hour, no limit); `maint_dec` on every
/// node on Sat 6 Dec 08:00–12:00 CET, `gpu_fix` on gpu's nodes on Fri 5 Dec 10:00–11:00 CET,
/// `batch_late` on some of batch's on Tue 9 Dec 10:00–11:00 CET.
fn cache(fetched: &str) -> Cache {
    let item = |id: &str, from: &str, to: &str| Item {
        kind: Kind::Maintenance,
        components: vec!["slurm".into()],
        id: id.into(),
        name: format!("Slurm reservation {id}"),
        status: "reservation".into(),
        impact: "maintenance".into(),
        shortlink: None,
        started_at: Some(t(from)),
        updated_at: None,
        resolved_at: None,
        scheduled_for: Some(t(from)),
        scheduled_until: Some(t(to)),
        update: None,
    };
    let reservation = |id: &str, all_nodes, partitions: &[&str], whole: &[&str]| SlurmReservation {
        id: id.into(),
        name: id.into(),
        all_nodes,
        partitions: partitions.iter().map(|p| (*p).to_owned()).collect(),
        whole_partitions: whole.iter().map(|p| (*p).to_owned()).collect(),
        ..SlurmReservation::default()
    };
    let partition = |name: &str, default, default_time, max_time| SlurmPartition {
        name: name.into(),
        default,
        default_time,
        max_time,
        nodes: 1,
    };
    let slurm = Source {
        name: "Slurm".into(),
        provider: Provider::Slurm,
        fetched_at: Some(t(fetched)),
        items: vec![
            item("maint_dec", "2025-12-06T07:00:00Z", "2025-12-06T11:00:00Z"),
            item("gpu_fix", "2025-12-05T09:00:00Z", "2025-12-05T10:00:00Z"),
            item("batch_late", "2025-12-09T09:00:00Z", "2025-12-09T10:00:00Z"),
        ],
        slurm: Some(Box::new(SlurmInfo {
            cluster: "Alpha".into(),
            hidden: false,
            partitions: vec![
                partition("batch", true, Some(H), Some(7 * 24 * H)),
                partition("gpu", false, Some(1800), None),
            ],
            reservations: vec![
                reservation("maint_dec", true, &["batch", "gpu"], &["batch", "gpu"]),
                reservation("gpu_fix", false, &["gpu"], &["gpu"]),
                reservation("batch_late", false, &["batch"], &[]),
            ],
        })),
        ..Source::default()
    };
    Cache {
        version: crate::cache::VERSION,
        generator: String::new(),
        fetched_at: t(fetched),
        checked_at: None,
        settings: Settings::default(),
        sources: vec![slurm],
        clusters: vec![Cluster {
            name: "Alpha".into(),
            hosts: vec!["alpha-*".into()],
            components: vec![ComponentRef {
                source: 0,
                id: "slurm".into(),
            }],
            covers: Some(1),
            ..Cluster::default()
        }],
        no_cluster_omitted: Counts::default(),
        unclaimed_omitted: Counts::default(),
        motd_file: None,
        motd_view: None,
        validators: Vec::new(),
        catalogs: None,
    }
}

fn ask(c: &Cache, time: Option<&str>, partition: Option<&str>, begin: Option<&str>) -> String {
    let req = Request {
        time: time.map(str::to_owned),
        time_min: None,
        partition: partition.map(str::to_owned),
        begin: begin.map(str::to_owned),
    };
    hint(c, Some(0), &req, t(NOW), &berlin(), false).unwrap_or_default()
}

#[test]
fn the_two_lines() {
    let c = cache(NOW);
    assert_eq!(
        ask(&c, Some("2-00:00:00"), None, None),
        "motd-status: this job (--time 2-00:00:00) would cross the maintenance reservation \
         maint_dec (Sat 6 Dec 08:00–12:00 CET) on partition batch: it would start after it, at \
         Sat 6 Dec 12:00 CET.\n\
         Jobs with --time 1-22:30 or less still start before it (or add --time-min 1-22:30 to \
         let Slurm shorten this one).\n"
    );
    // A job that fits says nothing; so does one that starts after the reservation.
    assert_eq!(ask(&c, Some("1-22:30"), None, None), "");
    assert_eq!(
        ask(&c, Some("2-00:00:00"), None, Some("2025-12-06T12:00")),
        ""
    );
    // Starting inside it: when it would start, and no shorter job that fits.
    assert_eq!(
        ask(&c, Some("10"), Some("batch"), Some("2025-12-06T09:00:00")),
        "motd-status: this job (--time 00:10:00) would cross the maintenance reservation \
         maint_dec (Sat 6 Dec 08:00–12:00 CET) on partition batch: it would start after it, at \
         Sat 6 Dec 12:00 CET.\n"
    );
    // Less than a minute before it: no shorter job to suggest.
    assert_eq!(
        ask(&c, Some("5"), None, Some("2025-12-06T07:59:30"))
            .lines()
            .count(),
        1
    );
}

#[test]
fn unlimited_and_the_partitions_limits() {
    let c = cache(NOW);
    // No --time: batch's default hour fits; gpu's half hour crosses gpu_fix.
    assert_eq!(ask(&c, None, None, None), "");
    assert_eq!(
        ask(&c, None, Some("gpu"), Some("2025-12-05T09:45")),
        "motd-status: this job (--time 00:30:00, the partition's default) would cross the \
         maintenance reservation gpu_fix (Fri 5 Dec 10:00–11:00 CET) on partition gpu: it would \
         start after it, at Fri 5 Dec 11:00 CET.\n\
         Jobs with --time 0:15:00 or less still start before it (or add --time-min 0:15:00 to \
         let Slurm shorten this one).\n"
    );
    // gpu has no MaxTime: UNLIMITED (or 0) crosses both, and starts after the last.
    for time in ["UNLIMITED", "0", "infinite"] {
        let out = ask(&c, Some(time), Some("gpu"), None);
        assert!(
            out.starts_with(
                "motd-status: this job (--time UNLIMITED) would cross the maintenance \
                 reservation gpu_fix (Fri 5 Dec 10:00–11:00 CET) on partition gpu: it would start \
                 after it and maint_dec, at Sat 6 Dec 12:00 CET.\nJobs with --time 1-00:30 or less"
            ),
            "{out}"
        );
    }
    // A time Slurm would not read, or none at all: no hint.
    assert_eq!(ask(&c, Some("1h"), None, None), "");
    assert_eq!(ask(&c, Some("NONE"), None, None), "");
}

#[test]
fn a_list_of_partitions_or_an_unknown_one() {
    let mut c = cache(NOW);
    // Here batch_late holds all of batch's nodes.
    c.sources[0].slurm.as_mut().unwrap().reservations[2].whole_partitions = vec!["batch".into()];
    // Four hours from Fri 09:00: held up in gpu, not in batch, where it runs.
    let begin = Some("2025-12-05T09:00");
    assert!(!ask(&c, Some("4:00:00"), Some("gpu"), begin).is_empty());
    assert_eq!(ask(&c, Some("4:00:00"), Some("gpu,batch"), begin), "");
    // Four days: held up in both. In batch it would wait for maint_dec and batch_late (Tue),
    // in gpu for gpu_fix and maint_dec (Sat): it starts in gpu first, so gpu is named.
    let both = ask(&c, Some("4-00:00:00"), Some("batch,gpu"), None);
    assert!(
        both.starts_with(
            "motd-status: this job (--time 4-00:00:00) would cross the maintenance reservation \
             gpu_fix (Fri 5 Dec 10:00–11:00 CET) on partition gpu: it would start after it and \
             maint_dec, at Sat 6 Dec 12:00 CET.\n"
        ),
        "{both}"
    );
    let batch = ask(&c, Some("4-00:00:00"), Some("batch"), None);
    assert!(
        batch.contains("after it and batch_late, at Tue 9 Dec 11:00 CET.\n"),
        "{batch}"
    );
    // Starting as soon in either: the first named.
    let tie = ask(&c, Some("2-00:00:00"), Some("batch,gpu"), None);
    assert!(
        tie.contains(") on partition batch: it would start after it, at Sat 6 Dec 12:00 CET.\n"),
        "{tie}"
    );
    assert_eq!(ask(&c, Some("2-00:00:00"), Some("debug"), None), "");
    assert_eq!(ask(&c, Some("2-00:00:00"), Some("batch,debug"), None), "");
}

#[test]
fn a_reservation_on_some_nodes_of_a_partition_holds_up_none_of_its_jobs() {
    let mut c = cache(NOW);
    // An hour on Tue 9 Dec 09:30 CET crosses batch_late, on some of batch's nodes: Slurm
    // places the job on the others.
    let begin = Some("2025-12-09T09:30");
    assert_eq!(ask(&c, Some("1:00:00"), Some("batch"), begin), "");
    // Holding every node of batch, it holds the job up.
    let info = c.sources[0].slurm.as_mut().unwrap();
    info.reservations[2].whole_partitions = vec!["batch".into()];
    let hint = ask(&c, Some("1:00:00"), Some("batch"), begin);
    assert!(hint.contains("reservation batch_late"), "{hint}");
    // A cache written before whole_partitions: a reservation of exactly one partition's
    // nodes holds it up, as it did.
    let info = c.sources[0].slurm.as_mut().unwrap();
    info.reservations[2].whole_partitions.clear();
    info.reservations[2].partition = Some("batch".into());
    assert!(!ask(&c, Some("1:00:00"), Some("batch"), begin).is_empty());
}

#[test]
fn a_job_with_a_time_min_is_not_told_to_add_one() {
    let c = cache(NOW);
    let ask_min = |time: &str, min: &str| {
        let req = Request {
            time: Some(time.into()),
            time_min: Some(min.into()),
            ..Request::default()
        };
        hint(&c, Some(0), &req, t(NOW), &berlin(), false).unwrap_or_default()
    };
    // 46.5 hours to maint_dec: Slurm shortens a job of two days to a day and starts it now.
    assert_eq!(ask_min("2-00:00:00", "1-00:00:00"), "");
    // Not to two days: it waits, and is not told to add what it has.
    assert_eq!(
        ask_min("3-00:00:00", "2-00:00:00"),
        "motd-status: this job (--time 3-00:00:00, --time-min 2-00:00:00) would cross the \
         maintenance reservation maint_dec (Sat 6 Dec 08:00–12:00 CET) on partition batch: it \
         would start after it, at Sat 6 Dec 12:00 CET.\n\
         Jobs with --time 1-22:30 or less still start before it.\n"
    );
    // A --time-min it cannot read: no hint.
    assert_eq!(ask_min("3-00:00:00", "2d"), "");
}

#[test]
fn silent_when_the_data_cannot_be_trusted() {
    let fresh = cache(NOW);
    let job = |c: &Cache| ask(c, Some("2-00:00:00"), None, None);
    assert!(!job(&fresh).is_empty());
    // Past stale_after (an hour by default), or failed at the last run, or hidden.
    assert_eq!(job(&cache("2025-12-04T06:00:00Z")), "");
    let mut failed = cache(NOW);
    failed.sources[0].failed = Some("scontrol: not found".into());
    assert_eq!(job(&failed), "");
    let mut hidden = cache(NOW);
    hidden.sources[0].slurm.as_mut().unwrap().hidden = true;
    assert_eq!(job(&hidden), "");
    // From ahead of this host's clock: its age is unknown.
    assert_eq!(job(&cache("2025-12-04T09:30:00Z")), "");
    // A host of no cluster, a cluster of no Slurm.
    let req = Request::default();
    assert_eq!(hint(&fresh, None, &req, t(NOW), &berlin(), false), None);
    let mut other = cache(NOW);
    other.sources[0].slurm.as_mut().unwrap().cluster = "Beta".into();
    assert_eq!(job(&other), "");
    // No default partition.
    let mut none = cache(NOW);
    none.sources[0].slurm.as_mut().unwrap().partitions[0].default = false;
    assert_eq!(job(&none), "");
}

#[test]
fn every_form_of_begin() {
    let z = berlin();
    let now = t(NOW);
    let at = |s: &str| begin(Some(s), now, &z);
    let secs = |n: i64| Some(now + Duration::seconds(n));
    assert_eq!(begin(None, now, &z), Some(now));
    for s in ["now", "NOW", "Unknown"] {
        assert_eq!(at(s), Some(now), "{s}");
    }
    for (s, n) in [
        ("now+60", 60),
        ("now+90s", 90),
        ("now+2sec", 2),
        ("now+3seconds", 3),
        ("now+5m", 300),
        ("now+5min", 300),
        ("now+5minutes", 300),
        ("now+2h", 7200),
        ("now+1hour", 3600),
        ("now+2hours", 7200),
        ("now+1d", 86_400),
        ("now+1day", 86_400),
        ("now+3days", 3 * 86_400),
        ("now+1w", 7 * 86_400),
        ("now+1week", 7 * 86_400),
        ("now+2weeks", 14 * 86_400),
    ] {
        assert_eq!(at(s), secs(n), "{s}");
    }
    // Dates and times in the zone: winter, summer, and either clock change.
    assert_eq!(at("2025-12-06"), Some(t("2025-12-05T23:00:00Z")));
    assert_eq!(at("2025-12-06T10:00"), Some(t("2025-12-06T09:00:00Z")));
    assert_eq!(at("2026-07-01T10:00:30"), Some(t("2026-07-01T08:00:30Z")));
    assert_eq!(at("2026-03-29T02:30"), Some(t("2026-03-29T01:30:00Z")));
    assert_eq!(at("2026-10-25T02:30"), Some(t("2026-10-25T00:30:00Z")));
    // A time of day: today while ahead, else tomorrow (it is 09:30).
    assert_eq!(at("10:00"), Some(t("2025-12-04T09:00:00Z")));
    assert_eq!(at("09:30:00"), Some(now));
    assert_eq!(at("07:15"), Some(t("2025-12-05T06:15:00Z")));
    for s in [
        "",
        "tomorrow",
        "noon",
        "now+",
        "now+5x",
        "now-5",
        "now+1.5h",
        "2025-13-01",
        "2025-12-32",
        "2025-12-06T",
        "2025-12-06T25:00",
        "12",
        "1:2:3:4",
        "10:00 PM",
        "2025-12-06 10:00",
        "Sat 10:00",
        "now+9999999999999",
    ] {
        assert_eq!(at(s), None, "{s:?}");
    }
}

#[test]
fn a_begin_in_the_past_is_now_and_other_years_say_so() {
    let c = cache(NOW);
    assert_eq!(
        ask(&c, Some("2-00:00:00"), None, Some("2020-01-01")),
        ask(&c, Some("2-00:00:00"), None, None)
    );
    let z = berlin();
    let r = w("m", "2026-12-31T22:00:00Z", "2027-01-01T02:00:00Z");
    assert_eq!(
        window(&z, &r, t(NOW), "–"),
        "Thu 31 Dec 2026 23:00 CET – Fri 1 Jan 2027 03:00 CET"
    );
    let r = w("m", "2025-12-06T22:00:00Z", "2025-12-07T02:00:00Z");
    assert_eq!(
        window(&z, &r, t(NOW), "-"),
        "Sat 6 Dec 23:00 CET - Sun 7 Dec 03:00 CET"
    );
}

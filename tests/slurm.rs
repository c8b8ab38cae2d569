//! Slurm's reservations read with the real scontrol from a real slurmctld on loopback
//! ([`support`]): reservations on all nodes, on a partition and on some nodes, now and in two
//! days, one whose name holds spaces and `=`; partitions; the controller's config and
//! `PrivateData`; and every way scontrol fails: the controller down, munge refusing, no
//! scontrol, a scontrol that hangs or leaves a child holding its output.

mod failures;
mod hint;
mod job_hint;
mod support;
mod views;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use motd_status::testing::slurm::{
    Coverage, Reservation, Scontrol, ScontrolError, SlurmError, SlurmTime, coverage,
};
use support::{On, create_reservation, slurm, unique};

use crate::util::tempdir;

fn scontrol() -> Scontrol {
    Scontrol {
        slurm_conf: Some(support::conf().to_owned()),
        ..Scontrol::default()
    }
}

fn find(name: &str) -> Reservation {
    let all = scontrol().reservations().unwrap();
    all.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no reservation {name:?} in {all:#?}"))
        .clone()
}

/// Now, to the second, as slurmctld will see it.
fn near_now(t: DateTime<Utc>) -> bool {
    (t - Utc::now()).num_seconds().abs() < 120
}

/// A whole minute two days ahead, as scontrol reads it and as it prints it back.
fn in_two_days() -> (String, DateTime<Utc>) {
    let t = (Utc::now() + chrono::Duration::days(2))
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    (t.format("%Y-%m-%dT%H:%M:%S").to_string(), t)
}

#[test]
fn slurm_maintenance_on_all_nodes_now() {
    let name = unique("all_now");
    create_reservation(&name, "now", "4:00:00", On::AllNodes, "maint");
    let r = find(&name);
    assert!(near_now(r.start), "{r:?}");
    assert_eq!(r.end - r.start, chrono::Duration::hours(4));
    assert_eq!(r.duration, SlurmTime::Secs(4 * 3600));
    assert_eq!(r.nodes, "node[001-340]");
    assert_eq!(r.node_count, 340);
    assert_eq!(r.core_count, Some(340));
    assert_eq!(r.partition, None);
    assert_eq!(r.flags, ["MAINT", "SPEC_NODES", "ALL_NODES"]);
    assert_eq!(r.users.as_deref(), Some("root"));
    assert_eq!(
        (&r.groups, &r.accounts, &r.licenses, &r.features),
        (&None, &None, &None, &None)
    );
    assert_eq!(r.tres.as_deref(), Some("cpu=340"));
    assert_eq!(r.state, "ACTIVE");
    assert_eq!(r.comment, None);
    let partitions = scontrol().partitions().unwrap();
    assert_eq!(coverage(&r, &partitions), Coverage::AllNodes);
    support::delete_reservation(&name);
    assert!(
        scontrol()
            .reservations()
            .unwrap()
            .iter()
            .all(|r| r.name != name)
    );
}

#[test]
fn slurm_maintenance_of_a_partition_in_two_days() {
    let name = unique("gpu_later");
    let (start, at) = in_two_days();
    create_reservation(&name, &start, "1-22:30:00", On::Partition("gpu"), "maint");
    let r = find(&name);
    assert_eq!(r.start, at);
    assert_eq!(r.end, at + chrono::Duration::minutes(46 * 60 + 30));
    assert_eq!(r.duration, SlurmTime::Secs(46 * 3600 + 1800));
    assert_eq!(r.nodes, "node[001-012]");
    assert_eq!(r.node_count, 12);
    assert_eq!(r.partition.as_deref(), Some("gpu"));
    assert_eq!(r.flags, ["MAINT", "SPEC_NODES", "PART_NODES"]);
    assert_eq!(r.state, "INACTIVE");
    let partitions = scontrol().partitions().unwrap();
    assert_eq!(coverage(&r, &partitions), Coverage::Partition("gpu".into()));
}

#[test]
fn slurm_maintenance_of_some_nodes() {
    let now = unique("some_now");
    create_reservation(
        &now,
        "now",
        "90",
        On::Nodes("node[001-012,020]"),
        "maint,ignore_jobs",
    );
    let later = unique("some_later");
    let (start, at) = in_two_days();
    create_reservation(&later, &start, "30:00", On::Nodes("node[100-101]"), "maint");
    let partitions = scontrol().partitions().unwrap();

    let r = find(&now);
    assert!(near_now(r.start));
    assert_eq!(r.duration, SlurmTime::Secs(90 * 60));
    assert_eq!(r.nodes, "node[001-012,020]");
    assert_eq!(r.node_count, 13);
    assert_eq!(r.flags, ["MAINT", "IGNORE_JOBS", "SPEC_NODES"]);
    assert_eq!(r.state, "ACTIVE");
    assert_eq!(
        coverage(&r, &partitions),
        Coverage::Nodes { count: 13, of: 340 }
    );

    let r = find(&later);
    assert_eq!((r.start, r.end), (at, at + chrono::Duration::minutes(30)));
    assert_eq!(r.duration, SlurmTime::Secs(1800));
    assert_eq!(r.nodes, "node[100-101]");
    assert_eq!(
        coverage(&r, &partitions),
        Coverage::Nodes { count: 2, of: 340 }
    );
}

#[test]
fn slurm_a_name_with_spaces_and_equals() {
    // Slurm 22.05 has no reservation comment (23.02 added it, as the last field, which the
    // unit tests cover); a name is the free text it has, and it comes first.
    let name = format!("{} has  two spaces b=c StartTime", unique("odd"));
    create_reservation(&name, "now+2days", "10", On::Nodes("node007"), "maint");
    let r = find(&name);
    assert_eq!(r.name, name);
    assert_eq!(r.nodes, "node007");
    assert_eq!(r.duration, SlurmTime::Secs(600));
}

#[test]
fn slurm_times_come_in_utc_whatever_the_zone() {
    let name = unique("zone");
    create_reservation(
        &name,
        "2030-06-01T08:00:00",
        "10",
        On::Nodes("node008"),
        "maint",
    );
    // scontrol prints a time in its own zone, without an offset.
    let tokyo = support::slurm_command("scontrol", support::conf())
        .env("TZ", "JST-9")
        .env("SLURM_TIME_FORMAT", "relative")
        .args(["show", "reservation", &name, "--oneliner"])
        .output()
        .unwrap();
    let tokyo = String::from_utf8_lossy(&tokyo.stdout);
    assert!(tokyo.contains("StartTime=1 Jun 2030 EndTime="), "{tokyo}");
    // Ours pins the zone and the format, whatever the fetcher's are.
    let r = find(&name);
    assert_eq!(
        r.start,
        "2030-06-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
}

#[test]
fn slurm_partitions_and_config() {
    let p = scontrol().partitions().unwrap();
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(
        (p[0].name.as_str(), p[0].nodes.as_str()),
        ("batch", "node[001-340]")
    );
    assert_eq!(p[0].total_nodes, 340);
    assert!(p[0].default);
    assert_eq!(p[0].default_time, SlurmTime::Secs(3600));
    assert_eq!(p[0].max_time, SlurmTime::Secs(7 * 86_400));
    assert_eq!(p[0].state, "UP");
    assert_eq!(
        (p[1].name.as_str(), p[1].nodes.as_str()),
        ("gpu", "node[001-012]")
    );
    assert_eq!(p[1].total_nodes, 12);
    assert!(!p[1].default);
    assert_eq!(p[1].default_time, SlurmTime::Secs(1800));
    assert_eq!(p[1].max_time, SlurmTime::Unlimited);

    let c = scontrol().config().unwrap();
    assert_eq!(c.cluster_name.as_deref(), Some("alpha"));
    let version = support::scontrol(&["--version"]);
    let version = String::from_utf8_lossy(&version.stdout);
    assert_eq!(
        Some(
            version
                .trim()
                .trim_start_matches("slurm-wlm ")
                .trim_start_matches("slurm ")
        ),
        c.version.as_deref()
    );
    assert!(
        c.private_data.is_empty() && !c.hides_reservations(),
        "{c:?}"
    );
    // Slurm 22.05 (Debian 12's) has no --json for scontrol, 23.02 added it: the text is what
    // every version prints.
    let json = support::scontrol(&["--json", "show", "reservation"]);
    if version.contains(" 22.") {
        assert!(!json.status.success());
        assert!(String::from_utf8_lossy(&json.stderr).contains("unrecognized option '--json'"));
    }
}

/// A script in `dir` named `name` with `body`, executable.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn slurm_private_reservations_are_hidden_from_users() {
    let private = support::private_controller();
    let name = unique("private");
    support::create_reservation_at(
        &private.conf,
        &name,
        "now+1day",
        "60",
        On::Nodes("node001"),
        "maint",
    );
    let root = Scontrol {
        slurm_conf: Some(private.conf.clone()),
        ..Scontrol::default()
    };
    let c = root.config().unwrap();
    assert_eq!(c.private_data, ["reservations"]);
    assert!(c.hides_reservations());
    assert_eq!(c.cluster_name.as_deref(), Some("beta"));
    assert!(root.reservations().unwrap().iter().any(|r| r.name == name));
    // An ordinary user (the fetcher's, say) is told there are none.
    let dir = tempdir();
    let nobody = script(
        dir.path(),
        "scontrol-as-nobody",
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups scontrol \"$@\"",
    );
    let user = Scontrol {
        program: nobody,
        ..root.clone()
    };
    assert_eq!(user.reservations(), Ok(vec![]));
    assert!(user.config().unwrap().hides_reservations());
}

/// Runs `s`, checks that it ends within `limit`, and returns its error.
fn fails(s: &Scontrol, limit: Duration) -> (SlurmError, Duration) {
    let started = Instant::now();
    let e = s.reservations().expect_err("scontrol fails");
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}: {e}");
    (e, took)
}

#[test]
fn slurm_controller_down() {
    let dir = tempdir();
    // scontrol retries for MessageTimeout (10 s by default) less a second, then says so: just
    // inside the default deadline, which this test widens so that a slow machine cannot turn
    // the answer into a timeout.
    let s = Scontrol {
        slurm_conf: Some(support::down_conf(dir.path())),
        timeout: Duration::from_secs(20),
        ..Scontrol::default()
    };
    let (e, took) = fails(&s, Duration::from_secs(20));
    let SlurmError::Run(ScontrolError::ControllerDown { .. }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        e.to_string(),
        "scontrol: slurmctld is not responding: slurm_load_reservations error: Unable to \
         contact slurm controller (connect failure)"
    );
    eprintln!("a controller down: {took:?}");
}

#[test]
fn slurm_munge_refusing() {
    let dir = tempdir();
    // No munged at the socket: scontrol cannot even make a credential.
    let s = Scontrol {
        slurm_conf: Some(support::no_munge_conf(dir.path())),
        ..Scontrol::default()
    };
    let (e, _) = fails(&s, Duration::from_secs(10));
    let SlurmError::Run(ScontrolError::Munge { line, .. }) = &e else {
        panic!("{e:?}")
    };
    assert!(
        line.starts_with("scontrol: error: Munge encode failed: Failed to access")
            && line.ends_with("No such file or directory (Did you start munged?)"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("scontrol: munge refused the credential: "),
        "{e}"
    );
    // A munged with another key: slurmctld cannot read the credential and hangs up.
    let s = Scontrol {
        slurm_conf: Some(support::other_key_conf(&dir.path().join("other"))),
        ..Scontrol::default()
    };
    let (e, _) = fails(&s, Duration::from_secs(10));
    assert_eq!(
        e.to_string(),
        "scontrol: slurmctld dropped the request (slurm_load_reservations error: Zero Bytes were \
         transmitted or received); it does so when munge refuses this host's credential (a \
         munge key other than the cluster's)"
    );
}

#[test]
fn slurm_no_scontrol() {
    for program in ["/nonexistent/scontrol", "motd-status-no-such-scontrol"] {
        let s = Scontrol {
            program: program.into(),
            ..scontrol()
        };
        assert_eq!(
            s.reservations(),
            Err(SlurmError::Run(ScontrolError::NotFound {
                program: program.into()
            }))
        );
        assert_eq!(
            s.run(&["ping"]).unwrap_err().to_string(),
            format!("{program}: not found")
        );
    }
}

#[test]
fn slurm_scontrol_that_hangs_or_fails() {
    let dir = tempdir();
    let run = |body: &str, timeout_ms: u64| {
        let s = Scontrol {
            program: script(dir.path(), &unique("scontrol"), body),
            timeout: Duration::from_millis(timeout_ms),
            ..scontrol()
        };
        let started = Instant::now();
        let e = s.run(&["show", "reservation"]).expect_err("it fails");
        (e, started.elapsed())
    };
    // Sleeps: killed at the deadline.
    let (e, took) = run("sleep 30", 300);
    assert_eq!(
        e.to_string(),
        format!(
            "{} timed out after 0.3s",
            match &e {
                ScontrolError::TimedOut { program, .. } => program,
                _ => panic!("{e:?}"),
            }
        )
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Exits at once, but leaves a child holding its stdout: the child's group is killed.
    let (e, took) = run("sleep 30 &\necho ReservationName=x\nexit 0", 300);
    assert!(matches!(e, ScontrolError::TimedOut { .. }), "{e:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A child that left the group keeps the pipe: the run still ends at the deadline.
    let (e, took) = run("setsid sleep 5 &\nexit 0", 300);
    assert!(matches!(e, ScontrolError::TimedOut { .. }), "{e:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Fails: the first line on stderr, without its escape sequences.
    let (e, _) = run(
        "printf 'scontrol: error: \\033[31mno\\007 way\\n2nd line\\n' >&2\nexit 3",
        5000,
    );
    let ScontrolError::Failed { ended, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (ended.as_str(), line.as_str()),
        ("exited 3", "scontrol: error: no way")
    );
    let (e, _) = run("kill -9 $$", 5000);
    assert!(e.to_string().ends_with(" was killed by signal 9"), "{e}");
    // Floods stdout: refused past the cap, without waiting for the end.
    let (e, _) = run("head -c 9000000 /dev/zero", 5000);
    assert!(matches!(e, ScontrolError::TooMuch { .. }), "{e:?}");
}

#[test]
fn slurm_daemons_are_shared() {
    // Every test above uses the one controller: its state dir is the binary's.
    assert!(slurm().main.dir.starts_with(&slurm().dir));
    assert!(slurm().main.conf.starts_with(&slurm().main.dir));
    let out = support::scontrol(&["ping"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("is UP"));
}

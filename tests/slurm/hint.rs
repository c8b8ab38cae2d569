//! `motd-status --job-hint` through the real binary, on a cache the real fetcher made from a
//! controller of the test's own (Debian's slurmctld and munged) with maintenance reservations
//! at known times: the two lines at two clocks (the longest job that fits shrinks), a job that
//! fits, a partition and a begin time, and silence for no cache, a stale, failed or hidden
//! Slurm source and an untrusted cache; the 100 ms deadline, kept on a hung filesystem.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, DurationRound, Utc};
use serde_json::Value;

use super::support::{Controller, On, create_reservation_at, own_controller};
use crate::util::{Done, Run, tempdir};

/// A cluster of the test's own: its controller, and a cache of it the fetcher wrote.
pub struct Site {
    pub ctl: Controller,
    pub dir: PathBuf,
    /// When `maint_dec` starts (on every node, for four hours; `batch_work`, on some of batch's
    /// nodes only, starts three days later); the cache was fetched an hour or two before
    /// `maint - 48h`.
    pub maint: DateTime<Utc>,
}

impl Site {
    pub fn cache(&self) -> PathBuf {
        self.dir.join("status.json")
    }
}

pub static SITE: LazyLock<Site> = LazyLock::new(|| {
    let ctl = own_controller("hint");
    let now = Utc::now();
    let maint = now.duration_trunc(Span::hours(1)).unwrap() + Span::hours(49);
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    create_reservation_at(
        &ctl.conf,
        "maint_dec",
        &at(maint),
        "4:00:00",
        On::AllNodes,
        "maint",
    );
    // On nodes of batch that gpu does not have, three days later.
    create_reservation_at(
        &ctl.conf,
        "batch_work",
        &at(maint + Span::days(3)),
        "2:00:00",
        On::Nodes("node[100-111]"),
        "maint",
    );
    // Beside the controller, removed with it at exit.
    let dir = ctl.dir.join("site");
    std::fs::create_dir_all(&dir).unwrap();
    fetched(&fetch(
        &dir,
        &ctl.conf,
        "stale_after = \"7d\"\nexpire_after = \"30d\"\n",
        now,
    ));
    Site { ctl, dir, maint }
});

/// This machine's hostname, which the cluster's `hosts` matches too (sbatch's filter runs
/// motd-status without `--hostname`).
pub fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// A config in `dir` of one cluster "Alpha" (hosts `alpha-*` and this machine) whose Slurm is
/// `conf`, with `login` in its `[login]`; then a fetch at `now`.
fn fetch(dir: &Path, conf: &Path, login: &str, now: DateTime<Utc>) -> Done {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "cache = {:?}\n\n[login]\n{login}\n[[cluster]]\nname = \"Alpha\"\n\
             hosts = [\"alpha-*\", {:?}]\nslurm_conf = {:?}\n",
            dir.join("status.json").display().to_string(),
            this_host(),
            conf.display().to_string(),
        ),
    )
    .unwrap();
    Run::fetch()
        .env("MOTD_STATUS_NOW", iso(now))
        .arg("--config")
        .arg(&config)
        .output()
}

/// A fetch that wrote the cache, warning only that no page announces the reservations.
fn fetched(done: &Done) {
    assert_eq!(done.code(), 0, "{}", done.stderr());
    for line in done.stderr().lines() {
        assert!(
            line.ends_with(" is not announced on the status page"),
            "{line}"
        );
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `motd-status --job-hint args…` at `now`, in UTC, on `cache`.
fn hint(cache: &Path, now: DateTime<Utc>, args: &[&str]) -> Done {
    Run::display()
        .env("MOTD_STATUS_NOW", iso(now))
        .env("TZ", "UTC0")
        .args(["--job-hint", "--hostname", "alpha-login1", "--cache"])
        .arg(cache)
        .args(args)
        .output()
}

/// What a run printed, having printed nothing on stderr and exited 0.
fn said(done: &Done) -> String {
    assert_eq!((done.code(), done.stderr()), (0, String::new()));
    done.stdout()
}

/// "Sat 6 Dec 08:00" of `t`, in UTC.
fn day(t: DateTime<Utc>) -> String {
    t.format("%a %-d %b %H:%M").to_string()
}

#[test]
fn job_hint_at_two_clocks() {
    let site = &*SITE;
    let (t, end) = (site.maint, site.maint + Span::hours(4));
    let first = format!(
        "motd-status: this job (--time 2-00:00:00) would cross the maintenance reservation \
         maint_dec ({}–{} UTC) on partition batch: it would start after it, at {} UTC.\n",
        day(t),
        end.format("%H:%M"),
        day(end)
    );
    for (clock, fits) in [
        (t - Span::hours(46), "1-22:00"),
        (t - Span::minutes(30), "0:30:00"),
    ] {
        let done = hint(&site.cache(), clock, &["--time", "2-00:00:00"]);
        assert_eq!(
            said(&done),
            format!(
                "{first}Jobs with --time {fits} or less still start before it (or add \
                 --time-min {fits} to let Slurm shorten this one).\n"
            )
        );
        // The work was done within the 100 ms deadline, or nothing would have been printed.
        eprintln!("motd-status --job-hint took {:?}", done.took);
    }
    // A job that has a --time-min: counted with it, and not told to add one.
    let clock = t - Span::hours(46);
    let min = ["--time", "2-00:00:00", "--time-min", "1-00:00:00"];
    assert_eq!(said(&hint(&site.cache(), clock, &min)), "");
    let min = ["--time", "3-00:00:00", "--time-min", "2-00:00:00"];
    assert_eq!(
        said(&hint(&site.cache(), clock, &min)),
        format!(
            "{}Jobs with --time 1-22:00 or less still start before it.\n",
            first.replace("2-00:00:00)", "3-00:00:00, --time-min 2-00:00:00)")
        )
    );
    // Once it has begun: when the job would start, and no shorter job to suggest.
    let inside = hint(&site.cache(), t + Span::hours(1), &["--time", "10"]);
    assert_eq!(said(&inside), first.replace("2-00:00:00", "00:10:00"));
}

#[test]
fn job_hint_for_a_job_that_fits_says_nothing() {
    let site = &*SITE;
    let clock = site.maint - Span::hours(46);
    let later = ["--begin", "now+50h", "--time", "3-00:00:00"];
    for args in [
        &["--time", "1-22:00"][..],
        // batch's DefaultTime is an hour.
        &[],
        // From the end of maint_dec, two days fit before batch_work.
        &["--time", "2-00:00:00", "--begin", "now+50hours"],
        // Three days cross batch_work, but it holds only some of batch's nodes: Slurm runs
        // the job on the others, and gpu has none of its nodes.
        &later[..],
        &[&later[..], &["--partition", "gpu"]].concat(),
        &[&later[..], &["--partition", "batch,gpu"]].concat(),
    ] {
        assert_eq!(said(&hint(&site.cache(), clock, args)), "", "{args:?}");
    }
}

/// A copy of the site's cache in `dir` with `edit` applied to its Slurm source.
fn edited(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut cache: Value = serde_json::from_slice(&std::fs::read(SITE.cache()).unwrap()).unwrap();
    let slurm = cache["sources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["provider"] == "slurm")
        .unwrap();
    edit(slurm);
    let path = dir.join(format!("edited-{}.json", rand_name()));
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    set_mode(&path, 0o644);
    path
}

fn rand_name() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn job_hint_is_silent_when_it_cannot_know() {
    let site = &*SITE;
    let clock = site.maint - Span::hours(46);
    let job = ["--time", "2-00:00:00"];
    let dir = tempdir();
    // No cache at all.
    let none = hint(&dir.path().join("missing.json"), clock, &job);
    assert_eq!(said(&none), "");
    // The same cache, unchanged, speaks: each edit below is what silences it.
    let same = edited(dir.path(), |_| {});
    assert!(!said(&hint(&same, clock, &job)).is_empty());
    // The controller hides reservations from the fetcher; the last run failed to read them.
    let hidden = edited(dir.path(), |s| s["slurm"]["hidden"] = true.into());
    assert_eq!(said(&hint(&hidden, clock, &job)), "");
    let failed = edited(dir.path(), |s| {
        s["failed"] = "scontrol: slurmctld is not responding".into();
    });
    assert_eq!(said(&hint(&failed, clock, &job)), "");
    // Writable by others: not trusted, and not a word about it.
    let open = edited(dir.path(), |_| {});
    set_mode(&open, 0o666);
    assert_eq!(said(&hint(&open, clock, &job)), "");
    let all = Run::display()
        .arg("--all")
        .arg("--cache")
        .arg(&open)
        .output();
    assert!(
        all.stderr().contains("cache not trusted"),
        "{}",
        all.stderr()
    );
    // A host of no cluster, and a partition the cluster does not have.
    let elsewhere = Run::display()
        .env("MOTD_STATUS_NOW", iso(clock))
        .args([
            "--job-hint",
            "--hostname",
            "beta-login1",
            "--time",
            "2-00:00:00",
            "--cache",
        ])
        .arg(site.cache())
        .output();
    assert_eq!(said(&elsewhere), "");
    assert_eq!(
        said(&hint(&site.cache(), clock, &["--partition", "debug"])),
        ""
    );
    // Arguments it cannot read: silence too, and exit 0.
    assert_eq!(said(&hint(&site.cache(), clock, &["--time", "2 days"])), "");
    assert_eq!(
        said(&hint(&site.cache(), clock, &["--begin", "teatime"])),
        ""
    );
    assert_eq!(said(&hint(&site.cache(), clock, &["--bogus"])), "");
}

#[test]
fn job_hint_is_silent_on_a_stale_slurm_source() {
    // A cache of its own, with the default stale_after (an hour).
    let site = &*SITE;
    let dir = tempdir();
    let fetched = site.maint - Span::hours(48);
    self::fetched(&fetch(dir.path(), &site.ctl.conf, "", fetched));
    let cache = dir.path().join("status.json");
    let job = ["--time", "3-00:00:00"];
    assert!(!said(&hint(&cache, fetched + Span::minutes(30), &job)).is_empty());
    assert_eq!(said(&hint(&cache, fetched + Span::hours(2), &job)), "");
}

#[test]
fn job_hint_keeps_its_deadline_on_a_hung_filesystem() {
    let mut mount = crate::login::StalledMount::start();
    let cache = mount.dir().join("status.json");
    mount.freeze();
    let run = |extra: &[&str]| {
        Run::display()
            .args(["--job-hint", "--time", "2-00:00:00", "--cache"])
            .arg(&cache)
            .args(extra)
    };
    let limit = Duration::from_secs(5);
    let done = mount.run(run(&[]), limit);
    assert_eq!(
        (done.code(), done.stdout(), done.stderr()),
        (0, String::new(), String::new())
    );
    assert!(
        done.took >= Duration::from_millis(100) && done.took < Duration::from_millis(500),
        "--job-hint took {:?}; the deadline is 100 ms",
        done.took
    );
    let longer = mount.run(run(&["--deadline", "300ms"]), limit);
    assert_eq!((longer.code(), longer.stdout()), (0, String::new()));
    assert!(
        longer.took >= Duration::from_millis(300),
        "{:?}",
        longer.took
    );
}

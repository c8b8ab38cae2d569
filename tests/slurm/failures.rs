//! When Slurm cannot be asked: slurmctld stopped, no scontrol, an scontrol that hangs. The
//! status page's part is written as usual, the Slurm part keeps its last good data with its own
//! age (the login says how old it is, like the stale line of any source), the run logs one
//! clear line and exits 1, and `--status` and the metrics name the Slurm source.

use std::path::{Path, PathBuf};
use std::time::{Duration as Wall, Instant};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::support::{On, create_reservation_at, own_controller};
use crate::server::{Reply, Server};
use crate::util::{Run, tempdir};

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A page with one maintenance of the cluster's component, titled `title`.
fn page(server: &Server, title: &str, at: DateTime<Utc>) {
    let summary = json!({
        "page": {"id": "slurmfail001", "name": "HPC status", "url": "https://status.hpc.example", "time_zone": "Etc/UTC"},
        "components": [
            {"id": "agroup000001", "name": "Alpha Cluster", "status": "operational", "group": true, "components": ["anodes000001"]},
            {"id": "anodes000001", "name": "Compute nodes", "status": "operational", "group": false, "group_id": "agroup000001"}
        ],
        "incidents": [],
        "scheduled_maintenances": [{"id": "pagemaint001", "name": title, "status": "scheduled",
            "impact": "maintenance", "created_at": iso(at - Duration::days(1)), "updated_at": iso(at - Duration::days(1)),
            "scheduled_for": iso(at), "scheduled_until": iso(at + Duration::hours(2)),
            "components": [{"id": "anodes000001", "name": "Compute nodes", "status": "operational"}],
            "incident_updates": []}],
    });
    server.route("/api/v2/summary.json", Reply::json(summary.to_string()));
    server.route(
        "/api/v2/incidents.json",
        Reply::json(json!({"incidents": []}).to_string()),
    );
}

struct Site {
    dir: tempfile::TempDir,
    server: Server,
}

impl Site {
    fn new() -> Site {
        Site {
            dir: tempdir(),
            server: Server::start(),
        }
    }

    /// The config: the page, and cluster Alpha's Slurm through `conf` with `[slurm] extra`.
    fn config(&self, conf: &Path, slurm: &str) -> PathBuf {
        let d = self.dir.path();
        let path = d.join("config.toml");
        std::fs::write(
            &path,
            format!(
                "page = {:?}\ncache = {:?}\nmetrics_file = {:?}\n\n[slurm]\n{slurm}\n\n\
                 [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"alpha-*\"]\nslurm_conf = {:?}\n",
                self.server.url(),
                d.join("status.json").display().to_string(),
                d.join("metrics.prom").display().to_string(),
                conf.display().to_string(),
            ),
        )
        .unwrap();
        path
    }

    fn fetch(&self, cfg: &Path, now: DateTime<Utc>, args: &[&str]) -> crate::util::Done {
        Run::fetch()
            .env("MOTD_STATUS_NOW", iso(now))
            .env("TZ", "UTC0")
            .args(args)
            .arg("--config")
            .arg(cfg)
            .output()
    }

    fn cache(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.dir.path().join("status.json")).unwrap())
            .unwrap()
    }

    fn login(&self, now: DateTime<Utc>) -> String {
        Run::display()
            .env("MOTD_STATUS_NOW", iso(now))
            .env("TZ", "UTC0")
            .args([
                "--login",
                "--color",
                "never",
                "--width",
                "200",
                "--hostname",
                "alpha-1",
            ])
            .arg("--cache")
            .arg(self.dir.path().join("status.json"))
            .success()
            .stdout()
    }
}

/// A good first fetch: the page's maintenance and the reservation `name`, a day ahead.
fn first(site: &Site, cfg: &Path, name: &str, now: DateTime<Utc>, conf: &Path) {
    let day = now + Duration::days(1);
    create_reservation_at(
        conf,
        name,
        iso(day).trim_end_matches('Z'),
        "2:00:00",
        On::AllNodes,
        "maint",
    );
    page(&site.server, "Cluster upgrade", day + Duration::hours(6));
    let d = site.fetch(cfg, now, &[]);
    assert_eq!(d.code(), 0, "{}", d.stderr());
    let items = &site.cache()["sources"][1]["items"];
    assert_eq!(items[0]["id"], format!("slurm:{name}"), "{items}");
}

/// After Slurm failed at `later`: one error line, the page refreshed, Slurm's last good data
/// kept and said to be old, and --status and the metrics naming it.
fn kept(
    site: &Site,
    cfg: &Path,
    d: &crate::util::Done,
    why: &str,
    name: &str,
    later: DateTime<Utc>,
) {
    assert_eq!(d.code(), 1, "{}", d.stderr());
    let stderr = d.stderr();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{}", d.stderr());
    assert!(
        errors[0].starts_with(&format!("motd-status-fetch: error: Slurm of Alpha: {why}"))
            && errors[0].ends_with("(its last good data is kept)"),
        "{}",
        errors[0]
    );
    let cache = site.cache();
    assert_eq!(
        cache["sources"][0]["items"][0]["name"],
        "Cluster upgrade, moved"
    );
    let slurm = &cache["sources"][1];
    assert!(slurm["failed"].as_str().unwrap().contains(why), "{slurm}");
    assert_eq!(slurm["items"][0]["id"], format!("slurm:{name}"));
    let login = site.login(later);
    assert!(
        login.contains(&format!("  PLANNED   Slurm reservation {name}\n")),
        "{login}"
    );
    assert!(
        login.contains("\nSlurm of Alpha: status as of 2 hours ago\n"),
        "{login}"
    );
    assert!(login.contains("Cluster upgrade, moved"), "{login}");
    let status = site.fetch(cfg, later, &["--status"]);
    assert!(
        status
            .stdout()
            .contains("Slurm of Alpha: status 2 hours old, past stale_after"),
        "{}",
        status.stdout()
    );
    let metrics = std::fs::read_to_string(site.dir.path().join("metrics.prom")).unwrap();
    assert!(
        metrics.contains("motd_status_source_failed{source=\"Slurm of Alpha\"} 1"),
        "{metrics}"
    );
}

#[test]
fn slurm_controller_stopped_keeps_the_reservations_and_their_age() {
    let ctl = own_controller("stopped");
    let site = Site::new();
    let cfg = site.config(&ctl.conf, "timeout = \"30s\"");
    let now = Utc::now();
    first(&site, &cfg, "maint_stop", now, &ctl.conf);
    // slurmctld stopped for real.
    let pid: i32 = std::fs::read_to_string(ctl.dir.join("slurmctld.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let started = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && started.elapsed() < Wall::from_secs(20)
    {
        std::thread::sleep(Wall::from_millis(50));
    }
    let later = now + Duration::hours(2);
    page(
        &site.server,
        "Cluster upgrade, moved",
        now + Duration::days(1) + Duration::hours(6),
    );
    let d = site.fetch(&cfg, later, &[]);
    kept(
        &site,
        &cfg,
        &d,
        "scontrol: slurmctld is not responding",
        "maint_stop",
        later,
    );
}

#[test]
fn slurm_without_scontrol_or_with_one_that_hangs() {
    let ctl = own_controller("noscontrol");
    let site = Site::new();
    let now = Utc::now();
    let later = now + Duration::hours(2);
    let good = site.config(&ctl.conf, "");
    first(&site, &good, "maint_gone", now, &ctl.conf);
    page(
        &site.server,
        "Cluster upgrade, moved",
        now + Duration::days(1) + Duration::hours(6),
    );
    let missing = site.config(&ctl.conf, "scontrol = \"/nonexistent/bin/scontrol\"");
    let d = site.fetch(&missing, later, &[]);
    kept(
        &site,
        &missing,
        &d,
        "/nonexistent/bin/scontrol: not found",
        "maint_gone",
        later,
    );

    // One that never answers: killed at the timeout, the run goes on.
    let script = site.dir.path().join("scontrol-hangs");
    std::fs::write(&script, "#!/bin/sh\nsleep 60\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let hangs = site.config(
        &ctl.conf,
        &format!(
            "scontrol = {:?}\ntimeout = \"1s\"",
            script.display().to_string()
        ),
    );
    let started = Instant::now();
    let d = site.fetch(&hangs, later, &[]);
    assert!(
        started.elapsed() < Wall::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    kept(
        &site,
        &hangs,
        &d,
        &format!("{} timed out after 1s", script.display()),
        "maint_gone",
        later,
    );
}

#[test]
fn slurm_private_reservations_are_said_to_be_hidden() {
    let private = super::support::private_controller();
    let name = super::support::unique("hidden");
    create_reservation_at(
        &private.conf,
        &name,
        "now+1day",
        "60",
        On::Nodes("node001"),
        "maint",
    );
    // The fetcher as an ordinary user (nobody), everything it needs in a directory of its own.
    let site = Site::new();
    let d = site.dir.path();
    std::os::unix::fs::chown(d, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let fetch = d.join("motd-status-fetch");
    std::fs::copy(crate::util::fetch_bin(), &fetch).unwrap();
    page(
        &site.server,
        "Cluster upgrade",
        Utc::now() + Duration::days(2),
    );
    let cfg = site.config(&private.conf, "");
    let as_nobody = |args: &[&str]| {
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&fetch)
            .args(args)
            .arg("--config")
            .arg(&cfg)
            .env("TZ", "UTC0")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let said = "motd-status-fetch: warning: cluster \"Alpha\": Slurm hides its reservations from \
                this user (PrivateData=reservations in slurm.conf): nothing can be checked or shown\n";
    let (code, err) = as_nobody(&["--check"]);
    assert_eq!((code, err.as_str()), (Some(0), said));
    let (code, err) = as_nobody(&[]);
    assert_eq!((code, err.as_str()), (Some(0), said));
    let slurm = &site.cache()["sources"][1];
    assert_eq!(slurm["slurm"]["hidden"], true, "{slurm}");
    assert_eq!(slurm["items"], json!([]));
    // A site whose service user sees every reservation (an operator, or named in each) says
    // so: nothing is hidden and nothing is said.
    let cfg = site.config(&private.conf, "sees_all_reservations = true");
    let as_nobody = |args: &[&str]| {
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&fetch)
            .args(args)
            .arg("--config")
            .arg(&cfg)
            .env("TZ", "UTC0")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // (Here it is not named in the reservation: what it sees is taken as all there is, and
    // the drift check runs on it.)
    for args in [&["--check"][..], &[]] {
        let (code, err) = as_nobody(args);
        assert_eq!(code, Some(0), "{err}");
        assert!(!err.contains("hides"), "{err}");
        assert!(
            err.contains("no Slurm reservation for \"Cluster upgrade\""),
            "{err}"
        );
    }
    let slurm = &site.cache()["sources"][1];
    assert_eq!(slurm["slurm"]["hidden"], false, "{slurm}");
    // Root sees them, hidden or not.
    let d = site.fetch(&cfg, Utc::now(), &[]);
    assert_eq!(d.code(), 0, "{}", d.stderr());
    let slurm = &site.cache()["sources"][1];
    assert_eq!(slurm["slurm"]["hidden"], false, "{slurm}");
    assert_eq!(slurm["items"][0]["id"], format!("slurm:{name}"));
}

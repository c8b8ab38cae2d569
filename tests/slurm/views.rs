//! Slurm's maintenance reservations at login, through the real path: a controller of the
//! test's own (Debian's slurmctld and munged), reservations made with `scontrol create
//! reservation ... flags=maint` (all nodes, a partition, some nodes; now and days ahead), a
//! status page on loopback with a matching, a shifted and a missing maintenance, and the real
//! fetcher and login: the cache, the text, JSON and Markdown views, the joined entry, the job
//! length hint at two clocks, and every drift line.

use std::path::Path;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use super::support::{On, create_reservation_at, own_controller};
use crate::server::{Reply, Server};
use crate::util::{Run, tempdir};

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A page whose group "Alpha Cluster" has one component, and `maintenances`.
fn page(server: &Server, maintenances: Vec<Value>) {
    let summary = json!({
        "page": {"id": "slurmpage001", "name": "HPC status", "url": "https://status.hpc.example", "time_zone": "Etc/UTC"},
        "components": [
            {"id": "agroup000001", "name": "Alpha Cluster", "status": "operational", "group": true, "components": ["anodes000001"]},
            {"id": "anodes000001", "name": "Compute nodes", "status": "operational", "group": false, "group_id": "agroup000001"}
        ],
        "incidents": [],
        "scheduled_maintenances": maintenances,
    });
    server.route("/api/v2/summary.json", Reply::json(summary.to_string()));
    server.route(
        "/api/v2/incidents.json",
        Reply::json(json!({"incidents": []}).to_string()),
    );
}

fn maintenance(id: &str, name: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    json!({"id": id, "name": name, "status": "scheduled", "impact": "maintenance",
        "shortlink": format!("https://stspg.io/{id}"),
        "created_at": iso(from - Duration::days(3)), "updated_at": iso(from - Duration::days(3)),
        "scheduled_for": iso(from), "scheduled_until": iso(to),
        "components": [{"id": "anodes000001", "name": "Compute nodes", "status": "operational"}],
        "incident_updates": []})
}

fn config(dir: &Path, server: &Server, conf: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "page = {:?}\ncache = {:?}\n{extra}\n[login]\nstale_after = \"7d\"\nexpire_after = \"30d\"\n\n\
             [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"alpha-*\"]\nslurm_conf = {:?}\n",
            server.url(),
            dir.join("status.json").display().to_string(),
            conf.display().to_string(),
        ),
    )
    .unwrap();
    path
}

fn show(dir: &Path, now: DateTime<Utc>, args: &[&str]) -> String {
    Run::display()
        .env("MOTD_STATUS_NOW", iso(now))
        .env("TZ", "UTC0")
        .args([
            "--color",
            "never",
            "--width",
            "200",
            "--hostname",
            "alpha-login1",
            "--cache",
        ])
        .arg(dir.join("status.json"))
        .args(args)
        .success()
        .stdout()
}

#[test]
fn slurm_reservations_at_login() {
    let ctl = own_controller("views");
    let now = Utc::now();
    // Two days ahead, on the hour: the all-nodes maintenance.
    let t = now.duration_trunc(Duration::hours(1)).unwrap() + Duration::hours(49);
    let c = &ctl.conf;
    create_reservation_at(
        c,
        "maint_all",
        iso(t).trim_end_matches('Z'),
        "4:00:00",
        On::AllNodes,
        "maint",
    );
    let gpu = t + Duration::days(1);
    create_reservation_at(
        c,
        "maint_gpu",
        iso(gpu).trim_end_matches('Z'),
        "4:00:00",
        On::Partition("gpu"),
        "maint",
    );
    let some = t + Duration::days(2);
    create_reservation_at(
        c,
        "maint_some",
        iso(some).trim_end_matches('Z'),
        "2:00:00",
        On::Nodes("node[100-111]"),
        "maint",
    );
    create_reservation_at(
        c,
        "maint_now",
        "now",
        "4-00:00:00",
        On::Nodes("node[200-209]"),
        "maint",
    );
    create_reservation_at(
        c,
        "not_maint",
        iso(t).trim_end_matches('Z'),
        "1:00:00",
        On::Nodes("node[300-301]"),
        "ignore_jobs",
    );

    let server = Server::start();
    page(
        &server,
        vec![
            // Matching maint_all, half an hour later: one entry, and the times differ.
            maintenance(
                "pageall00001",
                "Cluster-wide upgrade",
                t + Duration::minutes(30),
                t + Duration::hours(4),
            ),
            // Three hours off maint_gpu: two events, neither announced where the other is.
            maintenance(
                "pagegpu00001",
                "GPU driver update",
                gpu + Duration::hours(3),
                gpu + Duration::hours(7),
            ),
            // Exactly maint_some.
            maintenance(
                "pagesome0001",
                "Rack 3 power work",
                some,
                some + Duration::hours(2),
            ),
        ],
    );
    let dir = tempdir();
    let cfg = config(dir.path(), &server, c, "");
    let fetched = fetch(&cfg, now);
    assert_eq!(fetched.code(), 0, "{}", fetched.stderr());
    // Every drift, once, in the run's log.
    let window = |a: DateTime<Utc>, b: DateTime<Utc>| {
        format!("{}–{} UTC", a.format("%a %-d %b %H:%M"), b.format("%H:%M"))
    };
    let drift = [
        "reservation maint_now is not announced on the status page".to_owned(),
        format!(
            "times differ for \"Cluster-wide upgrade\": page {}, Slurm {}",
            window(t + Duration::minutes(30), t + Duration::hours(4)),
            window(t, t + Duration::hours(4))
        ),
        "reservation maint_gpu is not announced on the status page".to_owned(),
        format!(
            "no Slurm reservation for \"GPU driver update\" {}",
            window(gpu + Duration::hours(3), gpu + Duration::hours(7))
        ),
    ]
    .map(|l| format!("motd-status-fetch: warning: cluster \"Alpha\": {l}\n"))
    .concat();
    assert_eq!(fetched.stderr(), drift);
    let check = fetch_args(&cfg, now, &["--check"]);
    assert_eq!((check.code(), check.stderr()), (0, drift.clone()));

    // The cache: a source of its own, its partitions and the maintenance reservations only.
    let cache: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("status.json")).unwrap()).unwrap();
    let slurm = &cache["sources"][1];
    assert_eq!(
        (slurm["provider"].as_str(), slurm["name"].as_str()),
        (Some("slurm"), Some("Slurm of Alpha"))
    );
    assert_eq!(slurm["slurm"]["cluster"], "Alpha");
    assert_eq!(slurm["slurm"]["hidden"], false);
    assert_eq!(
        slurm["slurm"]["partitions"],
        json!([
            {"name": "batch", "default": true, "default_time": 3600, "max_time": 604800, "nodes": 340},
            {"name": "gpu", "default": false, "default_time": 1800, "max_time": null, "nodes": 12}
        ])
    );
    // Which partitions' jobs wait for each: those whose every node it holds.
    let whole: Vec<&Value> = slurm["slurm"]["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["whole_partitions"])
        .collect();
    assert_eq!(
        whole,
        [
            &json!(["batch", "gpu"]),
            &json!(["gpu"]),
            &json!([]),
            &json!([])
        ]
    );
    let ids: Vec<&str> = slurm["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "slurm:maint_all",
            "slurm:maint_gpu",
            "slurm:maint_now",
            "slurm:maint_some"
        ]
    );

    // Two days ahead, and half an hour before the all-nodes maintenance.
    for (clock, hints) in [
        (t - Duration::hours(46), ["1-22:00", "2-22:00"]),
        (t - Duration::minutes(30), ["0:30:00", "1-00:30"]),
    ] {
        let text = show(dir.path(), clock, &[]);
        let login = show(dir.path(), clock, &["--login"]);
        for out in [&text, &login] {
            // One entry per event: seven maintenances, two of them joined.
            assert!(
                out.starts_with("Status of Alpha: 5 maintenances\n"),
                "{out}"
            );
            for want in [
                "  MAINT     Slurm reservation maint_now\n".to_owned(),
                " days) · 10 of 340 nodes\n".to_owned(),
                "  PLANNED   Cluster-wide upgrade (scheduled)\n".to_owned(),
                format!(
                    "            Slurm reservation maint_all (all nodes): jobs with --time over {} will wait until it ends\n",
                    hints[0]
                ),
                "  PLANNED   Slurm reservation maint_gpu\n".to_owned(),
                format!(
                    ") · partition gpu\n            jobs with --time over {} will wait until it ends\n",
                    hints[1]
                ),
                "  PLANNED   GPU driver update (scheduled)\n".to_owned(),
                // On some nodes only: Slurm places jobs on the others, nothing waits.
                "            Slurm reservation maint_some (12 of 340 nodes)\n".to_owned(),
            ] {
                assert!(out.contains(&want), "{want:?} not in\n{out}");
            }
            assert!(!out.contains("not_maint"), "{out}");
            assert_eq!(out.matches("Slurm reservation").count(), 4, "{out}");
        }
    }

    // JSON: a reservation of its own is kind "reservation", known by its name; a joined one
    // rides on the page's maintenance.
    let json: Value = serde_json::from_str(&show(
        dir.path(),
        t - Duration::hours(46),
        &["--format", "json"],
    ))
    .unwrap();
    let items: Vec<(String, String, Option<String>, Option<String>)> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let r = &i["reservation"];
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().to_owned(),
                r["name"].as_str().map(str::to_owned),
                r["longest_job"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let o = |s: &str| Some(s.to_owned());
    assert_eq!(
        items,
        [
            (
                "reservation".into(),
                "maint_now".into(),
                o("maint_now"),
                None
            ),
            (
                "maintenance".into(),
                "pageall00001".into(),
                o("maint_all"),
                o("1-22:00")
            ),
            (
                "reservation".into(),
                "maint_gpu".into(),
                o("maint_gpu"),
                o("2-22:00")
            ),
            ("maintenance".into(), "pagegpu00001".into(), None, None),
            (
                "maintenance".into(),
                "pagesome0001".into(),
                o("maint_some"),
                None
            ),
        ]
    );
    let gpu_json = &json["items"][2]["reservation"];
    assert_eq!(
        (
            &gpu_json["nodes"],
            &gpu_json["partition"],
            &gpu_json["covers"],
            &gpu_json["start"],
            &gpu_json["end"]
        ),
        (
            &json!("node[001-012]"),
            &json!("gpu"),
            &json!("partition gpu"),
            &json!(iso(gpu)),
            &json!(iso(gpu + Duration::hours(4)))
        )
    );
    let md = show(
        dir.path(),
        t - Duration::hours(46),
        &["--format", "markdown"],
    );
    assert!(
        md.contains("Affects: Alpha Cluster / Compute nodes. Slurm reservation maint\\_all \\(all nodes\\): jobs with \\-\\-time over 1\\-22:00 will wait until it ends\n"),
        "{md}"
    );
    assert!(
        md.contains("- **PLANNED** Slurm reservation maint\\_gpu — "),
        "{md}"
    );
}

#[test]
fn slurm_one_announced_maintenance_reserved_per_node_set() {
    let ctl = own_controller("joins");
    let now = Utc::now();
    let t = now.duration_trunc(Duration::hours(1)).unwrap() + Duration::hours(49);
    // One maintenance, reserved in two parts: gpu's nodes, and the rest of batch's.
    for (name, on) in [
        ("maint_gpu", On::Partition("gpu")),
        ("maint_rest", On::Nodes("node[013-340]")),
    ] {
        let at = iso(t);
        create_reservation_at(
            &ctl.conf,
            name,
            at.trim_end_matches('Z'),
            "4:00:00",
            on,
            "maint",
        );
    }
    let server = Server::start();
    let upgrade = maintenance("pageall00001", "Cluster upgrade", t, t + Duration::hours(4));
    page(&server, vec![upgrade]);
    let dir = tempdir();
    let cfg = config(dir.path(), &server, &ctl.conf, "");
    // Both are the announced event: no drift.
    let fetched = fetch(&cfg, now);
    assert_eq!((fetched.code(), fetched.stderr()), (0, String::new()));
    let check = fetch_args(&cfg, now, &["--check"]);
    assert_eq!((check.code(), check.stderr()), (0, String::new()));
    // One entry naming both; only gpu's jobs are held up (maint_rest leaves gpu's nodes).
    let clock = t - Duration::hours(46);
    let text = show(dir.path(), clock, &[]);
    assert!(
        text.starts_with("Status of Alpha: 1 maintenance\n"),
        "{text}"
    );
    let line = "            Slurm reservations maint_gpu (partition gpu), maint_rest (328 of 340 \
                nodes): jobs in partition gpu with --time over 1-22:00 will wait until it ends\n";
    assert!(text.contains(line), "{text}");
    // JSON: the first as `reservation`, every one in `reservations`.
    let json: Value =
        serde_json::from_str(&show(dir.path(), clock, &["--format", "json"])).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{json}");
    assert_eq!(items[0]["reservation"]["name"], "maint_gpu");
    let all: Vec<(&Value, &Value, &Value)> = items[0]["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (&r["name"], &r["whole_partitions"], &r["longest_job"]))
        .collect();
    assert_eq!(
        all,
        [
            (&json!("maint_gpu"), &json!(["gpu"]), &json!("1-22:00")),
            (&json!("maint_rest"), &json!([]), &Value::Null),
        ]
    );
}

fn fetch(cfg: &Path, now: DateTime<Utc>) -> crate::util::Done {
    fetch_args(cfg, now, &[])
}

fn fetch_args(cfg: &Path, now: DateTime<Utc>, args: &[&str]) -> crate::util::Done {
    Run::fetch()
        .env("MOTD_STATUS_NOW", iso(now))
        .env("TZ", "UTC0")
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
}

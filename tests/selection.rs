//! The selection rules, one scenario each, on a page written in the real v2 shape.

use std::path::Path;

use serde_json::{Value, json};

use crate::util::{Run, assert_eq, tempdir, write_config, write_page};

const PAGE_ID: &str = "scenario0001";

fn component(id: &str, name: &str, status: &str, group_id: Option<&str>) -> Value {
    json!({
        "id": id, "name": name, "status": status,
        "created_at": "2025-01-01T00:00:00.000+01:00", "updated_at": "2026-11-26T08:00:00.000+01:00",
        "position": 1, "description": null, "showcase": true, "start_date": null,
        "group_id": group_id, "page_id": PAGE_ID, "group": false, "only_show_if_degraded": false
    })
}

fn group(id: &str, name: &str, children: &[&str]) -> Value {
    json!({
        "id": id, "name": name, "status": "operational",
        "created_at": "2025-01-01T00:00:00.000+01:00", "updated_at": "2026-11-26T08:00:00.000+01:00",
        "position": 1, "description": null, "showcase": false, "start_date": null,
        "group_id": null, "page_id": PAGE_ID, "group": true, "only_show_if_degraded": false,
        "components": children
    })
}

struct It<'a> {
    id: &'a str,
    status: &'a str,
    impact: &'a str,
    comps: &'a [&'a str],
    started: &'a str,
    resolved: Option<&'a str>,
    window: Option<(&'a str, &'a str)>,
}

fn item(i: &It<'_>, all: &[Value]) -> Value {
    let comps: Vec<Value> = i
        .comps
        .iter()
        .map(|id| all.iter().find(|c| c["id"] == *id).unwrap().clone())
        .collect();
    let mut v = json!({
        "id": i.id, "name": format!("Item {}", i.id), "status": i.status,
        "created_at": i.started, "updated_at": i.started, "monitoring_at": null,
        "resolved_at": i.resolved, "impact": i.impact,
        "shortlink": format!("https://stspg.io/{}", i.id), "started_at": i.started, "page_id": PAGE_ID,
        "incident_updates": [{
            "id": format!("u{}", i.id), "status": i.status, "body": format!("Update on {}", i.id),
            "incident_id": i.id, "created_at": i.started, "updated_at": i.started, "display_at": i.started,
            "affected_components": null, "deliver_notifications": true, "custom_tweet": null, "tweet_id": null
        }],
        "components": comps
    });
    if let Some((from, until)) = i.window {
        v["scheduled_for"] = json!(from);
        v["scheduled_until"] = json!(until);
    }
    v
}

/// The scenario page, at the tests' clock (Thu 26 Nov 2026 09:30 CET).
fn scenario_page(dir: &Path) {
    let comps = vec![
        group(
            "galpha000001",
            "Alpha Cluster",
            &["ca1login0001", "ca1gpu000001", "ca1store0001"],
        ),
        component(
            "ca1login0001",
            "Login nodes",
            "under_maintenance",
            Some("galpha000001"),
        ),
        component(
            "ca1gpu000001",
            "GPU",
            "degraded_performance",
            Some("galpha000001"),
        ),
        component(
            "ca1store0001",
            "Storage",
            "degraded_performance",
            Some("galpha000001"),
        ),
        group(
            "gbeta0000001",
            "Beta Cluster",
            &["cb2login0001", "cb2scratch01"],
        ),
        component(
            "cb2login0001",
            "Login nodes",
            "operational",
            Some("gbeta0000001"),
        ),
        component(
            "cb2scratch01",
            "Scratch",
            "partial_outage",
            Some("gbeta0000001"),
        ),
        component("cweb00000001", "Website", "major_outage", None),
    ];
    let t = |s: &'static str| s;
    let items = [
        It {
            id: "inc_a",
            status: "investigating",
            impact: "major",
            comps: &["ca1gpu000001"],
            started: t("2026-11-26T08:00:00.000+01:00"),
            resolved: None,
            window: None,
        },
        It {
            id: "inc_b",
            status: "identified",
            impact: "minor",
            comps: &["cb2scratch01"],
            started: t("2026-11-26T09:00:00.000+01:00"),
            resolved: None,
            window: None,
        },
        It {
            id: "inc_u",
            status: "monitoring",
            impact: "minor",
            comps: &[],
            started: t("2026-11-25T12:00:00.000+01:00"),
            resolved: None,
            window: None,
        },
        It {
            id: "r_recent",
            status: "resolved",
            impact: "major",
            comps: &["cb2login0001"],
            started: t("2026-11-25T07:00:00.000+01:00"),
            resolved: Some("2026-11-25T09:00:00.000+01:00"),
            window: None,
        },
        It {
            id: "r_old",
            status: "postmortem",
            impact: "major",
            comps: &["ca1login0001"],
            started: t("2026-11-20T07:00:00.000+01:00"),
            resolved: Some("2026-11-21T09:00:00.000+01:00"),
            window: None,
        },
    ];
    let maints = [
        It {
            id: "m_now",
            status: "in_progress",
            impact: "maintenance",
            comps: &["ca1login0001"],
            started: t("2026-11-20T10:00:00.000+01:00"),
            resolved: None,
            window: Some((
                "2026-11-26T08:00:00.000+01:00",
                "2026-11-26T12:00:00.000+01:00",
            )),
        },
        It {
            id: "m_done",
            status: "completed",
            impact: "maintenance",
            comps: &["ca1login0001"],
            started: t("2026-11-19T10:00:00.000+01:00"),
            resolved: Some("2026-11-25T12:00:00.000+01:00"),
            window: Some((
                "2026-11-25T08:00:00.000+01:00",
                "2026-11-25T12:00:00.000+01:00",
            )),
        },
        It {
            id: "m_soon",
            status: "scheduled",
            impact: "maintenance",
            comps: &["ca1login0001"],
            started: t("2026-11-20T10:00:00.000+01:00"),
            resolved: None,
            window: Some((
                "2026-11-28T08:00:00.000+01:00",
                "2026-11-28T12:00:00.000+01:00",
            )),
        },
        It {
            id: "m_far",
            status: "scheduled",
            impact: "none",
            comps: &["ca1login0001"],
            started: t("2026-11-20T10:00:00.000+01:00"),
            resolved: None,
            window: Some((
                "2026-12-06T08:00:00.000+01:00",
                "2026-12-06T12:00:00.000+01:00",
            )),
        },
    ];
    let page = json!({"id": PAGE_ID, "name": "Scenario", "url": "https://status.scenario.example", "time_zone": "Europe/Berlin"});
    let summary = json!({
        "page": page,
        "components": comps,
        "incidents": items.iter().filter(|i| i.resolved.is_none()).map(|i| item(i, &comps)).collect::<Vec<_>>(),
        "scheduled_maintenances": maints.iter().filter(|i| i.status != "completed").map(|i| item(i, &comps)).collect::<Vec<_>>(),
        "status": {"indicator": "major", "description": "Partial System Outage"}
    });
    let incidents = json!({"page": page, "incidents": items.iter().map(|i| item(i, &comps)).collect::<Vec<_>>()});
    // The completed maintenance only appears in the maintenance history, as on real pages.
    let mut summary = summary;
    summary["scheduled_maintenances"]
        .as_array_mut()
        .unwrap()
        .push(item(&maints[1], &comps));
    write_page(&dir.join("page"), &summary, Some(&incidents));
}

const CLUSTERS: &str = r#"
[[cluster]]
name = "Alpha"
groups = ["alpha cluster"]
hosts = ["alpha-*"]

[[cluster]]
name = "Beta"
groups = ["gbeta0000001"]
hosts = ["beta-*", "alpha-login9"]
"#;

fn fetched(extra: &str) -> tempfile::TempDir {
    let dir = tempdir();
    scenario_page(dir.path());
    let cfg = write_config(
        dir.path(),
        &dir.path().join("page").display().to_string(),
        extra,
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    dir
}

/// `(kind, id)` of each item shown for `args`, in order.
fn shown(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = Run::display()
        .args(["--format", "json", "--cache"])
        .arg(dir.join("status.json"))
        .args(args)
        .success();
    out.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["section"].as_str().unwrap(),
                i["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_cluster_sees_its_items_most_severe_first() {
    let dir = fetched(CLUSTERS);
    assert_eq!(
        shown(dir.path(), &["--hostname", "alpha-login1"]),
        [
            "incident inc_a",
            "incident inc_u",
            "maintenance_in_progress m_now",
            "maintenance_planned m_soon",
            "component ca1store0001",
        ]
    );
    assert_eq!(
        shown(dir.path(), &["--hostname", "beta-login2.hpc.example.org"]),
        ["incident inc_b", "incident inc_u", "resolved r_recent"]
    );
}

#[test]
fn the_first_matching_cluster_wins_and_flags_override_the_hostname() {
    let dir = fetched(CLUSTERS);
    let json = Run::display()
        .args(["--format", "json", "--hostname", "alpha-login9", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    assert_eq!(json["cluster"], "Alpha");
    let json = Run::display()
        .args([
            "--format",
            "json",
            "--hostname",
            "alpha-login9",
            "--cluster",
            "beta",
            "--cache",
        ])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    assert_eq!(json["cluster"], "Beta");
    let out = Run::display()
        .args(["--cluster", "Gamma", "--cache"])
        .arg(dir.path().join("status.json"))
        .output();
    assert_eq!(out.code(), 2);
    assert_eq!(
        out.stderr(),
        "motd-status: no cluster named \"Gamma\" in the cache (clusters: Alpha, Beta)\n"
    );
}

#[test]
fn a_host_of_no_cluster_sees_only_unscoped_items() {
    let dir = fetched(CLUSTERS);
    assert_eq!(
        shown(dir.path(), &["--hostname", "gamma-1"]),
        ["incident inc_u"]
    );
    let json = Run::display()
        .args(["--format", "json", "--hostname", "gamma-1", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    assert_eq!(json["cluster"], Value::Null);
}

#[test]
fn unscoped_items_can_be_kept_off_every_cluster() {
    let dir = fetched(&format!("show_unscoped = false\n{CLUSTERS}"));
    assert_eq!(
        shown(dir.path(), &["--hostname", "alpha-login1"]),
        [
            "incident inc_a",
            "maintenance_in_progress m_now",
            "maintenance_planned m_soon",
            "component ca1store0001",
        ]
    );
    assert_eq!(
        shown(dir.path(), &["--hostname", "gamma-1"]),
        Vec::<String>::new()
    );
}

#[test]
fn windows_follow_the_config() {
    // A longer upcoming window brings the far maintenance in; a shorter recent window drops
    // yesterday's resolved incident.
    let dir = fetched(&format!("upcoming = \"14d\"\nrecent = \"12h\"\n{CLUSTERS}"));
    assert_eq!(
        shown(dir.path(), &["--hostname", "alpha-login1"]),
        [
            "incident inc_a",
            "incident inc_u",
            "maintenance_in_progress m_now",
            "maintenance_planned m_soon",
            "maintenance_planned m_far",
            "component ca1store0001",
        ]
    );
    assert_eq!(
        shown(dir.path(), &["--hostname", "beta-1"]),
        ["incident inc_b", "incident inc_u"]
    );
}

#[test]
fn windows_move_with_the_clock_at_display_time() {
    let dir = fetched(CLUSTERS);
    // Three days later: m_soon is over, m_far (10 days out at fetch time)
    // now starts within 7 days, and r_recent has aged out.
    let later = "2026-11-29T09:00:00+01:00";
    let out = Run::display()
        .args(["--format", "json", "--hostname", "alpha-1", "--cache"])
        .arg(dir.path().join("status.json"))
        .env("MOTD_STATUS_NOW", later)
        .success()
        .json();
    let ids: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"m_far"), "{ids:?}");
    assert!(!ids.contains(&"m_soon"), "its window has passed: {ids:?}");
    assert!(
        !ids.contains(&"m_now"),
        "ended at 12:00 on the 26th, but its status still says in_progress: {ids:?}"
    );
}

#[test]
fn completed_maintenance_and_old_incidents_never_reach_the_cache() {
    let dir = fetched(CLUSTERS);
    let cache: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("status.json")).unwrap()).unwrap();
    let ids: Vec<&str> = cache["sources"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"m_done") && !ids.contains(&"r_old"),
        "{ids:?}"
    );
    // Operational components no item names are not carried either.
    let comps: Vec<&str> = cache["sources"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        !comps.contains(&"galpha000001"),
        "groups are not carried: {comps:?}"
    );
    assert!(
        comps.contains(&"cweb00000001") && comps.contains(&"ca1store0001"),
        "{comps:?}"
    );
}

#[test]
fn all_shows_every_cluster_and_what_no_cluster_covers() {
    let dir = fetched(CLUSTERS);
    let json = Run::display()
        .args(["--all", "--format", "json", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    let views: Vec<(Value, usize)> = json["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["cluster"].clone(), v["items"].as_array().unwrap().len()))
        .collect();
    assert_eq!(
        views,
        [(json!("Alpha"), 5), (json!("Beta"), 3), (Value::Null, 1)]
    );
    assert_eq!(json["views"][2]["items"][0]["id"], "cweb00000001");
    for item in json["items"].as_array().unwrap() {
        for key in ["kind", "id", "name", "status"] {
            assert!(item[key].is_string(), "{key} in {item}");
        }
    }
}

/// A login reads only what its view can use (`view::load` for one target); that must render
/// exactly what reading the whole cache does, for every cluster, a host of none, and as time
/// moves on.
#[test]
fn reading_one_view_renders_what_reading_everything_does() {
    use motd_status::testing::LocalZone;
    use motd_status::testing::cache;
    use motd_status::testing::{Format, Request, Whose, load, render, render_loaded};

    for show_unscoped in [true, false] {
        let dir = fetched(&format!("show_unscoped = {show_unscoped}\n{CLUSTERS}"));
        let path = dir.path().join("status.json");
        let whole = cache::read(&path).unwrap();
        let zone = LocalZone::utc();
        for now in [
            "2026-11-26T09:30:00+01:00",
            "2026-11-27T12:00:00+01:00",
            "2026-11-29T09:00:00+01:00",
            "2026-12-05T09:00:00+01:00",
        ] {
            let now = chrono::DateTime::parse_from_rfc3339(now)
                .unwrap()
                .with_timezone(&chrono::Utc);
            for target in [
                Whose::Cluster("Alpha"),
                Whose::Cluster("beta"),
                Whose::Host("alpha-login9"),
                Whose::Host("gamma-1"),
            ] {
                let (part, chosen) = load(&path, target).unwrap();
                assert!(part.sources[0].items.len() <= whole.sources[0].items.len());
                for format in [Format::Text, Format::Json, Format::Markdown] {
                    let req = Request {
                        whose: target,
                        now,
                        zone: &zone,
                        format,
                        color: false,
                        width: 100,
                        login: false,
                        ascii: false,
                        frozen: false,
                    };
                    assert_eq!(
                        render_loaded(&part, chosen, &req).unwrap(),
                        render(&whole, &req).unwrap(),
                        "{target:?} {format:?} at {now}"
                    );
                }
            }
        }
    }
}

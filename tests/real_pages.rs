//! Every captured real response goes through the whole path: served over loopback HTTP,
//! fetched, cached, shown by `motd-status --all`.

use std::path::PathBuf;

use serde_json::Value;

use crate::server::{Reply, Server};
use crate::util::{Run, assert_eq, real, tempdir, write_config};

fn fixtures() -> Vec<PathBuf> {
    let dir = crate::util::repo().join("tests/fixtures/real");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn there_are_28_real_fixtures() {
    assert_eq!(fixtures().len(), 28);
}

/// Each file is served as both endpoints: a summary-shaped file fills the components and open
/// items, an incidents-shaped one the history, a webhook body its page and incident.
#[test]
fn every_real_fixture_goes_through_fetch_cache_and_display() {
    let server = Server::start();
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        server.route("/api/v2/summary.json", Reply::file(&path));
        server.route("/api/v2/incidents.json", Reply::file(&path));
        let dir = tempdir();
        let cfg = write_config(dir.path(), &server.url(), "");
        let fetch = Run::fetch().arg("--config").arg(&cfg).output();
        assert!(
            fetch.code() == 0 && fetch.stderr().is_empty(),
            "{name}: fetch failed: {}",
            fetch.stderr()
        );
        let cache = dir.path().join("status.json");
        let all = Run::display()
            .args(["--all", "--color", "never", "--cache"])
            .arg(&cache)
            .output();
        assert!(
            all.code() == 0 && all.stderr().is_empty(),
            "{name}: {}",
            all.stderr()
        );
        let json = Run::display()
            .args(["--all", "--format", "json", "--cache"])
            .arg(&cache)
            .output();
        assert_eq!(json.code(), 0, "{name}: {}", json.stderr());
        let v = json.json();
        assert!(v["items"].is_array(), "{name}");
        // The page's name reaches the header when the response carries one.
        let served: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if let Some(page_name) = served["page"]["name"].as_str() {
            assert!(
                all.stdout().starts_with(page_name),
                "{name}: {}",
                all.stdout()
            );
        }
    }
}

fn fetch_fixture(
    summary: &str,
    incidents: Option<&str>,
    now: &str,
    extra: &str,
) -> (tempfile::TempDir, Value) {
    let server = Server::start();
    server.serve_fixtures(&real(summary), incidents.map(real).as_deref());
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), extra);
    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", now)
        .success();
    let cache: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("status.json")).unwrap()).unwrap();
    (dir, cache)
}

#[test]
fn twilio_maintenances_in_progress_and_upcoming_are_kept() {
    let (_dir, cache) = fetch_fixture(
        "twilio-summary-groups-in-progress-maintenances.json",
        None,
        "2023-03-09T14:00:00-08:00",
        "",
    );
    let items = cache["sources"][0]["items"].as_array().unwrap();
    let status = |s: &str| items.iter().filter(|i| i["status"] == s).count();
    assert_eq!(status("in_progress"), 4);
    assert_eq!(status("investigating"), 2);
    // 23 scheduled, all within the upcoming window plus the staleness reach of 14 days.
    assert!(status("scheduled") > 0);
    assert!(
        items
            .iter()
            .all(|i| i["kind"] != "incident" || i["status"] == "investigating")
    );
    assert_eq!(cache["sources"][0]["name"], "Twilio");
    assert_eq!(cache["sources"][0]["time_zone"], "America/Los_Angeles");
}

#[test]
fn github_history_keeps_only_recently_resolved_incidents() {
    // The newest incidents of the capture were resolved on 29 and 30 July 2026.
    let (_dir, cache) = fetch_fixture(
        "githubstatus-summary-minified.json",
        Some("githubstatus-incidents.json"),
        "2026-07-31T00:00:00Z",
        "recent = \"2d\"\n",
    );
    let items = cache["sources"][0]["items"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.len() < 50,
        "{} items kept",
        items.len()
    );
    for i in items {
        let resolved =
            chrono::DateTime::parse_from_rfc3339(i["resolved_at"].as_str().unwrap()).unwrap();
        let cutoff = chrono::DateTime::parse_from_rfc3339("2026-07-29T00:00:00Z").unwrap();
        assert!(resolved >= cutoff, "{} resolved {resolved}", i["id"]);
    }
}

#[test]
fn incident_io_page_without_groups_time_zone_or_incident_keys() {
    let (_dir, cache) = fetch_fixture(
        "openai-summary-new-platform-sorted-keys.json",
        None,
        crate::util::NOW,
        "",
    );
    assert_eq!(cache["sources"][0]["time_zone"], Value::Null);
    assert_eq!(cache["sources"][0]["items"], serde_json::json!([]));
}

#[test]
fn numeric_tweet_id_and_unresolved_incident_parse() {
    let (dir, _cache) = fetch_fixture(
        "bitbucket-summary-numeric-tweet-id.json",
        None,
        crate::util::NOW,
        "",
    );
    let out = Run::display()
        .args(["--all", "--format", "json", "--cache"])
        .arg(dir.path().join("status.json"))
        .success();
    let v = out.json();
    let incidents: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "incident")
        .collect();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["status"], "identified");
}

#[test]
fn list_groups_names_groups_children_and_ids() {
    let server = Server::start();
    server.serve_fixtures(&real("instructure-summary-groups-incident.json"), None);
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let out = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--list-groups")
        .success();
    let text = out.stdout();
    assert!(text.starts_with("Instructure ("), "{text}");
    // The group "Canvas" and its child also called "Canvas", each with an id.
    let canvas: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("group \"Canvas\""))
        .collect();
    assert_eq!(canvas.len(), 1, "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("    \"Canvas\"  id ")),
        "{text}"
    );
}

#[test]
fn check_reports_ambiguous_and_unknown_names_and_resolves_qualified_ones() {
    let server = Server::start();
    server.serve_fixtures(&real("instructure-summary-groups-incident.json"), None);
    let dir = tempdir();
    let bad = write_config(
        dir.path(),
        &server.url(),
        "[[cluster]]\nname = \"C\"\ngroups = [\"No Such Group\"]\ncomponents = [\"Canvas\"]\nhosts = [\"c*\"]\n",
    );
    let out = Run::fetch()
        .arg("--config")
        .arg(&bad)
        .arg("--check")
        .output();
    assert_eq!(out.code(), 1, "{}", out.stdout());
    let err = out.stderr();
    assert!(
        err.contains("group \"No Such Group\" matches no component group"),
        "{err}"
    );
    // Every problem is one line naming the cluster.
    assert!(
        err.lines()
            .all(|l| l.starts_with("motd-status-fetch: error: ")),
        "{err}"
    );

    let good = write_config(
        dir.path(),
        &server.url(),
        "[[cluster]]\nname = \"C\"\ngroups = [\"canvas\"]\ncomponents = [\"Canvas / Canvas\"]\nhosts = [\"c*\"]\n",
    );
    let out = Run::fetch()
        .arg("--config")
        .arg(&good)
        .arg("--check")
        .success();
    assert!(
        out.stdout().contains("group \"canvas\" -> Canvas ["),
        "{}",
        out.stdout()
    );
    assert!(out.stdout().contains("ok: "), "{}", out.stdout());
}

#[test]
fn duplicate_component_names_are_ambiguous_until_qualified_by_group() {
    let dir = tempdir();
    let page = crate::util::sample_page().display().to_string();
    let cfg = write_config(
        dir.path(),
        &page,
        "[[cluster]]\nname = \"X\"\ncomponents = [\"Login nodes\"]\nhosts = [\"x*\"]\n",
    );
    let out = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--check")
        .output();
    assert_eq!(out.code(), 1);
    let err = out.stderr();
    assert!(
        err.contains("component \"Login nodes\" matches 2 components (Login nodes [a1login00001] in Alpha Cluster, Login nodes [b2login00001] in Beta Cluster)"),
        "{err}"
    );
    // A normal fetch still writes the cache, with the problem as a warning.
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 0);
    assert!(
        out.stderr().starts_with(
            "motd-status-fetch: warning: cluster \"X\": component \"Login nodes\" matches 2"
        ),
        "{}",
        out.stderr()
    );
    assert!(dir.path().join("status.json").exists());

    let cfg = write_config(
        dir.path(),
        &page,
        "[[cluster]]\nname = \"X\"\ncomponents = [\"Beta Cluster / Login nodes\", \"Alpha Cluster - Login nodes\"]\ngroups = [\"sharedgrp001\"]\nhosts = [\"x*\"]\n",
    );
    let out = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--check")
        .success();
    let text = out.stdout();
    assert!(
        text.contains("component \"Beta Cluster / Login nodes\" -> Login nodes [b2login00001]"),
        "{text}"
    );
    assert!(
        text.contains("component \"Alpha Cluster - Login nodes\" -> Login nodes [a1login00001]"),
        "{text}"
    );
    assert!(
        text.contains("group \"sharedgrp001\" -> Shared Services [sharedgrp001] (3 components)"),
        "{text}"
    );
    assert!(text.contains("covers 5 components"), "{text}");
}

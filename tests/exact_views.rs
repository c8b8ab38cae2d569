//! Regression tests for views that were wrong: what a login shows is the rule applied to the
//! whole page, and every "… and N more" is counted exactly and listed somewhere.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::{NOW, Run, repo, tempdir, write_config, write_page};

const CLUSTER: &str = r#"
[[cluster]]
name = "Alpha"
groups = ["Alpha Cluster"]
hosts = ["alpha-*"]
"#;

fn at(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    (now + chrono::Duration::hours(hours)).to_rfc3339()
}

/// A page with one group "Alpha Cluster" whose one component is in `status`, and `items`.
fn page(dir: &Path, status: &str, items: Vec<Value>) -> PathBuf {
    let summary = json!({
        "page": {"id": "exact0000001", "name": "Exact", "url": "https://status.exact.example", "time_zone": "Etc/UTC"},
        "components": [
            {"id": "agroup000001", "name": "Alpha Cluster", "status": "operational", "group": true, "components": ["alogin000001"]},
            {"id": "alogin000001", "name": "Login nodes", "status": status, "group": false, "group_id": "agroup000001"}
        ],
        "incidents": [],
        "scheduled_maintenances": items,
    });
    write_page(&dir.join("page"), &summary, None);
    write_config(dir, &dir.join("page").display().to_string(), CLUSTER)
}

fn resolved_yesterday() -> Value {
    json!({"id": "resolved0001", "name": "Scheduler outage", "status": "resolved", "impact": "major",
        "created_at": at(-30), "started_at": at(-30), "updated_at": at(-24), "resolved_at": at(-24),
        "components": [], "incident_updates": []})
}

fn far_maintenance(i: usize) -> Value {
    json!({"id": format!("far{i:09}"), "name": format!("Network work {i}"), "status": "scheduled",
        "impact": "maintenance", "created_at": at(-1), "updated_at": at(-1),
        "scheduled_for": at(240 + i as i64 * 2), "scheduled_until": at(242 + i as i64 * 2),
        "components": [], "incident_updates": []})
}

fn show(dir: &Path, now: &str, args: &[&str]) -> String {
    Run::display()
        .env("MOTD_STATUS_NOW", now)
        .args(["--color", "never", "--width", "120", "--cache"])
        .arg(dir.join("status.json"))
        .args(args)
        .success()
        .stdout()
}

/// Twenty maintenances ten to twelve days ahead once crowded out an outage and a resolved
/// incident: the login said nothing at all.
#[test]
fn far_maintenance_never_crowds_out_what_is_happening_now() {
    let dir = tempdir();
    let mut items: Vec<Value> = (0..20).map(far_maintenance).collect();
    items.push(resolved_yesterday());
    let cfg = page(dir.path(), "major_outage", items);
    Run::fetch().arg("--config").arg(&cfg).success();
    let login = show(dir.path(), NOW, &["--login", "--hostname", "alpha-login1"]);
    assert!(
        login.starts_with("Status of Alpha: 1 resolved, 1 outage\n"),
        "{login}"
    );
    assert!(login.contains("OUTAGE    Alpha Cluster / Login nodes (major outage)"));
    assert!(login.contains("RESOLVED  Scheduler outage"));
    // The maintenances were kept: once they come within `upcoming` (7 days), they show.
    let later = show(dir.path(), &at(24 * 5), &["--hostname", "alpha-login1"]);
    assert!(later.contains("Network work 0 (scheduled)"), "{later}");
    assert!(later.contains("Network work 19 (scheduled)"), "{later}");
}

/// Twilio's real summary (27 maintenances over two weeks) and one incident resolved a day
/// earlier: the RESOLVED line once fell out of the cache.
#[test]
fn a_real_page_full_of_maintenance_keeps_its_resolved_incident() {
    let dir = tempdir();
    let mut summary: Value = serde_json::from_slice(
        &std::fs::read(
            repo().join("tests/fixtures/real/twilio-summary-groups-in-progress-maintenances.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let now = "2023-03-09T21:40:00Z";
    summary["incidents"].as_array_mut().unwrap().push(json!({
        "id": "twres0000001", "name": "Delayed SMS delivery", "status": "resolved", "impact": "minor",
        "created_at": "2023-03-08T18:00:00Z", "started_at": "2023-03-08T18:00:00Z",
        "updated_at": "2023-03-08T21:00:00Z", "resolved_at": "2023-03-08T21:00:00Z",
        "components": [], "incident_updates": []
    }));
    write_page(&dir.path().join("page"), &summary, None);
    let cfg = write_config(
        dir.path(),
        &dir.path().join("page").display().to_string(),
        "",
    );
    Run::fetch()
        .env("MOTD_STATUS_NOW", now)
        .arg("--config")
        .arg(&cfg)
        .success();
    let all = show(dir.path(), now, &["--all"]);
    assert!(all.contains("RESOLVED  Delayed SMS delivery"), "{all}");
    let json: Value =
        serde_json::from_str(&show(dir.path(), now, &["--all", "--format", "json"])).unwrap();
    let view = &json["views"][0];
    assert_eq!(view["scope"], "unclaimed");
    assert_eq!(view["counts"]["resolved"], 1);
    assert_eq!(view["more"], 0);
    // Every maintenance of the page in its window, counted here from the fixture itself: the
    // 4 in progress, and the scheduled ones not over yet that start within 7 days.
    let now_t = chrono::DateTime::parse_from_rfc3339(now).unwrap();
    let time =
        |m: &Value, k: &str| chrono::DateTime::parse_from_rfc3339(m[k].as_str().unwrap()).unwrap();
    let maintenances = summary["scheduled_maintenances"].as_array().unwrap();
    let planned = maintenances
        .iter()
        .filter(|m| m["status"] == "scheduled")
        .filter(|m| time(m, "scheduled_until") > now_t)
        .filter(|m| time(m, "scheduled_for") <= now_t + chrono::Duration::days(7))
        .count();
    assert!(planned >= 10, "{planned}");
    assert_eq!(view["counts"]["maintenance_in_progress"], 4, "{view}");
    assert_eq!(view["counts"]["maintenance_planned"], planned, "{view}");
    assert_eq!(view["counts"]["incident"], 2, "{view}");
}

/// Twenty-five unscoped incidents: every view counts all 25, lists them all outside the login,
/// and the login's "… and N more" names a command that lists them.
#[test]
fn counts_are_exact_and_every_more_is_listed_somewhere() {
    let dir = tempdir();
    let items: Vec<Value> = (0..25)
        .map(|i| {
            json!({"id": format!("uns{i:09}"), "name": format!("Incident {i}"), "status": "investigating",
                "impact": "minor", "created_at": at(-2), "started_at": at(-2), "updated_at": at(-1),
                "components": [], "incident_updates": []})
        })
        .collect();
    let cfg = page(dir.path(), "operational", items);
    Run::fetch().arg("--config").arg(&cfg).success();
    for host in ["nowhere-1", "alpha-login1"] {
        let login = show(dir.path(), NOW, &["--login", "--hostname", host]);
        assert!(login.contains(": 25 incidents\n"), "{login}");
        assert!(login.contains("… and 17 more: motd-status\n"), "{login}");
        let full = show(dir.path(), NOW, &["--hostname", host]);
        assert_eq!(full.matches("MINOR").count(), 25, "{full}");
        assert!(!full.contains("more"), "{full}");
        let json: Value = serde_json::from_str(&show(
            dir.path(),
            NOW,
            &["--hostname", host, "--format", "json"],
        ))
        .unwrap();
        assert_eq!(json["views"][0]["counts"]["incident"], 25);
        assert_eq!(json["views"][0]["items"].as_array().unwrap().len(), 25);
        assert_eq!(json["more"], 0);
    }
    let login = show(dir.path(), NOW, &["--login", "--cluster", "alpha"]);
    assert!(
        login.contains("… and 17 more: motd-status --cluster alpha\n"),
        "{login}"
    );
    // --all: the count sits under each view, and the same JSON shape carries it.
    let json: Value =
        serde_json::from_str(&show(dir.path(), NOW, &["--all", "--format", "json"])).unwrap();
    assert_eq!(json["views"][0]["cluster"], "Alpha");
    assert_eq!(json["views"][0]["counts"]["incident"], 25);
    assert_eq!(json["views"][1]["scope"], "unclaimed");
}

/// A cache whose recorded positions (written by the previous release) repeat or leave out
/// items: positions are no longer trusted for anything, so the login and `--all` agree.
#[test]
fn recorded_positions_cannot_change_a_view() {
    let dir = tempdir();
    let mut items: Vec<Value> = (0..3).map(far_maintenance).collect();
    items.push(resolved_yesterday());
    let cfg = page(dir.path(), "under_maintenance", items);
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let honest = show(dir.path(), NOW, &["--hostname", "alpha-login1"]);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    v["clusters"][0]["uses"] = json!({"items": [[0, 0], [0, 0], [0, 0]], "components": []});
    v["unscoped"] = json!([]);
    std::fs::write(&cache, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(
        show(dir.path(), NOW, &["--hostname", "alpha-login1"]),
        honest
    );
    assert!(honest.contains("RESOLVED  Scheduler outage"), "{honest}");
    assert_eq!(honest.matches("Scheduler outage").count(), 1, "{honest}");
}

/// `stale_after` at or past `expire_after` once turned expiry off without a word.
#[test]
fn stale_after_must_be_shorter_than_expire_after() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        "https://127.0.0.1:9/",
        "[login]\nstale_after = \"8d\"\nexpire_after = \"7d\"\n",
    );
    let out = Run::fetch()
        .arg("--check")
        .arg("--config")
        .arg(&cfg)
        .output();
    assert_eq!(out.code(), 2);
    let err = out.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("stale_after") && err.contains("expire_after"),
        "{err}"
    );
}

/// The login binary of this release reads the cache the previous release's fetcher wrote (an
/// upgrade never blanks a login until the next fetch): same text as its own cache gives.
#[test]
fn the_previous_releases_cache_shows_the_same_views() {
    let dir = tempdir();
    let old = dir.path().join("old.json");
    std::fs::copy(
        repo().join("tests/fixtures/previous-release/status.json"),
        &old,
    )
    .unwrap();
    let new_dir = tempdir();
    let new = crate::util::sample_cache(new_dir.path());
    for args in [
        vec!["--hostname", "alpha-login1"],
        vec!["--hostname", "beta-login1", "--login"],
        vec!["--hostname", "nowhere"],
        vec!["--all"],
    ] {
        let run = |cache: &Path| {
            Run::display()
                .args(["--color", "never", "--cache"])
                .arg(cache)
                .args(&args)
                .success()
                .stdout()
        };
        let got = run(&old);
        assert!(!got.is_empty(), "{args:?}");
        crate::util::assert_eq!(got, run(&new), "{args:?}");
    }
}

/// A rolling upgrade: a mirror of this release copies the cache a publisher of the previous
/// release wrote, and its logins show the same views as the publisher's own.
#[test]
fn a_mirror_of_the_previous_release_shows_its_views() {
    let dir = tempdir();
    let published = dir.path().join("published.json");
    std::fs::copy(
        repo().join("tests/fixtures/previous-release/status.json"),
        &published,
    )
    .unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = {:?}\ncache = \"status.json\"\n",
            published.display().to_string()
        ),
    )
    .unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    for host in ["alpha-login1", "beta-login1", "nowhere"] {
        let run = |cache: &Path| {
            Run::display()
                .args(["--color", "never", "--hostname", host, "--cache"])
                .arg(cache)
                .success()
                .stdout()
        };
        crate::util::assert_eq!(
            run(&dir.path().join("status.json")),
            run(&published),
            "{host}"
        );
    }
}

/// A cluster whose names match nothing says so under its view (it never just claims all is
/// well), components that share a name are told apart by their group, and a healthy page with
/// no cluster says all is well and as of when.
#[test]
fn incomplete_views_repeated_names_and_a_healthy_page_say_what_they_are() {
    let dir = tempdir();
    let summary = json!({
        "page": {"name": "P", "url": "https://p.example"},
        "components": [
            {"id": "g1", "name": "Oregon", "status": "operational", "group": true},
            {"id": "g2", "name": "Virginia", "status": "operational", "group": true},
            {"id": "c1", "name": "PostgreSQL", "status": "operational", "group_id": "g1"},
            {"id": "c2", "name": "PostgreSQL", "status": "operational", "group_id": "g2"}
        ],
        "incidents": [{"id": "i1", "name": "Slow queries", "status": "investigating", "impact": "minor",
            "created_at": at(-1), "started_at": at(-1),
            "components": [{"id": "c1", "name": "PostgreSQL"}, {"id": "c2", "name": "PostgreSQL"}],
            "incident_updates": []}],
        "scheduled_maintenances": [],
    });
    write_page(&dir.path().join("page"), &summary, None);
    let cfg = write_config(
        dir.path(),
        &dir.path().join("page").display().to_string(),
        "[[cluster]]\nname = \"DB\"\ngroups = [\"Oregon\", \"Virginia\"]\nhosts = [\"db-*\"]\n\
         [[cluster]]\nname = \"Typo\"\ngroups = [\"Orgeon\"]\nhosts = [\"t-*\"]\n\
         [[cluster]]\nname = \"Half\"\ngroups = [\"Oregon\", \"Orgeon\"]\n\
         components = [\"PostgreSQL\"]\nhosts = [\"h-*\"]\n",
    );
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 0);
    let db = show(dir.path(), NOW, &["--cluster", "DB"]);
    assert!(
        db.contains("Oregon / PostgreSQL, Virginia / PostgreSQL"),
        "{db}"
    );
    // A cluster none of whose names matches: its view knows nothing, and says so (at login
    // too) instead of "all systems operational", with who can mend it.
    let typo = show(dir.path(), NOW, &["--cluster", "Typo"]);
    assert_eq!(
        typo,
        "Status of Typo: unknown, no component of the page matches its names\n  \
         \"Orgeon\" matches no group on the page\n  \
         ask the site's admins (motd-status-fetch --check)\n\
         Details: https://p.example · every cluster: motd-status --all\n"
    );
    let login = show(dir.path(), NOW, &["--login", "--hostname", "t-1"]);
    assert!(login.starts_with("Status of Typo: unknown"), "{login}");
    assert!(!login.contains("operational"), "{login}");
    let json: Value = serde_json::from_str(&show(
        dir.path(),
        NOW,
        &["--cluster", "Typo", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(
        json["views"][0]["unmatched"],
        json!([{"name": "Orgeon", "what": "group", "cause": "missing"}])
    );
    assert_eq!(json["views"][0]["coverage"], json!("none"));
    // One that covers something but misses names keeps its note, worded by cause: a typo,
    // and a component name two groups share.
    let half = show(dir.path(), NOW, &["--cluster", "Half"]);
    assert!(
        half.contains("  may be incomplete: \"Orgeon\" matches no group on the page\n"),
        "{half}"
    );
    assert!(
        half.contains("  may be incomplete: \"PostgreSQL\" matches 2 components, not one\n"),
        "{half}"
    );
    assert!(half.starts_with("Status of Half: 1 incident\n"), "{half}");
    let json: Value = serde_json::from_str(&show(
        dir.path(),
        NOW,
        &["--cluster", "Half", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["views"][0]["coverage"], json!("partial"));
    assert_eq!(
        json["views"][0]["unmatched"][1],
        json!({"name": "PostgreSQL", "what": "component", "cause": "ambiguous", "matches": 2})
    );
    let md = show(
        dir.path(),
        NOW,
        &["--cluster", "Typo", "--format", "markdown"],
    );
    assert!(md.contains("ask the site's admins"), "{md}");
    assert!(!md.contains("operational"), "{md}");
    // No cluster, nothing to report: all is well, as of the last confirmation.
    let healthy = tempdir();
    write_page(
        &healthy.path().join("page"),
        &json!({"page": {"name": "P", "url": "https://p.example"}, "components": [], "incidents": []}),
        None,
    );
    let cfg = write_config(
        healthy.path(),
        &healthy.path().join("page").display().to_string(),
        "",
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let all = show(healthy.path(), NOW, &["--all"]);
    assert!(
        all.contains("Whole page: all systems operational as of Thu 26 Nov 09:30 CET"),
        "{all}"
    );
}

/// Times say what they mean: an overrun, a late start, an end before the start (shown, marked,
/// and not hidden while the start is ahead), and the year when it is not this one.
#[test]
fn times_that_went_wrong_say_so() {
    let dir = tempdir();
    let m = |id: &str, status: &str, from: i64, until: i64| {
        json!({"id": id, "name": format!("Work {id}"), "status": status, "impact": "maintenance",
            "created_at": at(-100), "updated_at": at(-1),
            "scheduled_for": at(from), "scheduled_until": at(until),
            "components": [], "incident_updates": []})
    };
    let mut items = vec![
        m("overrun", "in_progress", -6, -3),
        m("late", "scheduled", -2, 4),
        m("backwards", "scheduled", 30, 2),
    ];
    items.push(json!({"id": "old", "name": "Tape library offline", "status": "investigating",
        "impact": "minor", "created_at": "2025-12-01T10:00:00Z", "started_at": "2025-12-01T10:00:00Z",
        "components": [], "incident_updates": []}));
    let cfg = page(dir.path(), "operational", items);
    Run::fetch().arg("--config").arg(&cfg).success();
    let out = show(dir.path(), NOW, &["--hostname", "alpha-login1"]);
    assert!(
        out.contains("(ended 3 hours ago, still in progress)"),
        "{out}"
    );
    assert!(out.contains("(was to start 2 hours ago)"), "{out}");
    assert!(
        out.contains("the page has it end before it starts)"),
        "{out}"
    );
    assert!(out.contains("since Mon 1 Dec 2025 11:00 CET"), "{out}");
    // Three hours on, the backwards one's "end" has passed but its start has not: still there.
    let later = show(dir.path(), &at(3), &["--hostname", "alpha-login1"]);
    assert!(later.contains("Work backwards"), "{later}");
}

/// In the C locale the program's own decorations are ASCII; page text passes as it is.
#[test]
fn the_c_locale_gets_ascii_decorations() {
    let dir = tempdir();
    let cache = crate::util::sample_cache(dir.path());
    let run = |lang: &str| {
        Run::display()
            .env("LANG", lang)
            .args([
                "--hostname",
                "alpha-login1",
                "--color",
                "never",
                "--width",
                "80",
                "--cache",
            ])
            .arg(&cache)
            .success()
            .stdout()
    };
    let utf8 = run("C.UTF-8");
    assert!(
        utf8.contains('·') && utf8.contains('–') && utf8.contains('…'),
        "{utf8}"
    );
    for lang in ["C", "POSIX", "de_DE.ISO-8859-1"] {
        let ascii = run(lang);
        assert!(
            !ascii.contains('·') && !ascii.contains('…'),
            "{lang}: {ascii}"
        );
        assert!(
            ascii.contains("08:00-14:00 CET") && ascii.contains("..."),
            "{lang}: {ascii}"
        );
        // Page text is not the program's: its "–" (agpu05–agpu08) stays.
        let page = Run::display()
            .env("LANG", lang)
            .args([
                "--hostname",
                "alpha-login1",
                "--color",
                "never",
                "--width",
                "300",
                "--cache",
            ])
            .arg(&cache)
            .success()
            .stdout();
        assert!(page.contains("agpu05–agpu08"), "{lang}: {page}");
    }
    // LC_ALL wins over LANG.
    let all = Run::display()
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C")
        .args(["--hostname", "alpha-login1", "--color", "never", "--cache"])
        .arg(&cache)
        .success()
        .stdout();
    assert!(!all.contains('·'), "{all}");
}

/// Narrow terminals: an address is never cut (alone on its line, whole), and a list of
/// components that does not fit beside the time goes on its own line, or is counted, never
/// cut to a letter.
#[test]
fn narrow_terminals_keep_addresses_and_component_lists_whole() {
    let dir = tempdir();
    let cache = crate::util::sample_cache(dir.path());
    let out = Run::display()
        .args([
            "--hostname",
            "beta-login1",
            "--color",
            "never",
            "--width",
            "30",
            "--cache",
        ])
        .arg(&cache)
        .success()
        .stdout();
    assert!(
        out.lines().any(|l| l == "https://stspg.io/scr0slow"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l == "https://status.hpc.example.org"),
        "{out}"
    );
    assert!(!out.contains("stspg.io/…"), "{out}");
    assert!(
        out.contains("1 component (motd-status --format json lists them)")
            || out.contains("Scratch filesystem"),
        "{out}"
    );
    assert!(!out.contains("· S…"), "{out}");
}

/// A component under maintenance with no maintenance item to go with it (as pages show while
/// an admin works on one) is counted and labelled by its own state: not "degraded".
#[test]
fn components_are_counted_by_their_own_state() {
    for (status, summary, label) in [
        (
            "under_maintenance",
            "1 under maintenance",
            "MAINT     Alpha Cluster / Login nodes (under maintenance)",
        ),
        (
            "degraded_performance",
            "1 degraded",
            "DEGRADED  Alpha Cluster / Login nodes (degraded performance)",
        ),
        (
            "partial_outage",
            "1 partial outage",
            "PARTIAL   Alpha Cluster / Login nodes (partial outage)",
        ),
        (
            "major_outage",
            "1 outage",
            "OUTAGE    Alpha Cluster / Login nodes (major outage)",
        ),
    ] {
        let dir = tempdir();
        let cfg = page(dir.path(), status, Vec::new());
        Run::fetch().arg("--config").arg(&cfg).success();
        let login = show(dir.path(), NOW, &["--login", "--hostname", "alpha-login1"]);
        assert!(
            login.starts_with(&format!("Status of Alpha: {summary}\n")),
            "{status}: {login}"
        );
        assert!(login.contains(label), "{status}: {login}");
    }
}

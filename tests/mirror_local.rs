//! A mirror with clusters of its own: its views are as exact as the publisher's. Names are
//! resolved against every component of the page (the publisher's catalog), so a typo, an
//! ambiguous name and a group renamed on the page are told apart; what the publisher left out
//! past its cap is counted in the mirror's own views; and no window may be longer than the
//! publisher's, which kept only what its windows show.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::{NOW, Run, tempdir, toml_str, write_config, write_page};

fn at(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    (now + chrono::Duration::hours(hours)).to_rfc3339()
}

/// A page with groups "Alpha Cluster" (component `a1`) and `beta` (component `b1`), all
/// operational, and `alpha` + `beta` incidents on them.
fn page(dir: &Path, beta: &str, alpha_items: usize, beta_items: usize) {
    let incident = |i: usize, component: &str| {
        json!({"id": format!("{component}-{i:04}"), "name": format!("Trouble {i}"),
            "status": "investigating", "impact": "minor", "created_at": at(-1 - i as i64),
            "started_at": at(-1 - i as i64), "components": [{"id": component}],
            "incident_updates": []})
    };
    let incidents: Vec<Value> = (0..alpha_items)
        .map(|i| incident(i, "a1"))
        .chain((0..beta_items).map(|i| incident(i, "b1")))
        .collect();
    let summary = json!({
        "page": {"id": "pub000000001", "name": "Site", "url": "https://status.site.example"},
        "components": [
            {"id": "ga", "name": "Alpha Cluster", "status": "operational", "group": true, "components": ["a1"]},
            {"id": "a1", "name": "Login nodes", "status": "operational", "group_id": "ga"},
            {"id": "gb", "name": beta, "status": "operational", "group": true, "components": ["b1"]},
            {"id": "b1", "name": "Login nodes", "status": "operational", "group_id": "gb"}
        ],
        "incidents": incidents,
        "scheduled_maintenances": [],
    });
    write_page(&dir.join("page"), &summary, None);
}

/// The publisher: the page in `dir`, its own clusters, its cache at `dir/status.json`.
fn publish(dir: &Path) -> PathBuf {
    let cfg = write_config(
        dir,
        &dir.join("page").display().to_string(),
        "[[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"a-*\"]\n\
         [[cluster]]\nname = \"Beta\"\ngroups = [\"Beta Cluster\"]\nhosts = [\"b-*\"]\n",
    );
    Run::fetch().arg("--config").arg(&cfg).output();
    dir.join("status.json")
}

/// A mirror of `published` with `local` laid over it; its cache is `dir/status.json`.
fn mirror(dir: &Path, published: &Path, local: &str) -> PathBuf {
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = {}\ncache = {}\n{local}",
            toml_str(&published.display().to_string()),
            toml_str(&dir.join("status.json").display().to_string())
        ),
    )
    .unwrap();
    cfg
}

fn json_view(cache: &Path, cluster: &str) -> Value {
    let out = Run::display()
        .args(["--format", "json", "--cluster", cluster, "--cache"])
        .arg(cache)
        .success()
        .stdout();
    serde_json::from_str::<Value>(&out).unwrap()["views"][0].clone()
}

const BOTH: &str = "[[cluster]]\nname = \"Both\"\ngroups = [\"Alpha Cluster\", \"Beta Cluster\"]\nhosts = [\"*\"]\n";

/// The publisher caps Alpha's view at 200 items and keeps Beta's 10; a mirror's own cluster
/// covering both sees all 210 kept and counts the 50 left out, by section, as the publisher
/// counts them in Alpha's view.
#[test]
fn a_mirrors_own_views_count_what_the_publisher_left_out() {
    let publisher = tempdir();
    page(publisher.path(), "Beta Cluster", 250, 10);
    let published = publish(publisher.path());
    let alpha = json_view(&published, "Alpha");
    assert_eq!(alpha["counts"]["incident"], 250, "{alpha}");
    assert_eq!(alpha["omitted"]["incident"], 50, "{alpha}");

    let m = tempdir();
    let cfg = mirror(m.path(), &published, BOTH);
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    let both = json_view(&m.path().join("status.json"), "Both");
    assert_eq!(both["counts"]["incident"], 260, "{both}");
    assert_eq!(both["omitted"]["incident"], 50, "{both}");
    assert_eq!(both["items"].as_array().unwrap().len(), 210);
    assert_eq!(both["coverage"], "full");
    let text = Run::display()
        .args(["--cluster", "Both", "--color", "never", "--cache"])
        .arg(m.path().join("status.json"))
        .success()
        .stdout();
    assert!(
        text.starts_with("Status of Both: 260 incidents\n"),
        "{text}"
    );
    assert!(
        text.contains("… and 50 more, past what the cache keeps: https://status.site.example"),
        "{text}"
    );
}

/// A group renamed on the page: the mirror's cluster that named it says so (not "all systems
/// operational", not a typo); a typo and an ambiguous name are each called what they are.
#[test]
fn a_mirror_tells_a_renamed_group_from_a_typo_and_an_ambiguous_name() {
    let publisher = tempdir();
    page(publisher.path(), "Beta Cluster", 1, 0);
    let published = publish(publisher.path());
    let m = tempdir();
    let local = "[[cluster]]\nname = \"B\"\ngroups = [\"Beta Cluster\"]\nhosts = [\"b-*\"]\n\
                 [[cluster]]\nname = \"T\"\ngroups = [\"Beta Clutser\"]\nhosts = [\"t-*\"]\n\
                 [[cluster]]\nname = \"L\"\ncomponents = [\"Login nodes\"]\nhosts = [\"l-*\"]\n";
    let cfg = mirror(m.path(), &published, local);
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 0, "{}", d.stderr());
    let err = d.stderr();
    assert!(
        err.contains("group \"Beta Clutser\" matches no component group"),
        "{err}"
    );
    assert!(
        err.contains("component \"Login nodes\" matches 2 components"),
        "{err}"
    );
    let cache = m.path().join("status.json");
    // Beta's one component is operational: the publisher keeps it only in its catalog, and
    // the mirror still knows the group covers it.
    assert_eq!(json_view(&cache, "B")["coverage"], "full");
    assert_eq!(json_view(&cache, "T")["coverage"], "none");
    assert_eq!(
        json_view(&cache, "L")["unmatched"],
        json!([{"name": "Login nodes", "what": "component", "cause": "ambiguous", "matches": 2}])
    );

    // The page renames the group; the publisher fetches again, then the mirror.
    page(publisher.path(), "Beta", 1, 0);
    publish(publisher.path());
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 0, "{}", d.stderr());
    let b = json_view(&cache, "B");
    assert_eq!(
        b["unmatched"],
        json!([{"name": "Beta Cluster", "what": "group", "cause": "renamed"}])
    );
    let login = Run::display()
        .args([
            "--login",
            "--hostname",
            "b-1",
            "--color",
            "never",
            "--cache",
        ])
        .arg(&cache)
        .success()
        .stdout();
    assert!(
        login.starts_with(
            "Status of B: unknown, no component of the page matches its names\n  \
             \"Beta Cluster\" is no longer on the page (renamed or removed?)\n"
        ),
        "{login}"
    );
    let status = Run::fetch()
        .args(["--status", "--config"])
        .arg(&cfg)
        .output();
    assert_eq!(status.code(), 2, "{}", status.stdout());
    assert!(
        status
            .stdout()
            .contains("cluster \"B\" covers no component of the page"),
        "{}",
        status.stdout()
    );
}

/// A window longer than the publisher's would miss what the publisher dropped without a word:
/// it is cut back to the publisher's, with a warning, and `--check` calls it an error.
#[test]
fn a_mirrors_windows_are_no_longer_than_its_publishers() {
    let publisher = tempdir();
    page(publisher.path(), "Beta Cluster", 1, 0);
    let published = publish(publisher.path());
    let m = tempdir();
    let cfg = mirror(m.path(), &published, "recent = \"5d\"\nupcoming = \"1d\"\n");
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 0);
    assert!(
        d.stderr()
            .contains("recent (5days) is longer than the mirrored cache's (2days)"),
        "{}",
        d.stderr()
    );
    let cache = motd_status::testing::read(&m.path().join("status.json")).unwrap();
    assert_eq!(cache.settings.recent_seconds, 2 * 86400);
    assert_eq!(
        cache.settings.upcoming_seconds, 86400,
        "a shorter window is the mirror's"
    );
    let check = Run::fetch()
        .args(["--check", "--config"])
        .arg(&cfg)
        .output();
    assert_eq!(check.code(), 1);
    assert!(
        check.stderr().contains("recent (5days)"),
        "{}",
        check.stderr()
    );
}

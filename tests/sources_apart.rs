//! Each source fails on its own: a page over HTTP and another read from a directory, or a page
//! and the site's notices file, one failing (each way round) while the other is updated. The failing one keeps its last good
//! data with its own age and why it failed; the other is refreshed; the run exits 1; a login
//! names the source that is old, and shows nothing of one past `expire_after`; `--status` and
//! the metrics say which. When every source fails, the cache stays byte for byte.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::util::{Run, sample_page, tempdir, toml_str, write_page, write_settled};

const T0: &str = "2026-11-26T09:30:00+01:00";
const T1: &str = "2026-11-26T11:30:00+01:00";

/// The second source: a page in a directory, with one incident named `title` on its
/// component of group "Vendor storage".
fn vendor_page(dir: &Path, title: &str) {
    write_page(
        dir,
        &json!({
            "page": {"id": "vendor000001", "name": "Vendor", "url": "https://status.vendor.example"},
            "components": [
                {"id": "vg", "name": "Vendor storage", "status": "operational", "group": true, "components": ["vs"]},
                {"id": "vs", "name": "Array", "status": "operational", "group_id": "vg"}
            ],
            "incidents": [{"id": format!("v-{}", title.len()), "name": title, "status": "investigating",
                "impact": "minor", "created_at": "2026-11-26T07:00:00Z", "started_at": "2026-11-26T07:00:00Z",
                "components": [{"id": "vs"}], "incident_updates": []}],
            "scheduled_maintenances": [],
        }),
        None,
    );
}

struct Site {
    dir: tempfile::TempDir,
    server: Server,
    config: PathBuf,
}

impl Site {
    /// The main page over HTTP and the vendor's in a directory.
    fn new() -> Site {
        Site::with("", |dir| {
            vendor_page(&dir.join("vendor"), "Array degraded");
            format!(
                "[[source]]\nname = \"Vendor\"\npage = {}\n\
                 [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\", \"Vendor storage\"]\n\
                 hosts = [\"alpha-*\"]\n",
                toml_str(&dir.join("vendor").display().to_string()),
            )
        })
    }

    /// The main page over HTTP, with `top` of the config's top-level settings, then what `rest`
    /// writes in the site's directory and returns of the config: the second source and the
    /// clusters.
    fn with(top: &str, rest: impl FnOnce(&Path) -> String) -> Site {
        let dir = tempdir();
        let server = Server::start();
        server.serve_page(&sample_page());
        let rest = rest(dir.path());
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "cache = {}\nmetrics_file = {}\n{top}\
                 [[source]]\nname = \"Main\"\npage = {}\n{rest}",
                toml_str(&dir.path().join("status.json").display().to_string()),
                toml_str(&dir.path().join("metrics.prom").display().to_string()),
                toml_str(&server.url()),
            ),
        )
        .unwrap();
        Site {
            dir,
            server,
            config,
        }
    }

    fn fetch(&self, now: &str) -> crate::util::Done {
        Run::fetch()
            .env("MOTD_STATUS_NOW", now)
            .arg("--config")
            .arg(&self.config)
            .output()
    }

    /// `--status` at `now`.
    fn status(&self, now: &str) -> crate::util::Done {
        Run::fetch()
            .env("MOTD_STATUS_NOW", now)
            .args(["--status", "--config"])
            .arg(&self.config)
            .output()
    }

    fn metrics(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("metrics.prom")).unwrap()
    }

    fn cache(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.dir.path().join("status.json")).unwrap())
            .unwrap()
    }

    fn show(&self, now: &str, args: &[&str]) -> String {
        Run::display()
            .env("MOTD_STATUS_NOW", now)
            .args([
                "--hostname",
                "alpha-login1",
                "--color",
                "never",
                "--width",
                "200",
            ])
            .arg("--cache")
            .arg(self.dir.path().join("status.json"))
            .args(args)
            .success()
            .stdout()
    }
}

#[test]
fn a_page_that_fails_keeps_its_last_good_data_and_the_other_is_updated() {
    let site = Site::new();
    assert_eq!(site.fetch(T0).code(), 0);
    // The main page answers 500; the vendor's gets a new incident.
    site.server
        .route("/api/v2/summary.json", Reply::status(500));
    vendor_page(&site.dir.path().join("vendor"), "Array offline");
    let d = site.fetch(T1);
    assert_eq!(d.code(), 1, "{}", d.stderr());
    assert!(
        d.stderr().contains("HTTP 500") && d.stderr().contains("(its last good data is kept)"),
        "{}",
        d.stderr()
    );
    let c = site.cache();
    assert_eq!(c["sources"][0]["fetched_at"], "2026-11-26T08:30:00Z");
    assert!(
        c["sources"][0]["failed"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    assert_eq!(c["sources"][1]["fetched_at"], "2026-11-26T10:30:00Z");
    assert_eq!(c["sources"][1]["items"][0]["name"], "Array offline");
    // Two hours later the main page's data is stale, the vendor's is not: the login says which.
    let login = site.show(T1, &["--login"]);
    assert!(login.contains("Array offline"), "{login}");
    assert!(
        login.contains("GPU jobs fail to start"),
        "the main page's last good data: {login}"
    );
    assert!(
        login.contains("\nMain: status as of 2 hours ago\n"),
        "{login}"
    );
    let all = site.show(T1, &[]);
    assert!(all.contains("Main: its last read failed: "), "{all}");
    let status = Run::fetch()
        .env("MOTD_STATUS_NOW", T1)
        .args(["--status", "--config"])
        .arg(&site.config)
        .output();
    assert_eq!(status.code(), 1, "{}", status.stdout());
    assert!(
        status
            .stdout()
            .contains("Main: status 2 hours old, past stale_after"),
        "{}",
        status.stdout()
    );
    let metrics = std::fs::read_to_string(site.dir.path().join("metrics.prom")).unwrap();
    assert!(
        metrics.contains("motd_status_source_failed{source=\"Main\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("motd_status_source_failed{source=\"Vendor\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("motd_status_source_age_seconds{source=\"Main\"} 7200"),
        "{metrics}"
    );

    // The other way round: the main page is back, the vendor's directory holds no JSON.
    site.server.serve_page(&sample_page());
    std::fs::write(
        site.dir.path().join("vendor/api/v2/summary.json"),
        "{\"page\": ",
    )
    .unwrap();
    let later = "2026-11-26T13:30:00+01:00";
    let d = site.fetch(later);
    assert_eq!(d.code(), 1, "{}", d.stderr());
    let c = site.cache();
    assert_eq!(c["sources"][0]["fetched_at"], "2026-11-26T12:30:00Z");
    assert_eq!(c["sources"][0]["failed"], Value::Null);
    assert_eq!(c["sources"][1]["items"][0]["name"], "Array offline");
    assert!(
        c["sources"][1]["failed"]
            .as_str()
            .unwrap()
            .contains("truncated JSON")
    );
    let login = site.show(later, &["--login"]);
    assert!(
        login.contains("\nVendor: status as of 2 hours ago\n"),
        "{login}"
    );

    // Both fail: nothing is new, and the cache stays as it is, byte for byte.
    site.server
        .route("/api/v2/summary.json", Reply::status(500));
    let before = std::fs::read(site.dir.path().join("status.json")).unwrap();
    let d = site.fetch("2026-11-26T14:00:00+01:00");
    assert_eq!(d.code(), 1);
    assert!(
        d.stderr().contains("(the previous cache is kept)"),
        "{}",
        d.stderr()
    );
    assert_eq!(
        std::fs::read(site.dir.path().join("status.json")).unwrap(),
        before
    );

    // Past expire_after the vendor's data shows nothing but its age; the main page's, all.
    site.server.serve_page(&sample_page());
    let week = "2026-12-04T09:30:00+01:00";
    site.fetch(week);
    let login = site.show(week, &["--login"]);
    assert!(!login.contains("Array offline"), "{login}");
    assert!(
        login.contains("Vendor: status as of 8 days ago (too old to show)"),
        "{login}"
    );
    assert!(login.starts_with("Status of Alpha: "), "{login}");
}

/// The site's notices file, with the notices `ids` (each a maintenance of Alpha this noon), or
/// with a mistake.
fn notices(dir: &Path, ids: &[&str], mistake: bool) -> String {
    let mut text = "timezone = \"Europe/Berlin\"\n".to_owned();
    for id in ids {
        let title = if mistake { "titel" } else { "title" };
        text.push_str(&format!(
            "\n[[notice]]\nid = \"{id}\"\n{title} = \"Notice {id}\"\nkind = \"maintenance\"\n\
             start = \"2026-11-26 12:00\"\nend = \"2026-11-26 18:00\"\naffects = [\"Alpha\"]\n"
        ));
    }
    let file = dir.join("notices.toml");
    write_settled(&file, text);
    file.display().to_string()
}

/// The sample page with one more incident on Alpha, named `name`.
fn page_with_incident(name: &str) -> String {
    let mut summary: Value =
        serde_json::from_slice(&std::fs::read(sample_page().join("api/v2/summary.json")).unwrap())
            .unwrap();
    let incidents = summary["incidents"].as_array_mut().unwrap();
    let mut new = incidents[1].clone();
    new["id"] = "newinc000001".into();
    new["name"] = name.into();
    new["status"] = "investigating".into();
    new["incident_updates"] = json!([]);
    incidents.push(new);
    summary.to_string()
}

#[test]
fn a_page_and_a_notices_file_each_failing_while_the_other_is_updated() {
    let site = Site::with("retries = 0\n", |dir| {
        format!(
            "[[source]]\nname = \"Site notices\"\nnotices = {}\n\
             [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"alpha-*\"]\n",
            toml_str(&notices(dir, &["n1"], false))
        )
    });
    let dir = site.dir.path();
    assert_eq!(site.fetch(T0).code(), 0);

    // The page answers 503; the notices file gets a new notice.
    site.server
        .route("/api/v2/summary.json", Reply::status(503));
    let file = notices(dir, &["n1", "n2"], false);
    let half = "2026-11-26T10:00:00+01:00";
    let d = site.fetch(half);
    assert_eq!(d.code(), 1, "{}", d.stderr());
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {}/api/v2/summary.json: HTTP 503 (server error) (1 attempt) \
             (its last good data is kept)\n",
            site.server.url()
        )
    );
    // Half an hour on, within stale_after, the login shows both sources' items and no age;
    // --all says the page's last read failed.
    let login = site.show(half, &["--login"]);
    assert!(
        login.contains("Notice n2") && login.contains("GPU jobs fail to start"),
        "{login}"
    );
    assert!(!login.contains("status as of"), "{login}");
    assert!(
        site.show(half, &[])
            .contains("Main: its last read failed: "),
        "{}",
        site.show(half, &[])
    );
    // Two hours on, still failing: the page's items with their own age, the notices' fresh.
    assert_eq!(site.fetch(T1).code(), 1);
    let c = site.cache();
    let (main, notes) = (&c["sources"][0], &c["sources"][1]);
    assert_eq!(main["fetched_at"], "2026-11-26T08:30:00Z");
    assert!(
        main["failed"].as_str().unwrap().contains("HTTP 503"),
        "{main}"
    );
    assert!(!main["items"].as_array().unwrap().is_empty());
    assert_eq!(
        (&notes["fetched_at"], &notes["failed"]),
        (&json!("2026-11-26T10:30:00Z"), &Value::Null)
    );
    let ids: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["n1", "n2"]);
    let login = site.show(T1, &["--login"]);
    assert!(login.contains("Notice n2"), "{login}");
    assert!(login.contains("GPU jobs fail to start"), "{login}");
    assert_eq!(login.matches("status as of").count(), 1, "{login}");
    assert!(
        login.contains("\nMain: status as of 2 hours ago\n"),
        "{login}"
    );
    let json = Run::display()
        .env("MOTD_STATUS_NOW", T1)
        .args(["--hostname", "alpha-login1", "--format", "json", "--cache"])
        .arg(dir.join("status.json"))
        .success()
        .json();
    let pages = json["pages"].as_array().unwrap();
    assert_eq!(
        (&pages[0]["name"], &pages[0]["fetched_at"]),
        (&json!("Main"), &json!("2026-11-26T08:30:00Z"))
    );
    assert!(pages[0]["failed"].as_str().unwrap().contains("HTTP 503"));
    assert_eq!(
        (
            &pages[1]["kind"],
            &pages[1]["fetched_at"],
            &pages[1]["failed"]
        ),
        (
            &json!("notices"),
            &json!("2026-11-26T10:30:00Z"),
            &Value::Null
        )
    );
    let status = site.status(T1);
    assert_eq!(status.code(), 1, "{}", status.stdout());
    assert!(
        status
            .stdout()
            .starts_with("MOTD-STATUS WARNING - Main: status 2 hours old, past stale_after"),
        "{}",
        status.stdout()
    );
    let metrics = site.metrics();
    for line in [
        "motd_status_source_failed{source=\"Main\"} 1",
        "motd_status_source_failed{source=\"Site notices\"} 0",
        "motd_status_source_age_seconds{source=\"Main\"} 7200",
        "motd_status_source_age_seconds{source=\"Site notices\"} 0",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }

    // The other way round: the page is back with a new incident; the file gets a mistake.
    site.server.route(
        "/api/v2/summary.json",
        Reply::json(page_with_incident("Alpha login nodes unreachable")),
    );
    notices(dir, &["n1", "n2", "n3"], true);
    let t2 = "2026-11-26T13:30:00+01:00";
    let d = site.fetch(t2);
    assert_eq!(d.code(), 1, "{}", d.stderr());
    assert!(
        d.stderr().ends_with(&format!(
            "motd-status-fetch: error: {file}:5:1: unknown key `titel` in notice \"n1\": did \
             you mean `title`? (its last good data is kept)\n"
        )),
        "{}",
        d.stderr()
    );
    let c = site.cache();
    let (main, notes) = (&c["sources"][0], &c["sources"][1]);
    assert_eq!(
        (&main["fetched_at"], &main["failed"]),
        (&json!("2026-11-26T12:30:00Z"), &Value::Null)
    );
    assert_eq!(notes["fetched_at"], "2026-11-26T10:30:00Z");
    assert!(
        notes["failed"]
            .as_str()
            .unwrap()
            .contains("unknown key `titel`"),
        "{notes}"
    );
    assert_eq!(notes["items"].as_array().unwrap().len(), 2);
    let login = site.show(t2, &["--login"]);
    assert!(login.contains("Alpha login nodes unreachable"), "{login}");
    assert!(
        login.contains("Notice n2") && !login.contains("Notice n3"),
        "{login}"
    );
    assert_eq!(login.matches("status as of").count(), 1, "{login}");
    assert!(
        login.contains("\nSite notices: status as of 2 hours ago\n"),
        "{login}"
    );
    let json = Run::display()
        .env("MOTD_STATUS_NOW", t2)
        .args(["--hostname", "alpha-login1", "--format", "json", "--cache"])
        .arg(dir.join("status.json"))
        .success()
        .json();
    let pages = json["pages"].as_array().unwrap();
    assert_eq!(
        (&pages[0]["fetched_at"], &pages[0]["failed"]),
        (&json!("2026-11-26T12:30:00Z"), &Value::Null)
    );
    assert_eq!(pages[1]["fetched_at"], "2026-11-26T10:30:00Z");
    assert!(
        pages[1]["failed"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{file}:5:1: unknown key `titel`")),
        "{}",
        pages[1]
    );
    let status = site.status(t2);
    assert_eq!(status.code(), 1, "{}", status.stdout());
    assert!(
        status.stdout().starts_with(
            "MOTD-STATUS WARNING - Site notices: status 2 hours old, past stale_after"
        ),
        "{}",
        status.stdout()
    );
    let metrics = site.metrics();
    for line in [
        "motd_status_source_failed{source=\"Main\"} 0",
        "motd_status_source_failed{source=\"Site notices\"} 1",
        "motd_status_source_age_seconds{source=\"Site notices\"} 7200",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
}

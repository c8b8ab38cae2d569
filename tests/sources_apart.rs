//! Each source fails on its own: a page over HTTP and another read from a directory, one
//! failing (each way round) while the other is updated. The failing one keeps its last good
//! data with its own age and why it failed; the other is refreshed; the run exits 1; a login
//! names the source that is old, and shows nothing of one past `expire_after`; `--status` and
//! the metrics say which. When every source fails, the cache stays byte for byte.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::util::{Run, sample_page, tempdir, toml_str, write_page};

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
    fn new() -> Site {
        let dir = tempdir();
        let server = Server::start();
        server.serve_page(&sample_page());
        vendor_page(&dir.path().join("vendor"), "Array degraded");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "cache = {}\nmetrics_file = {}\n\
                 [[source]]\nname = \"Main\"\npage = {}\n\
                 [[source]]\nname = \"Vendor\"\npage = {}\n\
                 [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\", \"Vendor storage\"]\n\
                 hosts = [\"alpha-*\"]\n",
                toml_str(&dir.path().join("status.json").display().to_string()),
                toml_str(&dir.path().join("metrics.prom").display().to_string()),
                toml_str(&server.url()),
                toml_str(&dir.path().join("vendor").display().to_string()),
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

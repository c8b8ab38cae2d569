//! Private pages through a loopback emulation of the Statuspage manage API (v1): pagination,
//! the `Authorization` header, pacing, clear errors for a refused key or an unknown page, the
//! key file's mode, and the key never leaving the key file. Also several sources in one config.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{Reply, Server};
use crate::util::{Run, real, tempdir};

const KEY: &str = "sekret-key-0123456789";
const PAGE: &str = "pg1abc2def3g";

fn component(i: usize) -> Value {
    let group = ["grp1", "grp2", "grp3"][i / 100];
    json!({
        "id": format!("c{i:03}"),
        "page_id": PAGE,
        "group_id": group,
        "name": format!("Node {i}"),
        "status": if i == 5 { "major_outage" } else { "operational" },
        "position": (i % 100) + 1,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "group": false,
        "automation_email": "component+x@notifications.statuspage.io"
    })
}

/// A v1 page: 250 components over three pages, three groups, one unresolved incident on
/// component 150, nothing scheduled, no history.
fn serve_v1(server: &Server) {
    let base = format!("/v1/pages/{PAGE}");
    server.route(
        &base,
        Reply::json(
            json!({"id": PAGE, "name": "Private HPC", "url": "https://status.hpc.example.org",
                   "time_zone": "Etc/UTC", "subdomain": "hpc"})
            .to_string(),
        ),
    );
    let all: Vec<Value> = (0..250).map(component).collect();
    for (n, chunk) in all.chunks(100).enumerate() {
        server.route(
            &format!("{base}/components?page={}&per_page=100", n + 1),
            Reply::json(Value::from(chunk.to_vec()).to_string()),
        );
    }
    let groups: Vec<Value> = (1..=3)
        .map(|g| {
            json!({"id": format!("grp{g}"), "page_id": PAGE, "name": format!("Group {g}"),
                   "description": null, "position": g.to_string(),
                   "components": (0..250).filter(|i| i / 100 + 1 == g)
                        .map(|i| format!("c{i:03}")).collect::<Vec<_>>(),
                   "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
        })
        .collect();
    server.route(
        &format!("{base}/component-groups?page=1&per_page=100"),
        Reply::json(Value::from(groups).to_string()),
    );
    let incident = json!({
        "id": "inc00000001",
        "name": "Scheduler unreachable",
        "status": "investigating",
        "impact": "major",
        "impact_override": null,
        "created_at": "2026-11-26T08:00:00Z",
        "updated_at": "2026-11-26T08:10:00Z",
        "monitoring_at": null,
        "resolved_at": null,
        "shortlink": "https://stspg.io/x",
        "page_id": PAGE,
        "postmortem_body": null,
        "metadata": {},
        "incident_updates": [{"id": "u1", "status": "investigating",
            "body": "We are looking into it.", "incident_id": "inc00000001",
            "created_at": "2026-11-26T08:10:00Z", "updated_at": "2026-11-26T08:10:00Z",
            "display_at": "2026-11-26T08:10:00Z", "affected_components": null,
            "deliver_notifications": true, "tweet_id": null, "twitter_updated_at": null,
            "wants_twitter_update": false}],
        "components": [component(150)]
    });
    server.route(
        &format!("{base}/incidents/unresolved?page=1&per_page=100"),
        Reply::json(json!([incident]).to_string()),
    );
    for empty in ["incidents/active_maintenance", "incidents/upcoming"] {
        server.route(
            &format!("{base}/{empty}?page=1&per_page=100"),
            Reply::json("[]"),
        );
    }
    server.route(
        &format!("{base}/incidents?page=1&limit=100"),
        Reply::json("[]"),
    );
}

fn write_key(dir: &Path, mode: u32) -> PathBuf {
    let path = dir.join("api-key");
    std::fs::write(&path, format!("{KEY}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// The config of a private page (plus `extra`), with the cache in `dir`.
fn private_config(dir: &Path, server: &Server, extra: &str) -> PathBuf {
    let key = write_key(dir, 0o600);
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "page_id = {PAGE:?}\napi_key_file = {:?}\napi_base = \"{}/v1\"\ncache = {:?}\n\
             api_interval = \"50ms\"\ntimeout = \"2s\"\nretry_delay = \"10ms\"\n{extra}\n\
             [[cluster]]\nname = \"Two\"\ngroups = [\"Group 2\"]\nhosts = [\"two-*\"]\n",
            key.display().to_string(),
            server.url(),
            dir.join("status.json").display().to_string(),
        ),
    )
    .unwrap();
    path
}

#[test]
fn private_page_is_read_page_by_page_with_the_key() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let cfg = private_config(dir.path(), &server, "");
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--verbose")
        .output();
    assert_eq!(d.code(), 0, "{}", d.stderr());
    let reqs = server.requests();
    assert_eq!(
        reqs.len(),
        9,
        "{:#?}",
        reqs.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    for r in &reqs {
        assert_eq!(
            r.header("authorization"),
            Some(&*format!("OAuth {KEY}")),
            "{}",
            r.path
        );
        assert!(r.header("user-agent").unwrap().starts_with("motd-status/"));
    }
    assert!(
        reqs.iter()
            .any(|r| r.path.ends_with("components?page=3&per_page=100"))
    );
    // One request per api_interval (50ms here): 9 requests take at least 8 intervals.
    assert!(d.took >= Duration::from_millis(400), "took {:?}", d.took);

    let text = std::fs::read_to_string(dir.path().join("status.json")).unwrap();
    assert!(!text.contains(KEY), "the key leaked into the cache");
    assert!(!d.stderr().contains(KEY), "the key leaked into the log");
    let c = motd_status::testing::parse(Path::new("status.json"), text.as_bytes()).unwrap();
    let s = &c.sources[0];
    assert_eq!(
        (s.name.as_str(), s.url.as_str()),
        ("Private HPC", "https://status.hpc.example.org")
    );
    assert_eq!(s.items.len(), 1);
    assert_eq!(s.items[0].components, ["c150"]);
    let named: Vec<(&str, Option<&str>)> = s
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.group.as_deref()))
        .collect();
    assert_eq!(
        named,
        [("c005", Some("Group 1")), ("c150", Some("Group 2"))]
    );
    assert_eq!(c.clusters[0].components.len(), 1, "{:?}", c.clusters);
    assert_eq!(c.clusters[0].components[0].id, "c150");

    let view = Run::display()
        .args(["--cache", dir.path().join("status.json").to_str().unwrap()])
        .args(["--cluster", "Two", "--color", "never"])
        .success()
        .stdout();
    assert!(view.contains("Scheduler unreachable"), "{view}");
}

#[test]
fn refused_key_and_unknown_page_are_clear_errors() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let cfg = private_config(dir.path(), &server, "");
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let before = std::fs::read(&cache).unwrap();
    let page_url = format!("{}/v1/pages/{PAGE}", server.url());
    for (status, cause) in [
        (401, "the API key was refused (HTTP 401)"),
        (403, "the API key was refused (HTTP 403)"),
        (404, "no page with that id (HTTP 404)"),
    ] {
        server.route(&format!("/v1/pages/{PAGE}"), Reply::status(status));
        let d = Run::fetch().arg("--config").arg(&cfg).output();
        let err = d.stderr();
        assert_eq!(d.code(), 1, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("{page_url}: {cause}")), "{err}");
        assert!(!err.contains(KEY));
        assert!(d.took < Duration::from_secs(1), "took {:?}", d.took);
        assert_eq!(std::fs::read(&cache).unwrap(), before);
    }
}

#[test]
fn key_readable_by_others_is_refused() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let cfg = private_config(dir.path(), &server, "");
    let key = write_key(dir.path(), 0o644);
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    let err = d.stderr();
    assert_eq!(d.code(), 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "api_key_file {}: mode 0644 lets group or others read it",
            key.display()
        )),
        "{err}"
    );
    assert!(!err.contains(KEY));
    assert!(
        server.requests().is_empty(),
        "nothing is fetched with a refused key file"
    );
}

#[test]
fn key_from_the_credentials_directory() {
    let dir = tempdir();
    let server = Server::start();
    serve_v1(&server);
    let cfg = private_config(dir.path(), &server, "");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let key = dir.path().join("api-key").display().to_string();
    std::fs::write(&cfg, text.replace(&format!("{key:?}"), "\"%d/api-key\"")).unwrap();
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("CREDENTIALS_DIRECTORY", dir.path())
        .output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 2);
    assert!(
        d.stderr().contains("%d needs $CREDENTIALS_DIRECTORY"),
        "{}",
        d.stderr()
    );
}

#[test]
fn several_sources_in_one_config() {
    let dir = tempdir();
    let private = Server::start();
    serve_v1(&private);
    let public = Server::start();
    public.serve_fixtures(
        &real("discord-summary-groups-unresolved-incident.json"),
        None,
    );
    write_key(dir.path(), 0o600);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "page = \"{}\"\ncache = \"status.json\"\napi_interval = \"10ms\"\n\n\
             [[source]]\nname = \"HPC\"\npage_id = {PAGE:?}\napi_key_file = \"api-key\"\n\
             api_base = \"{}/v1\"\n\n\
             [[cluster]]\nname = \"Two\"\ngroups = [\"Group 2\"]\ncomponents = [\"Voice / Japan\"]\n\
             hosts = [\"two-*\"]\n",
            public.url(),
            private.url()
        ),
    )
    .unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    let c = motd_status::testing::read(&dir.path().join("status.json")).unwrap();
    let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Discord", "HPC"]);
    assert_eq!(c.sources[0].items[0].id, "2gztsrksff0v");
    assert_eq!(c.sources[1].items[0].id, "inc00000001");
    // The cluster covers a component of each source; only those a login could show are kept.
    let refs: Vec<(usize, &str)> = c.clusters[0]
        .components
        .iter()
        .map(|r| (r.source, r.id.as_str()))
        .collect();
    assert_eq!(refs, [(1, "c150")]);
    let check = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--check")
        .output();
    assert_eq!(check.code(), 0, "{}", check.stderr());
    assert!(
        check.stdout().contains("Discord: Japan [xggnf9hnngkt]"),
        "{}",
        check.stdout()
    );
    assert!(
        check.stdout().contains("HPC: Group 2 [grp2]"),
        "{}",
        check.stdout()
    );
}

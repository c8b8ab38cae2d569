//! Mirror mode, proxies, conditional requests, `motd_file` and the log's form.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::server::{ConnectProxy, Reply, Server};
use crate::util::{NOW, Run, TZ, fetch_bin, real, sample_cache, tempdir, write_config};

const SUMMARY: &str = "discord-summary-groups-unresolved-incident.json";

fn cache_at(path: &Path) -> motd_status::testing::Cache {
    motd_status::testing::read(path).expect("a good cache")
}

#[test]
fn mirror_over_http_and_from_a_path() {
    let origin = tempdir();
    let published = sample_cache(origin.path());
    let want = cache_at(&published);
    let server = Server::start();
    server.route("/status.json", Reply::file(&published));

    let web = tempdir();
    let url = format!("{}/status.json", server.url());
    let cfg = web.path().join("config.toml");
    std::fs::write(&cfg, format!("mirror = {url:?}\ncache = \"status.json\"\n")).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let got = cache_at(&web.path().join("status.json"));
    assert_eq!(got.sources, want.sources);
    assert_eq!(got.clusters, want.clusters);
    assert_eq!(
        (got.fetched_at, got.checked_at),
        (want.fetched_at, want.checked_at)
    );
    assert!(
        got.generator.ends_with(&format!("(mirror of {url})")),
        "{}",
        got.generator
    );

    // From a path, with a local cluster and a local setting laid over the mirror.
    let shared = tempdir();
    let cfg = shared.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = {:?}\ncache = \"status.json\"\nrecent = \"1h\"\n\
             [[cluster]]\nname = \"Mine\"\ngroups = [\"Shared Services\"]\ncomponents = [\"Beta Cluster / Scratch filesystem\"]\n\
             hosts = [\"mine-*\"]\n",
            published.display().to_string()
        ),
    )
    .unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let got = cache_at(&shared.path().join("status.json"));
    assert_eq!(got.sources, want.sources);
    assert_eq!(got.settings.recent_seconds, 3600);
    assert_eq!(
        got.settings.upcoming_seconds,
        want.settings.upcoming_seconds
    );
    let names: Vec<&str> = got.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Mine"]);
    let ids: Vec<&str> = got.clusters[0]
        .components
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["shhome000001", "shlicense001", "b2scratch001"]);
}

#[test]
fn malformed_mirror_is_refused() {
    let origin = tempdir();
    let published = sample_cache(origin.path());
    let server = Server::start();
    server.route("/status.json", Reply::file(&published));
    let dir = tempdir();
    let url = format!("{}/status.json", server.url());
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("mirror = {url:?}\ncache = \"status.json\"\n")).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let before = std::fs::read(&cache).unwrap();
    let mut bumped: serde_json::Value = serde_json::from_slice(&before).unwrap();
    bumped["version"] = 99.into();
    let mut dangling: serde_json::Value = serde_json::from_slice(&before).unwrap();
    dangling["clusters"][0]["components"] = serde_json::json!([{"source": 7, "id": "x"}]);
    for (body, cause) in [
        (
            "{\"version\": 1}".to_owned(),
            "not a motd-status cache: missing field",
        ),
        (
            bumped.to_string(),
            "cache format version 99, this build reads 1",
        ),
        (dangling.to_string(), "names source 7 of 1"),
        ("<html>It works!</html>".to_owned(), "got HTML, not JSON"),
    ] {
        server.route("/status.json", Reply::json(body));
        let d = Run::fetch().arg("--config").arg(&cfg).output();
        let err = d.stderr();
        assert_eq!(d.code(), 1, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&url) && err.contains(cause),
            "{cause:?}: {err}"
        );
        assert_eq!(std::fs::read(&cache).unwrap(), before);
    }
    // A mirror file others may write is not shown to every user.
    let file = dir.path().join("published.json");
    std::fs::copy(&published, &file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::write(
        &cfg,
        format!(
            "mirror = {:?}\ncache = \"status.json\"\n",
            file.display().to_string()
        ),
    )
    .unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 1);
    assert!(
        d.stderr()
            .contains("mode 0666 lets group or others write it"),
        "{}",
        d.stderr()
    );
    assert_eq!(std::fs::read(&cache).unwrap(), before);
}

#[test]
fn proxy_from_the_environment_and_the_config_and_no_proxy() {
    let server = Server::start();
    server.serve_fixtures(&real(SUMMARY), None);
    let proxy = ConnectProxy::start();
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let target = server.addr().to_string();

    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("HTTP_PROXY", proxy.url())
        .success();
    assert_eq!(proxy.targets(), [target.clone(), target.clone()]);

    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "localhost,127.0.0.1")
        .success();
    assert_eq!(proxy.targets().len(), 2, "NO_PROXY bypasses the proxy");

    let cfg = write_config(
        dir.path(),
        &server.url(),
        &format!("proxy = {:?}\n", proxy.url()),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    assert_eq!(proxy.targets().len(), 4, "the config's proxy");

    // An https page would take HTTPS_PROXY, not HTTP_PROXY: here HTTPS_PROXY alone is unused.
    let cfg = write_config(dir.path(), &server.url(), "");
    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .success();
    assert_eq!(proxy.targets().len(), 4);
}

#[test]
fn not_modified_moves_only_checked_at() {
    let server = Server::start();
    server.route(
        "/api/v2/summary.json",
        Reply::file(&real(SUMMARY)).header("ETag", "\"s1\""),
    );
    server.route(
        "/api/v2/incidents.json",
        Reply::json("{\"incidents\": []}").header("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT"),
    );
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let cache = dir.path().join("status.json");
    Run::fetch().arg("--config").arg(&cfg).success();
    let first = cache_at(&cache);
    assert_eq!(first.validators.len(), 3, "{:?}", first.validators);

    server.route("/api/v2/summary.json", Reply::status(304));
    server.route("/api/v2/incidents.json", Reply::status(304));
    let later = "2026-11-26T09:40:00+01:00";
    let n = server.requests().len();
    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", later)
        .success();
    let reqs = &server.requests()[n..];
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("if-none-match"), Some("\"s1\""));
    assert_eq!(
        reqs[1].header("if-modified-since"),
        Some("Wed, 25 Nov 2026 10:00:00 GMT")
    );
    let second = cache_at(&cache);
    assert_eq!(second.fetched_at, first.fetched_at);
    assert_eq!(
        second.checked_at.unwrap().to_rfc3339(),
        "2026-11-26T08:40:00+00:00"
    );
    // Only the source's own confirmation time moves with it.
    let moved: Vec<_> = first
        .sources
        .iter()
        .cloned()
        .map(|mut s| {
            s.checked_at = second.checked_at;
            s
        })
        .collect();
    assert_eq!(second.sources, moved);
    assert_eq!(second.validators, first.validators);

    // Summary 304 but incidents 200: the summary is fetched again, unconditionally.
    server.replies(
        "/api/v2/summary.json",
        vec![
            Reply::status(304),
            Reply::file(&real(SUMMARY)).header("ETag", "\"s1\""),
        ],
    );
    server.route(
        "/api/v2/incidents.json",
        Reply::json("{\"incidents\": []}").header("Last-Modified", "Thu, 26 Nov 2026 08:00:00 GMT"),
    );
    let n = server.requests().len();
    Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", later)
        .success();
    let reqs = &server.requests()[n..];
    let seen: Vec<(&str, bool)> = reqs
        .iter()
        .map(|r| {
            let conditional =
                r.header("if-none-match").is_some() || r.header("if-modified-since").is_some();
            (r.path.as_str(), conditional)
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("/api/v2/summary.json", true),
            ("/api/v2/incidents.json", true),
            ("/api/v2/summary.json", false)
        ]
    );
    let third = cache_at(&cache);
    assert_eq!(third.fetched_at.to_rfc3339(), "2026-11-26T08:40:00+00:00");

    // A changed config never rides on a 304: it fetches in full.
    server.route("/api/v2/summary.json", Reply::status(304));
    server.route("/api/v2/incidents.json", Reply::status(304));
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}recent = \"3d\"\n")).unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 1, "a 304 to an unconditional request is an error");
}

#[test]
fn motd_file_holds_this_hosts_view() {
    let dir = tempdir();
    let page = crate::util::sample_page().display().to_string();
    let motd = dir.path().join("motd");
    let cfg = write_config(
        dir.path(),
        &page,
        &format!("motd_file = {:?}\n", motd.display().to_string()),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let login = Run::display()
        .args(["--login", "--color", "never", "--width", "80", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    let written = std::fs::read_to_string(&motd).unwrap();
    // The login's view, but written for a file read at unknown times: dates alone, never "2
    // hours ago", and as of when.
    crate::util::golden("motd_file.txt", &written);
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("            "))
            .map(str::to_owned)
            .collect()
    };
    let mut titles = lines(&written);
    let as_of = titles
        .iter()
        .position(|l| l == "status as of Thu 26 Nov 09:30 CET");
    titles.remove(as_of.expect("the file says as of when"));
    assert_eq!(titles, lines(&login), "the same entries as the login");
    assert!(
        !written.contains(" ago") && !written.contains("(in "),
        "{written}"
    );
    assert!(!written.is_empty() && !written.contains('\x1b'));
    assert_eq!(std::fs::metadata(&motd).unwrap().mode() & 0o7777, 0o644);

    // Nothing to show: an empty file, not a stale one.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}[login]\nenabled = false\n")).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    assert_eq!(std::fs::read_to_string(&motd).unwrap(), "");
    assert!(!dir.path().join(".motd.tmp").exists());
}

#[test]
fn log_levels_verbose_quiet_and_journald() {
    let server = Server::start();
    server.serve_fixtures(&real(SUMMARY), None);
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--verbose")
        .output();
    assert_eq!(d.code(), 0);
    let err = d.stderr();
    assert!(
        err.lines()
            .all(|l| l.starts_with("motd-status-fetch: info: ")),
        "{err}"
    );
    assert!(
        err.contains(&format!("GET {}/api/v2/summary.json: 200, ", server.url())),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("ms") && l.contains("incidents.json")),
        "{err}"
    );

    server.route("/api/v2/summary.json", Reply::status(404));
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--quiet")
        .output();
    assert_eq!(d.code(), 1);
    assert!(d.stderr().starts_with("motd-status-fetch: error: "));

    // With stderr on the journal's stream, each line starts with its syslog priority.
    let log = dir.path().join("journal");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let status = Command::new(fetch_bin())
        .arg("--config")
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", NOW)
        .env("TZ", TZ)
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stdin(Stdio::null())
        .stderr(file)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("<3>motd-status-fetch: error: "), "{text}");
}

//! A site of many login nodes behind one fetch, over a stock web server: one publisher fetches
//! the page, Debian's nginx serves its cache (with nginx's own ETag and Last-Modified), and a
//! mirror copies it. Publishing, 304s on unchanged data, a change picked up, nginx stopped, and
//! a truncated or foreign file served.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::nginx::Nginx;
use crate::server::{Reply, Server};
use crate::util::{NOW, Run, sample_page, tempdir, write_config};

#[test]
fn a_mirror_behind_debians_nginx() {
    // The publisher: fetches the page, writes its cache into the web server's root.
    let page = Server::start();
    page.serve_page(&sample_page());
    let publisher = tempdir();
    let www = publisher.path().join("www");
    std::fs::create_dir(&www).unwrap();
    let cfg = write_config(publisher.path(), &page.url(), crate::util::SAMPLE_CLUSTERS);
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        &format!(
            "{:?}",
            publisher.path().join("status.json").display().to_string()
        ),
        &format!("{:?}", www.join("status.json").display().to_string()),
    );
    std::fs::write(&cfg, text).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();

    let web = tempdir();
    let mut nginx = Nginx::start(web.path(), &www);
    let mirror = tempdir();
    let mcfg = mirror.path().join("config.toml");
    std::fs::write(
        &mcfg,
        format!(
            "mirror = \"http://127.0.0.1:{}/status.json\"\ncache = \"status.json\"\nretries = 0\n",
            nginx.port
        ),
    )
    .unwrap();
    let mcache = mirror.path().join("status.json");
    let login = |now: &str| {
        Run::display()
            .env("MOTD_STATUS_NOW", now)
            .args(["--hostname", "alpha-login1", "--color", "never", "--cache"])
            .arg(&mcache)
            .success()
            .stdout()
    };

    // Published and copied: the mirror's login is the publisher's.
    Run::fetch().arg("--config").arg(&mcfg).success();
    let published = Run::display()
        .args(["--hostname", "alpha-login1", "--color", "never", "--cache"])
        .arg(www.join("status.json"))
        .success()
        .stdout();
    assert_eq!(login(NOW), published);

    // Unchanged: nginx answers 304 to the mirror's validators, nothing is rewritten.
    let before = std::fs::read(&mcache).unwrap();
    Run::fetch().arg("--config").arg(&mcfg).success();
    assert_eq!(std::fs::read(&mcache).unwrap(), before);
    assert_eq!(Nginx::statuses(web.path()), ["200", "304"]);

    // The page changes: the publisher's new cache is picked up.
    let mut summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sample_page().join("api/v2/summary.json")).unwrap())
            .unwrap();
    summary["incidents"][1]["name"] = "GPU nodes back, jobs run".into();
    page.route("/api/v2/summary.json", Reply::json(summary.to_string()));
    Run::fetch().arg("--config").arg(&cfg).success();
    // nginx's Last-Modified has a one-second resolution: make the change visible to it.
    std::thread::sleep(Duration::from_millis(1100));
    filetime_touch(&www.join("status.json"));
    Run::fetch().arg("--config").arg(&mcfg).success();
    assert!(
        login(NOW).contains("GPU nodes back, jobs run"),
        "{}",
        login(NOW)
    );

    // A truncated file, then a foreign one: refused, the mirror's cache kept.
    let good = std::fs::read(&mcache).unwrap();
    let full = std::fs::read(www.join("status.json")).unwrap();
    for (body, cause) in [
        (full[..full.len() / 2].to_vec(), "truncated JSON"),
        (br#"{"hello": "world"}"#.to_vec(), "not a motd-status cache"),
    ] {
        std::fs::write(www.join("status.json"), &body).unwrap();
        let out = Run::fetch().arg("--config").arg(&mcfg).output();
        assert_eq!(out.code(), 1, "{}", out.stderr());
        assert!(out.stderr().contains(cause), "{cause}: {}", out.stderr());
        assert_eq!(std::fs::read(&mcache).unwrap(), good);
    }

    // nginx stopped: the run fails, the cache stays, and two hours on the login says how old
    // its status is.
    nginx.stop();
    let out = Run::fetch().arg("--config").arg(&mcfg).output();
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert_eq!(std::fs::read(&mcache).unwrap(), good);
    let later = login("2026-11-26T11:45:00+01:00");
    assert!(later.contains("status as of 2 hours ago"), "{later}");
}

/// Sets a file's modification time to now.
fn filetime_touch(path: &Path) {
    let status = Command::new("touch").arg(path).status().unwrap();
    assert!(status.success());
}

//! What the fetcher takes in from files and answers, checked before it replaces a good cache:
//! answers that are not a page, local pages and mirrors others could have written, a
//! `motd_file` that names the cache, and a log that cannot be written.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::server::{Reply, Server};
use crate::util::{Run, sample_cache, sample_page, tempdir, write_config};

/// A JSON answer that is not a page (a CDN's error body with HTTP 200) fails the fetch and
/// keeps the good cache, over HTTP and from a page directory.
#[test]
fn json_that_is_not_a_page_keeps_the_good_cache() {
    let server = Server::start();
    server.serve_page(&sample_page());
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let before = std::fs::read(&cache).unwrap();
    for body in [
        r#"{"error":"Service temporarily unavailable"}"#,
        r#"{}"#,
        r#"{"status": {"indicator": "none"}}"#,
    ] {
        server.route("/api/v2/summary.json", Reply::json(body));
        let out = Run::fetch().arg("--config").arg(&cfg).output();
        let err = out.stderr();
        assert_eq!(out.code(), 1, "{body}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("not a status page"), "{err}");
        assert_eq!(std::fs::read(&cache).unwrap(), before, "{body}");
    }
}

fn chown(path: &Path, uid: u32) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; -1 keeps the group.
    let rc = unsafe { libc::chown(c.as_ptr(), uid, u32::MAX) };
    assert_eq!(rc, 0, "chown {}", path.display());
}

/// A page directory's files get the cache's rules: a summary.json another user owns, or one
/// everyone may write, or one in a directory everyone may write, is not shown to every user.
#[test]
fn a_local_page_others_could_write_is_refused() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    type Spoil = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "lets group or others write it",
            Box::new(|page: &Path| {
                let f = page.join("api/v2/summary.json");
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
            }),
        ),
        (
            "is writable by everyone",
            Box::new(|page: &Path| {
                let d = page.join("api/v2");
                std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
            }),
        ),
    ];
    let mut cases = cases;
    if root {
        cases.push((
            "owned by uid 65534",
            Box::new(|page: &Path| chown(&page.join("api/v2/summary.json"), 65534)),
        ));
    }
    for (why, spoil) in cases {
        let dir = tempdir();
        let page = dir.path().join("page");
        crate::util::write_page(
            &page,
            &json!({"page": {"name": "P", "url": "https://p.example"}, "components": [], "incidents": []}),
            None,
        );
        let cfg = write_config(dir.path(), &page.display().to_string(), "");
        Run::fetch().arg("--config").arg(&cfg).success();
        let before = std::fs::read(dir.path().join("status.json")).unwrap();
        spoil(&page);
        let out = Run::fetch().arg("--config").arg(&cfg).output();
        let err = out.stderr();
        assert_eq!(out.code(), 1, "{why}: {err}");
        assert!(
            err.contains("not trusted") && err.contains(why),
            "{why}: {err}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("status.json")).unwrap(),
            before
        );
    }
}

/// A file mirror owned by another user (mode 0644, in a directory only root may write) is
/// refused like a cache the login would refuse, and so is one in a world-writable directory.
#[test]
fn a_file_mirror_of_another_user_is_refused() {
    let origin = tempdir();
    let published = sample_cache(origin.path());
    let dir = tempdir();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let file = shared.join("status.json");
    std::fs::copy(&published, &file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = {:?}\ncache = \"status.json\"\n",
            file.display().to_string()
        ),
    )
    .unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("writable by everyone"),
        "{}",
        out.stderr()
    );
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        chown(&file, 65534);
        let out = Run::fetch().arg("--config").arg(&cfg).output();
        assert_eq!(out.code(), 1);
        assert!(
            out.stderr().contains("owned by uid 65534"),
            "{}",
            out.stderr()
        );
    }
}

/// `motd_file` naming the cache would write rendered text over it at every run.
#[test]
fn motd_file_naming_the_cache_is_a_config_error() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        &sample_page().display().to_string(),
        &format!(
            "motd_file = {:?}\n",
            dir.path().join("status.json").display().to_string()
        ),
    );
    let out = Run::fetch()
        .arg("--check")
        .arg("--config")
        .arg(&cfg)
        .output();
    assert_eq!(out.code(), 2);
    let err = out.stderr();
    assert!(
        err.contains("motd_file") && err.contains("is also the cache"),
        "{err}"
    );
}

/// A log that cannot be written (stderr a full device, or a pipe whose reader left) never
/// stops the run: the cache is written all the same.
#[test]
fn a_log_that_cannot_be_written_never_stops_a_run() {
    let dir = tempdir();
    // Warnings guaranteed: a cluster naming a group the page does not have.
    let cfg = write_config(
        dir.path(),
        &sample_page().display().to_string(),
        "[[cluster]]\nname = \"X\"\ngroups = [\"no such group\"]\nhosts = [\"x-*\"]\n",
    );
    let full = std::fs::File::create("/dev/full").unwrap();
    let status = Command::new(crate::util::fetch_bin())
        .args(["-v", "--config"])
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", crate::util::NOW)
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(dir.path().join("status.json").exists());
    std::fs::remove_file(dir.path().join("status.json")).unwrap();
    let mut child = Command::new(crate::util::fetch_bin())
        .args(["-v", "--config"])
        .arg(&cfg)
        .env("MOTD_STATUS_NOW", crate::util::NOW)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(dir.path().join("status.json").exists());
}

/// Credentials in a page or mirror address stay out of the cache (readable by every user and
/// published to mirrors): no `user:password@` in the page's address or the validators.
#[test]
fn credentials_in_addresses_stay_out_of_the_cache() {
    let server = Server::start();
    server.serve_page(&sample_page());
    let dir = tempdir();
    let with_creds = server.url().replace("http://", "http://reader:s3cr3t-pw@");
    let cfg = write_config(dir.path(), &with_creds, "");
    // The sample page names its own address; a page that does not gets the configured one.
    let summary = std::fs::read_to_string(sample_page().join("api/v2/summary.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    v["page"]["url"] = json!("");
    server.route("/api/v2/summary.json", Reply::json(v.to_string()));
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = std::fs::read_to_string(dir.path().join("status.json")).unwrap();
    assert!(!cache.contains("s3cr3t-pw"), "{cache}");
    assert!(
        cache.contains("127.0.0.1"),
        "the configured address is shown, redacted"
    );
    // A mirror of it, through an address with credentials too.
    server.route("/status.json", Reply::file(&dir.path().join("status.json")));
    let m = tempdir();
    let cfg = m.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("mirror = \"{with_creds}/status.json\"\ncache = \"status.json\"\n"),
    )
    .unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let mirrored = std::fs::read_to_string(m.path().join("status.json")).unwrap();
    assert!(!mirrored.contains("s3cr3t-pw"), "{mirrored}");
}

/// The jitter's wait is part of the run's deadline: `--jitter 1h` with `deadline = "2s"`
/// waits at most a second, says so, and the run still fetches.
#[test]
fn jitter_fits_in_the_runs_deadline() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        &sample_page().display().to_string(),
        "deadline = \"2s\"\n",
    );
    let started = std::time::Instant::now();
    let out = Run::fetch()
        .args(["--jitter", "1h", "--config"])
        .arg(&cfg)
        .output();
    assert_eq!(out.code(), 0, "{}", out.stderr());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        out.stderr().contains("more than half the run's deadline"),
        "{}",
        out.stderr()
    );
    assert!(dir.path().join("status.json").exists());
}

/// Times ahead of this host's clock never pass for fresh: a cache from the future says its age
/// is unknown, an incident that started "in 6 days" says the clock disagrees, and a mirror
/// claiming 2^64-1 entries left out is refused.
#[test]
fn times_ahead_of_the_clock_and_absurd_counts() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    for key in ["fetched_at", "checked_at"] {
        v[key] = json!("2026-12-02T09:00:00Z");
        v["sources"][0][key] = json!("2026-12-02T09:00:00Z");
    }
    std::fs::write(&cache, v.to_string()).unwrap();
    let out = Run::display()
        .args(["--hostname", "alpha-login1", "--color", "never", "--cache"])
        .arg(&cache)
        .success()
        .stdout();
    assert!(
        out.contains("status time 6 days ahead of this host's clock: its age is unknown"),
        "{out}"
    );
    // Seen from a host whose clock is a week behind the page's.
    let behind = Run::display()
        .env("MOTD_STATUS_NOW", "2026-11-19T09:30:00+01:00")
        .args(["--hostname", "alpha-login1", "--color", "never", "--cache"])
        .arg(&cache)
        .success()
        .stdout();
    assert!(behind.contains("(ahead of this host's clock)"), "{behind}");
    assert!(
        !behind.contains("since Thu 26 Nov 07:40 CET (in "),
        "{behind}"
    );

    let server = Server::start();
    v["clusters"][0]["more"] = json!(u64::MAX);
    server.route("/status.json", Reply::json(v.to_string()));
    let m = tempdir();
    let cfg = m.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "mirror = \"{}/status.json\"\ncache = \"status.json\"\n",
            server.url()
        ),
    )
    .unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("entries left out"),
        "{}",
        out.stderr()
    );
}

/// The package's own config, before a site sets `page`: a timer's run is a quiet no-op (one
/// warning, exit 0, nothing written), and `--check` says what to set.
#[test]
fn an_unconfigured_package_is_a_quiet_no_op() {
    let dir = tempdir();
    let text = std::fs::read_to_string(crate::util::repo().join("packaging/config.toml"))
        .unwrap()
        .replace("/var/cache/motd-status", &dir.path().display().to_string());
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, text).unwrap();
    let run = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains("not configured yet"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the config"
    );
    let check = Run::fetch()
        .arg("--check")
        .arg("--config")
        .arg(&cfg)
        .output();
    assert_eq!(check.code(), 2);
    assert!(check.stderr().contains("set page"), "{}", check.stderr());
}

/// https:// to a port that speaks plain HTTP is named as such, with what to write instead.
#[test]
fn https_to_a_plain_http_port_says_so() {
    // A plain HTTP server answers a TLS hello as any web server does: 400, in clear text.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(2) {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 1024];
            let _ = std::io::Read::read(&mut conn, &mut buf);
            let _ = std::io::Write::write_all(
                &mut conn,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let dir = tempdir();
    let https = format!("https://127.0.0.1:{port}");
    let cfg = write_config(dir.path(), &https, "retries = 0\n");
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1);
    let err = out.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("did not answer in TLS") && err.contains("http://, not https://"),
        "{err}"
    );
}

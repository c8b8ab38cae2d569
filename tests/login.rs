//! The login path under everything a cluster throws at it: hung filesystems, untrusted or
//! broken caches, hostile page text, huge pages, stale data. `--login` must print nothing or
//! the view, within the deadline, with exit 0, every time.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::Server;
use crate::util::{Run, assert_eq, sample_cache, tempdir, write_config, write_page};

/// Runs `--login` (and `--all`) on `cache`: login silent with exit 0; `--all` one line, exit 2.
fn refused(cache: &Path, why: &str) {
    let login = Run::display()
        .arg("--login")
        .arg("--cache")
        .arg(cache)
        .output();
    assert_eq!(
        (login.code(), login.stdout(), login.stderr()),
        (0, String::new(), String::new())
    );
    let all = Run::display()
        .arg("--all")
        .arg("--cache")
        .arg(cache)
        .output();
    assert_eq!(all.code(), 2);
    assert_eq!(all.stdout(), "");
    let err = all.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(why), "expected {why:?} in {err:?}");
}

#[test]
fn a_fifo_as_cache_finishes_at_once_and_prints_nothing() {
    let dir = tempdir();
    let fifo = dir.path().join("status.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let started = Instant::now();
    let login = Run::display()
        .arg("--login")
        .arg("--cache")
        .arg(&fifo)
        .output();
    let took = started.elapsed();
    assert_eq!(
        (login.code(), login.stdout(), login.stderr()),
        (0, String::new(), String::new())
    );
    // Well inside the 200 ms deadline: the FIFO is refused without reading it. (Bounds in these
    // tests leave room for process start-up on a loaded two-core CI machine.)
    assert!(took < Duration::from_millis(200), "took {took:?}");
    refused(&fifo, "not a regular file");
}

/// A FUSE file system whose reads never return: the hung NFS or Lustre mount of a bad day.
pub(crate) struct StalledMount {
    dir: tempfile::TempDir,
    child: Child,
}

impl StalledMount {
    pub(crate) fn start() -> StalledMount {
        let dir = tempdir();
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        let child = Command::new("/usr/bin/python3")
            .arg(crate::util::repo().join("tests/stall_fs.py"))
            .arg(&mnt)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 with fusepy (sudo bash .ci/deps installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !mnt.join("status.json").exists() {
            assert!(
                Instant::now() < deadline,
                "the FUSE mount did not come up (is /dev/fuse usable?)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        StalledMount { dir, child }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("mnt/status.json")
    }

    /// The mount point: a directory whose every request hangs once frozen.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir.path().join("mnt")
    }

    /// Freezes the file system's daemon: from now on every request waits in the kernel's
    /// queue, unanswered, as with a dead NFS server or a wedged FUSE daemon.
    pub(crate) fn freeze(&self) {
        let pid = self.child.id();
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGSTOP) }, 0);
        // kill() returns before every thread has stopped; a thread still reading /dev/fuse
        // could take the next request into the daemon, where no signal can take it back.
        let tasks = format!("/proc/{pid}/task");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let stopped = std::fs::read_dir(&tasks).unwrap().all(|t| {
                let stat =
                    std::fs::read_to_string(t.unwrap().path().join("stat")).unwrap_or_default();
                // The state follows the parenthesised command name.
                matches!(
                    stat.rsplit(") ").next().and_then(|r| r.chars().next()),
                    Some('T' | 't')
                )
            });
            if stopped {
                return;
            }
            assert!(Instant::now() < deadline, "the FUSE daemon did not stop");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Runs `run`, and if it has not finished after `limit` (a request reached the daemon
    /// after all), releases it by killing the daemon and fails.
    pub(crate) fn run(&mut self, run: Run, limit: Duration) -> crate::util::Done {
        let child = &mut self.child;
        run.output_within(limit, || {
            let _ = child.kill();
        })
    }
}

impl Drop for StalledMount {
    fn drop(&mut self) {
        // Killing the daemon aborts the connection, which releases every waiting request.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("fusermount3")
            .args(["-u", "-z"])
            .arg(self.dir.path().join("mnt"))
            .status();
    }
}

#[test]
fn a_read_that_hangs_forever_is_cut_off_by_the_deadline() {
    let mut mount = StalledMount::start();
    let cache = mount.cache();
    // The file looks fine (regular, root's, 0644): only reading it hangs.
    let meta = std::fs::metadata(&cache).unwrap();
    assert!(meta.is_file());
    mount.freeze();

    let limit = Duration::from_secs(5);
    let login = mount.run(
        Run::display().arg("--login").arg("--cache").arg(&cache),
        limit,
    );
    assert_eq!(
        (login.code(), login.stdout(), login.stderr()),
        (0, String::new(), String::new())
    );
    assert!(
        login.took >= Duration::from_millis(200) && login.took < Duration::from_millis(600),
        "--login took {:?}; the deadline is 200 ms",
        login.took
    );

    let custom = mount.run(
        Run::display()
            .args(["--login", "--deadline", "50ms", "--cache"])
            .arg(&cache),
        limit,
    );
    assert_eq!(custom.code(), 0);
    assert!(
        custom.took < Duration::from_millis(450),
        "took {:?}",
        custom.took
    );

    let all = mount.run(
        Run::display()
            .args(["--all", "--deadline", "300ms", "--cache"])
            .arg(&cache),
        limit,
    );
    assert_eq!(all.code(), 2);
    assert!(all.took < Duration::from_millis(900), "took {:?}", all.took);
    assert!(
        all.stderr()
            .ends_with("gave up after 300ms (a hung filesystem?)\n"),
        "{}",
        all.stderr()
    );
}

#[test]
fn a_cache_others_can_write_is_not_trusted() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let login = || {
        Run::display()
            .args(["--login", "--hostname", "alpha-login1", "--cache"])
            .arg(&cache)
            .output()
    };
    assert!(login().stdout().contains("Status of Alpha"));

    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o666)).unwrap();
    refused(
        &cache,
        "cache not trusted: mode 0666 lets group or others write it",
    );
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o664)).unwrap();
    refused(&cache, "mode 0664 lets group or others write it");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(login().stdout().contains("Status of Alpha"));
}

#[test]
fn a_cache_owned_by_another_ordinary_user_is_not_trusted() {
    // Changing a file's owner takes root; CI runs as root, so this always runs there.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: chown is not possible, ownership check not exercised here");
        return;
    }
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let c = std::ffi::CString::new(cache.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
    refused(
        &cache,
        "owned by uid 65534, not root or the motd-status user",
    );
    // Back to root: trusted again.
    assert_eq!(unsafe { libc::chown(c.as_ptr(), 0, 0) }, 0);
    let ok = Run::display()
        .args(["--all", "--cache"])
        .arg(&cache)
        .success();
    assert!(ok.stdout().contains("Status of Alpha"));
}

#[test]
fn broken_caches_give_no_output_at_login_and_one_line_otherwise() {
    let dir = tempdir();
    let good = std::fs::read(sample_cache(dir.path())).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "cache is empty"),
        ("blank", b"  \n".to_vec(), "cache is empty"),
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "cache is malformed: EOF while parsing",
        ),
        (
            "malformed",
            b"{\"version\": 1, \"fetched_at\": 3}".to_vec(),
            "cache is malformed",
        ),
        (
            "not json",
            b"<html>hello</html>".to_vec(),
            "cache is malformed",
        ),
        (
            "wrong version",
            br#"{"version": 2, "whatever": true}"#.to_vec(),
            "cache format version 2 is not supported",
        ),
        (
            "gigantic",
            vec![b' '; 5 << 20],
            "over the 4194304-byte limit",
        ),
        ("binary", vec![0xff, 0xfe, 0x00, 0x1b], "cache is malformed"),
    ];
    for (name, bytes, why) in cases {
        let path = dir.path().join(format!("{}.json", name.replace(' ', "-")));
        std::fs::write(&path, &bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        refused(&path, why);
    }
    refused(
        &dir.path().join("missing.json"),
        "no cache yet (has motd-status-fetch run?)",
    );
    refused(dir.path(), "not a regular file");
}

#[test]
fn login_never_fails_even_on_bad_arguments() {
    let out = Run::display().args(["--login", "--frobnicate"]).output();
    assert_eq!(
        (out.code(), out.stdout(), out.stderr()),
        (0, String::new(), String::new())
    );
    let out = Run::display().args(["--frobnicate"]).output();
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr()
            .starts_with("motd-status: invalid option '--frobnicate'"),
        "{}",
        out.stderr()
    );
    let out = Run::display()
        .args(["--login", "--cache", "/nonexistent/x.json"])
        .env("MOTD_STATUS_NOW", "garbage")
        .output();
    assert_eq!(
        (out.code(), out.stdout(), out.stderr()),
        (0, String::new(), String::new())
    );
}

#[test]
fn nothing_to_report_prints_nothing_at_login() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    // Three weeks later every item of the sample page is out of its window; the cache is
    // refreshed (checked_at) so it is not stale either.
    let later = "2026-12-20T09:00:00+01:00";
    let fresh = dir.path().join("fresh.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    v["checked_at"] = json!("2026-12-20T07:59:00Z");
    v["fetched_at"] = json!("2026-12-20T07:59:00Z");
    v["sources"][0]["fetched_at"] = json!("2026-12-20T07:59:00Z");
    v["sources"][0]["checked_at"] = json!("2026-12-20T07:59:00Z");
    // Everything on the page has since been resolved or completed.
    for item in v["sources"][0]["items"].as_array_mut().unwrap() {
        let done = if item["kind"] == "incident" {
            "resolved"
        } else {
            "completed"
        };
        item["status"] = json!(done);
        item["resolved_at"] = json!("2026-11-30T00:00:00Z");
    }
    v["sources"][0]["components"] = json!([]);
    std::fs::write(&fresh, serde_json::to_vec(&v).unwrap()).unwrap();
    let login = Run::display()
        .args(["--login", "--hostname", "alpha-login1", "--cache"])
        .arg(&fresh)
        .env("MOTD_STATUS_NOW", later)
        .success();
    assert_eq!(login.stdout(), "");
    let plain = Run::display()
        .args(["--hostname", "alpha-login1", "--cache"])
        .arg(&fresh)
        .env("MOTD_STATUS_NOW", later)
        .success();
    assert!(
        plain
            .stdout()
            .starts_with("Status of Alpha: all systems operational as of Sun 20 Dec 08:59 CET\n"),
        "{}",
        plain.stdout()
    );
}

#[test]
fn the_site_switch_in_the_config_silences_the_login() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        &crate::util::sample_page().display().to_string(),
        &format!(
            "{}\n[login]\nenabled = false\n",
            crate::util::SAMPLE_CLUSTERS
        ),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let login = Run::display()
        .args(["--login", "--hostname", "alpha-login1", "--cache"])
        .arg(&cache)
        .success();
    assert_eq!(login.stdout(), "");
    // Asking still works.
    let asked = Run::display()
        .args(["--hostname", "alpha-login1", "--cache"])
        .arg(&cache)
        .success();
    assert!(asked.stdout().contains("Status of Alpha"));
}

#[test]
fn stale_data_says_how_old_it_is_and_expired_data_says_nothing_else() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let at = |now: &str| {
        Run::display()
            .args([
                "--login",
                "--hostname",
                "alpha-login1",
                "--color",
                "never",
                "--cache",
            ])
            .arg(&cache)
            .env("MOTD_STATUS_NOW", now)
            .success()
            .stdout()
    };
    let fresh = at("2026-11-26T10:00:00+01:00");
    assert!(!fresh.contains("status as of"), "{fresh}");
    let stale = at("2026-11-26T12:30:00+01:00");
    let lines: Vec<&str> = stale.lines().collect();
    assert_eq!(
        lines[lines.len() - 2],
        "status as of 3 hours ago",
        "{stale}"
    );
    assert!(stale.contains("Status of Alpha"));
    let expired = at("2026-12-04T09:30:00+01:00");
    assert_eq!(
        expired,
        "Example University HPC: status as of 8 days ago (too old to show)\n"
    );
    // Coloured, the age line is dim.
    let dim = Run::display()
        .args([
            "--login",
            "--hostname",
            "alpha-login1",
            "--color",
            "always",
            "--cache",
        ])
        .arg(&cache)
        .env("MOTD_STATUS_NOW", "2026-11-26T12:30:00+01:00")
        .success()
        .stdout();
    assert!(
        dim.contains("\x1b[2mstatus as of 3 hours ago\x1b[0m"),
        "{dim}"
    );
}

/// Everything a hostile page could put in a title or an update body.
const HOSTILE: &[&str] = &[
    "\x1b[2J\x1b[H\x1b[31mYOUR PASSWORD EXPIRED\x1b[0m",
    "\x1b]0;owned\x07title",
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\u{9b}31mC1 CSI\u{9b}0m and \u{9d}0;osc\u{9c}",
    "bell\x07 backspace\x08 cr\r nul\0 del\x7f",
    "bidi \u{202e}txt.exe\u{202c} \u{2066}iso\u{2069} zero\u{200b}width\u{feff}",
    "<b>bold</b> <script>alert(1)</script> &lt;ok&gt; <a href=\"https://x.example/\">link</a><br>next",
    "[markdown](https://x.example/md) line\u{2028}separator",
];

fn hostile_page(dir: &Path, incidents: usize) -> PathBuf {
    let page = json!({"id": "hostile00001", "name": "Hostile \x1b[5mpage\x1b[0m", "url": "https://status.hostile.example\x1b[8m", "time_zone": "Etc/UTC"});
    let comps = json!([
        {"id": "hgroup000001", "name": "Alpha \x1b[31mCluster", "status": "major_outage", "group": true, "group_id": null, "components": ["hcomp0000001"]},
        {"id": "hcomp0000001", "name": "Login\x1b[2K nodes \u{202e}", "status": "major_outage\x1b[0m", "group": false, "group_id": "hgroup000001"}
    ]);
    let long = "A".repeat(10_000);
    let items: Vec<Value> = (0..incidents)
        .map(|i| {
            let text = HOSTILE[i % HOSTILE.len()];
            let name = if i < 3 { format!("{text} {long}") } else { format!("{text} #{i}") };
            let impact = ["critical", "major", "minor", "none\x1b[1m"][i % 4];
            json!({
                "id": format!("h{i:011}"), "name": name, "status": "investigating",
                "impact": impact,
                "shortlink": format!("https://stspg.io/{}\x1b[31m", i),
                "created_at": "2026-11-26T07:00:00Z", "updated_at": "2026-11-26T08:00:00Z",
                "started_at": "2026-11-26T07:00:00Z",
                "incident_updates": [{"body": format!("{text} {}", HOSTILE[(i + 1) % HOSTILE.len()]), "display_at": "2026-11-26T08:00:00Z", "affected_components": null}],
                "components": if i % 2 == 0 { json!([{"id": "hcomp0000001", "name": "x", "status": "major_outage"}]) } else { json!([]) }
            })
        })
        .collect();
    let summary = json!({"page": page, "components": comps, "incidents": items, "scheduled_maintenances": []});
    write_page(&dir.join("page"), &summary, None);
    write_config(
        dir,
        &dir.join("page").display().to_string(),
        "max_bytes = 67108864\n[[cluster]]\nname = \"Alpha\\u001b[31m\"\ngroups = [\"hgroup000001\"]\nhosts = [\"alpha*\"]\n",
    )
}

#[test]
fn a_hostile_page_cannot_put_control_characters_on_the_terminal() {
    let dir = tempdir();
    let cfg = hostile_page(dir.path(), 5000);
    // Served over loopback HTTP like any page.
    let server = Server::start();
    server.serve_page(&dir.path().join("page"));
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        &dir.path().join("page").display().to_string(),
        &server.url(),
    );
    std::fs::write(&cfg, text).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    // The cache keeps the 200 most severe items of each view, and counts the rest.
    let v: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    let kept = v["sources"][0]["items"].as_array().unwrap().len();
    assert!((200..=400).contains(&kept), "{kept} items kept");
    assert_eq!(
        v["clusters"][0]["more"].as_u64().unwrap() as usize,
        5000 - kept
    );
    let login = Run::display()
        .args([
            "--login",
            "--hostname",
            "alpha-login1",
            "--color",
            "never",
            "--cache",
        ])
        .arg(&cache)
        .success()
        .stdout();
    assert!(login.contains("… and 4992 more: motd-status\n"), "{login}");
    for colour in ["always", "never"] {
        for args in [
            vec!["--login"],
            vec![],
            vec!["--all"],
            vec!["--format", "markdown"],
        ] {
            let out = Run::display()
                .args(["--hostname", "alpha-login1", "--color", colour, "--cache"])
                .arg(&cache)
                .args(&args)
                .success();
            let text = out.stdout();
            crate::util::assert_clean(&text, colour == "always");
            if args == ["--login"] {
                // Bounded: 8 items, 80 columns, and the rest counted.
                let plain = strip_sgr(&text);
                assert!(
                    plain.lines().all(|l| crate::util::width(l) <= 80),
                    "{plain}"
                );
                assert!(plain.contains("… and "), "{plain}");
                assert!(plain.lines().count() < 8 * 3 + 4, "{plain}");
            }
        }
    }
    // The JSON output escapes what it carries; parsed back, it is the page's text.
    let json = Run::display()
        .args(["--hostname", "alpha-login1", "--format", "json", "--cache"])
        .arg(&cache)
        .success();
    assert!(!json.stdout().contains('\x1b'));
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('m').unwrap();
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn login_shows_at_most_max_items_and_counts_the_rest() {
    let dir = tempdir();
    let cfg = hostile_page(dir.path(), 20);
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}\n[login]\nmax_items = 3\n")).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let out = Run::display()
        .args([
            "--login",
            "--hostname",
            "alpha-login1",
            "--color",
            "never",
            "--width",
            "100",
            "--cache",
        ])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    let shown = out
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .count();
    assert_eq!(shown, 3, "{out}");
    assert!(out.contains("… and 17 more: motd-status\n"), "{out}");
    assert!(out.lines().all(|l| crate::util::width(l) <= 100), "{out}");
}

/// The functions linked into a binary (debug info may name types it never calls).
fn linked_functions(bin: &Path) -> String {
    let out = Command::new("nm")
        .args(["-C", "--defined-only"])
        .arg(bin)
        .output()
        .expect("nm (binutils)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_login_binary_contains_no_network_tls_or_toml_code() {
    let login = linked_functions(&crate::util::display_bin());
    let fetch = linked_functions(&crate::util::fetch_bin());
    for module in [
        "rustls::",
        "ureq::",
        "toml::",
        "toml_parser::",
        "webpki::",
        "motd_status::fetch::",
    ] {
        assert!(!login.contains(module), "motd-status links {module} code");
    }
    // The fetcher, built the same way, does: the check can see it.
    assert!(
        fetch.contains("rustls::")
            && fetch.contains("ureq::")
            && fetch.contains("motd_status::fetch::")
    );
}

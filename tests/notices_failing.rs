//! A notices file that fails, beside a page that does not: a local file others could have
//! written (its mode, its directory, its owner), or a FIFO in its place, fails the notices
//! source with one line naming the file and why, and the source keeps its last good data and
//! its age while the page is refreshed; `--check` (and `--list-groups`) answers a broken file's
//! mistakes and goes on to the page and the clusters, and still fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{Done, Run, sample_page, tempdir, toml_str, write_settled};

const T0: &str = "2026-11-26T09:30:00+01:00";
const T1: &str = "2026-11-26T11:30:00+01:00";

const NOTICES: &str = "timezone = \"Europe/Berlin\"\n\n[[notice]]\nid = \"alpha-reboot\"\n\
    title = \"Alpha login nodes reboot\"\nkind = \"maintenance\"\nstart = \"2026-11-26 12:00\"\n\
    end = \"2026-11-26 13:00\"\naffects = [\"Alpha\"]\n";

/// The sample page (a local directory) and a notices file `dir/<sub>/notices.toml`, the cache
/// beside the config.
fn site(dir: &Path, sub: &str, notices: &str) -> PathBuf {
    let file = dir.join(sub).join("notices.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    write_settled(&file, notices);
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "cache = \"status.json\"\n\
             [[source]]\nname = \"Main\"\npage = {}\n\
             [[source]]\nname = \"Site notices\"\nnotices = {}\n\
             [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"alpha-*\"]\n",
            toml_str(&sample_page().display().to_string()),
            toml_str(&file.display().to_string()),
        ),
    )
    .unwrap();
    cfg
}

fn fetch(cfg: &Path, now: &str) -> Done {
    Run::fetch()
        .env("MOTD_STATUS_NOW", now)
        .arg("--config")
        .arg(cfg)
        .output()
}

fn cache(cfg: &Path) -> Value {
    let path = cfg.parent().unwrap().join("status.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn chown(path: &Path, uid: u32) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; -1 keeps the group.
    let rc = unsafe { libc::chown(c.as_ptr(), uid, u32::MAX) };
    assert_eq!(rc, 0, "chown {}", path.display());
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A way a local notices file comes to be one others could have written (or no file at all),
/// and the words that say why, after the file's name and "not trusted: " (where it is one).
struct Spoil {
    why: String,
    /// The subdirectory of the test's directory the file is in.
    sub: &'static str,
    spoil: Box<dyn Fn(&Path)>,
}

fn spoils(dir: &Path, root: bool) -> Vec<Spoil> {
    let mut cases = vec![
        Spoil {
            why: "not trusted: mode 0664 lets group or others write it".into(),
            sub: "etc",
            spoil: Box::new(|f| chmod(f, 0o664)),
        },
        Spoil {
            why: "not trusted: mode 0646 lets group or others write it".into(),
            sub: "etc",
            spoil: Box::new(|f| chmod(f, 0o646)),
        },
        Spoil {
            why: format!(
                "not trusted: {} is writable by everyone (mode 0777), so anyone could replace {}",
                dir.join("etc").display(),
                dir.join("etc/notices.toml").display()
            ),
            sub: "etc",
            spoil: Box::new(|f| chmod(f.parent().unwrap(), 0o777)),
        },
        Spoil {
            why: "not a regular file".into(),
            sub: "etc",
            spoil: Box::new(|f| {
                std::fs::remove_file(f).unwrap();
                let c = std::ffi::CString::new(f.as_os_str().as_encoded_bytes()).unwrap();
                // SAFETY: a valid NUL-terminated path.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            }),
        },
    ];
    if root {
        cases.push(Spoil {
            why: "not trusted: owned by uid 65534, not root or the motd-status user".into(),
            sub: "etc",
            spoil: Box::new(|f| chown(f, 65534)),
        });
        // A directory another user owns, in a sticky directory everyone may write (as /tmp):
        // that user could swap the file.
        cases.push(Spoil {
            why: format!(
                "not trusted: {} belongs to uid 65534 in the shared directory {}",
                dir.join("shared/alice").display(),
                dir.join("shared").display()
            ),
            sub: "shared/alice",
            spoil: Box::new(|f| {
                let alice = f.parent().unwrap();
                chmod(alice.parent().unwrap(), 0o1777);
                chown(alice, 65534);
            }),
        });
    }
    cases
}

#[test]
fn a_local_notices_file_others_could_write_fails_its_source_alone() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let n = spoils(Path::new("/"), root).len();
    for i in 0..n {
        // Each case in a directory of its own.
        let dir = tempdir();
        let case = spoils(dir.path(), root).swap_remove(i);
        let cfg = site(dir.path(), case.sub, NOTICES);
        let file = dir.path().join(case.sub).join("notices.toml");
        assert_eq!(fetch(&cfg, T0).code(), 0);
        (case.spoil)(&file);
        let d = fetch(&cfg, T1);
        assert_eq!(d.code(), 1, "{}: {}", case.why, d.stderr());
        assert_eq!(
            d.stderr(),
            format!(
                "motd-status-fetch: error: {}: {} (its last good data is kept)\n",
                file.display(),
                case.why
            )
        );
        // The page is refreshed; the notices keep their items and their age, marked failed.
        let c = cache(&cfg);
        assert_eq!(c["sources"][0]["fetched_at"], "2026-11-26T10:30:00Z");
        assert_eq!(c["sources"][0]["failed"], Value::Null);
        let notices = &c["sources"][1];
        assert_eq!(
            notices["fetched_at"], "2026-11-26T08:30:00Z",
            "{}",
            case.why
        );
        assert_eq!(notices["items"][0]["id"], "alpha-reboot");
        assert_eq!(
            notices["failed"],
            format!("{}: {}", file.display(), case.why)
        );
        if i > 0 {
            continue;
        }
        // --status names the source that is old; mended, the file is read again.
        let status = Run::fetch()
            .env("MOTD_STATUS_NOW", T1)
            .args(["--status", "--config"])
            .arg(&cfg)
            .output();
        assert_eq!(status.code(), 1, "{}", status.stdout());
        assert!(
            status.stdout().starts_with(
                "MOTD-STATUS WARNING - Site notices: status 2 hours old, past stale_after"
            ),
            "{}",
            status.stdout()
        );
        chmod(&file, 0o644);
        assert_eq!(fetch(&cfg, T1).code(), 0);
        let c = cache(&cfg);
        assert_eq!(c["sources"][1]["failed"], Value::Null);
        assert_eq!(c["sources"][1]["fetched_at"], "2026-11-26T10:30:00Z");
    }
}

/// With the notices file as the only source, a refused file leaves the cache as it is.
#[test]
fn a_refused_notices_file_alone_leaves_the_cache_byte_for_byte() {
    let dir = tempdir();
    let file = dir.path().join("notices.toml");
    write_settled(&file, NOTICES);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "cache = \"status.json\"\n[[source]]\nnotices = \"./notices.toml\"\n\
         [[cluster]]\nname = \"Alpha\"\nhosts = [\"alpha-*\"]\n",
    )
    .unwrap();
    assert_eq!(fetch(&cfg, T0).code(), 0);
    let before = std::fs::read(dir.path().join("status.json")).unwrap();
    chmod(&file, 0o620);
    let d = fetch(&cfg, T1);
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {}: not trusted: mode 0620 lets group or others write \
             it (the previous cache is kept)\n",
            file.display()
        )
    );
    assert_eq!(
        std::fs::read(dir.path().join("status.json")).unwrap(),
        before
    );
}

fn check(cfg: &Path) -> Done {
    Run::fetch()
        .arg("--config")
        .arg(cfg)
        .arg("--check")
        .output()
}

#[test]
fn check_answers_a_broken_notices_file_and_goes_on_to_the_page_and_clusters() {
    let dir = tempdir();
    let cfg = site(dir.path(), "etc", &NOTICES.replace("title =", "titel ="));
    let file = dir.path().join("etc/notices.toml").display().to_string();
    let shown = cfg.display().to_string();
    // A cluster naming a group the page does not have: found although the file is broken.
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(
        "[[cluster]]\nname = \"Beta\"\ngroups = [\"Gamma Cluster\"]\nhosts = [\"beta-*\"]\n",
    );
    std::fs::write(&cfg, &text).unwrap();
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {file}:5:1: unknown key `titel` in notice \
             \"alpha-reboot\": did you mean `title`?\n\
             motd-status-fetch: error: cluster \"Beta\": group \"Gamma Cluster\" matches no \
             component group on the page (see motd-status-fetch --list-groups)\n\
             motd-status-fetch: error: 1 problem(s) in {shown}\n\
             motd-status-fetch: error: 1 problem(s) in {file}\n"
        )
    );
    let out = d.stdout();
    assert!(
        out.starts_with(
            "cluster \"Alpha\": hosts alpha-*\n  \
             group \"Alpha Cluster\" -> Alpha Cluster [a1phagrp0001] (3 components)\n  \
             covers 3 components\n\
             cluster \"Beta\": hosts beta-*\n  covers 0 components\n"
        ),
        "{out}"
    );
    assert!(!out.contains("ok: "), "{out}");

    // Only the file is wrong: the clusters check out, the check still fails, and says why last.
    let fixed = text.replace("\"Gamma Cluster\"", "\"Beta Cluster\"");
    std::fs::write(&cfg, &fixed).unwrap();
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr().lines().last(),
        Some(format!("motd-status-fetch: error: 1 problem(s) in {file}").as_str())
    );
    assert_eq!(d.stderr().lines().count(), 2, "{}", d.stderr());
    assert!(
        d.stdout()
            .contains("cluster \"Beta\": hosts beta-*\n  group \"Beta Cluster\" -> "),
        "{}",
        d.stdout()
    );
    assert!(!d.stdout().contains("ok: "), "{}", d.stdout());

    // A file that cannot be read (missing, or others could write it) is answered so, and the
    // check goes on likewise.
    let path = dir.path().join("etc/notices.toml");
    write_settled(&path, NOTICES);
    chmod(&path, 0o666);
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {file}: not trusted: mode 0666 lets group or others \
             write it\nmotd-status-fetch: error: 1 problem(s) in {file}\n"
        )
    );
    assert!(d.stdout().contains("covers 3 components"), "{}", d.stdout());
    std::fs::remove_file(&path).unwrap();
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    assert!(
        d.stderr()
            .starts_with(&format!("motd-status-fetch: error: {file}: no such file\n")),
        "{}",
        d.stderr()
    );
    assert!(d.stdout().contains("covers 3 components"), "{}", d.stdout());

    // Mended: the check passes, and the notice counts for Alpha.
    write_settled(&path, NOTICES);
    let d = check(&cfg);
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""));
    assert!(
        d.stdout().contains("  covers 4 components\n"),
        "{}",
        d.stdout()
    );
    assert!(
        d.stdout().ends_with(&format!("ok: {shown}\n")),
        "{}",
        d.stdout()
    );
}

#[test]
fn list_groups_answers_a_broken_notices_file_and_lists_the_page() {
    let dir = tempdir();
    let cfg = site(dir.path(), "etc", &NOTICES.replace("title =", "titel ="));
    let file = dir.path().join("etc/notices.toml").display().to_string();
    let list = || {
        Run::fetch()
            .arg("--config")
            .arg(&cfg)
            .arg("--list-groups")
            .output()
    };
    let d = list();
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {file}:5:1: unknown key `titel` in notice \
             \"alpha-reboot\": did you mean `title`?\n\
             motd-status-fetch: error: 1 problem(s) in {file}\n"
        )
    );
    // The page's groups are listed all the same: what the admin needs to mend the config.
    let broken = d.stdout();
    assert!(
        broken.contains("group \"Alpha Cluster\"  id a1phagrp0001"),
        "{broken}"
    );
    // Mended, the list passes and holds the page's groups and the notices' names besides.
    write_settled(&dir.path().join("etc/notices.toml"), NOTICES);
    let d = list();
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""));
    let mended = d.stdout();
    assert!(mended.starts_with(&broken), "{broken}\n---\n{mended}");
    assert!(mended.len() > broken.len(), "{mended}");
}

#[test]
fn a_source_no_run_has_read_yet_leaves_every_view_unknown_until_it_is() {
    let dir = tempdir();
    let cfg = site(dir.path(), "etc", &NOTICES.replace("title =", "titel ="));
    let metrics = dir.path().join("metrics.prom");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text = format!(
        "metrics_file = {}\n{text}",
        toml_str(&metrics.display().to_string())
    );
    std::fs::write(&cfg, text).unwrap();
    let d = fetch(&cfg, T0);
    assert_eq!(d.code(), 1);
    assert!(
        d.stderr().contains("(it has no data yet)"),
        "{}",
        d.stderr()
    );
    // Its age is unknown, not the page's: an alert on the age fires.
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        prom.contains("motd_status_source_age_seconds{source=\"Site notices\"} +Inf\n"),
        "{prom}"
    );
    crate::monitoring::promtool_check(&metrics);
    let cache_path = dir.path().join("status.json");
    let run = |args: &[&str]| {
        Run::display()
            .env("MOTD_STATUS_NOW", T0)
            .args(["--hostname", "alpha-login1", "--cache"])
            .arg(&cache_path)
            .args(args)
    };
    let view = |args: &[&str]| run(args).output();
    // The page was read: its entries show, but the view does not claim to know.
    let login = view(&["--login"]).stdout();
    assert!(
        login.starts_with("Status of Alpha: unknown, Site notices could not be read yet, "),
        "{login}"
    );
    let all = view(&["--all"]).stdout();
    assert!(
        !all.contains("operational") && all.contains("Site notices: its last read failed: "),
        "{all}"
    );
    let json: Value = serde_json::from_str(&view(&["--format", "json"]).stdout()).unwrap();
    assert_eq!(
        json["views"][0]["unread"],
        serde_json::json!(["Site notices"])
    );
    assert_eq!(json["pages"][1]["fetched_at"], Value::Null);
    assert!(json["pages"][1]["failed"].is_string());
    // Monitoring calls it what it is: every view cannot know.
    let status = Run::fetch()
        .env("MOTD_STATUS_NOW", T0)
        .arg("--config")
        .arg(&cfg)
        .arg("--status")
        .output();
    assert_eq!(status.code(), 2, "{}", status.stdout());
    assert!(
        status
            .stdout()
            .starts_with("MOTD-STATUS CRITICAL - Site notices: never read: "),
        "{}",
        status.stdout()
    );
    // Failing again, it is still unread (never "its last good data is kept").
    let d = fetch(&cfg, T1);
    assert!(
        d.stderr().contains("(it has no data yet)"),
        "{}",
        d.stderr()
    );
    // Mended: read, and the views know again.
    write_settled(&dir.path().join("etc/notices.toml"), NOTICES);
    let d = fetch(&cfg, T1);
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""));
    let json = run(&["--format", "json"])
        .env("MOTD_STATUS_NOW", T1)
        .output();
    let json: Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(json["views"][0].get("unread"), None);
    assert!(json["pages"][1]["fetched_at"].is_string());
    let login = run(&["--login"]).env("MOTD_STATUS_NOW", T1).output();
    assert!(
        login
            .stdout()
            .starts_with("Status of Alpha: 2 incidents, 2 maintenances"),
        "{}",
        login.stdout()
    );
}

//! Page text and files that try to reach a terminal or a file unchecked, each through the real
//! programs: the fetcher's own output, its files, its bounds, and the other front ends.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::util::{NOW, Run, assert_clean, tempdir, toml_str, write_config, write_page};

const ESC_NAME: &str =
    "Alpha \u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\u{1b}]0;owned\u{7}Cluster\u{202e}";

fn at(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    (now + chrono::Duration::hours(hours)).to_rfc3339()
}

/// A page whose name, URL, ids, names and statuses carry escape sequences and bidi controls.
fn escaping_page(dir: &Path) -> PathBuf {
    let summary = json!({
        "page": {"id": "x", "name": "Evil \u{1b}[5mpage\u{9b}31m", "url": "https://status.example\u{1b}]8;;x\u{7}"},
        "components": [
            {"id": "grp\u{1b}[31m1", "name": ESC_NAME, "status": "operational\u{1b}[0m", "group": true, "components": ["c\u{1b}[2J1"]},
            {"id": "c\u{1b}[2J1", "name": "Login\u{1b}[2K nodes\u{202e}", "status": "major_outage\u{9d}0;t\u{9c}", "group": false, "group_id": "grp\u{1b}[31m1"}
        ],
        "incidents": [{"id": "i1", "name": "Down \u{1b}[31mnow", "status": "investigating", "impact": "major",
            "created_at": at(-1), "started_at": at(-1), "updated_at": at(-1),
            "components": [{"id": "c\u{1b}[2J1", "name": "x", "status": "major_outage"}], "incident_updates": []}],
        "scheduled_maintenances": [],
    });
    write_page(&dir.join("page"), &summary, None);
    write_config(
        dir,
        &dir.join("page").display().to_string(),
        &format!(
            "[[cluster]]\nname = \"Alpha\"\ngroups = [{}, {}]\nhosts = [\"alpha-*\", \"node[1-4]\"]\n",
            toml_str(ESC_NAME),
            toml_str("no such group \u{1b}[31m"),
        ),
    )
}

/// `--check`, `--list-groups` and the warnings of a normal run, run as root would run them:
/// nothing from the page reaches the terminal raw, and odd ids are shown escaped.
#[test]
fn the_fetchers_own_output_is_sanitised() {
    let dir = tempdir();
    let cfg = escaping_page(dir.path());
    for args in [vec!["--check"], vec!["--list-groups"], vec![]] {
        let out = Run::fetch().arg("--config").arg(&cfg).args(&args).output();
        let (stdout, stderr) = (out.stdout(), out.stderr());
        assert_clean(&stdout, false);
        assert_clean(&stderr, false);
        if args == ["--list-groups"] {
            assert!(stdout.contains("id \"c\\u{1b}[2J1\""), "{stdout}");
        }
        if args == ["--check"] {
            assert!(stdout.contains("this host ("), "{stdout}");
            assert!(stderr.contains("\"node[1-4]\" holds [ ]"), "{stderr}");
            assert!(stderr.contains("matches no component group"), "{stderr}");
        }
    }
    let all = Run::display()
        .args(["--all", "--color", "never", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    assert_clean(&all, false);
    let nosuch = Run::display()
        .args(["--cluster", "no\u{1b}]0;x\u{7}such", "--cache"])
        .arg(dir.path().join("status.json"))
        .output();
    assert_eq!(nosuch.code(), 2);
    assert_clean(&nosuch.stderr(), false);
}

/// `--list-groups | head` and `--check >/dev/full`: quiet, or one line and exit 1, no panic.
#[test]
fn the_fetchers_output_into_a_closed_pipe_or_a_full_disk() {
    let dir = tempdir();
    let cfg = escaping_page(dir.path());
    let mut child = Command::new(crate::util::fetch_bin())
        .args(["--list-groups", "--config"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = Command::new(crate::util::fetch_bin())
        .args(["--list-groups", "--config"])
        .arg(&cfg)
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
}

/// The fetcher never writes where others could have planted the file: a directory everyone
/// may write is refused; in a sticky one (like /tmp) a symlink or another user's file is too.
#[test]
fn a_cache_where_others_can_plant_files_is_refused() {
    let dir = tempdir();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let page = tempdir();
    write_page(
        &page.path().join("page"),
        &json!({"page": {"name": "P", "url": "https://p.example"}, "components": [], "incidents": []}),
        None,
    );
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "page = {:?}\ncache = {:?}\n",
            page.path().join("page").display().to_string(),
            shared.join("status.json").display().to_string()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("writable by everyone"),
        "{}",
        out.stderr()
    );
    // Sticky, like /tmp: a planted symlink at the cache's name is refused, its target intact.
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::symlink(&victim, shared.join("status.json")).unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(
        out.stderr().contains("not a regular file"),
        "{}",
        out.stderr()
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    // Our own file there is fine, and a planted symlink at a temp name is never followed:
    // temp names are new, random and opened O_EXCL | O_NOFOLLOW.
    std::fs::remove_file(shared.join("status.json")).unwrap();
    std::os::unix::fs::symlink(&victim, shared.join(".status.json.tmp")).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the victim was chmod'ed");
}

/// Whatever the page (up to `max_bytes`), the fetcher writes a cache the login accepts, or
/// fails and keeps the previous one.
#[test]
fn the_cache_is_bounded_whatever_the_page() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        &dir.path().join("page").display().to_string(),
        "[[cluster]]\nname = \"A\"\ngroups = [\"g\"]\nhosts = [\"a-*\"]\n",
    );
    let page = |components: Vec<Value>, items: Vec<Value>| {
        json!({"page": {"name": "P", "url": "https://p.example"}, "components": components,
            "incidents": items, "scheduled_maintenances": []})
    };
    // A good cache first.
    let group = json!({"id": "g", "name": "G", "status": "operational", "group": true});
    write_page(&dir.path().join("page"), &page(vec![group], vec![]), None);
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    // A 7 MB group name repeated by every component it holds.
    let huge = "G".repeat(7_000_000);
    let comps: Vec<Value> = std::iter::once(
        json!({"id": "g", "name": huge, "status": "operational", "group": true}),
    )
    .chain((0..20).map(
        |i| json!({"id": format!("c{i}"), "name": "C", "status": "major_outage", "group_id": "g"}),
    ))
    .collect();
    write_page(&dir.path().join("page"), &page(comps, vec![]), None);
    Run::fetch().arg("--config").arg(&cfg).success();
    let len = std::fs::metadata(&cache).unwrap().len();
    assert!(len < 100_000, "{len} bytes");
    let login = Run::display()
        .args([
            "--login",
            "--hostname",
            "a-1",
            "--color",
            "never",
            "--cache",
        ])
        .arg(&cache)
        .success()
        .stdout();
    assert!(login.contains("20 outages"), "{login}");
    // Sixty thousand degraded components with long ids: over the login's 4 MiB, the run fails
    // and the previous cache stays.
    let before = std::fs::read(&cache).unwrap();
    let comps: Vec<Value> = (0..60_000)
        .map(|i| json!({"id": format!("{i:0>70}"), "name": "C", "status": "major_outage"}))
        .collect();
    // Compact, to stay under the page's own 8 MiB cap.
    let body = serde_json::to_vec(&page(comps, vec![])).unwrap();
    assert!(body.len() < 8 << 20, "{}", body.len());
    std::fs::write(dir.path().join("page/api/v2/summary.json"), body).unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(out.stderr().contains("over the"), "{}", out.stderr());
    assert_eq!(std::fs::read(&cache).unwrap(), before);
}

/// A page without its `page` object still says where the details are.
#[test]
fn a_page_without_its_name_and_address_takes_the_configs() {
    let dir = tempdir();
    let summary = json!({"components": [], "incidents": [{"id": "i1", "name": "Down", "status": "investigating",
        "impact": "minor", "created_at": at(-1), "started_at": at(-1), "components": [], "incident_updates": []}]});
    write_page(&dir.path().join("page"), &summary, None);
    let cfg = write_config(dir.path(), "https://127.0.0.1:9/", "");
    // Served from a directory: point the config at it but keep the address to show.
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "https://127.0.0.1:9/",
        &dir.path().join("page").display().to_string(),
    );
    std::fs::write(&cfg, text).unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let out = Run::display()
        .args(["--hostname", "x", "--color", "never", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    let page = dir.path().join("page").display().to_string();
    assert!(out.contains(&format!("Details: {page} ·")), "{out}");
    assert!(!out.contains("Details:  ·"), "{out}");
}

fn motd_page(dir: &Path, extra: &str, items: Vec<Value>) -> PathBuf {
    let summary = json!({
        "page": {"name": "P", "url": "https://p.example"},
        "components": [
            {"id": "g", "name": "Alpha Cluster", "status": "operational", "group": true},
            {"id": "c", "name": "Home", "status": "under_maintenance", "group_id": "g"}
        ],
        "incidents": [], "scheduled_maintenances": items,
    });
    write_page(&dir.join("page"), &summary, None);
    write_config(
        dir,
        &dir.join("page").display().to_string(),
        &format!(
            "motd_file = {:?}\nmotd_cluster = \"Alpha\"\n{extra}\n[[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"a-*\"]\n",
            dir.join("motd").display().to_string()
        ),
    )
}

/// Markdown for Open OnDemand follows the login's rules: nothing when there is nothing to
/// report or the site turned the view off.
#[test]
fn motd_file_in_markdown_says_nothing_when_a_login_would() {
    for (extra, status) in [
        ("motd_format = \"markdown\"", "operational"),
        (
            "motd_format = \"markdown\"\n[login]\nenabled = false",
            "major_outage",
        ),
    ] {
        let dir = tempdir();
        let cfg = motd_page(dir.path(), extra, vec![]);
        let page = dir.path().join("page/api/v2/summary.json");
        let text = std::fs::read_to_string(&page)
            .unwrap()
            .replace("under_maintenance", status);
        std::fs::write(&page, text).unwrap();
        Run::fetch().arg("--config").arg(&cfg).success();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("motd")).unwrap(),
            "",
            "{extra}"
        );
    }
}

/// On a stale cache a maintenance past its end is hidden, and so is the "under maintenance" it
/// gave its component; motd_file ages the same way when fetches fail.
#[test]
fn an_unconfirmed_maintenance_and_its_component_go_together_everywhere() {
    let dir = tempdir();
    let maint = json!({"id": "m1", "name": "Home firmware", "status": "in_progress", "impact": "maintenance",
        "created_at": at(-30), "updated_at": at(-3), "scheduled_for": at(-3), "scheduled_until": at(2),
        "components": [{"id": "c", "name": "Home", "status": "under_maintenance"}], "incident_updates": []});
    let cfg = motd_page(dir.path(), "", vec![maint]);
    Run::fetch().arg("--config").arg(&cfg).success();
    let motd = std::fs::read_to_string(dir.path().join("motd")).unwrap();
    assert!(motd.contains("Home firmware"), "{motd}");
    let cache = dir.path().join("status.json");
    // Five hours later, no fetch has confirmed it since: the window ended.
    let later = at(5);
    let out = Run::display()
        .env("MOTD_STATUS_NOW", &later)
        .args(["--hostname", "a-1", "--color", "never", "--cache"])
        .arg(&cache)
        .success()
        .stdout();
    assert!(!out.contains("Home firmware"), "{out}");
    assert!(!out.contains("under maintenance"), "{out}");
    // The page is gone now: the fetch fails, and motd_file says what a login would say.
    std::fs::remove_dir_all(dir.path().join("page")).unwrap();
    let failed = Run::fetch()
        .env("MOTD_STATUS_NOW", &later)
        .arg("--config")
        .arg(&cfg)
        .output();
    assert_eq!(failed.code(), 1);
    let motd = std::fs::read_to_string(dir.path().join("motd")).unwrap();
    let login = Run::display()
        .env("MOTD_STATUS_NOW", &later)
        .args([
            "--login",
            "--cluster",
            "Alpha",
            "--color",
            "never",
            "--width",
            "80",
            "--cache",
        ])
        .arg(&cache)
        .success()
        .stdout();
    crate::util::assert_eq!(motd, login);
    // Eight days on, both say only how old the data is.
    let much_later = at(24 * 8);
    Run::fetch()
        .env("MOTD_STATUS_NOW", &much_later)
        .arg("--config")
        .arg(&cfg)
        .output();
    let motd = std::fs::read_to_string(dir.path().join("motd")).unwrap();
    assert!(motd.contains("too old to show"), "{motd}");
    assert_eq!(motd.lines().count(), 1, "{motd}");
}

/// `MOTD_FORMAT` is Open OnDemand's: a login that inherits it still prints the text view (and
/// nothing when there is nothing to report), while a plain run honours it.
#[test]
fn motd_format_is_ignored_at_login() {
    let dir = tempdir();
    let cache = crate::util::sample_cache(dir.path());
    for format in ["markdown", "json", "txt"] {
        let login = Run::display()
            .env("MOTD_FORMAT", format)
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
        assert!(login.starts_with("Status of Alpha: "), "{format}: {login}");
    }
    let md = Run::display()
        .env("MOTD_FORMAT", "markdown")
        .args(["--hostname", "alpha-login1", "--cache"])
        .arg(&cache)
        .success()
        .stdout();
    assert!(md.starts_with("### Alpha: "), "{md}");
}

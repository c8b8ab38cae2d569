//! What each user has already seen, through the real binaries: the first login shows the view
//! in full, the next folds what is unchanged into one line, a new update on the page brings
//! its entry back, `repeat_after` brings everything back, what the site always shows is never
//! folded, `MOTD_STATUS=full` and the commands other than `--login` show everything and write
//! nothing; and a home that is missing, read-only, hung, someone else's, a link or corrupt
//! never hurts a login.

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::util::{NOW, Run, SAMPLE_CLUSTERS, sample_page, tempdir, write_config, write_page};

/// A site: the sample page copied (so the test can post updates), fetched into a cache.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempdir();
        let site = Site { dir };
        let read = |n: &str| -> Value {
            let p = sample_page().join("api/v2").join(n);
            serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
        };
        write_page(
            &site.page(),
            &read("summary.json"),
            Some(&read("incidents.json")),
        );
        site.fetch();
        site
    }

    fn page(&self) -> PathBuf {
        self.dir.path().join("page")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("status.json")
    }

    fn fetch(&self) {
        let cfg = write_config(
            self.dir.path(),
            &self.page().display().to_string(),
            SAMPLE_CLUSTERS,
        );
        Run::fetch().arg("--config").arg(&cfg).success();
    }

    /// Changes incident `id` with `change`, in both files of the page, and fetches.
    fn edit_incident(&self, id: &str, change: impl Fn(&mut Value)) {
        for name in ["summary.json", "incidents.json"] {
            let path = self.page().join("api/v2").join(name);
            let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for i in v["incidents"].as_array_mut().unwrap() {
                if i["id"] == id {
                    change(i);
                }
            }
            std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        }
        self.fetch();
    }

    /// Posts `text` as the newest update of incident `id` at `at`.
    fn post_update_at(&self, id: &str, text: &str, at: &str) {
        self.edit_incident(id, |i| {
            let newest = json!({
                "id": format!("{id}-u{at}"), "status": i["status"].clone(), "body": text,
                "created_at": at, "updated_at": at, "display_at": at,
            });
            i["incident_updates"]
                .as_array_mut()
                .unwrap()
                .insert(0, newest);
            i["updated_at"] = json!(at);
        });
    }

    /// Posts `text` as the newest update of incident `id`.
    fn post_update(&self, id: &str, text: &str) {
        self.post_update_at(id, text, "2026-11-26T09:20:00+01:00");
    }

    /// Sets the status of component `id` on the page, and fetches.
    fn set_component(&self, id: &str, status: &str) {
        let path = self.page().join("api/v2/summary.json");
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for c in v["components"].as_array_mut().unwrap() {
            if c["id"] == id {
                c["status"] = json!(status);
            }
        }
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        self.fetch();
    }
}

/// A login on alpha-login1 by the user whose state lives under `state`, at `now`.
fn login(site: &Site, state: &Path, now: &str) -> String {
    let d = Run::display()
        .args([
            "--login",
            "--hostname",
            "alpha-login1",
            "--width",
            "200",
            "--cache",
        ])
        .arg(site.cache())
        .env("XDG_STATE_HOME", state)
        .env("MOTD_STATUS_NOW", now)
        // These tests are about what is folded; a loaded machine must not turn them into tests
        // of the login's 200 ms (which end a login before its state is written, by design, and
        // are tested apart, as is a home that hangs).
        .env("MOTD_STATUS_DEADLINE", "10s")
        .output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    d.stdout()
}

/// The titles of the entries a login shows in full, and its folded line.
fn shown(out: &str) -> (Vec<String>, Option<String>) {
    let titles = out
        .lines()
        .filter(|l| {
            [
                "  MINOR",
                "  MAJOR",
                "  CRITICAL",
                "  MAINT",
                "  PLANNED",
                "  RESOLVED",
                "  DEGRADED",
            ]
            .iter()
            .any(|m| l.starts_with(m))
        })
        .map(|l| l[12..].to_owned())
        .collect();
    let folded = out
        .lines()
        .find(|l| l.contains("unchanged since you last saw"))
        .map(|l| l.trim().to_owned());
    (titles, folded)
}

const GPU: &str = "GPU jobs fail to start on some nodes (identified)";
const MAINT: &str = "Home filesystem firmware update (in progress)";

#[test]
fn the_second_login_folds_what_the_first_showed_and_news_comes_back_in_full() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");

    let first = login(&site, &state, NOW);
    let (titles, folded) = shown(&first);
    assert_eq!(titles.len(), 6, "{first}");
    assert_eq!(folded, None);
    let file = state.join("motd-status/seen");
    let meta = std::fs::symlink_metadata(&file).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::symlink_metadata(state.join("motd-status"))
            .unwrap()
            .mode()
            & 0o777,
        0o700
    );
    let after_first = std::fs::read(&file).unwrap();

    // Ten minutes later: the maintenance in progress is always shown, the rest is one line.
    let second = login(&site, &state, "2026-11-26T09:40:00+01:00");
    assert_eq!(
        shown(&second),
        (
            vec![MAINT.to_owned()],
            Some(
                "3 known issues, 1 maintenance and 1 resolved issue unchanged since you last \
                 saw them: motd-status"
                    .to_owned()
            )
        ),
        "{second}"
    );
    // The summary still counts everything.
    assert_eq!(first.lines().next(), second.lines().next());
    // Nothing was news: the maintenance is shown in full only because the site always shows
    // it, and the file is left as it was.
    assert_eq!(std::fs::read(&file).unwrap(), after_first);

    // A new update on the page: that entry in full again, the rest still folded.
    site.post_update("gpuinc000001", "Two of the four nodes are back.");
    let third = login(&site, &state, "2026-11-26T09:50:00+01:00");
    let (titles, folded) = shown(&third);
    assert_eq!(titles, [GPU, MAINT], "{third}");
    assert_eq!(
        folded.as_deref(),
        Some(
            "2 known issues, 1 maintenance and 1 resolved issue unchanged since you last saw \
             them: motd-status"
        )
    );
    let fourth = login(&site, &state, "2026-11-26T09:55:00+01:00");
    assert_eq!(shown(&fourth).0, [MAINT], "{fourth}");

    // A day after they were last shown, the entries are shown in full again: the ones shown
    // first at 9:30, not yet the GPU incident shown at 9:50.
    let next_day = login(&site, &state, "2026-11-27T09:45:00+01:00");
    let (titles, folded) = shown(&next_day);
    assert!(!titles.iter().any(|t| t == GPU), "{next_day}");
    assert_eq!(
        folded.as_deref(),
        Some("1 known issue unchanged since you last saw it: motd-status")
    );
    // Six minutes on, the GPU incident's day is over too; what was shown at 9:45 is folded,
    // and the maintenance now less than a day ahead is always shown.
    let later = login(&site, &state, "2026-11-27T09:51:00+01:00");
    let (titles, folded) = shown(&later);
    assert_eq!(
        titles,
        [
            GPU,
            "Operating system upgrade of the Alpha login nodes (scheduled)"
        ],
        "{later}"
    );
    assert_eq!(
        folded.as_deref(),
        Some("2 known issues and 1 resolved issue unchanged since you last saw them: motd-status")
    );
}

#[test]
fn a_narrow_terminal_gets_the_short_fold_line() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    login(&site, &state, NOW);
    let d = Run::display()
        .args([
            "--login",
            "--hostname",
            "alpha-login1",
            "--width",
            "60",
            "--cache",
        ])
        .arg(site.cache())
        .env("XDG_STATE_HOME", &state)
        .output();
    assert!(
        d.stdout()
            .contains("\n  5 more, unchanged since you last saw them: motd-status\n"),
        "{}",
        d.stdout()
    );
}

#[test]
fn what_the_site_always_shows_and_a_users_full_are_never_folded() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    login(&site, &state, NOW);
    let full = Run::display()
        .args(["--login", "--hostname", "alpha-login1", "--cache"])
        .arg(site.cache())
        .env("XDG_STATE_HOME", &state)
        .env("MOTD_STATUS", "full")
        .output();
    let (titles, folded) = shown(&full.stdout());
    assert_eq!((titles.len(), folded), (6, None), "{}", full.stdout());

    // The site keeps every incident and component in full; and turns the feature off.
    let dir = site.dir.path();
    let cfg = write_config(
        dir,
        &site.page().display().to_string(),
        &format!("{SAMPLE_CLUSTERS}\n[login]\nalways_show = [\"incident\", \"component\"]\n"),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let (titles, folded) = shown(&login(&site, &state, NOW));
    assert_eq!(titles.len(), 3, "{titles:?}");
    // In place of the defaults: the maintenance in progress is folded too.
    assert_eq!(
        folded.as_deref(),
        Some("2 maintenances and 1 resolved issue unchanged since you last saw them: motd-status")
    );
    let cfg = write_config(
        dir,
        &site.page().display().to_string(),
        &format!("{SAMPLE_CLUSTERS}\n[login]\nrepeat = \"always\"\n"),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let (titles, folded) = shown(&login(&site, &state, NOW));
    assert_eq!((titles.len(), folded), (6, None));
}

#[test]
fn a_critical_incident_is_never_folded() {
    let site = Site::new();
    for name in ["summary.json", "incidents.json"] {
        let path = site.page().join("api/v2").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        // The GPU incident turns critical.
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut v = v;
        for i in v["incidents"].as_array_mut().unwrap() {
            if i["id"] == "gpuinc000001" {
                i["impact"] = json!("critical");
            }
        }
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    }
    site.fetch();
    let home = tempdir();
    let state = home.path().join("state");
    login(&site, &state, NOW);
    for minutes in [10, 600, 1400] {
        let now = (chrono::DateTime::parse_from_rfc3339(NOW).unwrap()
            + chrono::Duration::minutes(minutes))
        .to_rfc3339();
        let (titles, _) = shown(&login(&site, &state, &now));
        assert!(
            titles.iter().any(|t| t.starts_with("GPU jobs")),
            "{minutes} min: {titles:?}"
        );
    }
}

#[test]
fn only_the_login_folds_and_only_the_login_writes() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    let run = |args: &[&str]| {
        Run::display()
            .args(args)
            .arg("--cache")
            .arg(site.cache())
            .env("XDG_STATE_HOME", &state)
            .success()
            .stdout()
    };
    // Every command but the login in text, before the first login and after it.
    const COMMANDS: [&[&str]; 6] = [
        &["--hostname", "alpha-login1"],
        &["--all"],
        &["--cluster", "alpha"],
        &["--hostname", "alpha-login1", "--format", "json"],
        &["--login", "--hostname", "alpha-login1", "--format", "json"],
        &[
            "--login",
            "--hostname",
            "alpha-login1",
            "--format",
            "markdown",
        ],
    ];
    let before: Vec<String> = COMMANDS.iter().map(|a| run(a)).collect();
    assert!(!state.exists(), "only a login in text keeps a state");
    login(&site, &state, NOW);
    assert!(state.join("motd-status/seen").exists());
    let again: Vec<String> = COMMANDS.iter().map(|a| run(a)).collect();
    assert_eq!(before, again);
}

/// A login by a user whose state sits at `state`, checked to show the view (in full or
/// folded) within the deadline and exit 0 with nothing on stderr.
fn login_survives(site: &Site, run: Run) -> String {
    let d = run
        .args(["--login", "--hostname", "alpha-login1", "--cache"])
        .arg(site.cache())
        .output();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    assert!(d.took < Duration::from_millis(600), "took {:?}", d.took);
    let out = d.stdout();
    assert!(out.starts_with("Status of Alpha: "), "{out}");
    out
}

#[test]
fn without_a_home_or_with_a_read_only_one_the_login_shows_everything() {
    let site = Site::new();
    // HOME unset (and no XDG_STATE_HOME): no state, everything in full.
    let out = login_survives(
        &site,
        Run::display().env_remove_all(&["HOME", "XDG_STATE_HOME"]),
    );
    assert_eq!(shown(&out).0.len(), 6);
    // HOME pointing nowhere: never created.
    let dir = tempdir();
    let gone = dir.path().join("gone");
    let run = || {
        Run::display()
            .env_remove_all(&["XDG_STATE_HOME"])
            .env("HOME", &gone)
    };
    login_survives(&site, run());
    assert!(!gone.exists());
    // A home mounted read-only (in a mount namespace of its own): everything in full, twice.
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let script = format!(
        "mount --bind {h} {h} && mount -o remount,bind,ro {h} && \
         for i in 1 2; do {bin} --login --hostname alpha-login1 --cache {c}; echo \"[$?]\"; done",
        h = home.display(),
        bin = crate::util::display_bin().display(),
        c = site.cache().display()
    );
    let d = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("HOME", &home)
        .env_remove("XDG_STATE_HOME")
        .env("MOTD_STATUS_NOW", NOW)
        .env("TZ", crate::util::TZ)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&d.stdout);
    assert_eq!(out.matches("[0]").count(), 2, "{out}");
    assert_eq!(out.matches("unchanged since").count(), 0, "{out}");
    assert_eq!(out.matches("Status of Alpha").count(), 2, "{out}");
    assert!(std::fs::read_dir(&home).unwrap().next().is_none());
}

#[test]
fn a_state_that_is_a_link_someone_elses_or_corrupt_is_never_followed_and_is_replaced() {
    let site = Site::new();
    let dir = tempdir();
    let state = dir.path().join("state");
    let own = state.join("motd-status");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = || Run::display().env("XDG_STATE_HOME", &state);

    // A link to another user's file: not read, not written through, replaced.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "motd-status seen 1\n").unwrap();
    std::os::unix::fs::chown(&victim, Some(4321), Some(4321)).unwrap();
    symlink(&victim, own.join("seen")).unwrap();
    login_survives(&site, run());
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "motd-status seen 1\n"
    );
    assert_eq!(std::fs::metadata(&victim).unwrap().uid(), 4321);
    let meta = std::fs::symlink_metadata(own.join("seen")).unwrap();
    assert!(
        meta.is_file(),
        "the link was replaced by the user's own file"
    );
    // It works from then on.
    assert!(shown(&login_survives(&site, run())).1.is_some());

    // A corrupt file: everything in full, then a good file.
    std::fs::write(own.join("seen"), b"\x00\xffgarbage\n").unwrap();
    let out = login_survives(&site, run());
    assert_eq!(shown(&out), (shown(&out).0, None));
    assert_eq!(shown(&out).0.len(), 6);
    let text = std::fs::read_to_string(own.join("seen")).unwrap();
    assert!(text.starts_with("motd-status seen 1\n"), "{text:?}");

    // Someone else's file (root may write anywhere; the state must still be the user's).
    std::os::unix::fs::chown(own.join("seen"), Some(4321), Some(4321)).unwrap();
    assert_eq!(shown(&login_survives(&site, run())).1, None);

    // A directory others may write, or someone else's: not used at all.
    let _ = std::fs::remove_file(own.join("seen"));
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o777)).unwrap();
    login_survives(&site, run());
    assert!(!own.join("seen").exists());
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&own, Some(4321), Some(4321)).unwrap();
    login_survives(&site, run());
    assert!(!own.join("seen").exists());
    // And a state directory that is a link is not followed either.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir(&own).unwrap();
    symlink(&elsewhere, &own).unwrap();
    login_survives(&site, run());
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
}

#[test]
fn fifty_logins_at_once_never_tear_the_state() {
    let site = Site::new();
    let dir = tempdir();
    let state = dir.path().join("state");
    login(&site, &state, NOW);
    let own = state.join("motd-status");
    let before = std::fs::read_to_string(own.join("seen")).unwrap();
    assert_eq!(before.lines().count(), 7, "{before}");
    let bin = crate::util::display_bin();
    let children: Vec<std::process::Child> = (0..50)
        .map(|_| {
            std::process::Command::new(&bin)
                .args(["--login", "--hostname", "alpha-login1", "--cache"])
                .arg(site.cache())
                .env("XDG_STATE_HOME", &state)
                .env("MOTD_STATUS_NOW", "2026-11-27T10:00:00+01:00")
                .env("TZ", crate::util::TZ)
                .env("MOTD_STATUS_DEADLINE", "5s")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with("Status of Alpha: "), "{text}");
    }
    let text = std::fs::read_to_string(own.join("seen")).unwrap();
    assert!(text.starts_with("motd-status seen 1\n"));
    assert_eq!(text.lines().count(), 7, "{text}");
    // Every temporary file was renamed or removed.
    let names: Vec<String> = std::fs::read_dir(&own)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["seen"]);
    // And the next login folds as usual.
    let out = login(&site, &state, "2026-11-27T10:05:00+01:00");
    assert!(shown(&out).1.is_some(), "{out}");
}

#[test]
fn a_home_on_a_hung_filesystem_costs_the_login_nothing_but_the_folding() {
    let mut mount = crate::login::StalledMount::start();
    let site = Site::new();
    mount.freeze();
    let d = mount.run(
        Run::display()
            .args(["--login", "--hostname", "alpha-login1", "--cache"])
            .arg(site.cache())
            .env_remove_all(&["XDG_STATE_HOME"])
            .env("HOME", mount.dir()),
        Duration::from_secs(5),
    );
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    assert!(d.took < Duration::from_millis(600), "took {:?}", d.took);
    assert_eq!(shown(&d.stdout()).0.len(), 6, "{}", d.stdout());
}

#[test]
fn a_temporary_file_another_login_is_writing_is_left_alone_and_a_leftover_is_replaced() {
    let site = Site::new();
    let dir = tempdir();
    let state = dir.path().join("state");
    let own = state.join("motd-status");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o700)).unwrap();
    let tmp = own.join(".seen.tmp");
    // Another login is writing right now: this one leaves the state to it.
    std::fs::write(&tmp, "motd-status seen 1\n").unwrap();
    login(&site, &state, NOW);
    assert!(!own.join("seen").exists());
    assert!(tmp.exists());
    // A minute old, it was left by a login whose deadline passed mid-write: replaced.
    let old = std::process::Command::new("touch")
        .args(["-d", "1 minute ago"])
        .arg(&tmp)
        .status()
        .unwrap();
    assert!(old.success());
    login(&site, &state, NOW);
    let text = std::fs::read_to_string(own.join("seen")).unwrap();
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(!tmp.exists());
}

#[test]
fn an_update_in_the_same_words_and_a_new_component_are_news() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    let words = "We are continuing to investigate this issue.";
    site.post_update_at("gpuinc000001", words, "2026-11-26T09:10:00+01:00");
    login(&site, &state, NOW);
    let folded = login(&site, &state, "2026-11-26T09:35:00+01:00");
    assert_eq!(shown(&folded).0, [MAINT], "{folded}");
    // The same words again, as Statuspage's pages often post: a new update all the same.
    site.post_update_at("gpuinc000001", words, "2026-11-26T09:20:00+01:00");
    let again = login(&site, &state, "2026-11-26T09:40:00+01:00");
    assert_eq!(shown(&again).0, [GPU, MAINT], "{again}");
    assert_eq!(
        shown(&login(&site, &state, "2026-11-26T09:41:00+01:00")).0,
        [MAINT]
    );
    // The incident now affects the login nodes too.
    site.edit_incident("gpuinc000001", |i| {
        let mut login_nodes = i["components"][0].clone();
        login_nodes["id"] = json!("a1login00001");
        login_nodes["name"] = json!("Login nodes");
        i["components"].as_array_mut().unwrap().push(login_nodes);
    });
    let wider = login(&site, &state, "2026-11-26T09:45:00+01:00");
    assert!(shown(&wider).0.contains(&GPU.to_owned()), "{wider}");
}

#[test]
fn a_component_counts_by_its_own_state_when_folded_or_always_shown() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    site.set_component("shlicense001", "under_maintenance");
    let first = login(&site, &state, NOW);
    assert!(first.contains("1 under maintenance"), "{first}");
    // Under maintenance is maintenance in progress, which the site always shows.
    let second = login(&site, &state, "2026-11-26T09:40:00+01:00");
    assert!(
        second.contains("  MAINT     Shared Services / License server"),
        "{second}"
    );
    assert_eq!(
        shown(&second).1.as_deref(),
        Some(
            "2 known issues, 1 maintenance and 1 resolved issue unchanged since you last saw \
             them: motd-status"
        ),
        "{second}"
    );
    // Folded (the site shows nothing always), it is counted as the maintenance it is.
    let dir = site.dir.path();
    let cfg = write_config(
        dir,
        &site.page().display().to_string(),
        &format!("{SAMPLE_CLUSTERS}\n[login]\nalways_show = []\n"),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let third = login(&site, &state, "2026-11-26T09:45:00+01:00");
    assert_eq!(
        shown(&third),
        (
            vec![],
            Some(
                "2 known issues, 3 maintenances and 1 resolved issue unchanged since you last \
                 saw them: motd-status"
                    .to_owned()
            )
        ),
        "{third}"
    );
    // A component in a major outage is as critical as a critical incident.
    site.set_component("shlicense001", "major_outage");
    login(&site, &state, "2026-11-26T09:50:00+01:00");
    let outage = login(&site, &state, "2026-11-26T09:55:00+01:00");
    assert!(
        outage.contains("Shared Services / License server"),
        "{outage}"
    );
}

#[test]
fn a_record_from_a_clock_ahead_is_news_and_is_replaced() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    // Another node, two days ahead, shared this home.
    login(&site, &state, "2026-11-28T09:30:00+01:00");
    let here = login(&site, &state, NOW);
    let (titles, folded) = shown(&here);
    assert_eq!((titles.len(), folded), (6, None), "{here}");
    let next = login(&site, &state, "2026-11-26T09:40:00+01:00");
    assert!(shown(&next).1.is_some(), "{next}");
}

#[test]
fn the_fold_line_keeps_its_command_at_any_width() {
    let site = Site::new();
    let home = tempdir();
    let state = home.path().join("state");
    login(&site, &state, NOW);
    for width in 20..=60 {
        let d = Run::display()
            .args(["--login", "--hostname", "alpha-login1", "--cache"])
            .arg(site.cache())
            .arg("--width")
            .arg(width.to_string())
            .env("XDG_STATE_HOME", &state)
            .env("MOTD_STATUS_DEADLINE", "10s")
            .output();
        let out = d.stdout();
        let lines: Vec<&str> = out.lines().collect();
        let at = lines.iter().position(|l| l.contains("unchanged")).unwrap();
        let whole = lines[at].ends_with(": motd-status");
        let apart = lines[at].ends_with("unchanged, see:") && lines[at + 1] == "  motd-status";
        assert!(
            (whole || apart) && !lines[at].contains('…'),
            "{width}: {out}"
        );
    }
}

#[test]
fn root_leaves_no_directory_in_a_home_that_is_not_its_own() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: only root can give a home to another user (CI runs as root)");
        return;
    }
    let site = Site::new();
    let dir = tempdir();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(5678), Some(5678)).unwrap();
    let out = login_survives(
        &site,
        Run::display()
            .env_remove_all(&["XDG_STATE_HOME"])
            .env("HOME", &home)
            .env("MOTD_STATUS_DEADLINE", "10s"),
    );
    assert_eq!(shown(&out).0.len(), 6, "{out}");
    assert!(std::fs::read_dir(&home).unwrap().next().is_none());
}

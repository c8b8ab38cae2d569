//! A login defers to pam_motd only when pam_motd really showed it its own, current view,
//! decided the way pam_motd decides what it shows (see `src/pam_motd.rs`): the PAM stack of
//! the service (includes followed), the directories its pam_motd lines read, the first
//! directory in which a name opens, masks, and files it would not show. Whatever else holds —
//! a mask, a stack that reads no directory, another cluster's view, a file behind the cache or
//! stale data — the login shows the view itself, because a silent login during an outage is
//! the one thing that must not happen. `packaging/ssh-test` does the same through a real sshd
//! and Debian's pam_motd.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::util::{Run, SAMPLE_CLUSTERS, sample_page, tempdir, toml_str, write_config};

/// A fetched sample page whose text view is also written to `motd`, and a PAM set-up whose
/// pam_motd reads `etc/` then `run/` (as `/etc/motd.d` before `/run/motd.d`).
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new(extra: &str) -> Site {
        let dir = tempdir();
        for d in ["etc", "run", "pam.d"] {
            fs::create_dir(dir.path().join(d)).unwrap();
        }
        let site = Site { dir };
        // The fetcher's host is not an Alpha login node: it writes Alpha's view by name.
        site.fetch(if extra.is_empty() {
            "motd_cluster = \"Alpha\"\n"
        } else {
            extra
        });
        site.stack("session optional pam_motd.so motd_dir={etc}:{run}\n");
        site
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn fetch(&self, extra: &str) {
        let cfg = write_config(
            self.dir.path(),
            &sample_page().display().to_string(),
            &format!(
                "motd_file = {}\n{extra}\n{SAMPLE_CLUSTERS}",
                toml_str(&self.path("motd").display().to_string())
            ),
        );
        Run::fetch().arg("--config").arg(&cfg).success();
    }

    /// The `login` service's PAM configuration (`{etc}`, `{run}` name the two directories).
    fn stack(&self, text: &str) {
        let text = text
            .replace("{etc}", &self.path("etc").display().to_string())
            .replace("{run}", &self.path("run").display().to_string());
        fs::write(self.path("pam.d/login"), text).unwrap();
    }

    /// What a login of an Alpha host prints after pam_motd ran, at `now`.
    fn login_at(&self, now: &str) -> String {
        Run::display()
            .env("MOTD_SHOWN", "pam")
            .env_remove("SSH_CONNECTION")
            .env("MOTD_STATUS_PAM_DIR", self.path("pam.d"))
            .env("MOTD_STATUS_NOW", now)
            .args([
                "--login",
                "--hostname",
                "alpha-login1",
                "--color",
                "never",
                "--cache",
            ])
            .arg(self.path("status.json"))
            .success()
            .stdout()
    }

    fn login(&self) -> String {
        self.login_at(crate::util::NOW)
    }
}

fn shown(out: &str) -> bool {
    out.starts_with("Status of Alpha: ")
}

fn link(to: &Path, at: &Path) {
    symlink(to, at).unwrap();
}

#[test]
fn the_view_linked_where_pam_motd_reads_is_not_shown_twice() {
    let site = Site::new("");
    assert!(shown(&site.login()), "not linked yet");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    assert_eq!(site.login(), "", "pam_motd showed it");
    // Through Debian's @include and RHEL's substack and include.
    site.stack("@include common\n");
    fs::write(
        site.path("pam.d/common"),
        "session [success=ok default=ignore] pam_unix.so\n\
         session substack deeper # a comment\n",
    )
    .unwrap();
    fs::write(
        site.path("pam.d/deeper"),
        format!(
            "-session optional pam_motd.so \\\n  motd_dir={}:{}\n",
            site.path("etc").display(),
            site.path("run").display()
        ),
    )
    .unwrap();
    assert_eq!(site.login(), "");
    // Without MOTD_SHOWN=pam, pam_motd did not run.
    let out = Run::display()
        .env_remove("MOTD_SHOWN")
        .env("MOTD_STATUS_PAM_DIR", site.path("pam.d"))
        .args(["--login", "--hostname", "alpha-login1", "--cache"])
        .arg(site.path("status.json"))
        .success()
        .stdout();
    assert!(shown(&out), "{out}");
}

/// `/etc/motd.d/50-motd-status -> /dev/null` is how an admin masks the entry: pam_motd then
/// shows nothing under that name, so the login shows the view.
#[test]
fn a_masked_entry_is_not_taken_for_shown() {
    let site = Site::new("");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    link(Path::new("/dev/null"), &site.path("etc/50-motd-status"));
    assert!(shown(&site.login()), "masked");
    // An earlier file of the same name is what pam_motd shows instead.
    fs::remove_file(site.path("etc/50-motd-status")).unwrap();
    fs::write(site.path("etc/50-motd-status"), "something else\n").unwrap();
    assert!(shown(&site.login()), "overridden");
    // A dangling link does not open: pam_motd goes on to the next directory, and shows ours.
    fs::remove_file(site.path("etc/50-motd-status")).unwrap();
    link(&site.path("nowhere"), &site.path("etc/50-motd-status"));
    assert_eq!(site.login(), "", "dangling");
}

/// pam_motd with only `motd=` reads no directory at all; with neither argument, the default
/// directories (not these).
#[test]
fn a_stack_that_reads_no_directory_shows_nothing_of_it() {
    let site = Site::new("");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    for stack in [
        "session optional pam_motd.so motd=/run/motd.dynamic\n",
        "session optional pam_motd.so noupdate\n",
        "# no pam_motd at all\nsession required pam_unix.so\n",
    ] {
        site.stack(stack);
        assert!(shown(&site.login()), "{stack}");
    }
    fs::remove_file(site.path("pam.d/login")).unwrap();
    assert!(shown(&site.login()), "no stack to read");
}

/// One site-wide config with `motd_cluster = "Beta"` (for a web portal) makes this host's
/// pam_motd file Beta's view: an Alpha login still shows Alpha's.
#[test]
fn another_clusters_view_is_not_this_hosts() {
    let site = Site::new("motd_cluster = \"Beta\"\n");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    assert!(
        fs::read_to_string(site.path("motd"))
            .unwrap()
            .starts_with("Status of Beta")
    );
    assert!(shown(&site.login()));
}

/// A fetcher that stopped leaves the file as it was: it says as of when (dates only, never "2
/// hours ago"), and the login, which knows the data is stale, says how old it is, once; a
/// file left behind by runs that could not write it is not deferred to at all.
#[test]
fn a_frozen_file_says_how_old_it_is() {
    let site = Site::new("");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    let file = fs::read_to_string(site.path("motd")).unwrap();
    assert!(file.contains("status as of Thu 26 Nov 09:30 CET"), "{file}");
    assert!(!file.contains(" ago)"), "{file}");
    assert_eq!(site.login_at("2026-11-26T10:00:00+01:00"), "");
    // pam_motd showed the view (as of when); all the login adds is that it is old.
    assert_eq!(
        site.login_at("2026-11-26T12:30:00+01:00"),
        "(the status above is as of 3 hours ago)\n"
    );
    assert_eq!(
        site.login_at("2026-12-06T09:30:00+01:00"),
        "(the status above is as of 10 days ago: too old to rely on)\n"
    );
    // A file the last runs could not write is behind the cache: not current either.
    let old = fs::File::options()
        .write(true)
        .open(site.path("motd"))
        .unwrap();
    old.set_modified(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
    )
    .unwrap();
    assert!(shown(&site.login()), "behind the cache");
    // And monitoring says so.
    let status = Run::fetch()
        .args(["--status", "--config"])
        .arg(site.path("config.toml"))
        .output();
    assert_eq!(status.code(), 1, "{}", status.stdout());
    assert!(
        status
            .stdout()
            .contains("days behind the cache: can the fetcher write it?"),
        "{}",
        status.stdout()
    );
    fs::remove_file(site.path("motd")).unwrap();
    let status = Run::fetch()
        .args(["--status", "--config"])
        .arg(site.path("config.toml"))
        .output();
    assert!(
        status.stdout().contains("is missing or unreadable"),
        "{}",
        status.stdout()
    );
}

/// The site's switch reaches pam_motd too: while it is on, the fetcher writes an empty file,
/// which pam_motd shows as nothing.
#[test]
fn the_site_switch_empties_the_file_pam_motd_shows() {
    let site = Site::new("");
    assert!(!fs::read_to_string(site.path("motd")).unwrap().is_empty());
    let switch = site.path("disabled");
    fs::write(&switch, "").unwrap();
    let cfg = site.path("config.toml");
    Run::fetch()
        .env("MOTD_STATUS_SITE_SWITCH", &switch)
        .arg("--config")
        .arg(&cfg)
        .success();
    assert_eq!(fs::read_to_string(site.path("motd")).unwrap(), "");
    fs::remove_file(&switch).unwrap();
    Run::fetch()
        .env("MOTD_STATUS_SITE_SWITCH", &switch)
        .arg("--config")
        .arg(&cfg)
        .success();
    assert!(
        fs::read_to_string(site.path("motd"))
            .unwrap()
            .starts_with("Status of Alpha")
    );
}

/// A site that takes `motd_file` out of its config: the file the last run wrote is emptied,
/// so pam_motd does not go on showing it, frozen, beside the login's own view.
#[test]
fn a_motd_file_no_longer_written_is_emptied() {
    let site = Site::new("");
    link(&site.path("motd"), &site.path("run/50-motd-status"));
    assert_eq!(site.login(), "", "pam_motd shows it");
    let cfg = write_config(
        site.path("").as_path(),
        &sample_page().display().to_string(),
        SAMPLE_CLUSTERS,
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    assert_eq!(fs::read_to_string(site.path("motd")).unwrap(), "");
    assert!(shown(&site.login()), "the login shows it, once");
}

//! The command lines themselves: help, version, page addresses.

use crate::util::{Run, assert_eq, sample_page, tempdir, write_config};

#[test]
fn help_names_the_environment_and_files_and_answers_before_any_io() {
    let help = Run::display()
        .arg("--help")
        .env("MOTD_STATUS_NOW", "not a time")
        .success()
        .stdout();
    for needle in [
        "--login",
        "-a, --all",
        "MOTD_SHOWN",
        "--format",
        "MOTD_STATUS_CACHE",
        "MOTD_STATUS_DEADLINE",
        "NO_COLOR",
        "/var/cache/motd-status/status.json",
        "Exit status",
    ] {
        assert!(help.contains(needle), "motd-status --help lacks {needle}");
    }
    let help = Run::fetch()
        .arg("--help")
        .env("MOTD_STATUS_CONFIG", "/nonexistent")
        .success()
        .stdout();
    for needle in [
        "--check",
        "--status",
        "-c, --config",
        "--list-groups",
        "MOTD_STATUS_CONFIG",
        "HTTPS_PROXY",
        "/etc/motd-status/config.toml",
        "Exit status",
    ] {
        assert!(
            help.contains(needle),
            "motd-status-fetch --help lacks {needle}"
        );
    }
    // A deadline of nothing is a usage error, not "gave up after 0s (a hung filesystem?)".
    let zero = Run::display().args(["--deadline", "0"]).output();
    assert_eq!(zero.code(), 2);
    assert!(
        zero.stderr().contains("must be more than 0"),
        "{}",
        zero.stderr()
    );
    let v = env!("CARGO_PKG_VERSION");
    assert_eq!(
        Run::display().arg("--version").success().stdout(),
        format!("motd-status {v}\n")
    );
    assert_eq!(
        Run::fetch().arg("-V").success().stdout(),
        format!("motd-status-fetch {v}\n")
    );
}

#[test]
fn a_page_can_be_a_directory_or_a_file_url() {
    let dir = tempdir();
    let url = format!("file://{}", sample_page().display());
    let cfg = write_config(dir.path(), &url, crate::util::SAMPLE_CLUSTERS);
    Run::fetch().arg("--config").arg(&cfg).success();
    let out = Run::display()
        .args(["--hostname", "beta-login1", "--format", "json", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    assert_eq!(out["cluster"], "Beta");
    assert_eq!(out["pages"][0]["name"], "Example University HPC");

    // A directory without the API files is an error naming the file, and writes nothing.
    let empty = tempdir();
    let cfg = write_config(dir.path(), &empty.path().display().to_string(), "");
    let before = std::fs::read(dir.path().join("status.json")).unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 1);
    let expected = format!("{}/api/v2/summary.json", empty.path().display());
    assert!(
        out.stderr().contains(&expected) && out.stderr().lines().count() == 1,
        "{}",
        out.stderr()
    );
    assert_eq!(
        std::fs::read(dir.path().join("status.json")).unwrap(),
        before
    );
}

#[test]
fn a_missing_or_broken_config_is_one_line_naming_the_file() {
    let dir = tempdir();
    let out = Run::fetch()
        .arg("--config")
        .arg(dir.path().join("nope.toml"))
        .output();
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr().contains("nope.toml: cannot read the config"),
        "{}",
        out.stderr()
    );
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "page = \"x\"\n[[cluster]]\nname = \"A\"\ngroups = [\"G\"]\nhostz = [\"a*\"]\n",
    )
    .unwrap();
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 2);
    assert_eq!(out.stderr().lines().count(), 1, "{}", out.stderr());
    assert!(
        out.stderr()
            .contains("c.toml:5:1: key `hostz`: unknown field `hostz`"),
        "{}",
        out.stderr()
    );
}

//! Golden files for the rendered output, plain and coloured, on the bundled sample page.
//! `MOTD_STATUS_BLESS=1 cargo test` rewrites them; review the diff like code.

use crate::util::{Run, golden, sample_cache, tempdir};

fn render(name: &str, args: &[&str]) -> String {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let out = Run::display()
        .arg("--cache")
        .arg(&cache)
        .args(args)
        .success()
        .stdout();
    golden(name, &out);
    out
}

#[test]
fn alpha_plain() {
    render(
        "alpha.txt",
        &["--hostname", "alpha-login1", "--color", "never"],
    );
}

#[test]
fn alpha_coloured() {
    let out = render(
        "alpha.color.txt",
        &["--hostname", "alpha-login1", "--color", "always"],
    );
    assert!(out.contains("\x1b[1;33mMINOR\x1b[0m"));
}

#[test]
fn beta_at_login_narrow_terminal() {
    let out = render(
        "beta.login.txt",
        &[
            "--hostname",
            "beta-login1",
            "--login",
            "--width",
            "60",
            "--color",
            "never",
        ],
    );
    assert!(out.lines().all(|l| crate::util::width(l) <= 60), "{out}");
}

#[test]
fn all_plain() {
    render("all.txt", &["--all", "--color", "never"]);
}

#[test]
fn alpha_markdown() {
    render(
        "alpha.md",
        &["--hostname", "alpha-login1", "--format", "markdown"],
    );
}

#[test]
fn alpha_json() {
    render(
        "alpha.json",
        &["--hostname", "alpha-login1", "--format", "json"],
    );
}

#[test]
fn colour_follows_the_environment() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let run = || {
        Run::display()
            .arg("--cache")
            .arg(&cache)
            .args(["--hostname", "alpha-login1"])
    };
    // Not a terminal: no colour.
    assert!(!run().success().stdout().contains('\x1b'));
    assert!(
        run()
            .env("CLICOLOR_FORCE", "1")
            .success()
            .stdout()
            .contains("\x1b[")
    );
    assert!(
        !run()
            .env("CLICOLOR_FORCE", "1")
            .args(["--color", "never"])
            .success()
            .stdout()
            .contains('\x1b')
    );
    assert!(
        run()
            .env("NO_COLOR", "1")
            .args(["--color", "always"])
            .success()
            .stdout()
            .contains('\x1b')
    );
    assert!(
        !run()
            .env("MOTD_FORMAT", "json")
            .env("CLICOLOR_FORCE", "1")
            .success()
            .stdout()
            .contains('\x1b')
    );
}

#[test]
fn times_are_local_with_the_zone_abbreviation_and_relative() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let out = Run::display()
        .arg("--cache")
        .arg(&cache)
        .args(["--hostname", "alpha-login1"])
        .env("TZ", "EST5EDT,M3.2.0,M11.1.0")
        .success()
        .stdout();
    assert!(
        out.contains("Sat 28 Nov 02:00–06:00 EST (in 2 days)"),
        "{out}"
    );
    assert!(
        out.contains("since Thu 26 Nov 01:40 EST (2 hours ago)"),
        "{out}"
    );
}

#[test]
fn the_fetcher_writes_a_markdown_view_for_web_portals() {
    let dir = tempdir();
    let md = dir.path().join("motd.md");
    let cfg = crate::util::write_config(
        dir.path(),
        &crate::util::sample_page().display().to_string(),
        &format!(
            "motd_file = {:?}\nmotd_format = \"markdown\"\nmotd_cluster = \"Beta\"\n{}",
            md.display().to_string(),
            crate::util::SAMPLE_CLUSTERS
        ),
    );
    Run::fetch().arg("--config").arg(&cfg).success();
    let written = std::fs::read_to_string(&md).unwrap();
    let shown = Run::display()
        .args([
            "--login",
            "--cluster",
            "Beta",
            "--format",
            "markdown",
            "--cache",
        ])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    crate::util::golden("motd_file.md", &written);
    assert!(
        written.starts_with("### Beta: 2 incidents, 1 maintenance, 1 degraded\n"),
        "{written}"
    );
    assert!(
        written.contains("*status as of Thu 26 Nov 09:30 CET*"),
        "{written}"
    );
    // The same entries as the view a login would render now, without relative times.
    let bullets = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("- "))
            .map(|l| l.split(" — ").next().unwrap_or(l).to_owned())
            .collect()
    };
    assert_eq!(bullets(&written), bullets(&shown));
    assert!(
        !written.contains(" ago") && !written.contains("(in 2") && !written.contains("(ends "),
        "{written}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&md).unwrap().permissions().mode() & 0o777,
        0o644
    );

    let bad = crate::util::write_config(dir.path(), "./x", "motd_format = \"html\"\n");
    let out = Run::fetch().arg("--config").arg(&bad).output();
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr().contains(
            "config.toml:3:15: key `motd_format`: \"html\" is not \"text\" or \"markdown\""
        ),
        "{}",
        out.stderr()
    );
}

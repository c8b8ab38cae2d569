//! The site's notices file, through the real fetcher: every mistake answered at once by
//! `--check` (one case per mistake, its exact line; the check goes on to the clusters), the TOML and JSON forms alike, times
//! either side of a daylight-saving change, a notice reaching its cluster's view and no other,
//! a file served over https, and a file cut short failing the source while the previous data
//! stays.

use std::path::{Path, PathBuf};

use crate::server::Reply;
use crate::tls_server::{TestCa, TlsServer};
use crate::util::{Done, Run, SAMPLE_CLUSTERS, assert_eq, sample_page, tempdir, write_settled};

/// Clusters for a site without a page: Alpha known by its name, Beta also by "Lustre".
const CLUSTERS: &str = r#"
[[cluster]]
name = "Alpha"
hosts = ["alpha-*"]

[[cluster]]
name = "Beta"
groups = ["Lustre"]
hosts = ["beta-*"]
"#;

/// A config in `dir` whose only source is the notices file `name`, with `text` written there.
fn site(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    write_settled(&dir.join(name), text);
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "cache = \"status.json\"\n[[source]]\nname = \"Notices\"\nnotices = \"./{name}\"\n{CLUSTERS}"
        ),
    )
    .unwrap();
    cfg
}

fn check(cfg: &Path) -> Done {
    Run::fetch()
        .arg("--config")
        .arg(cfg)
        .arg("--check")
        .output()
}

/// `--check`'s one answer about a file named `name` holding `text`: the line after the file's
/// path (`line:column: what`), the only one naming the file. The check fails.
fn answer(name: &str, text: impl AsRef<[u8]>) -> String {
    let dir = tempdir();
    let cfg = site(dir.path(), name, text.as_ref());
    let d = check(&cfg);
    let err = d.stderr();
    assert_eq!(d.code(), 1, "{err}");
    // The check goes on past the file to the clusters, and does not call the config ok.
    let out = d.stdout();
    assert!(
        out.starts_with("cluster \"Alpha\": hosts alpha-*\n") && !out.contains("ok: "),
        "{out}"
    );
    let file = dir.path().join(name).display().to_string();
    let prefix = format!("motd-status-fetch: error: {file}:");
    let answers: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .collect();
    assert_eq!(answers.len(), 1, "{err}");
    assert_eq!(
        err.lines().last(),
        Some(format!("motd-status-fetch: error: 1 problem(s) in {file}").as_str())
    );
    answers[0].to_owned()
}

/// A notice with `extra` lines, in TOML, in a file whose zone is Europe/Berlin.
fn toml_notice(extra: &str) -> String {
    format!(
        "timezone = \"Europe/Berlin\"\n\n[[notice]]\nid = \"maint-12\"\ntitle = \"Scratch upgrade\"\n\
         kind = \"maintenance\"\nstart = \"2026-12-10 08:00\"\n{extra}"
    )
}

#[test]
fn every_mistake_gets_its_one_line_answer() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "notices.toml",
            "[[notice]]\nid = \"a\ntitle = \"x\"\n".into(),
            "2:8: not valid TOML: invalid basic string, expected `\"`",
        ),
        (
            "notices.json",
            "{\"notice\": [\n  {\"id\": \"a\",}\n]}\n".into(),
            "2:14: not valid JSON: key must be a string",
        ),
        (
            "notices.toml",
            "".into(),
            "1:1: the file is empty (a write cut short?); a file without notices says so: no \
             [[notice]]",
        ),
        (
            "notices.json",
            "  \n\n".into(),
            "1:1: the file is empty (a write cut short?); a file without notices says so: \
             {\"notice\": []}",
        ),
        (
            "notices.json",
            "\n<html><body>Sign in</body></html>\n".into(),
            "2:1: got HTML, not a notices file (a login or error page in front of it?)",
        ),
        (
            "notices.json",
            "{\"notice\": [], \"name\": \"x\", \"x\": \u{0}}".into(),
            "1:34: not valid JSON: expected value",
        ),
        (
            "notices.toml",
            "[[notices]]\nid = \"a\"\n".into(),
            "1:3: unknown key `notices`: did you mean `notice`?",
        ),
        (
            "notices.toml",
            "[notice]\nid = \"a\"\n".into(),
            "1:1: [notice] is one table, but there may be several: write [[notice]] for each",
        ),
        (
            "notices.toml",
            toml_notice("titel = \"x\"\n"),
            "8:1: unknown key `titel` in notice \"maint-12\": did you mean `title`?",
        ),
        (
            "notices.toml",
            toml_notice("colour = \"red\"\n"),
            "8:1: unknown key `colour` in notice \"maint-12\"; a notice's keys are id, title, \
             kind, start, end, affects, impact, link, body, resolved, update",
        ),
        (
            "notices.toml",
            toml_notice("[[notice.update]]\nat = \"2026-12-01 10:00\"\ntxt = \"Moved.\"\n"),
            "10:1: unknown key `txt` in update 1 of notice \"maint-12\": did you mean `text`?",
        ),
        (
            "notices.toml",
            "[[notice]]\ntitle = \"x\"\nkind = \"notice\"\nstart = 2026-12-10T08:00:00Z\n".into(),
            "1:1: notice 1 has no `id`",
        ),
        (
            "notices.toml",
            "[[notice]]\nid = \"a\"\nkind = \"notice\"\nstart = 2026-12-10T08:00:00Z\n".into(),
            "1:1: notice \"a\" has no `title`",
        ),
        (
            "notices.toml",
            "[[notice]]\nid = \"a\"\ntitle = \"A\"\nstart = 2026-12-10T08:00:00Z\n".into(),
            "1:1: notice \"a\" has no `kind`",
        ),
        (
            "notices.toml",
            "[[notice]]\nid = \"a\"\ntitle = \"A\"\nkind = \"notice\"\n".into(),
            "1:1: notice \"a\" has no `start`",
        ),
        (
            "notices.toml",
            format!(
                "{}\n[[notice]]\nid = \"maint-12\"\ntitle = \"Again\"\nkind = \"notice\"\n\
                 start = 2026-12-10T08:00:00Z\n",
                toml_notice("")
            ),
            "10:6: id \"maint-12\" is also the id of the notice at line 4",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"maintenance\"", "\"maintainance\""),
            "6:8: `kind` in notice \"maint-12\" is \"maintainance\": did you mean maintenance?",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"maintenance\"", "\"planned\""),
            "6:8: `kind` in notice \"maint-12\" is \"planned\", not one of maintenance, \
             incident, notice",
        ),
        (
            "notices.toml",
            toml_notice("impact = \"high\"\n"),
            "8:10: `impact` in notice \"maint-12\" is \"high\", not one of none, minor, major, \
             critical",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"Scratch upgrade\"", "12"),
            "5:9: `title` in notice \"maint-12\" must be a string, not an integer",
        ),
        (
            "notices.toml",
            toml_notice("affects = \"Alpha\"\n"),
            "8:11: `affects` in notice \"maint-12\" must be a list of names such as \
             [\"Alpha\"], not a string",
        ),
        (
            "notices.toml",
            toml_notice("affects = [\"Alpha\", \" \"]\n"),
            "8:21: `affects` in notice \"maint-12\" holds an empty name",
        ),
        (
            "notices.toml",
            toml_notice("end = \"tomorrow\"\n"),
            "8:7: `end` in notice \"maint-12\": \"tomorrow\" is not a time such as \
             \"2026-12-10 08:00\" or \"2026-12-10T08:00:00+01:00\"",
        ),
        (
            "notices.toml",
            toml_notice("end = 2026-12-11\n"),
            "8:7: `end` in notice \"maint-12\": 2026-12-11 is a date without a time of day: \
             write one, as 2026-12-11T08:00",
        ),
        (
            "notices.toml",
            toml_notice("end = \"2026-12-10 07:00\"\n"),
            "8:1: `end` in notice \"maint-12\" is not after its start",
        ),
        (
            "notices.toml",
            toml_notice("")
                .replace("\"maintenance\"", "\"incident\"")
                .replace("2026-12-10 08:00", "2026-11-26 08:00")
                + "end = \"2026-12-10 09:00\"\n",
            "8:1: `end` in notice \"maint-12\": an incident ends when it is resolved: set \
             resolved",
        ),
        (
            "notices.toml",
            toml_notice("")
                .replace("\"maintenance\"", "\"incident\"")
                .replace("2026-12-10 08:00", "2026-11-26 08:00")
                + "resolved = \"2026-11-25 09:00\"\n",
            "8:1: `resolved` in notice \"maint-12\" is before its start",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"maintenance\"", "\"notice\"")
                + "resolved = \"2026-12-11 09:00\"\n",
            "8:1: `resolved` in notice \"maint-12\": a notice is shown from its start to its \
             end: set end",
        ),
        (
            "notices.toml",
            toml_notice("").replace("2026-12-10 08:00", "2027-03-28 02:30"),
            "7:9: `start` in notice \"maint-12\": 2027-03-28 02:30 does not exist in \
             Europe/Berlin: the clocks went from 02:00 to 03:00; write the offset, as \
             2027-03-28T03:00:00+02:00",
        ),
        (
            "notices.toml",
            toml_notice("").replace("2026-12-10 08:00", "2026-10-25 02:30"),
            "7:9: `start` in notice \"maint-12\": 2026-10-25 02:30 happens twice in \
             Europe/Berlin (at +02:00, then at +01:00); write the offset you mean, \
             2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00",
        ),
        (
            "notices.toml",
            toml_notice("").replace("Europe/Berlin", "Europe/Berln"),
            "1:12: `timezone`: \"Europe/Berln\" is not a zone this host knows (a name such as \
             \"Europe/Berlin\")",
        ),
        (
            "notices.toml",
            toml_notice("link = \"www.example.org/maint-12\"\n"),
            "8:8: `link` in notice \"maint-12\": \"www.example.org/maint-12\" is not an http(s) \
             address such as \"https://www.example.org/maintenance\"",
        ),
        (
            "notices.json",
            "{\"notice\": [{\"id\": \"a\", \"title\": \"A\", \"kind\": \"notice\",\n\
             \"start\": \"2026-12-10 08:00\", \"title\": \"B\"}],\n\"timezone\": \"UTC\"}"
                .into(),
            "2:30: `title` is set twice in notice \"a\": keep one",
        ),
        (
            "notices.json",
            "{\"notice\": [{\"id\": \"a\", \"title\": \"A\", \"kind\": \"notice\",\n\
             \"start\": \"2026-12-10T08:00:00Z\", \"end\": null}]}"
                .into(),
            "2:41: `end` in notice \"a\": must be a time such as \"2026-12-10 08:00\", not null",
        ),
        (
            "notices.json",
            "[{\"id\": \"a\"}]".into(),
            "1:1: a notices file holds a table of keys (name, url, timezone, notice), not a list",
        ),
        (
            "notices.json",
            "{\"notice\": [\"maint-12\"]}".into(),
            "1:13: notice 1 must be a table of keys (id, title, kind, start, …), not a string",
        ),
        (
            "notices.toml",
            "timezone = \"America/Chicago\"\n[[notice]]\nid = \"2fa\"\ntitle = \"2FA\"\n\
             kind = \"notice\"\nstart = \"2026-11-01 00:00\"\nend = \"9999-12-31 23:59\"\n"
                .into(),
            "7:7: `end` in notice \"2fa\": falls in the year 10000 in UTC, outside the years \
             1970 to 9999 (leave out `end` for no end)",
        ),
        (
            "notices.toml",
            toml_notice("").replace("Europe/Berlin", "UTC+1"),
            "1:12: `timezone`: \"UTC+1\" is not a zone this host knows (a name such as \
             \"Europe/Berlin\")",
        ),
        (
            "notices.json",
            "{\"notice\": [{\"title\": \"Wartung für alle\", \"id\": \"a\"},]}".into(),
            "1:54: not valid JSON: expected value",
        ),
        (
            "notices.json",
            "\u{feff}{\"zone\": \"UTC\", \"notice\": []}".into(),
            "1:2: unknown key `zone`: did you mean `timezone`?",
        ),
        (
            "notices.json",
            "\u{feff}{\"notice\": [],}".into(),
            "1:15: not valid JSON: key must be a string",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"maintenance\"", "\"incident\""),
            "7:1: `start` in notice \"maint-12\" is ahead: an incident has begun; announce what \
             is ahead as a maintenance or a notice",
        ),
        (
            "notices.toml",
            toml_notice("end = \"2026-12-10 12:00\"\nresolved = \"2026-12-10 11:00\"\n"),
            "9:1: `resolved` in notice \"maint-12\" is ahead: set it once it is over",
        ),
        (
            "notices.toml",
            toml_notice("link = \"https://example.org/main\u{200b}tenance\"\n"),
            "8:8: `link` in notice \"maint-12\": holds an invisible character (U+200B); an \
             address is written without spaces or invisible characters (escape them: %20)",
        ),
        (
            "notices.toml",
            toml_notice("").replace("\"Scratch upgrade\"", "\"Scratch upgrade\\nand more\""),
            "5:9: `title` in notice \"maint-12\" is more than one line: put the rest in `body`",
        ),
    ];
    assert!(cases.len() >= 20);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(name, text, want)| {
            let got = answer(name, text);
            (got != *want).then(|| format!("{text}\n  got:  {got}\n  want: {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Bytes that are not text.
    assert_eq!(
        answer("notices.toml", b"name = \"caf\xe9\"\n"),
        "1:12: is not UTF-8 text"
    );
}

#[test]
fn every_mistake_of_a_file_at_once_then_the_first_fails_a_fetch() {
    let dir = tempdir();
    let text = toml_notice("titel = \"x\"\nimpact = \"high\"\n")
        + "\n[[notice]]\nid = \"b\"\ntitle = 5\nkind = \"notice\"\nstart = \"2026-12-10T08:00\"\n";
    let cfg = site(dir.path(), "notices.toml", text.as_bytes());
    let file = dir.path().join("notices.toml").display().to_string();
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {file}:8:1: unknown key `titel` in notice \"maint-12\": \
             did you mean `title`?\n\
             motd-status-fetch: error: {file}:9:10: `impact` in notice \"maint-12\" is \"high\", \
             not one of none, minor, major, critical\n\
             motd-status-fetch: error: {file}:13:9: `title` in notice \"b\" must be a string, \
             not an integer\n\
             motd-status-fetch: error: 3 problem(s) in {file}\n"
        )
    );
    // A fetch fails the source with the first; the others are logged before it.
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {file}:9:10: `impact` in notice \"maint-12\" is \"high\", \
             not one of none, minor, major, critical\n\
             motd-status-fetch: error: {file}:13:9: `title` in notice \"b\" must be a string, \
             not an integer\n\
             motd-status-fetch: error: {file}:8:1: unknown key `titel` in notice \"maint-12\": \
             did you mean `title`? (the previous cache is kept)\n"
        )
    );
    assert!(!dir.path().join("status.json").exists());
}

#[test]
fn warnings_leave_the_check_passing() {
    let dir = tempdir();
    let text = "[[notice]]\nid = \"a\"\ntitle = \"A\"\nkind = \"notice\"\n\
                start = \"2026-11-20 08:00\"\naffects = [\"alpha\", \"LUSTRE\", \"Gamma\"]\n";
    let cfg = site(dir.path(), "notices.toml", text.as_bytes());
    let file = dir.path().join("notices.toml").display().to_string();
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--check")
        .env("TZ", "Europe/Berlin")
        .output();
    assert_eq!(d.code(), 0, "{}", d.stderr());
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: warning: {file}:5:9: `start` in notice \"a\" is a local time, \
             read in this host's zone Europe/Berlin; set timezone to be sure\n\
             motd-status-fetch: warning: {file}:6:31: `affects` in notice \"a\": \"Gamma\" \
             matches nothing; the names clusters give: Alpha, Beta, Lustre\n"
        )
    );
    assert!(
        d.stdout().ends_with(&format!("ok: {}\n", cfg.display())),
        "{}",
        d.stdout()
    );
    assert!(
        d.stdout()
            .contains("cluster \"Beta\": hosts beta-*\n  covers 1 component\n")
    );
}

#[test]
fn a_site_with_notices_alone_and_clusters_that_name_nothing_checks_clean() {
    let dir = tempdir();
    let cfg = site(dir.path(), "notices.json", b"{\"notice\": []}");
    let d = check(&cfg);
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""));
    let out = d.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "cluster \"Alpha\": hosts alpha-*",
            "  covers 0 components",
            "cluster \"Beta\": hosts beta-*",
            "  covers 0 components",
        ]
    );
    assert_eq!(lines[5..], [format!("ok: {}", cfg.display())]);
}

/// The cache's sources and clusters after a fetch of `cfg`.
fn fetched(cfg: &Path) -> serde_json::Value {
    Run::fetch().arg("--config").arg(cfg).success();
    let cache = cfg.parent().unwrap().join("status.json");
    let mut c: serde_json::Value = serde_json::from_slice(&std::fs::read(cache).unwrap()).unwrap();
    // Where each source was read from differs between two files; what was read may not.
    for s in c["sources"].as_array_mut().unwrap() {
        assert!(!s["origin"].as_str().unwrap().is_empty(), "{s}");
        s["origin"].take();
    }
    serde_json::json!({"sources": c["sources"].take(), "clusters": c["clusters"].take()})
}

const SITE_TOML: &str = r#"name = "HPC notices"
url = "https://www.example.org/notices"
timezone = "Europe/Berlin"

[[notice]]
id = "net-3"
title = "Network trouble on Beta"
kind = "incident"
impact = "major"
start = 2026-11-26T07:40:00
affects = ["Beta"]

[[notice.update]]
at = 2026-11-26T08:10:00+01:00
text = "A switch is being replaced."

[[notice]]
id = "maint-12"
title = "Lustre upgrade"
kind = "maintenance"
start = "2026-11-28 08:00"
end = "2026-11-28 16:00"
affects = ["Lustre", "Alpha"]
link = "https://www.example.org/maint-12"

[[notice]]
id = "welcome"
title = "Two-factor login for every account from December"
kind = "notice"
start = "2026-11-20T00:00:00+01:00"
body = "See the <a href=\"https://www.example.org/2fa\">guide</a>."
"#;

const SITE_JSON: &str = r#"{
  "name": "HPC notices",
  "url": "https://www.example.org/notices",
  "timezone": "Europe/Berlin",
  "notice": [
    {"id": "net-3", "title": "Network trouble on Beta", "kind": "incident", "impact": "major",
     "start": "2026-11-26T07:40", "affects": ["Beta"],
     "update": [{"at": "2026-11-26T08:10:00+01:00", "text": "A switch is being replaced."}]},
    {"id": "maint-12", "title": "Lustre upgrade", "kind": "maintenance",
     "start": "2026-11-28 08:00", "end": "2026-11-28 16:00", "affects": ["Lustre", "Alpha"],
     "link": "https://www.example.org/maint-12"},
    {"id": "welcome", "title": "Two-factor login for every account from December",
     "kind": "notice", "start": "2026-11-20T00:00:00+01:00",
     "body": "See the <a href=\"https://www.example.org/2fa\">guide</a>."}
  ]
}"#;

#[test]
fn the_toml_and_json_forms_give_the_same_cache() {
    let (a, b) = (tempdir(), tempdir());
    let toml = fetched(&site(a.path(), "notices.toml", SITE_TOML.as_bytes()));
    let json = fetched(&site(b.path(), "notices.json", SITE_JSON.as_bytes()));
    assert_eq!(toml, json);
    let source = &toml["sources"][0];
    assert_eq!(source["provider"], "notices");
    // The config's name wins over the file's, as a page's does.
    assert_eq!(source["name"], "Notices");
    assert_eq!(source["url"], "https://www.example.org/notices");
    let items: Vec<(&str, &str, &str)> = source["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
                i["started_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("maint-12", "planned", "2026-11-28T07:00:00Z"),
            ("net-3", "investigating", "2026-11-26T06:40:00Z"),
            ("welcome", "notice", "2026-11-19T23:00:00Z"),
        ]
    );
    let covers = |c: usize| -> Vec<String> {
        toml["clusters"][c]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(covers(0), ["affects:alpha"]);
    assert_eq!(covers(1), ["affects:beta", "affects:lustre"]);
}

#[test]
fn wall_clock_times_either_side_of_a_daylight_saving_change() {
    let dir = tempdir();
    let text = "timezone = \"Europe/Berlin\"\n\
        [[notice]]\nid = \"spring\"\ntitle = \"S\"\nkind = \"maintenance\"\n\
        start = \"2027-03-28 01:59\"\nend = \"2027-03-28 03:00\"\n\
        [[notice]]\nid = \"autumn\"\ntitle = \"A\"\nkind = \"maintenance\"\n\
        start = 2026-10-25T01:59:00\nend = 2026-10-25T03:00:00\n";
    let cfg = site(dir.path(), "notices.toml", text.as_bytes());
    // Each maintenance as the cache holds it the day before it (the trimming drops those long
    // past or far ahead).
    let window = |id: &str, now: &str| {
        Run::fetch()
            .arg("--config")
            .arg(&cfg)
            .env("MOTD_STATUS_NOW", now)
            .success();
        let cache = dir.path().join("status.json");
        let c: serde_json::Value = serde_json::from_slice(&std::fs::read(cache).unwrap()).unwrap();
        let items = c["sources"][0]["items"].as_array().unwrap().clone();
        let i = items.iter().find(|i| i["id"] == id).unwrap();
        (
            i["scheduled_for"].as_str().unwrap().to_owned(),
            i["scheduled_until"].as_str().unwrap().to_owned(),
        )
    };
    // One minute before each change, and the first minute after it: 2 h and 3 h apart.
    assert_eq!(
        window("spring", "2027-03-27T12:00:00Z"),
        ("2027-03-28T00:59:00Z".into(), "2027-03-28T01:00:00Z".into())
    );
    assert_eq!(
        window("autumn", "2026-10-24T12:00:00Z"),
        ("2026-10-24T23:59:00Z".into(), "2026-10-25T02:00:00Z".into())
    );
}

#[test]
fn a_notice_for_alpha_reaches_alphas_view_and_not_betas() {
    let dir = tempdir();
    write_settled(
        &dir.path().join("notices.toml"),
        "[[notice]]\nid = \"alpha-os\"\ntitle = \"Alpha login nodes reboot\"\n\
         kind = \"maintenance\"\nstart = 2026-11-26T12:00:00+01:00\n\
         end = 2026-11-26T13:00:00+01:00\naffects = [\"Alpha\"]\n",
    );
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "page = {:?}\ncache = \"status.json\"\n[[source]]\nname = \"Site notices\"\n\
             notices = \"./notices.toml\"\n{SAMPLE_CLUSTERS}",
            sample_page().display().to_string()
        ),
    )
    .unwrap();
    Run::fetch().arg("--config").arg(&cfg).success();
    let cache = dir.path().join("status.json");
    let ids = |cluster: &str| -> Vec<String> {
        let d = Run::display()
            .args(["--cache".as_ref(), cache.as_os_str()])
            .args(["--cluster", cluster, "--format", "json"])
            .success();
        d.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (alpha, beta) = (ids("Alpha"), ids("Beta"));
    assert!(alpha.contains(&"alpha-os".to_owned()), "{alpha:?}");
    assert!(!beta.contains(&"alpha-os".to_owned()), "{beta:?}");
    // The page's own items still reach both as before.
    assert!(alpha.len() > 1 && !beta.is_empty());
    let text = Run::display()
        .args(["--cache".as_ref(), cache.as_os_str()])
        .args(["--cluster", "Alpha", "--color", "never"])
        .success()
        .stdout();
    assert!(text.contains("Alpha login nodes reboot"), "{text}");
}

#[test]
fn a_notices_file_over_https() {
    let dir = tempdir();
    let ca = TestCa::new("motd-status test CA");
    let ca_file = ca.write(dir.path(), "ca.pem");
    let tls = TlsServer::start(&ca);
    tls.route("/notices.json", Reply::json(SITE_JSON));
    let url = format!("{}/notices.json", tls.url());
    let cfg = dir.path().join("config.toml");
    let write = |notices: &str| {
        std::fs::write(
            &cfg,
            format!(
                "cache = \"status.json\"\nca_file = {:?}\nretries = 0\n\
                 [[source]]\nnotices = {notices:?}\n{CLUSTERS}",
                ca_file.display().to_string()
            ),
        )
        .unwrap();
    };
    write(&url);
    let c = fetched(&cfg);
    assert_eq!(
        c["sources"][0]["name"], "HPC notices",
        "the file's own name"
    );
    assert_eq!(c["sources"][0]["items"].as_array().unwrap().len(), 3);
    let check = check(&cfg);
    assert_eq!(check.code(), 0, "{}", check.stderr());
    // A file the server does not have is an error, not "no notices".
    write(&format!("{}/gone.json", tls.url()));
    let before = std::fs::read(dir.path().join("status.json")).unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 1);
    assert_eq!(
        d.stderr(),
        format!(
            "motd-status-fetch: error: {}/gone.json: HTTP 404 (the previous cache is kept)\n",
            tls.url()
        )
    );
    assert_eq!(
        std::fs::read(dir.path().join("status.json")).unwrap(),
        before
    );
}

#[test]
fn a_file_cut_short_fails_the_source_and_the_previous_data_stays() {
    let dir = tempdir();
    let cfg = site(dir.path(), "notices.json", SITE_JSON.as_bytes());
    fetched(&cfg);
    let cache = dir.path().join("status.json");
    let before = std::fs::read(&cache).unwrap();
    let file = dir.path().join("notices.json").display().to_string();
    for (text, want) in [
        (
            "",
            "1:1: the file is empty (a write cut short?); a file without notices says so: {\"notice\": []}",
        ),
        (
            "\n \n",
            "1:1: the file is empty (a write cut short?); a file without notices says so: {\"notice\": []}",
        ),
        (
            &SITE_JSON[..200],
            "6:84: not valid JSON: EOF while parsing an object",
        ),
    ] {
        write_settled(&dir.path().join("notices.json"), text);
        let d = Run::fetch().arg("--config").arg(&cfg).output();
        assert_eq!(d.code(), 1);
        assert_eq!(
            d.stderr(),
            format!("motd-status-fetch: error: {file}:{want} (the previous cache is kept)\n")
        );
        assert_eq!(std::fs::read(&cache).unwrap(), before);
    }
    // A missing file too.
    std::fs::remove_file(dir.path().join("notices.json")).unwrap();
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(
        d.stderr(),
        format!("motd-status-fetch: error: {file}: no such file (the previous cache is kept)\n")
    );
    assert_eq!(std::fs::read(&cache).unwrap(), before);
}

#[test]
fn a_file_with_thousands_of_mistakes_is_answered_whole_and_logged_in_brief() {
    let notice =
        "[[notice]]\nid = \"n\"\ntitel = \"t\"\nkind = \"notice\"\nstart = \"2026-11-01 08:00\"\n";
    let dir = tempdir();
    let cfg = site(dir.path(), "notices.toml", notice.repeat(2000).as_bytes());
    // Each notice after the first: a misspelt key and a duplicate id; the first only the key.
    let d = check(&cfg);
    assert_eq!(d.code(), 1);
    let file = dir.path().join("notices.toml").display().to_string();
    let prefix = format!("motd-status-fetch: error: {file}:");
    let answered = d
        .stderr()
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .count();
    assert_eq!(answered, 3999, "{}", d.stderr());
    assert!(
        d.stderr().contains(&format!(
            "{file}:7:6: id \"n\" is also the id of the notice at line 2\n"
        )),
        "{}",
        d.stderr()
    );
    let d = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(d.code(), 1);
    let err = d.stderr();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 22, "{err}");
    assert!(
        lines[20].ends_with("3978 more mistakes (motd-status-fetch --check lists them all)"),
        "{}",
        lines[20]
    );
}

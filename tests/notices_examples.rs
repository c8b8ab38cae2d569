//! The notices examples hold what the docs say: `examples/notices/site.toml` and the converters'
//! output (run on their samples, ACCESS's outages with jq and NERSC's status with Python) pass
//! `motd-status-fetch --check` and show the notices they should, every one of them fits
//! `packaging/notices.schema.json` (which refuses what it should), and docs/notices.md shows
//! the example and the converters as they are.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{Run, assert_eq, repo, tempdir, write_settled};

fn examples() -> PathBuf {
    repo().join("examples/notices")
}

/// Debian's Python, which has the jsonschema module (`.ci/deps` installs it) and tomllib.
const PYTHON: &str = "/usr/bin/python3";

/// Runs `cmd`, feeding it `input`; its standard output (it must succeed).
fn run(cmd: &mut Command, input: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (bash .ci/deps installs it)"));
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A TOML notices file as JSON, its date-times written as RFC 3339 strings (local ones
/// without an offset), as the schema has them.
fn toml_as_json(path: &Path) -> String {
    const SCRIPT: &str = "import datetime, json, sys, tomllib\n\
        def time(t):\n    return t.isoformat()\n\
        with open(sys.argv[1], 'rb') as f:\n    print(json.dumps(tomllib.load(f), default=time))\n";
    run(Command::new(PYTHON).args(["-c", SCRIPT]).arg(path), "")
}

/// What the schema says is wrong with the JSON `doc`: one line per mistake, none when it fits.
fn schema_mistakes(doc: &str) -> Vec<String> {
    const SCRIPT: &str = "import json, sys, jsonschema\n\
        with open(sys.argv[1]) as f:\n    schema = json.load(f)\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        v = jsonschema.Draft202012Validator(schema)\n\
        for e in sorted(v.iter_errors(json.load(sys.stdin)), key=lambda e: e.json_path):\n\
        \x20   print(e.json_path, e.validator)\n";
    let schema = repo().join("packaging/notices.schema.json");
    run(Command::new(PYTHON).args(["-c", SCRIPT]).arg(schema), doc)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The ACCESS converter's notices, from its two sample answers, Delta's resource id named as
/// the cluster names it.
fn access_notices() -> String {
    let dir = examples();
    run(
        Command::new("jq")
            .args(["-s", "-f"])
            .arg(dir.join("access-to-notices.jq"))
            .arg(dir.join("access-current-outages.json"))
            .arg(dir.join("access-future-outages.json"))
            .args([
                "--argjson",
                "names",
                r#"{"delta.ncsa.access-ci.org": "Delta"}"#,
            ]),
        "",
    )
}

/// The NERSC converter's notices, from its two sample answers.
fn nersc_notices() -> String {
    let dir = examples();
    run(
        Command::new(PYTHON)
            .arg(dir.join("nersc-to-notices.py"))
            .arg(dir.join("nersc-status.json"))
            .arg(dir.join("nersc-planned-outages.json")),
        "",
    )
}

#[test]
fn every_example_fits_the_schema_and_the_schema_refuses_mistakes() {
    let site = toml_as_json(&examples().join("site.toml"));
    for (name, doc) in [
        ("site.toml", site.as_str()),
        ("ACCESS converter", &access_notices()),
        ("NERSC converter", &nersc_notices()),
    ] {
        assert_eq!(schema_mistakes(doc), Vec::<String>::new(), "{name}: {doc}");
    }
    let notice = r#"{"id": "a", "title": "A", "kind": "incident", "start": "2026-12-10 08:00""#;
    for (doc, want) in [
        (
            format!(r#"{{"notice": [{notice}, "titel": "x"}}]}}"#),
            "$.notice[0] additionalProperties",
        ),
        (
            format!(r#"{{"notice": [{notice}, "end": "2026-12-10 09:00"}}]}}"#),
            "$.notice[0] not",
        ),
        (
            format!(r#"{{"notice": [{notice}, "impact": "high"}}]}}"#),
            "$.notice[0].impact enum",
        ),
        (
            format!(r#"{{"notice": [{notice}, "affects": "Alpha"}}]}}"#),
            "$.notice[0].affects type",
        ),
        (
            r#"{"notice": [{"id": "a", "kind": "notice", "start": "2026-12-10T08:00Z"}]}"#
                .to_owned(),
            "$.notice[0] required",
        ),
        (
            format!(r#"{{"notice": [{notice}}}], "timezone": "/etc/localtime"}}"#),
            "$.timezone pattern",
        ),
        (
            r#"{"notice": [{"id": "a", "title": "A", "kind": "notice", "start": "tomorrow"}]}"#
                .to_owned(),
            "$.notice[0].start pattern",
        ),
        (
            format!(r#"{{"notices": [{notice}}}]}}"#),
            "$ additionalProperties",
        ),
    ] {
        assert_eq!(schema_mistakes(&doc), [want], "{doc}");
    }
}

/// Fetches the notices file `file` (written as `text`) for `clusters` in `dir`: `--check`
/// passes without a word on stderr, and the items of `cluster`'s view are returned (id, title),
/// sorted.
fn shown(
    dir: &Path,
    file: &str,
    text: &str,
    clusters: &str,
    cluster: &str,
) -> Vec<(String, String)> {
    write_settled(&dir.join(file), text);
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!("cache = \"status.json\"\n[[source]]\nnotices = \"./{file}\"\n{clusters}"),
    )
    .unwrap();
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .arg("--check")
        .output();
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""), "{}", d.stdout());
    Run::fetch().arg("--config").arg(&cfg).success();
    let d = Run::display()
        .args(["--cache".as_ref(), dir.join("status.json").as_os_str()])
        .args(["--cluster", cluster, "--format", "json"])
        .success();
    let mut items: Vec<(String, String)> = d.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // In the order of their ids: the rule's order is not what is tested here.
    items.sort();
    items
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn the_hand_written_example_passes_the_check_and_shows_its_notices() {
    let dir = tempdir();
    let text = std::fs::read_to_string(examples().join("site.toml")).unwrap();
    let clusters = "[[cluster]]\nname = \"Alpha\"\ncomponents = [\"Scratch filesystem\"]\n\
                    hosts = [\"alpha-login*\"]\n\
                    [[cluster]]\nname = \"Beta\"\ncomponents = [\"Scratch filesystem\"]\n\
                    hosts = [\"beta-login*\"]\n";
    let beta = shown(dir.path(), "notices.toml", &text, clusters, "Beta");
    assert_eq!(
        beta,
        pairs(&[
            (
                "2fa-2026",
                "Two-factor login for every account from 1 December"
            ),
            (
                "beta-ib-2026-11-26",
                "InfiniBand errors on some Beta compute nodes"
            ),
            (
                "lustre-fw-2026-12",
                "Lustre firmware update: /scratch read-only"
            ),
        ])
    );
    let alpha = shown(dir.path(), "notices.toml", &text, clusters, "Alpha");
    assert_eq!(
        alpha,
        pairs(&[
            (
                "2fa-2026",
                "Two-factor login for every account from 1 December"
            ),
            (
                "alpha-os-2026-11",
                "Operating system upgrade of the Alpha login nodes"
            ),
            (
                "lustre-fw-2026-12",
                "Lustre firmware update: /scratch read-only"
            ),
        ])
    );
}

#[test]
fn the_converters_output_passes_the_check_and_shows_the_expected_notices() {
    let dir = tempdir();
    let clusters = "[[cluster]]\nname = \"Delta\"\nhosts = [\"dt-login*\"]\n\
                    [[cluster]]\nname = \"Anvil\"\n\
                    components = [\"anvil.purdue.access-ci.org\", \"anvil-gpu.purdue.access-ci.org\"]\n\
                    hosts = [\"login*.anvil.example.org\"]\n\
                    [[cluster]]\nname = \"Perlmutter\"\ncomponents = [\"dtns\"]\n\
                    hosts = [\"login*.perlmutter.example.org\"]\n";
    let access = access_notices();
    let urn = |n: u32| format!("urn:ogf:glue2:info.access-ci.org:news:example.edu:outage-{n}");
    let delta = shown(dir.path(), "access.json", &access, clusters, "Delta");
    assert_eq!(
        delta,
        [
            (
                urn(1201),
                "Delta: /projects file system unavailable".to_owned()
            ),
            (
                urn(1210),
                "ACCESS allocations portal reconfiguration".to_owned()
            ),
        ]
    );
    let anvil = shown(dir.path(), "access.json", &access, clusters, "Anvil");
    assert_eq!(
        anvil,
        [
            (urn(1207), "Anvil quarterly maintenance".to_owned()),
            (
                urn(1210),
                "ACCESS allocations portal reconfiguration".to_owned()
            ),
        ]
    );
    // Perlmutter degraded now and its planned outage; the cancelled and the completed ones
    // are not shown.
    let nersc = nersc_notices();
    let perlmutter = shown(dir.path(), "nersc.json", &nersc, clusters, "Perlmutter");
    assert_eq!(
        perlmutter,
        pairs(&[
            (
                "perlmutter-2026-12-02T07:00:00-08:00",
                "Scheduled maintenance"
            ),
            ("perlmutter-status", "Perlmutter: System Degraded"),
        ])
    );
    assert!(shown(dir.path(), "nersc.json", &nersc, clusters, "Delta").is_empty());
}

#[test]
fn the_doc_shows_the_example_and_the_converters_as_they_are() {
    let doc = std::fs::read_to_string(repo().join("docs/notices.md")).unwrap();
    for file in ["site.toml", "access-to-notices.jq", "nersc-to-notices.py"] {
        let text = std::fs::read_to_string(examples().join(file)).unwrap();
        assert!(
            doc.contains(&text),
            "docs/notices.md does not show examples/notices/{file} as it is"
        );
    }
}

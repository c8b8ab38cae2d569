//! The whole path under a generator: random pages (hostile text, odd types, broken bytes) and
//! random config values, served by a loopback HTTP server to the real fetcher, then every
//! command on the cache it wrote: `--login`, `--all`, `--cluster`, this host's view, in every
//! format and colour setting, and the fetcher's `--check` and `--list-groups`. For every case:
//! no panic; no control character or escape but our own SGR codes on any output stream (JSON
//! included); every text line within the width; a failed fetch leaves the previous cache
//! byte for byte, or (a page and a notices file, one failing) a cache that marks the failed
//! source; a login exits 0 and is silent or a view.
//!
//! A fixed number of cases from a fixed seed; `MOTD_STATUS_CASES=500 MOTD_STATUS_SEED=7 cargo
//! test whole_path` runs more or others.

use std::path::Path;

use motd_status::testing::{Rng, cases};
use serde_json::{Value, json};

use crate::property::text;
use crate::server::{Reply, Server};
use crate::util::{NOW, Run, assert_clean, tempdir, toml_str, width};

fn at(r: &mut Rng) -> Value {
    if r.chance(8) {
        return r
            .pick(&[json!(null), json!(5), json!("yesterday"), json!("")])
            .clone();
    }
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    let hours = r.below(24 * 40) as i64 - 24 * 20;
    json!((now + chrono::Duration::hours(hours)).to_rfc3339())
}

/// A summary.json: groups and components with hostile names, incidents and maintenances.
fn page(r: &mut Rng) -> Value {
    let mut components = Vec::new();
    let mut ids = Vec::new();
    for g in 0..1 + r.below(3) {
        let gid = format!("g{g}");
        let kids: Vec<String> = (0..1 + r.below(4)).map(|k| format!("g{g}c{k}")).collect();
        let name = if g == 0 {
            "Alpha Cluster".to_owned()
        } else {
            text(r)
        };
        components.push(json!({"id": gid, "name": name, "status": "operational", "group": true, "components": kids}));
        for id in kids {
            let status = r.pick(&[
                "operational",
                "major_outage",
                "partial_outage",
                "under_maintenance",
                "degraded_performance",
                "weird\u{1b}[31m",
            ]);
            components.push(
                json!({"id": id, "name": text(r), "status": status, "group_id": gid,
                "position": r.pick(&[json!(1), json!(1.5), json!("1"), json!(null)])}),
            );
            ids.push(id);
        }
    }
    let mut incidents = Vec::new();
    let mut maintenances = Vec::new();
    for i in 0..r.below(15) {
        let maint = r.chance(40);
        let status = if maint {
            *r.pick(&[
                "scheduled",
                "in_progress",
                "verifying",
                "completed",
                "x\u{9b}1m",
            ])
        } else {
            *r.pick(&[
                "investigating",
                "identified",
                "monitoring",
                "resolved",
                "postmortem",
            ])
        };
        let named: Vec<Value> = (0..r.below(3))
            .filter(|_| !ids.is_empty())
            .map(|_| json!({"id": r.pick(&ids).clone(), "name": text(r)}))
            .collect();
        let mut v = json!({
            "id": format!("i{i}{}", if r.chance(5) { text(r) } else { String::new() }),
            "name": text(r),
            "status": status,
            "impact": r.pick(&["none", "minor", "major", "critical", "maintenance", "\u{1b}]0;t\u{7}"]),
            "shortlink": if r.chance(20) { json!(text(r)) } else { json!("https://stspg.io/x") },
            "created_at": at(r), "started_at": at(r), "updated_at": at(r), "resolved_at": at(r),
            "components": named,
            "incident_updates": [{"body": text(r), "created_at": at(r), "display_at": at(r)}],
        });
        if maint {
            v["scheduled_for"] = at(r);
            v["scheduled_until"] = at(r);
            maintenances.push(v);
        } else {
            incidents.push(v);
        }
    }
    let mut page =
        json!({"name": text(r), "url": "https://status.example.org", "time_zone": "Etc/UTC"});
    if r.chance(10) {
        page = json!(null);
    }
    json!({"page": page, "components": components, "incidents": incidents, "scheduled_maintenances": maintenances})
}

/// A notices file (JSON) of a few notices with hostile text, odd values and now and then a
/// mistake, which fails its source alone.
fn notices(r: &mut Rng) -> Value {
    let notices: Vec<Value> = (0..r.below(5))
        .map(|i| {
            let kind = *r.pick(&["maintenance", "incident", "notice", "\u{1b}[1mx"]);
            let affects = [
                json!(["Alpha"]),
                json!([]),
                json!([text(r)]),
                json!("Alpha"),
            ];
            let affects = r.pick(&affects).clone();
            let mut n = json!({
                "id": format!("n{i}"),
                "title": if r.chance(90) { text(r).replace(['\n', '\r'], " ") } else { text(r) },
                "kind": kind,
                "start": at(r),
                "affects": affects,
            });
            if kind != "incident" && r.chance(60) {
                n["end"] = at(r);
            }
            if kind == "incident" && r.chance(30) {
                n["resolved"] = at(r);
            }
            if r.chance(30) {
                n["body"] = json!(text(r));
            }
            if r.chance(20) {
                n["link"] = json!(format!("https://example.org/{}", text(r)));
            }
            n
        })
        .collect();
    json!({"timezone": "Europe/Berlin", "notice": notices})
}

fn config(r: &mut Rng, url: &str, notices: bool, cache: &Path, cluster: &str) -> String {
    let notices = if notices {
        format!("[[source]]\nname = \"Site notices\"\nnotices = \"{url}/notices.json\"\n")
    } else {
        String::new()
    };
    format!(
        "cache = {:?}\nrecent = {:?}\nupcoming = {:?}\nshow_unscoped = {}\n\
         [[source]]\npage = {url:?}\n{notices}\
         [[cluster]]\nname = {}\ngroups = [\"Alpha Cluster\"]\ncomponents = [{}]\nhosts = [\"alpha-*\"]\n\
         [login]\nmax_items = {}\nstale_after = \"1h\"\nexpire_after = {:?}\n",
        cache.display().to_string(),
        r.pick(&["1h", "2d", "30d"]),
        r.pick(&["1d", "7d", "60d"]),
        r.chance(70),
        toml_str(cluster),
        toml_str(&text(r)),
        r.pick(&[0, 1, 3, 8, 50]),
        r.pick(&["2h", "7d", "365d"]),
    )
}

/// Breaks the bytes now and then: a truncated, garbled or HTML body must fail the fetch only.
fn damage(r: &mut Rng, mut body: Vec<u8>) -> Vec<u8> {
    match r.below(12) {
        0 => {
            let n = r.below(body.len() as u64) as usize;
            body.truncate(n);
        }
        1 => {
            let at = r.below(body.len() as u64) as usize;
            body[at] = r.next_u64() as u8;
        }
        2 => body = b"<html>Service Unavailable</html>".to_vec(),
        3 => body = br#"{"error":"Service temporarily unavailable"}"#.to_vec(),
        _ => {}
    }
    body
}

fn check_output(what: &str, out: &str, colour: bool, cols: Option<usize>) {
    assert!(!out.contains("panicked"), "{what}: {out}");
    assert_clean(out, colour);
    if let Some(cols) = cols {
        // An address alone on its line (one unbroken word) is never cut.
        for line in out.lines() {
            let plain = strip_sgr(line);
            if !plain.contains(' ') {
                continue;
            }
            assert!(
                width(&plain) <= cols.max(20),
                "{what}: {plain:?} wider than {cols}"
            );
        }
    }
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('m').map_or(rest.len(), |i| at + i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn random_pages_and_configs_through_every_command() {
    let mut r = Rng::seeded(0x0077_6861);
    let server = Server::start();
    let dir = tempdir();
    let cache = dir.path().join("status.json");
    let cfg = dir.path().join("config.toml");
    for case in 0..cases(30) {
        let cluster = if r.chance(50) {
            "Alpha".to_owned()
        } else {
            text(&mut r)
        };
        let with_notices = r.chance(50);
        let text = config(&mut r, &server.url(), with_notices, &cache, &cluster);
        std::fs::write(&cfg, text).unwrap();
        let summary = serde_json::to_vec(&page(&mut r)).unwrap();
        server.route("/api/v2/summary.json", Reply::json(damage(&mut r, summary)));
        let file = serde_json::to_vec(&notices(&mut r)).unwrap();
        server.route("/notices.json", Reply::json(damage(&mut r, file)));
        let old: Vec<Value> = (0..r.below(3))
            .flat_map(|_| {
                page(&mut r)["incidents"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let history = json!({ "incidents": old });
        server.route(
            "/api/v2/incidents.json",
            Reply::json(serde_json::to_vec(&history).unwrap()),
        );

        let before = std::fs::read(&cache).ok();
        let fetched = Run::fetch().arg("--config").arg(&cfg).output();
        let what = format!("case {case}: fetch");
        check_output(&what, &fetched.stderr(), false, None);
        match fetched.code() {
            0 => {}
            // A source failed: nothing changed, or what changed says which source failed.
            1 => {
                let after = std::fs::read(&cache).ok();
                if after != before {
                    let c: Value = serde_json::from_slice(&after.unwrap()).unwrap();
                    let failed = c["sources"].as_array().unwrap().iter();
                    assert!(
                        failed.clone().any(|s| s["failed"].is_string()),
                        "{what}: cache changed without a failed source: {}",
                        fetched.stderr()
                    );
                }
            }
            // A config the generator got wrong (an empty cluster name): named, nothing written.
            2 => {
                assert!(fetched.stderr().contains("config.toml"), "{what}");
                assert_eq!(std::fs::read(&cache).ok(), before, "{what}: cache changed");
                continue;
            }
            code => panic!("{what}: exit {code}: {}", fetched.stderr()),
        }
        for args in [vec!["--check"], vec!["--list-groups"]] {
            let out = Run::fetch().arg("--config").arg(&cfg).args(&args).output();
            let what = format!("case {case}: fetch {args:?}");
            assert!(matches!(out.code(), 0 | 1), "{what}: {}", out.stderr());
            check_output(&what, &out.stdout(), false, None);
            check_output(&what, &out.stderr(), false, None);
        }
        if !cache.exists() {
            continue;
        }
        // An argument cannot hold NUL; everything else of the name goes on the command line.
        let cluster = cluster.replace('\0', "");
        let cols = *r.pick(&[20usize, 33, 80, 132]);
        let cols_s = cols.to_string();
        for colour in ["always", "never"] {
            for target in [
                vec!["--login", "--hostname", "alpha-login1"],
                vec!["--login", "--hostname", "nowhere"],
                vec!["--hostname", "alpha-login1"],
                vec!["--all"],
                vec!["--cluster", cluster.as_str()],
            ] {
                for format in ["text", "json", "markdown"] {
                    let out = Run::display()
                        .args([
                            "--color", colour, "--width", &cols_s, "--format", format, "--cache",
                        ])
                        .arg(&cache)
                        .args(&target)
                        .output();
                    let what = format!("case {case}: {target:?} {format} {colour}");
                    let login = target[0] == "--login";
                    if login {
                        assert_eq!(out.code(), 0, "{what}");
                        assert_eq!(out.stderr(), "", "{what}");
                    } else {
                        assert!(matches!(out.code(), 0 | 2), "{what}: {}", out.stderr());
                        check_output(&what, &out.stderr(), false, None);
                    }
                    let stdout = out.stdout();
                    let is_text = format == "text";
                    check_output(
                        &what,
                        &stdout,
                        colour == "always" && is_text,
                        is_text.then_some(cols),
                    );
                    if format == "json" && !stdout.is_empty() {
                        serde_json::from_str::<Value>(&stdout).expect("JSON parses");
                    }
                    if login && is_text && !stdout.is_empty() {
                        let first = strip_sgr(stdout.lines().next().unwrap());
                        assert!(
                            first.starts_with("Status of ") || first.contains("status as of"),
                            "{what}: {stdout}"
                        );
                    }
                }
            }
        }
    }
}

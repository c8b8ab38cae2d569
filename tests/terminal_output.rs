//! What reaches a real terminal or pipe: lines that fit the width as a terminal emulator (tmux)
//! draws them, JSON that carries no invisible character raw, the newest update, and output that
//! cannot be written (a closed pipe, a full device).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{NOW, Run, TZ, display_bin, sample_cache, tempdir, write_config, write_page};

fn at(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    (now + chrono::Duration::hours(hours)).to_rfc3339()
}

/// An incident named `name`, affecting `components`, with these `(body, time)` updates in the
/// page's order.
fn incident(id: &str, name: &str, components: &[Value], updates: &[(&str, Option<&str>)]) -> Value {
    let updates: Vec<Value> = updates
        .iter()
        .map(|(body, t)| {
            json!({"body": body, "status": "identified", "display_at": t, "created_at": t,
                "affected_components": []})
        })
        .collect();
    json!({"id": id, "name": name, "status": "identified", "impact": "minor",
        "created_at": at(-3), "started_at": at(-3), "updated_at": at(-1),
        "shortlink": format!("https://stspg.io/{id}"), "components": components,
        "incident_updates": updates})
}

/// A page named `page_name` with a group `group` of components `components` (degraded) and
/// `incidents`, fetched into `dir/status.json` (no clusters: `--all` shows the whole page).
fn fetch(dir: &Path, page_name: &str, group: &str, components: &[&str], incidents: Vec<Value>) {
    let mut rows = vec![
        json!({"id": "group0000001", "name": group, "status": "degraded_performance",
        "group": true, "components": (0..components.len()).map(|i| format!("comp{i:08}")).collect::<Vec<_>>()}),
    ];
    for (i, name) in components.iter().enumerate() {
        rows.push(
            json!({"id": format!("comp{i:08}"), "name": name, "status": "degraded_performance",
            "group": false, "group_id": "group0000001"}),
        );
    }
    let summary = json!({
        "page": {"id": "term00000001", "name": page_name, "url": "https://status.term.example",
            "time_zone": "Etc/UTC"},
        "components": rows,
        "incidents": incidents,
        "scheduled_maintenances": [],
    });
    write_page(&dir.join("page"), &summary, None);
    let cfg = write_config(dir, &dir.join("page").display().to_string(), "");
    Run::fetch().arg("--config").arg(&cfg).success();
}

/// A tmux server of our own (its socket in a directory of our own), killed when dropped.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn start() -> Tmux {
        Tmux {
            socket: format!("motd-status-test-{}", std::process::id()),
            dir: tempdir(),
        }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-L")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .env("TMUX_TMPDIR", self.dir.path())
            // tmux reads UTF-8 output only in a UTF-8 locale; C.UTF-8 is in every glibc.
            .env("LC_ALL", "C.UTF-8")
            .env_remove("TMUX")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap_or_else(|e| {
            panic!("tmux cannot run ({e}): install it (`.ci/shell-deps` does)")
        });
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("tmux captures UTF-8")
    }

    /// Runs `script` in a new window `cols` wide and returns the screen once `__END__` shows.
    fn screen(&self, name: &str, cols: usize, script: &str) -> Vec<String> {
        let path = self.dir.path().join(format!("{name}.sh"));
        std::fs::write(
            &path,
            format!("{script}\nprintf '__END__\\n'\nexec sleep 60\n"),
        )
        .unwrap();
        let cols_s = cols.to_string();
        let command = format!("sh {}", quoted(&path.display().to_string()));
        self.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &cols_s,
            "-y",
            "100",
            &command,
        ]);
        let width = self.run(&["display-message", "-p", "-t", name, "#{window_width}"]);
        assert_eq!(width.trim(), cols_s, "the tmux window is {cols} columns");
        let started = Instant::now();
        loop {
            let screen = self.run(&["capture-pane", "-p", "-t", name]);
            if screen.lines().any(|l| l == "__END__") {
                return screen.lines().map(str::to_owned).collect();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no __END__ in the window after 20 s:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").stderr(Stdio::null()).status();
    }
}

/// `s` as one word for `sh`.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Names a terminal draws wider than they look: emoji presentation sequences (⚠️, ❤️: base +
/// U+FE0F), Hangul fillers (blank, drawn two columns wide), wide CJK, flags, skin tones,
/// keycaps, combining accents; long enough to be cut at every width below.
const WIDE_NAMES: [&str; 6] = [
    "⚠️ Login ⚠️ nodes ⚠️ down ⚠️ again ⚠️ and ⚠️ again ⚠️ and ⚠️ again",
    "❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️",
    "ㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤ Hangul \u{115f}\u{115f}\u{115f}\u{115f}\u{115f}\u{115f} fillers ﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠﾠ end",
    "a⚠️b❤️c⚠️d❤️e⚠️f❤️g⚠️h❤️i⚠️j❤️k⚠️l❤️m⚠️n❤️o⚠️p❤️q⚠️r❤️s⚠️t",
    "計算ノードの障害 計算ノードの障害 計算ノードの障害 x計算ノードの障害",
    "👍🏽👍🏽 flags 🇩🇪🇫🇷🇯🇵 cafe\u{301} cafe\u{301} 1\u{fe0f}\u{20e3}#\u{fe0f}\u{20e3} ⌚\u{fe0e}⌚\u{fe0e} ©\u{fe0f}a\u{fe0f}b\u{fe0f}",
];

/// Every line `motd-status --width N` prints is one row of a tmux window N columns wide: none
/// wrapped, none spilled. tmux measures each character with its own tables (the C library's
/// `wcwidth`), not with the ones the renderer counts with.
#[test]
fn lines_fit_a_terminal_of_the_given_width() {
    let dir = tempdir();
    let incidents: Vec<Value> = WIDE_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            incident(
                &format!("wide{i:08}"),
                name,
                &[],
                &[(WIDE_NAMES[(i + 1) % WIDE_NAMES.len()], Some(&at(-1)))],
            )
        })
        .collect();
    fetch(
        dir.path(),
        "ㅤㅤㅤㅤㅤㅤㅤㅤㅤㅤ⚠️ Status ⚠️ page ⚠️ with ⚠️ a ⚠️ long ⚠️ name",
        "❤️ Compute ❤️ partition ❤️ group ❤️",
        &WIDE_NAMES,
        incidents,
    );
    let cache = dir.path().join("status.json");
    let tmux = Tmux::start();
    for cols in [20, 27, 33, 40, 41, 58, 79] {
        for colour in ["never", "always"] {
            let args = [
                "--all".to_owned(),
                "--color".to_owned(),
                colour.to_owned(),
                "--width".to_owned(),
                cols.to_string(),
                "--cache".to_owned(),
                cache.display().to_string(),
            ];
            let expected = Run::display().args(&args).success().stdout();
            // Every line fits but an address alone on its line (never cut, so the terminal
            // wraps it when it is wider): such a line takes the rows its width needs.
            let mut lines: Vec<String> = Vec::new();
            for line in expected.lines() {
                let plain = line.replace("\x1b[2m", "").replace("\x1b[0m", "");
                if !plain.contains(' ') && plain.chars().count() > cols && plain.is_ascii() {
                    let mut rest = plain.as_str();
                    while rest.len() > cols {
                        lines.push(rest[..cols].to_owned());
                        rest = &rest[cols..];
                    }
                    lines.push(rest.to_owned());
                } else {
                    lines.push(line.to_owned());
                }
            }
            assert!(lines.len() > 20 && lines.len() < 99, "{expected}");
            let script = format!(
                "env -i LANG=C.UTF-8 TZ={} MOTD_STATUS_NOW={} {} {}",
                quoted(TZ),
                quoted(NOW),
                quoted(&display_bin().display().to_string()),
                args.iter().map(|a| quoted(a)).collect::<Vec<_>>().join(" ")
            );
            let screen = tmux.screen(&format!("w{cols}{colour}"), cols, &script);
            let end = screen.iter().position(|l| l == "__END__").unwrap();
            assert_eq!(
                end,
                lines.len(),
                "at {cols} columns ({colour}), {} lines took {end} rows:\n{}",
                lines.len(),
                screen[..end].join("\n")
            );
            if colour == "never" {
                for (row, line) in screen.iter().zip(&lines) {
                    assert_eq!(row, line, "at {cols} columns");
                }
            }
        }
    }
}

/// `--format json` escapes what the terminal sanitiser removes, so that the document holds no
/// C1 control, bidi override or other invisible character raw; it still parses to the page's
/// very strings.
#[test]
fn json_escapes_invisible_characters_and_keeps_the_text() {
    let dir = tempdir();
    let nasty = [
        "csi \u{9b}2J clear \u{90}dcs\u{9c} nel\u{85}end",
        "bidi \u{202a}\u{202b}\u{202c}\u{202d}\u{202e}txt.exe \u{2066}\u{2067}\u{2068}\u{2069}",
        "zero\u{200b}\u{200c}\u{200d}\u{200e}\u{200f}\u{2060}\u{feff}\u{ad}width",
        "tags \u{e0041}\u{e007f} sep\u{2028}\u{2029} del\u{7f} filler\u{3164}\u{115f}\u{ffa0}",
    ];
    let incidents: Vec<Value> = nasty
        .iter()
        .enumerate()
        .map(|(i, name)| {
            incident(
                &format!("nasty{i:07}"),
                name,
                &[json!({"id": "comp00000000", "name": nasty[0]})],
                &[],
            )
        })
        .collect();
    fetch(dir.path(), nasty[1], nasty[2], &nasty, incidents);
    let out = Run::display()
        .args(["--all", "--format", "json", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .stdout();
    for c in out.chars() {
        let raw = (c.is_control() || c.is_whitespace()) && !matches!(c, ' ' | '\n');
        assert!(!raw && !nasty_char(c), "{c:?} is raw in the JSON output");
    }
    assert!(out.contains(r"\u009b2J"), "{out}");
    assert!(out.contains(r"\u202e"), "{out}");
    assert!(out.contains(r"\udb40\udc41"), "{out}");
    let doc: Value = serde_json::from_str(&out).expect("the output is JSON");
    assert_eq!(doc["pages"][0]["name"], nasty[1]);
    let items = doc["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    for name in nasty {
        assert!(names.contains(&name), "{name:?} is not among {names:?}");
    }
    let component = items
        .iter()
        .find(|i| i["kind"] == "component" && i["name"] == nasty[3])
        .unwrap_or_else(|| panic!("the degraded component is not listed: {out}"));
    assert_eq!(component["group"], nasty[2]);
}

/// What `--format json` must not carry raw beyond the controls: bidi, zero-width and invisible
/// formatting characters, tags, Hangul fillers.
fn nasty_char(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{115f}' | '\u{1160}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{3164}' | '\u{feff}' | '\u{ffa0}' | '\u{e0000}'..='\u{e007f}')
}

/// The update shown is the newest by time; of updates with the same time (or none), the first
/// in the page's order, which lists them newest first.
#[test]
fn the_update_shown_is_the_first_of_the_newest() {
    let dir = tempdir();
    let t = at(-1);
    let older = at(-2);
    let incidents = vec![
        incident(
            "tie000000001",
            "Same second",
            &[],
            &[("Fixed, monitoring", Some(&t)), ("Investigating", Some(&t))],
        ),
        incident(
            "none00000001",
            "No times",
            &[],
            &[("Newest, no time", None), ("Oldest, no time", None)],
        ),
        incident(
            "order0000001",
            "Oldest first",
            &[],
            &[
                ("Old news", Some(&older)),
                ("Timeless", None),
                ("Latest news", Some(&t)),
                ("Latest too, listed later", Some(&t)),
            ],
        ),
    ];
    fetch(dir.path(), "Updates", "Group", &["One"], incidents);
    let doc = Run::display()
        .args(["--all", "--format", "json", "--cache"])
        .arg(dir.path().join("status.json"))
        .success()
        .json();
    let update = |name: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))["update"]
            .clone()
    };
    assert_eq!(update("Same second"), "Fixed, monitoring");
    assert_eq!(update("No times"), "Newest, no time");
    assert_eq!(update("Oldest first"), "Latest news");
}

/// `motd-status ARGS` with stdout into a pipe nobody reads any more: it exits 0 and says
/// nothing (no SIGPIPE death, status 141, that a login shell would report).
fn into_closed_pipe(cache: &Path, args: &[&str]) -> crate::util::Done {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(display_bin());
    cmd.env("MOTD_STATUS_NOW", NOW)
        .env("TZ", TZ)
        .env_remove("MOTD_FORMAT")
        .env_remove("MOTD_STATUS_DEADLINE")
        .arg("--cache")
        .arg(cache)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd.output().expect("the binary runs");
    crate::util::Done {
        out,
        took: started.elapsed(),
    }
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    for args in [
        &["--login", "--hostname", "alpha-login1"][..],
        &["--hostname", "alpha-login1"],
        &["--all"],
        &["--all", "--format", "json"],
        &["--help"],
    ] {
        let done = into_closed_pipe(&cache, args);
        assert_eq!(
            (done.out.status.code(), done.stderr().as_str()),
            (Some(0), ""),
            "motd-status {args:?} into a closed pipe: {:?}",
            done.out.status
        );
    }
}

/// The everyday form of the above: `--all | head -c 1`. The output is far larger than a pipe
/// holds, so most of it is written after `head` has read its byte and gone.
#[test]
fn piped_into_head() {
    let dir = tempdir();
    let long = "Scheduler degraded on the compute partition ".repeat(6);
    let incidents: Vec<Value> = (0..190)
        .map(|i| {
            incident(
                &format!("many{i:08}"),
                &format!("{i} {long}"),
                &[],
                &[(&long, Some(&at(-1)))],
            )
        })
        .collect();
    fetch(dir.path(), "Many", "Group", &["One"], incidents);
    let cache = dir.path().join("status.json");
    for format in ["text", "json"] {
        let args = format!(
            "--all --width 300 --format {format} --cache {}",
            quoted(&cache.display().to_string())
        );
        let full = Run::display()
            .args(["--all", "--width", "300", "--format", format, "--cache"])
            .arg(&cache)
            .success()
            .stdout();
        // More than a pipe holds (64 KiB on Linux), so the write must fail once `head` is gone.
        assert!(full.len() > 80 * 1024, "{} bytes only", full.len());
        let script = format!(
            "({} {args}; echo \"status $?\" >&2) | head -c 1",
            quoted(&display_bin().display().to_string()),
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("MOTD_STATUS_NOW", NOW)
            .env("TZ", TZ)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.stdout, full.as_bytes()[..1]);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "status 0\n");
    }
}

#[test]
fn a_full_device_is_one_line_on_stderr_and_exit_2_except_at_login() {
    let dir = tempdir();
    let cache = sample_cache(dir.path());
    let run = |args: &[&str]| {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        Command::new(display_bin())
            .env("MOTD_STATUS_NOW", NOW)
            .env("TZ", TZ)
            .arg("--cache")
            .arg(&cache)
            .args(args)
            .stdin(Stdio::null())
            .stdout(full)
            .output()
            .unwrap()
    };
    let out = run(&["--all"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("motd-status: ") && stderr.contains("No space left on device"),
        "{stderr}"
    );
    let out = run(&["--login", "--hostname", "alpha-login1"]);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).as_ref()
        ),
        (Some(0), "")
    );
}

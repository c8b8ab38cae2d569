//! Test helpers: run the real binaries with a pinned clock and zone, in temp dirs, and compare
//! whole outputs with readable diffs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use pretty_assertions::assert_eq;
use serde_json::Value;

/// The instant every test pretends it is, unless it says otherwise.
pub const NOW: &str = "2026-11-26T09:30:00+01:00";
/// A POSIX TZ string, so tests need no zoneinfo files.
pub const TZ: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binaries under test: cargo's own build, or those in `MOTD_STATUS_BIN_DIR` (the
/// packaged ones, as `.ci/run` checks them).
fn bin(name: &str, built: &str) -> PathBuf {
    match std::env::var_os("MOTD_STATUS_BIN_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(name),
        _ => PathBuf::from(built),
    }
}

pub fn display_bin() -> PathBuf {
    bin("motd-status", env!("CARGO_BIN_EXE_motd-status"))
}

pub fn fetch_bin() -> PathBuf {
    bin("motd-status-fetch", env!("CARGO_BIN_EXE_motd-status-fetch"))
}

/// One run of a binary, built up like a command line.
pub struct Run {
    cmd: Command,
}

impl Run {
    fn new(bin: PathBuf) -> Run {
        let mut cmd = Command::new(bin);
        for var in [
            "MOTD_STATUS_CACHE",
            "MOTD_STATUS_CONFIG",
            "MOTD_STATUS_DEADLINE",
            "MOTD_FORMAT",
            "NO_COLOR",
            "CLICOLOR_FORCE",
            "COLUMNS",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "LC_ALL",
            "LC_CTYPE",
        ] {
            cmd.env_remove(var);
        }
        // Every run is a user's first login: a state directory of its own (in a temporary
        // directory, never the real home), so a login folds only what the test shows it twice.
        cmd.env("XDG_STATE_HOME", fresh_state_home())
            .env_remove("MOTD_STATUS");
        // A UTF-8 locale, as logins have: the C locale makes the decorations ASCII.
        cmd.env("MOTD_STATUS_NOW", NOW)
            .env("TZ", TZ)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null());
        Run { cmd }
    }

    pub fn display() -> Run {
        Run::new(display_bin())
    }

    pub fn fetch() -> Run {
        Run::new(fetch_bin())
    }

    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.arg(a);
        self
    }

    pub fn args<I, S>(mut self, a: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(a);
        self
    }

    pub fn env_remove_all(mut self, vars: &[&str]) -> Run {
        for v in vars {
            self.cmd.env_remove(v);
        }
        self
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: &str) -> Run {
        self.cmd.env_remove(k);
        self
    }

    pub fn output(mut self) -> Done {
        let started = Instant::now();
        let out = self.cmd.output().expect("the binary runs");
        Done {
            out,
            took: started.elapsed(),
        }
    }

    /// Runs, but gives up after `limit`: calls `unstick` (which must make the process
    /// finish), waits for it, and fails the test. For runs that could hang on purpose.
    pub fn output_within(mut self, limit: Duration, unstick: impl FnOnce()) -> Done {
        let started = Instant::now();
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        loop {
            if child.try_wait().expect("waitpid").is_some() {
                break;
            }
            if started.elapsed() > limit {
                unstick();
                let _ = child.wait();
                panic!("still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let took = started.elapsed();
        let out = child.wait_with_output().expect("collect the output");
        Done { out, took }
    }

    /// Runs and asserts exit status 0 and an empty stderr.
    pub fn success(self) -> Done {
        let d = self.output();
        assert!(
            d.out.status.success() && d.stderr().is_empty(),
            "expected success, got {:?}\nstdout:\n{}\nstderr:\n{}",
            d.out.status,
            d.stdout(),
            d.stderr()
        );
        d
    }
}

pub struct Done {
    pub out: Output,
    pub took: Duration,
}

impl Done {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.out.stdout).expect("stdout is JSON")
    }
}

/// Compares `actual` with `tests/golden/<name>`; `MOTD_STATUS_BLESS=1` rewrites the file.
pub fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("MOTD_STATUS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with MOTD_STATUS_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(expected, actual, "golden file {}", path.display());
}

/// A page directory (`<dir>/api/v2/*.json`) built from JSON values.
pub fn write_page(dir: &Path, summary: &Value, incidents: Option<&Value>) {
    let api = dir.join("api/v2");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(
        api.join("summary.json"),
        serde_json::to_vec_pretty(summary).unwrap(),
    )
    .unwrap();
    if let Some(i) = incidents {
        std::fs::write(
            api.join("incidents.json"),
            serde_json::to_vec_pretty(i).unwrap(),
        )
        .unwrap();
    }
}

/// A config file in `dir` for `page`, with the cache at `dir/status.json`, plus `extra` TOML.
pub fn write_config(dir: &Path, page: &str, extra: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "page = {page:?}\ncache = {:?}\n{extra}",
        dir.join("status.json").display().to_string()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes `contents` to `path`, dated a minute ago: a file saved earlier, which a fetch reads at
/// once (one saved just now it reads once it has been unchanged for two seconds, in case an
/// editor is still writing it).
pub fn write_settled(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::write(path, contents).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
        .unwrap();
}

/// A state directory no login has used yet, under one temporary directory per test binary.
pub fn fresh_state_home() -> PathBuf {
    static ROOT: std::sync::LazyLock<tempfile::TempDir> = std::sync::LazyLock::new(tempdir);
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ROOT.path().join(format!("state-{n}"))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("motd-status-test")
        .tempdir()
        .unwrap()
}

/// The bundled sample page, as a directory.
pub fn sample_page() -> PathBuf {
    repo().join("examples/sample-page")
}

/// A real captured response from `tests/fixtures/real`.
pub fn real(name: &str) -> PathBuf {
    repo().join("tests/fixtures/real").join(name)
}

/// Fetches the sample page with the sample clusters into `dir/status.json`.
pub fn sample_cache(dir: &Path) -> PathBuf {
    let cfg = write_config(dir, &sample_page().display().to_string(), SAMPLE_CLUSTERS);
    Run::fetch().arg("--config").arg(&cfg).success();
    dir.join("status.json")
}

pub const SAMPLE_CLUSTERS: &str = r#"
[[cluster]]
name = "Alpha"
groups = ["Alpha Cluster", "Shared Services"]
hosts = ["alpha-login*", "a-*.hpc.example.org"]

[[cluster]]
name = "Beta"
groups = ["Beta Cluster", "Shared Services"]
components = ["User portal"]
hosts = ["beta-login*"]
"#;

/// Display columns of a plain line.
pub fn width(s: &str) -> usize {
    motd_status::testing::display_width(s)
}

/// No control character but newline, and no escape sequence but SGR colours.
pub fn assert_clean(out: &str, colour: bool) {
    let mut rest = out;
    while let Some(at) = rest.find('\x1b') {
        assert!(
            colour,
            "an escape sequence with colour off: {:?}",
            &rest[at..(at + 20).min(rest.len())]
        );
        let seq = &rest[at..];
        let end = seq[2..]
            .find('m')
            .map(|i| i + 3)
            .expect("an SGR sequence ends in m");
        assert!(
            seq.starts_with("\x1b[")
                && seq[2..end - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b';'),
            "not SGR: {:?}",
            &seq[..end]
        );
        rest = &seq[end..];
    }
    for c in out.chars() {
        let bad = (c.is_control() && c != '\n' && c != '\x1b')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{2028}' | '\u{2029}');
        assert!(!bad, "{c:?} reached stdout");
    }
}

/// `s` as a TOML basic string, every control and non-ASCII character escaped.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

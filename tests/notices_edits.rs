//! A notices file edited in place while the fetcher runs, as admins' editors write it: vim's way
//! (a new file renamed over the old), nano's (the file truncated, then written in place, so a
//! read may find it empty or half written) and a slow writer's (half the file, a pause, the
//! rest). The half is itself a valid notices file with fewer notices, one without its `end`:
//! no mistake gives it away. Real fetches run over and over while the file is rewritten, read
//! as a local file and served by Debian's nginx; after every run the cache holds one whole
//! version of the file, never an older one than before, never a half one; a run that could
//! not read a whole version fails the source, which keeps its last good data and its age; and
//! once the writer is done, the next run has the last version.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::nginx::Nginx;
use crate::util::{Run, sample_page, tempdir, toml_str, write_settled};

/// How long the fetcher wants a notices file unchanged before it reads it.
const QUIET: Duration = Duration::from_secs(2);
/// Versions the writer writes after the first.
const VERSIONS: usize = 6;

/// Version `k` of the file: three maintenances of Alpha tomorrow, each with its end.
fn version(k: usize) -> String {
    let mut text = format!("# version {k}\ntimezone = \"Europe/Berlin\"\n");
    for n in ["a", "b", "c"] {
        text.push_str(&format!(
            "\n[[notice]]\nid = \"v{k}-{n}\"\ntitle = \"Version {k}, notice {n}\"\n\
             kind = \"maintenance\"\nstart = \"2026-11-27 08:00\"\nend = \"2026-11-27 12:00\"\n\
             affects = [\"Alpha\"]\n"
        ));
    }
    text
}

/// Where the slow writer pauses: after the last notice's `start`. What comes before is a
/// valid file whose last notice has no end (in progress until resolved).
fn half(text: &str) -> usize {
    let last = text.rfind("start = ").unwrap();
    last + text[last..].find('\n').unwrap() + 1
}

/// The items of version `k` as the cache holds them: id, title, end.
fn items_of(k: usize) -> Vec<(String, String, String)> {
    ["a", "b", "c"]
        .iter()
        .map(|n| {
            (
                format!("v{k}-{n}"),
                format!("Version {k}, notice {n}"),
                "2026-11-27T11:00:00Z".to_owned(),
            )
        })
        .collect()
}

/// Which whole version the source `s` of the cache holds; fails on anything else.
fn version_held(s: &Value) -> usize {
    let items: Vec<(String, String, String)> = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = |k: &str| i[k].as_str().unwrap_or("(none)").to_owned();
            (text("id"), text("name"), text("scheduled_until"))
        })
        .collect();
    let k = items
        .first()
        .and_then(|i| i.0.strip_prefix('v')?.split('-').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no version: {items:?}"));
    assert_eq!(items, items_of(k), "not a whole version");
    k
}

/// Writes version `k` over `path` in the `k`th of the three ways.
fn rewrite(path: &Path, k: usize) {
    let text = version(k);
    let pause = |ms| std::thread::sleep(Duration::from_millis(ms));
    let in_place = || {
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .unwrap()
    };
    match k % 3 {
        // vim: a new file, renamed over the old.
        0 => {
            let new = path.with_extension("toml.new");
            std::fs::write(&new, &text).unwrap();
            std::fs::rename(&new, path).unwrap();
        }
        // nano: truncated, then written in place.
        1 => {
            let mut f = in_place();
            pause(20);
            let cut = text.len() / 2;
            f.write_all(&text.as_bytes()[..cut]).unwrap();
            pause(20);
            f.write_all(&text.as_bytes()[cut..]).unwrap();
        }
        // A slow writer: half the file, a pause, the rest.
        _ => {
            let mut f = in_place();
            f.write_all(&text.as_bytes()[..half(&text)]).unwrap();
            pause(400);
            f.write_all(&text.as_bytes()[half(&text)..]).unwrap();
        }
    }
}

/// The writer: versions 1 to [`VERSIONS`], each in its way, some right after the other and
/// some after the last has been quiet long enough to be read. `started` is the version it is
/// writing (or wrote last).
fn writer(path: PathBuf, quiet: Duration, started: Arc<AtomicUsize>, done: Arc<AtomicBool>) {
    for k in 1..=VERSIONS {
        started.store(k, Ordering::SeqCst);
        rewrite(&path, k);
        let gap = if k % 2 == 0 {
            quiet + Duration::from_millis(800)
        } else {
            Duration::from_millis(150)
        };
        std::thread::sleep(gap);
    }
    done.store(true, Ordering::SeqCst);
}

/// What the runs came to.
#[derive(Debug, Default)]
struct Tally {
    read: usize,
    failed: usize,
    waited: usize,
}

/// A site whose notices file (at `notices`, written at `file`) may sit beside the sample page.
struct Site {
    dir: PathBuf,
    config: PathBuf,
    file: PathBuf,
    /// The notices source's index in the cache.
    source: usize,
}

impl Site {
    fn new(dir: &Path, file: PathBuf, notices: &str, with_page: bool) -> Site {
        write_settled(&file, version(0));
        let page = if with_page {
            format!(
                "[[source]]\nname = \"Main\"\npage = {}\n",
                toml_str(&sample_page().display().to_string())
            )
        } else {
            String::new()
        };
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "cache = \"status.json\"\nretries = 0\n{page}\
                 [[source]]\nname = \"Notices\"\nnotices = {}\n\
                 [[cluster]]\nname = \"Alpha\"\ngroups = [\"Alpha Cluster\"]\nhosts = [\"alpha-*\"]\n",
                toml_str(notices)
            ),
        )
        .unwrap();
        Site {
            dir: dir.to_owned(),
            config,
            file,
            source: usize::from(with_page),
        }
    }

    fn cache(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("status.json")).unwrap()
    }

    /// One run at `now`: its exit status, the lines of its log saying it waited.
    fn fetch(&self, now: DateTime<Utc>) -> (i32, usize, String) {
        let d = Run::fetch()
            .env("MOTD_STATUS_NOW", now.to_rfc3339())
            .args(["--verbose", "--config"])
            .arg(&self.config)
            .output();
        let waited = d.stderr().matches("read again in").count();
        (d.code(), waited, d.stderr())
    }

    /// Runs the fetcher over and over while the file is rewritten, checking the cache after
    /// every run; then once more, when it must hold the last version.
    fn edit_while_fetching(&self, quiet: Duration) -> Tally {
        let mut now: DateTime<Utc> = "2026-11-26T08:30:00Z".parse().unwrap();
        assert_eq!(self.fetch(now).0, 0);
        let mut held = (0, now, self.cache());
        assert_eq!(version_held(&self.json()["sources"][self.source]), 0);
        let (started, done) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let writer = {
            let (path, s, d) = (self.file.clone(), started.clone(), done.clone());
            std::thread::spawn(move || writer(path, quiet, s, d))
        };
        let mut tally = Tally::default();
        while !done.load(Ordering::SeqCst) {
            now += chrono::Duration::minutes(1);
            let (code, waited, log) = self.fetch(now);
            tally.waited += usize::from(waited > 0);
            held = self.check_run(code, &log, now, held, started.load(Ordering::SeqCst));
            match code {
                0 => tally.read += 1,
                _ => tally.failed += 1,
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        writer.join().unwrap();
        let (code, _, log) = self.fetch(now + chrono::Duration::minutes(1));
        assert_eq!(code, 0, "{log}");
        assert_eq!(version_held(&self.json()["sources"][self.source]), VERSIONS);
        tally
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.cache()).unwrap()
    }

    /// After a run at `now` that exited `code`: the cache holds one whole version, not older
    /// than `before` (the version, when it was last read, the cache's bytes) and not newer than
    /// `started`; a failed run kept the source's last good data and its age.
    fn check_run(
        &self,
        code: i32,
        log: &str,
        now: DateTime<Utc>,
        before: (usize, DateTime<Utc>, Vec<u8>),
        started: usize,
    ) -> (usize, DateTime<Utc>, Vec<u8>) {
        let bytes = self.cache();
        let c = self.json();
        let s = &c["sources"][self.source];
        let k = version_held(s);
        assert!(
            k >= before.0 && k <= started,
            "version {k} after {}",
            before.0
        );
        let time = |key: &str| -> DateTime<Utc> { s[key].as_str().unwrap().parse().unwrap() };
        // Read anew (fetched now) or found unchanged (a 304: checked now).
        let checked = time("checked_at");
        match code {
            0 => {
                assert_eq!((checked, &s["failed"]), (now, &Value::Null), "{log}");
                (k, now, bytes)
            }
            1 => {
                // Its last good data, with its age: the previous cache as it was, or (beside
                // a page that was read) the same items, marked.
                assert_eq!((k, checked), (before.0, before.1), "{log}");
                if self.source == 0 {
                    assert_eq!(bytes, before.2, "{log}");
                } else {
                    assert!(s["failed"].is_string(), "{log}");
                }
                (k, checked, bytes)
            }
            _ => panic!("exit {code}: {log}"),
        }
    }
}

/// The half the slow writer leaves is a file `--check` passes: only waiting for the file to
/// settle keeps it out of the cache.
fn assert_half_is_valid(dir: &Path) {
    let text = version(1);
    let file = dir.join("half.toml");
    write_settled(&file, &text[..half(&text)]);
    let cfg = dir.join("half.config.toml");
    std::fs::write(
        &cfg,
        "[[source]]\nnotices = \"./half.toml\"\n\
         [[cluster]]\nname = \"Alpha\"\nhosts = [\"alpha-*\"]\n",
    )
    .unwrap();
    let d = Run::fetch()
        .args(["--check", "--config"])
        .arg(&cfg)
        .output();
    assert_eq!((d.code(), d.stderr().as_str()), (0, ""));
}

#[test]
fn a_local_notices_file_edited_while_the_fetcher_runs() {
    let dir = tempdir();
    assert_half_is_valid(dir.path());
    let file = dir.path().join("notices.toml");
    let site = Site::new(dir.path(), file.clone(), &file.display().to_string(), false);
    let started = Instant::now();
    let tally = site.edit_while_fetching(QUIET);
    eprintln!("local: {tally:?} in {:?}", started.elapsed());
    // Some runs found the file just written, and waited for it to settle.
    assert!(tally.waited > 0 && tally.read > 0, "{tally:?}");
}

#[test]
fn a_notices_file_served_by_nginx_edited_while_the_fetcher_runs() {
    let dir = tempdir();
    let www = dir.path().join("www");
    std::fs::create_dir(&www).unwrap();
    let web = tempdir();
    let nginx = Nginx::start(web.path(), &www);
    let file = www.join("notices.toml");
    let url = format!("{}/notices.toml", nginx.url());
    let site = Site::new(dir.path(), file, &url, true);
    let started = Instant::now();
    // nginx's Last-Modified and Date are whole seconds: the fetcher wants one more.
    let tally = site.edit_while_fetching(QUIET + Duration::from_secs(1));
    eprintln!("nginx: {tally:?} in {:?}", started.elapsed());
    assert!(tally.waited > 0 && tally.read > 0, "{tally:?}");
}

/// A file that never stops changing within the source's timeout fails the source, which keeps
/// its last good data and its age; the run says why in one line.
#[test]
fn a_notices_file_that_keeps_changing_fails_its_source() {
    let dir = tempdir();
    let file = dir.path().join("notices.toml");
    let site = Site::new(dir.path(), file.clone(), &file.display().to_string(), true);
    let text = std::fs::read_to_string(&site.config)
        .unwrap()
        .replace("retries = 0\n", "retries = 0\ntimeout = \"3s\"\n");
    std::fs::write(&site.config, text).unwrap();
    let t0: DateTime<Utc> = "2026-11-26T08:30:00Z".parse().unwrap();
    assert_eq!(site.fetch(t0).0, 0);
    let done = Arc::new(AtomicBool::new(false));
    let busy = {
        let (file, done) = (file.clone(), done.clone());
        std::thread::spawn(move || {
            let mut k = 1;
            while !done.load(Ordering::SeqCst) {
                rewrite(&file, 1 + k % 2);
                std::thread::sleep(Duration::from_millis(200));
                k += 1;
            }
        })
    };
    let t1 = t0 + chrono::Duration::hours(1);
    let started = Instant::now();
    let (code, _, log) = site.fetch(t1);
    let took = started.elapsed();
    done.store(true, Ordering::SeqCst);
    busy.join().unwrap();
    assert_eq!(code, 1, "{log}");
    let error: Vec<&str> = log.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(error.len(), 1, "{log}");
    assert!(
        error[0].starts_with(&format!(
            "motd-status-fetch: error: {}: it kept changing for ",
            file.display()
        )) && error[0].ends_with(
            " (still being written?); a file is read once it has been unchanged for 2s \
             (its last good data is kept)"
        ),
        "{log}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    let c = site.json();
    assert_eq!(version_held(&c["sources"][1]), 0);
    assert_eq!(c["sources"][1]["fetched_at"], "2026-11-26T08:30:00Z");
    assert_eq!(c["sources"][0]["fetched_at"], "2026-11-26T09:30:00Z");
}

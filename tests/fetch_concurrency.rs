//! Crash and concurrency safety: a fetcher killed while it writes, two fetchers at once, readers
//! during rewrites, and a cache directory that cannot be written.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::server::{Mode, Reply, Server};
use crate::util::{NOW, Run, TZ, fetch_bin, real, tempdir, write_config};

/// A large real page (92 components, 27 maintenances), so a write takes a little while.
const BIG: &str = "twilio-summary-groups-in-progress-maintenances.json";
const SMALL: &str = "discord-summary-groups-unresolved-incident.json";

fn fetch_command(config: &Path) -> Command {
    let mut cmd = Command::new(fetch_bin());
    cmd.arg("--config")
        .arg(config)
        .env("MOTD_STATUS_NOW", NOW)
        .env("TZ", TZ)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// The cache `page` gives, fetched once into a scratch directory.
fn cache_of(server: &Server, summary: &str) -> Vec<u8> {
    let dir = tempdir();
    server.serve_fixtures(&real(summary), None);
    let cfg = write_config(dir.path(), &server.url(), "");
    Run::fetch().arg("--config").arg(&cfg).success();
    std::fs::read(dir.path().join("status.json")).unwrap()
}

/// Files in `dir` other than the config, the cache and its lock.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !["config.toml", "status.json", ".status.json.lock"].contains(&n.as_str()))
        .collect()
}

/// A cheap pseudo-random sequence for kill delays (xorshift).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn kill_9_while_writing_leaves_old_or_new() {
    let server = Server::start();
    let small = cache_of(&server, SMALL);
    let big = cache_of(&server, BIG);
    assert_ne!(small, big);
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let cache = dir.path().join("status.json");
    let mut seed = u64::from(std::process::id()) | 1;
    // How long a whole run takes here, to spread the kills over it.
    let started = Instant::now();
    Run::fetch().arg("--config").arg(&cfg).success();
    let run_ms = (started.elapsed().as_millis() as u64).clamp(5, 200);
    let (mut old, mut new, mut killed) = (0, 0, 0);
    for i in 0..200 {
        // Alternate the page, so each run replaces the cache with different bytes.
        server.serve_fixtures(&real(if i % 2 == 0 { SMALL } else { BIG }), None);
        let before = std::fs::read(&cache).unwrap();
        let mut child = fetch_command(&cfg).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(next(&mut seed) % (run_ms * 1000)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed += 1;
        }
        let after = std::fs::read(&cache).unwrap();
        assert!(after == small || after == big, "run {i}: a torn cache");
        motd_status::testing::parse(&cache, &after).expect("the cache parses");
        if after == before {
            old += 1
        } else {
            new += 1
        }
        let extra = leftovers(dir.path());
        // A writer killed half-way leaves at most its own temp file, which the next removes.
        assert!(
            extra.is_empty()
                || (extra.len() == 1
                    && extra[0].starts_with(".status.json.")
                    && extra[0].ends_with(".tmp")),
            "run {i}: files piled up: {extra:?}"
        );
    }
    println!("200 runs over {run_ms}ms: {killed} killed, {old} left the old cache, {new} the new");
    assert!(killed > 20, "only {killed} of 200 runs were killed mid-way");
}

#[test]
fn two_fetchers_at_once_one_skips() {
    let server = Server::start();
    server.serve_fixtures(&real(SMALL), None);
    server.route(
        "/api/v2/summary.json",
        Reply::file(&real(SMALL)).mode(Mode::Delay(Duration::from_millis(500))),
    );
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    let a = fetch_command(&cfg).spawn().unwrap();
    let b = fetch_command(&cfg).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code().unwrap(), b.status.code().unwrap()];
    codes.sort_unstable();
    assert_eq!(codes, [0, 3]);
    let skipped = if a.status.code() == Some(3) { &a } else { &b };
    let msg = String::from_utf8_lossy(&skipped.stderr);
    assert_eq!(
        msg,
        format!(
            "motd-status-fetch: warning: {}: another motd-status-fetch is updating it; skipped\n",
            dir.path().join("status.json").display()
        )
    );
    motd_status::testing::read(&dir.path().join("status.json")).unwrap();
    // The one that skipped never asked the page.
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn thousand_reads_during_rewrites() {
    // Two page directories with different contents; the fetcher alternates between them.
    let dir = tempdir();
    let cache = dir.path().join("status.json");
    let configs: Vec<PathBuf> = [SMALL, BIG]
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let page = dir.path().join(format!("page{i}/api/v2"));
            std::fs::create_dir_all(&page).unwrap();
            std::fs::copy(real(f), page.join("summary.json")).unwrap();
            let cfg = dir.path().join(format!("config{i}.toml"));
            std::fs::write(
                &cfg,
                format!(
                    "page = \"./page{i}\"\ncache = \"status.json\"\n\
                     [[cluster]]\nname = \"All\"\ncomponents = [\"API\"]\nhosts = [\"*\"]\n"
                ),
            )
            .unwrap();
            cfg
        })
        .collect();
    Run::fetch().arg("--config").arg(&configs[0]).output();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, configs) = (stop.clone(), configs.clone());
        std::thread::spawn(move || {
            let mut writes = 0;
            while !stop.load(Ordering::SeqCst) {
                let d = Run::fetch()
                    .arg("--config")
                    .arg(&configs[writes % 2])
                    .output();
                assert!(d.code() == 0 || d.code() == 1, "{}", d.stderr());
                writes += 1;
            }
            writes
        })
    };
    let started = Instant::now();
    for i in 0..1000 {
        let d = Run::display()
            .args(["--format", "json", "--all", "--cache"])
            .arg(&cache)
            .output();
        assert_eq!(d.code(), 0, "read {i}: {}", d.stderr());
        let _ = d.json();
    }
    stop.store(true, Ordering::SeqCst);
    let writes = writer.join().unwrap();
    println!("1000 reads and {writes} writes in {:?}", started.elapsed());
    assert!(
        writes >= 10,
        "only {writes} rewrites happened during the reads"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// A fetch whose cache cannot be written: clear error, exit 1, the old cache intact, no temp
/// file left.
fn assert_write_fails(dir: &Path, cmd: &mut Command, cause: &str) {
    let cache = dir.join("status.json");
    let before = std::fs::read(&cache).unwrap();
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{}: cannot write the cache: ", cache.display()))
            && err.contains(cause)
            && err.contains("(the previous cache is kept)"),
        "{err}"
    );
    assert_eq!(std::fs::read(&cache).unwrap(), before);
}

/// Disk full, simulated with a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): the write of
/// the new cache fails part-way with EFBIG, exactly where a full disk fails with ENOSPC.
#[test]
fn disk_full_keeps_the_old_cache() {
    let server = Server::start();
    server.serve_fixtures(&real(SMALL), None);
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    Run::fetch().arg("--config").arg(&cfg).success();
    server.serve_fixtures(&real(BIG), None);
    let mut cmd = fetch_command(&cfg);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1000,
                rlim_max: 1000,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    assert_write_fails(dir.path(), &mut cmd, "File too large");
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// A cache directory that refuses new files, and a lock file left by an earlier run as
/// another user (root): the fetcher runs as a user who may not write the directory (as root
/// drops to `nobody` for it), takes the lock all the same, and fails only on the write.
#[test]
fn unwritable_cache_directory_keeps_the_old_cache() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    server.serve_fixtures(&real(SMALL), None);
    let dir = tempdir();
    let cfg = write_config(dir.path(), &server.url(), "");
    Run::fetch().arg("--config").arg(&cfg).success();
    server.serve_fixtures(&real(BIG), None);
    let mut cmd = fetch_command(&cfg);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    } else {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    assert_write_fails(dir.path(), &mut cmd, "Permission denied");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

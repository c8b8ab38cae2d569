//! Monitoring with the real tools: the metrics file checked by Debian's `promtool` and scraped
//! from Debian's `prometheus-node-exporter` (textfile collector) on loopback, and `--status`
//! in the monitoring-plugins convention.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{Reply, Server};
use crate::util::{NOW, Run, sample_page, tempdir, write_config};

pub fn promtool_check(file: &Path) {
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .expect("promtool is installed (.ci/deps)");
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `name{labels}` → value, from metrics text.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scrape(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[test]
fn metrics_after_every_run_pass_promtool_and_reach_the_node_exporter() {
    let server = Server::start();
    server.serve_page(&sample_page());
    let dir = tempdir();
    let textfiles = dir.path().join("textfiles");
    std::fs::create_dir(&textfiles).unwrap();
    let metrics = textfiles.join("motd_status.prom");
    let cfg = write_config(
        dir.path(),
        &server.url(),
        &format!(
            "metrics_file = {:?}\nretries = 0\n{}",
            metrics.display().to_string(),
            crate::util::SAMPLE_CLUSTERS.replace(
                "components = [\"User portal\"]",
                "components = [\"User portal\", \"No such thing\"]"
            )
        ),
    );
    // A good run (with a warning: one name matches nothing).
    let out = Run::fetch().arg("--config").arg(&cfg).output();
    assert_eq!(out.code(), 0, "{}", out.stderr());
    promtool_check(&metrics);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .timestamp() as f64;
    assert_eq!(
        value(&text, "motd_status_last_success_timestamp_seconds"),
        Some(at)
    );
    assert_eq!(value(&text, "motd_status_consecutive_failures"), Some(0.0));
    assert_eq!(
        value(&text, "motd_status_last_run_result{result=\"success\"}"),
        Some(1.0)
    );
    let source = format!("{{source=\"{}\"}}", server.url());
    assert_eq!(
        value(&text, &format!("motd_status_requests_total{source}")),
        Some(2.0)
    );
    assert!(value(&text, &format!("motd_status_received_bytes_total{source}")).unwrap() > 1000.0);
    assert_eq!(
        value(
            &text,
            "motd_status_entries{cluster=\"Alpha\",section=\"incident\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        value(&text, "motd_status_unmatched_names{cluster=\"Beta\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "motd_status_unmatched_names{cluster=\"Alpha\"}"),
        Some(0.0)
    );
    assert_eq!(value(&text, "motd_status_cache_age_seconds"), Some(0.0));

    // Two failing runs: the streak grows, the last success stays, counters add up.
    server.route("/api/v2/summary.json", Reply::status(503));
    for _ in 0..2 {
        let out = Run::fetch().arg("--config").arg(&cfg).output();
        assert_eq!(out.code(), 1, "{}", out.stderr());
    }
    promtool_check(&metrics);
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert_eq!(value(&text, "motd_status_consecutive_failures"), Some(2.0));
    assert_eq!(
        value(&text, "motd_status_last_success_timestamp_seconds"),
        Some(at)
    );
    assert_eq!(
        value(&text, "motd_status_last_run_result{result=\"failed\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, &format!("motd_status_requests_total{source}")),
        Some(4.0)
    );

    // Debian's node exporter, reading the directory, serves them on loopback.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let exporter = Exporter(
        Command::new("prometheus-node-exporter")
            .args([
                "--collector.disable-defaults",
                "--collector.textfile",
                &format!("--collector.textfile.directory={}", textfiles.display()),
                &format!("--web.listen-address=127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-node-exporter is installed (.ci/deps)"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the exporter did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let scraped = scrape(port);
    drop(exporter);
    assert!(
        scraped.contains("motd_status_consecutive_failures 2"),
        "{scraped}"
    );
    assert!(
        scraped.contains("motd_status_unmatched_names{cluster=\"Beta\"} 1"),
        "{scraped}"
    );
    // The exporter saw no error in the file.
    assert!(
        scraped.contains("node_textfile_scrape_error 0"),
        "{}",
        scraped
            .lines()
            .filter(|l| l.contains("textfile"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn status(cfg: &Path, now: &str) -> (i32, String) {
    let out = Run::fetch()
        .env("MOTD_STATUS_NOW", now)
        .args(["--status", "--config"])
        .arg(cfg)
        .output();
    let line = out.stdout();
    assert_eq!(line.lines().count(), 1, "{line}");
    (out.code(), line)
}

#[test]
fn status_speaks_the_monitoring_plugins_convention() {
    let dir = tempdir();
    let cfg = write_config(
        dir.path(),
        &sample_page().display().to_string(),
        crate::util::SAMPLE_CLUSTERS,
    );
    // No cache yet: CRITICAL.
    let (code, line) = status(&cfg, NOW);
    assert_eq!(code, 2, "{line}");
    assert!(line.starts_with("MOTD-STATUS CRITICAL - "), "{line}");
    Run::fetch().arg("--config").arg(&cfg).success();
    let (code, line) = status(&cfg, NOW);
    assert_eq!(code, 0, "{line}");
    assert!(line.starts_with("MOTD-STATUS OK - status "), "{line}");
    assert!(line.contains(" | age=0s;3600;604800;0 entries="), "{line}");
    // Two hours later: stale, WARNING; eight days later: expired, CRITICAL.
    let (code, line) = status(&cfg, "2026-11-26T11:30:00+01:00");
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("past stale_after"), "{line}");
    let (code, line) = status(&cfg, "2026-12-04T09:30:00+01:00");
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("past expire_after"), "{line}");
    // A name matching nothing: WARNING while fresh.
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "components = [\"User portal\"]",
        "components = [\"No such thing\"]",
    );
    std::fs::write(&cfg, text).unwrap();
    Run::fetch().arg("--config").arg(&cfg).output();
    let (code, line) = status(&cfg, NOW);
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("\"No such thing\""), "{line}");
    // An untrusted cache: CRITICAL; a broken config: UNKNOWN.
    use std::os::unix::fs::PermissionsExt;
    let cache = dir.path().join("status.json");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (code, line) = status(&cfg, NOW);
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("not trusted"), "{line}");
    std::fs::write(&cfg, "page = [\n").unwrap();
    let (code, line) = status(&cfg, NOW);
    assert_eq!(code, 3, "{line}");
    assert!(line.starts_with("MOTD-STATUS UNKNOWN - "), "{line}");
}

/// Runs started together: each one that fetched counts its requests in the metrics, none is
/// lost to another's write (the file is written under the cache's lock); a FIFO planted where
/// the metrics file goes does not hang a run.
#[test]
fn concurrent_runs_lose_no_counts_and_a_fifo_hangs_nothing() {
    let dir = tempdir();
    let metrics = dir.path().join("metrics.prom");
    let cfg = write_config(
        dir.path(),
        &sample_page().display().to_string(),
        &format!(
            "metrics_file = {}\n",
            crate::util::toml_str(&metrics.display().to_string())
        ),
    );
    let fifo = std::ffi::CString::new(metrics.display().to_string()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let d = Run::fetch()
        .arg("--config")
        .arg(&cfg)
        .output_within(Duration::from_secs(20), || {});
    assert_eq!(d.code(), 0, "{}", d.stderr());
    assert!(std::fs::metadata(&metrics).unwrap().is_file());

    let total = |text: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with("motd_status_requests_total{"))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum()
    };
    let before = total(&std::fs::read_to_string(&metrics).unwrap());
    let mut fetched = 0;
    for _ in 0..3 {
        let children: Vec<_> = (0..6)
            .map(|_| {
                Command::new(crate::util::fetch_bin())
                    .arg("--config")
                    .arg(&cfg)
                    .env("MOTD_STATUS_NOW", NOW)
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            if c.wait().unwrap().code() == Some(0) {
                fetched += 1;
            }
        }
    }
    let after = total(&std::fs::read_to_string(&metrics).unwrap());
    // A run reads the page's two files.
    assert_eq!(
        after - before,
        f64::from(fetched * 2),
        "{fetched} runs fetched"
    );
}

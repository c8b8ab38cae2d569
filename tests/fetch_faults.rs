//! The fetcher against a loopback server that misbehaves on purpose. Each fault checks the exit
//! code, a one-line message naming the address and the cause, the time taken (bounded by the
//! small timeouts set here) and that the previous cache is byte-identical.

use std::path::PathBuf;
use std::time::Duration;

use crate::server::{Mode, Reply, Server};
use crate::util::{Done, Run, real, tempdir, write_config};

const SUMMARY: &str = "discord-summary-groups-unresolved-incident.json";
const INCIDENTS: &str = "discord-incidents-mixed-resolved-unresolved.json";

/// Small timeouts and fast retries, so every fault ends within a few seconds.
const FAST: &str = r#"
timeout = "2s"
connect_timeout = "1s"
read_timeout = "1s"
retries = 2
retry_delay = "10ms"
"#;

/// [`FAST`] with `extra` added; a key in `extra` replaces the same key of [`FAST`].
pub fn fast(extra: &str) -> String {
    let keys: Vec<&str> = extra
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    let mut out: String = FAST
        .lines()
        .filter(|l| {
            !l.split_once('=')
                .is_some_and(|(k, _)| keys.contains(&k.trim()))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(extra);
    out
}

/// A served page, a config for it and a first good cache.
pub struct Setup {
    /// Holds the config and the cache; removed when the test ends.
    pub _dir: tempfile::TempDir,
    pub server: Server,
    pub config: PathBuf,
    pub cache: PathBuf,
    pub before: Vec<u8>,
}

impl Setup {
    pub fn new(extra: &str) -> Setup {
        let dir = tempdir();
        let server = Server::start();
        server.serve_fixtures(&real(SUMMARY), Some(&real(INCIDENTS)));
        let config = write_config(dir.path(), &server.url(), &fast(extra));
        let cache = dir.path().join("status.json");
        Run::fetch().arg("--config").arg(&config).success();
        let before = std::fs::read(&cache).unwrap();
        Setup {
            _dir: dir,
            server,
            config,
            cache,
            before,
        }
    }

    pub fn fetch(&self) -> Done {
        Run::fetch().arg("--config").arg(&self.config).output()
    }

    pub fn summary_url(&self) -> String {
        format!("{}/api/v2/summary.json", self.server.url())
    }

    /// Runs the fetcher and checks a failure: exit 1, one error line holding `url` and each
    /// of `causes`, done within `max`, the cache unchanged.
    pub fn fails(&self, url: &str, causes: &[&str], max: Duration) -> Done {
        let d = self.fetch();
        let err = d.stderr();
        // Shown with --nocapture: the message and the time, for a reader checking the wording.
        println!("{:>6}ms {}", d.took.as_millis(), err.trim_end());
        assert_eq!(d.code(), 1, "stderr: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with("motd-status-fetch: error: ") && err.contains(url),
            "{err}"
        );
        for c in causes {
            assert!(err.contains(c), "{c:?} not in: {err}");
        }
        assert!(err.contains("the previous cache is kept"), "{err}");
        assert!(d.took < max, "took {:?}, more than {max:?}", d.took);
        assert!(
            std::fs::read(&self.cache).unwrap() == self.before,
            "the cache changed"
        );
        d
    }

    fn hits(&self, path: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path == path)
            .count()
    }
}

#[test]
fn http_500_is_retried_then_fails() {
    let s = Setup::new("");
    s.server.route("/api/v2/summary.json", Reply::status(500));
    let before = s.hits("/api/v2/summary.json");
    s.fails(
        &s.summary_url(),
        &["HTTP 500", "server error", "3 attempts"],
        Duration::from_secs(3),
    );
    assert_eq!(s.hits("/api/v2/summary.json") - before, 3);
}

#[test]
fn http_503_then_200_succeeds_on_retry() {
    let s = Setup::new("");
    s.server.replies(
        "/api/v2/summary.json",
        vec![Reply::status(503), Reply::file(&real(SUMMARY))],
    );
    let before = s.hits("/api/v2/summary.json");
    let d = s.fetch();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    assert_eq!(s.hits("/api/v2/summary.json") - before, 2);
    motd_status::testing::read(&s.cache).expect("a good cache");
}

#[test]
fn http_429_honours_retry_after() {
    let s = Setup::new("");
    s.server.replies(
        "/api/v2/summary.json",
        vec![
            Reply::status(429).header("Retry-After", "1"),
            Reply::file(&real(SUMMARY)),
        ],
    );
    let d = s.fetch();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    assert!(
        d.took >= Duration::from_secs(1) && d.took < Duration::from_secs(3),
        "waited {:?}",
        d.took
    );
}

#[test]
fn http_429_for_good_fails_after_the_retries() {
    let s = Setup::new("retries = 1\n");
    s.server.route(
        "/api/v2/summary.json",
        Reply::status(429).header("Retry-After", "1"),
    );
    let d = s.fails(
        &s.summary_url(),
        &["HTTP 429", "rate limited", "2 attempts"],
        Duration::from_secs(3),
    );
    assert!(d.took >= Duration::from_secs(1), "took {:?}", d.took);
}

#[test]
fn http_429_asking_too_long_fails_at_once() {
    let s = Setup::new("max_retry_after = \"30s\"\n");
    s.server.route(
        "/api/v2/summary.json",
        Reply::status(420).header("Retry-After", "3600"),
    );
    s.fails(
        &s.summary_url(),
        &["HTTP 420", "wait 1h", "max_retry_after (30s)"],
        Duration::from_secs(1),
    );
}

#[test]
fn http_404_on_incidents_only_is_a_success() {
    let s = Setup::new("");
    s.server.route("/api/v2/incidents.json", Reply::status(404));
    let d = s.fetch();
    assert_eq!((d.code(), d.stderr()), (0, String::new()));
    motd_status::testing::read(&s.cache).expect("a good cache");
}

#[test]
fn http_401_says_private_page() {
    let s = Setup::new("");
    s.server.route("/api/v2/summary.json", Reply::status(401));
    let before = s.hits("/api/v2/summary.json");
    s.fails(
        &s.summary_url(),
        &["HTTP 401", "private page", "page_id and api_key_file"],
        Duration::from_secs(1),
    );
    assert_eq!(
        s.hits("/api/v2/summary.json") - before,
        1,
        "a 401 is not retried"
    );
}

#[test]
fn truncated_body() {
    let s = Setup::new("");
    s.server.route(
        "/api/v2/summary.json",
        Reply::file(&real(SUMMARY)).mode(Mode::Truncate(200)),
    );
    s.fails(
        &s.summary_url(),
        &["closed before the answer was complete", "3 attempts"],
        Duration::from_secs(3),
    );
}

#[test]
fn invalid_json() {
    let s = Setup::new("");
    s.server.route(
        "/api/v2/summary.json",
        Reply::json("{\"page\": {\"name\": "),
    );
    s.fails(
        &s.summary_url(),
        &["truncated JSON"],
        Duration::from_secs(1),
    );
    s.server
        .route("/api/v2/summary.json", Reply::json("{\"page\": nope}"));
    s.fails(&s.summary_url(), &["invalid JSON"], Duration::from_secs(1));
}

#[test]
fn html_login_page_with_status_200() {
    let s = Setup::new("");
    s.server.route(
        "/api/v2/summary.json",
        Reply::json("<!DOCTYPE html>\n<html><body><form>Sign in</form></body></html>\n")
            .header("Content-Type", "text/html"),
    );
    s.fails(
        &s.summary_url(),
        &["got HTML, not JSON"],
        Duration::from_secs(1),
    );
}

#[test]
fn body_over_the_cap() {
    let s = Setup::new("");
    // The first fetch fitted; now the cap is below the summary's size.
    let text = std::fs::read_to_string(&s.config).unwrap();
    std::fs::write(&s.config, format!("{text}max_bytes = 2000\n")).unwrap();
    s.fails(
        &s.summary_url(),
        &["larger than max_bytes (2000 bytes)"],
        Duration::from_secs(1),
    );
}

#[test]
fn server_that_never_answers() {
    let s = Setup::new("");
    s.server
        .route("/api/v2/summary.json", Reply::json("{}").mode(Mode::Hang));
    let d = s.fails(
        &s.summary_url(),
        &["sent nothing for read_timeout (1s)"],
        Duration::from_secs(3),
    );
    assert!(d.took >= Duration::from_millis(900), "took {:?}", d.took);
}

#[test]
fn one_byte_per_second_drip() {
    let s = Setup::new("read_timeout = \"1500ms\"\n");
    s.server.route(
        "/api/v2/summary.json",
        Reply::file(&real(SUMMARY)).mode(Mode::Drip(Duration::from_millis(1000))),
    );
    let d = s.fails(
        &s.summary_url(),
        &["no complete answer within 2s (timeout)"],
        Duration::from_secs(4),
    );
    assert!(d.took >= Duration::from_millis(1900), "took {:?}", d.took);
}

#[test]
fn connection_refused() {
    let s = Setup::new("");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{closed}");
    let text = std::fs::read_to_string(&s.config)
        .unwrap()
        .replace(&s.server.url(), &url);
    std::fs::write(&s.config, text).unwrap();
    s.fails(
        &format!("{url}/api/v2/summary.json"),
        &["connection refused", "3 attempts"],
        Duration::from_secs(2),
    );
}

#[test]
fn the_run_deadline_stops_retries() {
    let s = Setup::new("deadline = \"1s\"\nretry_delay = \"2s\"\n");
    s.server.route("/api/v2/summary.json", Reply::status(502));
    s.fails(
        &s.summary_url(),
        &["HTTP 502", "no time left to retry"],
        Duration::from_secs(2),
    );
}

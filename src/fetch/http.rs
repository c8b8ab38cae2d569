//! HTTP for the fetcher: deadlines, retries, rate limits, proxies and CAs, in one place.
//!
//! The fetcher talks to servers it does not control from many nodes at once, so every request
//! has a connect deadline, a deadline for each wait on the next bytes and one for the whole
//! request, and every body a byte cap. A 5xx, a 420/429 or a failed connection is tried again
//! a bounded number of times, waiting longer each time (or as long as `Retry-After` says, up to
//! a cap); a timeout is not, because a server that hung once mostly hangs again and a timer run
//! has a budget. No retry starts that could end after the run's deadline.
//!
//! Proxies: the config's `proxy` wins; otherwise `HTTPS_PROXY`/`https_proxy` (for https
//! addresses), `http_proxy`/`HTTP_PROXY` (for http ones) or `ALL_PROXY`/`all_proxy`, with
//! `NO_PROXY`/`no_proxy` (or the config's `no_proxy`) naming hosts reached directly. TLS trusts
//! the system's CA store (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured) plus the config's `ca_file`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use super::config::HttpConfig;
use super::log;
use crate::cache::Validator;

pub const USER_AGENT: &str = concat!("motd-status/", env!("CARGO_PKG_VERSION"));

/// A failed fetch: the address and what went wrong, as one line.
#[derive(Debug)]
pub struct FetchError {
    pub url: String,
    pub cause: String,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.cause)
    }
}

impl std::error::Error for FetchError {}

/// An API key. It is only ever put in an `Authorization` header: `Debug` hides it, and it has
/// no `Display`.
#[derive(Clone)]
pub struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One GET.
#[derive(Default, Clone, Copy)]
pub struct Get<'a> {
    pub url: &'a str,
    /// Sent as `Authorization: OAuth <key>`.
    pub key: Option<&'a Secret>,
    /// Sent as `If-None-Match` / `If-Modified-Since`.
    pub validator: Option<&'a Validator>,
    /// Requests with the same key are spaced by `api_interval`.
    pub paced: bool,
}

/// What a server answered, once retries are done with.
#[derive(Debug)]
pub enum Answer {
    /// 2xx, with the body and the validators to send next time.
    Body(Body),
    /// 304 to a conditional request.
    NotModified,
    /// Any other status that retrying does not help (4xx mostly); the caller says what it means.
    Status(u16),
}

#[derive(Debug, Clone)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

enum Attempt {
    Done(Answer),
    Fatal(String),
    Retry { cause: String, after: Option<u64> },
}

pub struct Http {
    cfg: HttpConfig,
    deadline: Instant,
    /// Agents by (https, proxy); an agent keeps its connections for the next request.
    agents: Mutex<HashMap<(bool, Option<String>), ureq::Agent>>,
    roots: OnceLock<Result<Vec<Certificate<'static>>, String>>,
    /// When each key was last used, for pacing.
    last: Mutex<HashMap<String, Instant>>,
}

impl Http {
    /// A client whose retries all end before `run_deadline`.
    pub fn new(cfg: HttpConfig, run_deadline: Instant) -> Http {
        Http {
            cfg,
            deadline: run_deadline,
            agents: Mutex::new(HashMap::new()),
            roots: OnceLock::new(),
            last: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    /// Time left in the run.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// GETs `req.url`, retrying what is worth retrying.
    pub fn get(&self, req: Get<'_>) -> Result<Answer, FetchError> {
        let fail = |cause: String| FetchError {
            url: req.url.to_owned(),
            cause,
        };
        let mut attempt: u32 = 0;
        loop {
            if req.paced
                && let Some(key) = req.key
            {
                self.pace(key);
            }
            let left = self.remaining();
            if left.is_zero() {
                return Err(fail(format!(
                    "no time left in the run's {} deadline",
                    humantime::format_duration(self.cfg.deadline)
                )));
            }
            let started = Instant::now();
            let result = self.once(req, left);
            let took = started.elapsed();
            let (cause, after) = match result {
                Attempt::Done(answer) => {
                    if log::enabled(log::Level::Info) {
                        let what = match &answer {
                            Answer::Body(b) => format!("200, {} bytes", b.bytes.len()),
                            Answer::NotModified => "304 not modified".to_owned(),
                            Answer::Status(s) => format!("HTTP {s}"),
                        };
                        log::info(format!("GET {}: {what} in {}", req.url, ms(took)));
                    }
                    return Ok(answer);
                }
                Attempt::Fatal(cause) => {
                    log::info(format!("GET {}: {cause} in {}", req.url, ms(took)));
                    return Err(fail(cause));
                }
                Attempt::Retry { cause, after } => (cause, after),
            };
            log::info(format!("GET {}: {cause} in {}", req.url, ms(took)));
            let tries = attempt + 1;
            if attempt >= self.cfg.retries {
                let s = if tries == 1 { "" } else { "s" };
                return Err(fail(format!("{cause} ({tries} attempt{s})")));
            }
            let wait = match after {
                Some(secs) => {
                    let wait = Duration::from_secs(secs);
                    if wait > self.cfg.max_retry_after {
                        return Err(fail(format!(
                            "{cause}; the server asks to wait {}, more than max_retry_after ({})",
                            humantime::format_duration(wait),
                            humantime::format_duration(self.cfg.max_retry_after)
                        )));
                    }
                    wait
                }
                None => self.cfg.retry_delay.saturating_mul(1u32 << attempt.min(16)),
            };
            if wait >= self.remaining() {
                return Err(fail(format!(
                    "{cause} ({tries} attempt{}; no time left to retry within the run's {} deadline)",
                    if tries == 1 { "" } else { "s" },
                    humantime::format_duration(self.cfg.deadline)
                )));
            }
            log::info(format!(
                "GET {}: retrying in {}",
                req.url,
                humantime::format_duration(wait)
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// Sleeps until `api_interval` has passed since the last request with this key.
    fn pace(&self, key: &Secret) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = last.get(&key.0) {
            let next = *at + self.cfg.api_interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        last.insert(key.0.clone(), Instant::now());
    }

    fn once(&self, req: Get<'_>, left: Duration) -> Attempt {
        let agent = match self.agent(req.url) {
            Ok(a) => a,
            Err(e) => return Attempt::Fatal(e),
        };
        let mut rb = agent.get(req.url).header("Accept", "application/json");
        if let Some(key) = req.key {
            rb = rb.header("Authorization", format!("OAuth {}", key.0));
        }
        if let Some(v) = req.validator {
            if let Some(etag) = &v.etag {
                rb = rb.header("If-None-Match", etag);
            }
            if let Some(lm) = &v.last_modified {
                rb = rb.header("If-Modified-Since", lm);
            }
        }
        let total = self.cfg.timeout.min(left);
        let rb = rb.config().timeout_global(Some(total)).build();
        let mut resp = match rb.call() {
            Ok(r) => r,
            Err(e) => return self.classify(&e, total),
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        match status {
            200..=299 => {
                let etag = header("etag");
                let last_modified = header("last-modified");
                match resp
                    .body_mut()
                    .with_config()
                    .limit(self.cfg.max_bytes)
                    .read_to_vec()
                {
                    Ok(bytes) => Attempt::Done(Answer::Body(Body {
                        bytes,
                        etag,
                        last_modified,
                    })),
                    Err(e) => self.classify(&e, total),
                }
            }
            304 => Attempt::Done(Answer::NotModified),
            420 | 429 => Attempt::Retry {
                cause: format!("HTTP {status} (rate limited)"),
                after: header("retry-after").and_then(|v| retry_after(&v)),
            },
            500..=599 => Attempt::Retry {
                cause: format!("HTTP {status} (server error)"),
                after: None,
            },
            300..=399 => Attempt::Fatal(format!(
                "HTTP {status} (a redirect{}; give the final address)",
                header("location")
                    .map(|l| format!(" to {}", crate::sanitize::terminal(&l)))
                    .unwrap_or_default()
            )),
            _ => Attempt::Done(Answer::Status(status)),
        }
    }

    fn classify(&self, e: &ureq::Error, total: Duration) -> Attempt {
        use ureq::Timeout as T;
        let secs = |d: Duration| humantime::format_duration(d).to_string();
        match e {
            ureq::Error::Timeout(T::Connect | T::Resolve) => Attempt::Fatal(format!(
                "could not connect within connect_timeout ({})",
                secs(self.cfg.connect_timeout)
            )),
            ureq::Error::Timeout(T::PerRead) => Attempt::Fatal(format!(
                "the server sent nothing for read_timeout ({})",
                secs(self.cfg.read_timeout)
            )),
            ureq::Error::Timeout(_) => Attempt::Fatal(format!(
                "no complete answer within {} (timeout)",
                secs(total)
            )),
            ureq::Error::BodyExceedsLimit(n) => {
                Attempt::Fatal(format!("the answer is larger than max_bytes ({n} bytes)"))
            }
            ureq::Error::HostNotFound => Attempt::Retry {
                cause: "host not found (DNS)".to_owned(),
                after: None,
            },
            ureq::Error::ConnectionFailed => Attempt::Retry {
                cause: "cannot connect".to_owned(),
                after: None,
            },
            ureq::Error::Io(io) => {
                use std::io::ErrorKind as K;
                match io.kind() {
                    K::TimedOut | K::WouldBlock => Attempt::Fatal(format!(
                        "the server sent nothing for read_timeout ({})",
                        secs(self.cfg.read_timeout)
                    )),
                    K::ConnectionRefused => Attempt::Retry {
                        cause: "connection refused".to_owned(),
                        after: None,
                    },
                    K::UnexpectedEof
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe => Attempt::Retry {
                        cause: format!("connection closed before the answer was complete ({io})"),
                        after: None,
                    },
                    _ => Attempt::Retry {
                        cause: io.to_string(),
                        after: None,
                    },
                }
            }
            ureq::Error::Protocol(p) => Attempt::Retry {
                cause: format!("broken HTTP answer: {p}"),
                after: None,
            },
            ureq::Error::ConnectProxyFailed(why) => {
                Attempt::Fatal(format!("the proxy refused the connection: {why}"))
            }
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
                Attempt::Fatal(format!("TLS: {e} (an internal CA? see ca_file)"))
            }
            other => Attempt::Fatal(other.to_string()),
        }
    }

    /// The agent for `url`: plain or TLS, through its proxy or not.
    fn agent(&self, url: &str) -> Result<ureq::Agent, String> {
        let https = url.starts_with("https://");
        let proxy = self.proxy_for(url);
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = agents.get(&(https, proxy.clone())) {
            return Ok(a.clone());
        }
        let proxy_cfg = match &proxy {
            Some(p) => {
                Some(ureq::Proxy::new(p).map_err(|e| format!("proxy {:?}: {e}", redact(p)))?)
            }
            None => None,
        };
        if let Some(p) = &proxy {
            log::info(format!("{url}: through the proxy {}", redact(p)));
        }
        let roots = if https {
            self.roots.get_or_init(|| self.load_roots()).clone()?
        } else {
            Vec::new()
        };
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&roots))
            .build();
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(self.cfg.connect_timeout))
            .timeout_per_read(Some(self.cfg.read_timeout))
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_redirects(3)
            .proxy(proxy_cfg)
            .tls_config(tls)
            .build();
        let agent: ureq::Agent = config.into();
        agents.insert((https, proxy), agent.clone());
        Ok(agent)
    }

    /// The proxy for `url`, if any: the config's, else the environment's, unless `no_proxy`
    /// names the host.
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        let env = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        let https = url.starts_with("https://");
        let proxy = match &self.cfg.proxy {
            Some(p) => Some(p.clone()).filter(|p| !p.is_empty()),
            None if https => env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
            None => env(&["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"]),
        }?;
        let no_proxy = self
            .cfg
            .no_proxy
            .clone()
            .or_else(|| env(&["NO_PROXY", "no_proxy"]))
            .unwrap_or_default();
        let host = host_of(url);
        (!no_proxy_matches(&no_proxy, &host)).then_some(proxy)
    }

    fn load_roots(&self) -> Result<Vec<Certificate<'static>>, String> {
        let mut certs = Vec::new();
        let found = rustls_native_certs::load_native_certs();
        certs.extend(
            found
                .certs
                .into_iter()
                .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
        );
        if let Some(path) = &self.cfg.ca_file {
            let pem =
                std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            let before = certs.len();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => return Err(format!("ca_file {}: {e}", path.display())),
                }
            }
            if certs.len() == before {
                return Err(format!(
                    "ca_file {}: no PEM certificate in it",
                    path.display()
                ));
            }
        }
        if certs.is_empty() {
            let why = found
                .errors
                .first()
                .map_or_else(|| "none found".to_owned(), |e| e.to_string());
            return Err(format!("cannot load the system CA certificates: {why}"));
        }
        Ok(certs)
    }
}

/// Milliseconds, for timings in the log.
fn ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let now = chrono::Utc::now();
    Some((at.with_timezone(&chrono::Utc) - now).num_seconds().max(0) as u64)
}

/// The host of an http(s) URL, lower-cased, without port or brackets.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.to_ascii_lowercase()
}

/// curl's `NO_PROXY` rules: a comma-separated list of host names, domain suffixes (with or
/// without a leading dot) and IP addresses; `*` alone matches everything. Ports are ignored.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = match entry.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or(""),
                None => entry,
            };
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry)
                        .is_some_and(|rest| rest.ends_with('.')))
        })
}

/// A proxy address without its credentials, for messages.
pub fn redact(proxy: &str) -> String {
    match proxy.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => proxy.to_owned(),
        },
        None => match proxy.rsplit_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => proxy.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "status.example.org"));
        assert!(no_proxy_matches("example.org", "status.example.org"));
        assert!(no_proxy_matches(".example.org", "status.example.org"));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("127.0.0.1:8080", "127.0.0.1"));
        assert!(!no_proxy_matches("ample.org", "status.example.org"));
        assert!(!no_proxy_matches("", "status.example.org"));
        assert!(!no_proxy_matches("127.0.0.2", "127.0.0.1"));
    }

    #[test]
    fn hosts_and_redaction() {
        assert_eq!(
            host_of("https://Status.Example.org:8443/api"),
            "status.example.org"
        );
        assert_eq!(host_of("http://[::1]:80/x"), "::1");
        assert_eq!(host_of("http://u:p@127.0.0.1:9/x"), "127.0.0.1");
        assert_eq!(redact("http://user:pw@proxy:3128"), "http://…@proxy:3128");
        assert_eq!(redact("proxy:3128"), "proxy:3128");
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("7"), Some(7));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(retry_after("soon"), None);
    }
}

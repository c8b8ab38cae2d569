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
//! A SOCKS proxy is refused with a message naming where it came from (ureq is built without
//! SOCKS support).
//!
//! What is trusted: redirects are followed here, not by ureq, so that every hop is checked and
//! logged: at most [`MAX_REDIRECTS`], never from https to plain http, and a request carrying an
//! API key only to the same host and port (the key is never sent anywhere else). The key is never
//! sent over plain http except to a loopback address. A certificate the TLS layer refuses is
//! not retried: the message says why and points at `ca_file`. User names and passwords in a URL
//! never reach a message or a log line: they are shown as `…@`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use super::config::HttpConfig;
use super::log;
use crate::cache::Validator;

pub const USER_AGENT: &str = concat!("motd-status/", env!("CARGO_PKG_VERSION"));

/// Redirects followed for one request, at most.
pub const MAX_REDIRECTS: usize = 5;

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
    Retry {
        cause: String,
        after: Option<u64>,
    },
    /// A 301/302/303/307/308 with a `Location`: for [`Http::follow`] to check and follow.
    Redirect {
        status: u16,
        location: String,
    },
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
        let shown = redact_url(req.url);
        let fail = |cause: String| FetchError {
            url: shown.clone(),
            cause,
        };
        let mut attempt: u32 = 0;
        loop {
            let started = Instant::now();
            let (result, last) = self.follow(req);
            let took = started.elapsed();
            let last = redact_url(&last);
            let (cause, after) = match result {
                Attempt::Done(answer) => {
                    if log::enabled(log::Level::Info) {
                        let what = match &answer {
                            Answer::Body(b) => format!("200, {} bytes", b.bytes.len()),
                            Answer::NotModified => "304 not modified".to_owned(),
                            Answer::Status(s) => format!("HTTP {s}"),
                        };
                        log::info(format!("GET {last}: {what} in {}", ms(took)));
                    }
                    return Ok(answer);
                }
                Attempt::Fatal(cause) => {
                    log::info(format!("GET {last}: {cause} in {}", ms(took)));
                    return Err(fail(cause));
                }
                Attempt::Retry { cause, after } => (cause, after),
                Attempt::Redirect { .. } => unreachable!("follow() follows redirects"),
            };
            log::info(format!("GET {last}: {cause} in {}", ms(took)));
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
                "GET {shown}: retrying in {}",
                humantime::format_duration(wait)
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// One attempt at `req`, following redirects: each hop is checked (scheme, host for a
    /// request with a key, count) and logged. Returns what the last hop came to and its URL.
    fn follow(&self, req: Get<'_>) -> (Attempt, String) {
        let mut url = req.url.to_owned();
        let mut hops = 0;
        loop {
            if req.key.is_some()
                && let Err(why) = key_transport(&url)
            {
                return (Attempt::Fatal(why), url);
            }
            if req.paced
                && let Some(key) = req.key
            {
                self.pace(key);
            }
            let left = self.remaining();
            if left.is_zero() {
                let cause = format!(
                    "no time left in the run's {} deadline",
                    humantime::format_duration(self.cfg.deadline)
                );
                return (Attempt::Fatal(cause), url);
            }
            let started = Instant::now();
            let (status, location) = match self.once(req, &url, left) {
                Attempt::Redirect { status, location } => (status, location),
                other => return (other, url),
            };
            let took = started.elapsed();
            let next = match join_url(&url, &location) {
                Ok(next) => next,
                Err(why) => {
                    let cause = format!(
                        "HTTP {status}: a redirect to {:?}, {why}",
                        crate::sanitize::terminal(&redact_url(&location))
                    );
                    return (Attempt::Fatal(cause), url);
                }
            };
            let (from, to) = (redact_url(&url), redact_url(&next));
            log::info(format!(
                "GET {from}: HTTP {status}, redirected to {to} in {}",
                ms(took)
            ));
            let cause = if is_https(&url) && !is_https(&next) {
                Some(format!(
                    "HTTP {status}: refusing a redirect from https to plain http, \
                     from {from} to {to}"
                ))
            } else if req.key.is_some() && origin(&url) != origin(&next) {
                Some(format!(
                    "HTTP {status}: a redirect to another host ({to}), not followed: the API \
                     key is sent only to api_base's own host and port; set api_base to the \
                     final address"
                ))
            } else if hops == MAX_REDIRECTS {
                Some(format!(
                    "more than {MAX_REDIRECTS} redirects (the last one to {to}); give the \
                     final address"
                ))
            } else {
                None
            };
            if let Some(cause) = cause {
                return (Attempt::Fatal(cause), url);
            }
            hops += 1;
            url = next;
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

    /// One request to `url` (`req.url` or a redirect's target), without retries or redirects.
    fn once(&self, req: Get<'_>, url: &str, left: Duration) -> Attempt {
        let agent = match self.agent(url) {
            Ok(a) => a,
            Err(e) => return Attempt::Fatal(e),
        };
        let mut rb = agent.get(url).header("Accept", "application/json");
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
            301 | 302 | 303 | 307 | 308 if header("location").is_some() => Attempt::Redirect {
                status,
                location: header("location").unwrap_or_default(),
            },
            300..=399 => Attempt::Fatal(format!(
                "HTTP {status} (a redirect{}; give the final address)",
                header("location")
                    .map(|l| format!(" to {}", crate::sanitize::terminal(&redact_url(&l))))
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
                // The TLS layer's own verdict (a refused certificate, a handshake the server
                // broke off) comes wrapped in an I/O error: the same again on a retry.
                if let Some(tls) = io.get_ref().and_then(|e| inner_as(ureq::Error::Rustls, e)) {
                    return Attempt::Fatal(tls_cause(&tls.to_string()));
                }
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
            ureq::Error::Rustls(r) => Attempt::Fatal(tls_cause(&r.to_string())),
            ureq::Error::Tls(_) | ureq::Error::Pem(_) => {
                Attempt::Fatal(format!("TLS: {e} (an internal CA? see ca_file)"))
            }
            other => Attempt::Fatal(other.to_string()),
        }
    }

    /// The agent for `url`: plain or TLS, through its proxy or not.
    fn agent(&self, url: &str) -> Result<ureq::Agent, String> {
        let https = is_https(url);
        let found = self.proxy_from(url);
        let proxy = found.as_ref().map(|(p, _)| p.clone());
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = agents.get(&(https, proxy.clone())) {
            return Ok(a.clone());
        }
        let proxy_cfg = match &found {
            Some((p, from)) => {
                check_proxy(p).map_err(|why| format!("{}: {why}", from.show(p)))?;
                Some(ureq::Proxy::new(p).map_err(|e| format!("{}: {e}", from.show(p)))?)
            }
            None => None,
        };
        if let Some(p) = &proxy {
            log::info(format!(
                "{}: through the proxy {}",
                redact_url(url),
                redact(p)
            ));
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
            // Redirects are followed by `follow`, which checks every hop.
            .max_redirects(0)
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
        self.proxy_from(url).map(|(p, _)| p)
    }

    /// [`Http::proxy_for`], with where the proxy was set.
    fn proxy_from(&self, url: &str) -> Option<(String, ProxyFrom)> {
        let env = |names: &[&'static str]| {
            names.iter().find_map(|n| {
                std::env::var(n)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (v, *n))
            })
        };
        let https = is_https(url);
        let proxy = match &self.cfg.proxy {
            Some(p) => Some((p.clone(), ProxyFrom::Config)).filter(|(p, _)| !p.is_empty()),
            None if https => env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
                .map(|(p, n)| (p, ProxyFrom::Env(n))),
            None => env(&["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"])
                .map(|(p, n)| (p, ProxyFrom::Env(n))),
        }?;
        let no_proxy = self
            .cfg
            .no_proxy
            .clone()
            .or_else(|| env(&["NO_PROXY", "no_proxy"]).map(|(v, _)| v))
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

/// Where a proxy address was set, for messages.
#[derive(Clone, Copy)]
enum ProxyFrom {
    /// The config's `proxy`.
    Config,
    /// This environment variable.
    Env(&'static str),
}

impl ProxyFrom {
    fn show(self, proxy: &str) -> String {
        match self {
            ProxyFrom::Config => format!("the config's proxy {:?}", redact(proxy)),
            ProxyFrom::Env(name) => format!("{name}={}", redact(proxy)),
        }
    }
}

/// Whether the fetcher can use `proxy`: an HTTP CONNECT proxy (`http://`, `https://` or no
/// scheme), not a SOCKS one, which this build cannot speak.
pub fn check_proxy(proxy: &str) -> Result<(), String> {
    let scheme = proxy
        .split_once("://")
        .map(|(s, _)| s.trim().to_ascii_lowercase());
    match scheme.as_deref() {
        Some(s) if s.starts_with("socks") => Err(format!(
            "a SOCKS proxy ({s}), which motd-status-fetch does not support; use an HTTP \
             proxy (http://host:port, or https:// to reach it over TLS)"
        )),
        _ => Ok(()),
    }
}

/// The error inside `e` if it is the one `variant` wraps: names the TLS library's error type
/// through ureq's own variant, so this crate need not depend on that library.
fn inner_as<'e, T: std::error::Error + 'static>(
    _variant: fn(T) -> ureq::Error,
    e: &'e (dyn std::error::Error + Send + Sync + 'static),
) -> Option<&'e T> {
    e.downcast_ref::<T>()
}

/// The one-line cause for an error of the TLS layer, `what` as it words it.
fn tls_cause(what: &str) -> String {
    // A server that answers in plain HTTP on the port asked with TLS.
    if what.contains("InvalidContentType") || what.contains("corrupt message") {
        return format!(
            "TLS: the server did not answer in TLS ({what}); not retried. Is it a plain HTTP \
             port? Then the address is http://, not https://"
        );
    }
    if !what.contains("certificate") {
        return format!("TLS: {what} (not retried; an internal CA? see ca_file)");
    }
    let why = if what.contains("UnknownIssuer") {
        "it is signed by an unknown certificate authority"
    } else if what.contains("not valid for name") || what.contains("NotValidForName") {
        "it is not for this host name"
    } else if what.contains("expired") || what.contains("Expired") {
        "it has expired, or this host's clock is wrong"
    } else if what.contains("NotValidYet") || what.contains("not valid yet") {
        "it is not valid yet, or this host's clock is wrong"
    } else if what.contains("Revoked") || what.contains("revoked") {
        "it was revoked"
    } else {
        "the TLS layer refused it"
    };
    format!(
        "TLS: the server's certificate is not trusted: {why} ({what}); not retried. If the \
         page (or the proxy) uses a site CA, set ca_file to that CA's PEM certificate"
    )
}

/// Whether `url` is https (the scheme in any case).
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

/// Whether `host` (as [`host_of`] gives it) is this machine: 127.0.0.0/8, ::1 or localhost.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why a request with the API key may not go to `url`: plain http to another machine.
fn key_transport(url: &str) -> Result<(), String> {
    if is_https(url) || is_loopback_host(&host_of(url)) {
        return Ok(());
    }
    Err(
        "refusing to send the API key in clear text over plain http to a host that is not \
         loopback; api_base must be https:// (http:// only for 127.0.0.0/8, ::1 or localhost)"
            .to_owned(),
    )
}

/// Scheme, host and port (explicit or the scheme's), lower-cased: two URLs with the same
/// origin reach the same server.
fn origin(url: &str) -> (bool, String, u16) {
    let https = is_https(url);
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let port = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && (h.ends_with(']') || !h.contains(':')) => {
            p.parse().ok()
        }
        _ => None,
    };
    (
        https,
        host_of(url),
        port.unwrap_or(if https { 443 } else { 80 }),
    )
}

/// The absolute address a `Location` names, relative to `base` (RFC 3986, section 5.2),
/// without its fragment. Only http and https addresses are accepted.
fn join_url(base: &str, location: &str) -> Result<String, &'static str> {
    let location = location.trim();
    if location.is_empty() || location.chars().any(|c| c.is_control() || c == ' ') {
        return Err("which is not a valid address");
    }
    let location = location.split('#').next().unwrap_or("");
    let scheme_end = location.find(':').filter(|&i| {
        let s = &location[..i];
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let (base_scheme, base_rest) = base
        .split_once("://")
        .ok_or("from an address without a scheme")?;
    let (authority, base_path) = match base_rest.find(['/', '?']) {
        Some(i) => base_rest.split_at(i),
        None => (base_rest, ""),
    };
    let out = if let Some(i) = scheme_end {
        let scheme = location[..i].to_ascii_lowercase();
        let rest = &location[i + 1..];
        if !matches!(scheme.as_str(), "http" | "https") || !rest.starts_with("//") {
            return Err("which is not an http(s) address");
        }
        let rest = &rest[2..];
        let (auth, path) = match rest.find(['/', '?']) {
            Some(j) => rest.split_at(j),
            None => (rest, ""),
        };
        format!("{scheme}://{auth}{}", normal_path(path))
    } else if let Some(rest) = location.strip_prefix("//") {
        let (auth, path) = match rest.find(['/', '?']) {
            Some(j) => rest.split_at(j),
            None => (rest, ""),
        };
        format!("{base_scheme}://{auth}{}", normal_path(path))
    } else if location.starts_with('/') {
        format!("{base_scheme}://{authority}{}", normal_path(location))
    } else if location.starts_with('?') {
        let path = base_path.split('?').next().unwrap_or("");
        format!("{base_scheme}://{authority}{path}{location}")
    } else {
        let path = base_path.split('?').next().unwrap_or("");
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!(
            "{base_scheme}://{authority}{}",
            normal_path(&format!("{dir}{location}"))
        )
    };
    if host_of(&out).is_empty() {
        return Err("which names no host");
    }
    Ok(out)
}

/// A path (with its query) without `.` and `..` segments (RFC 3986, section 5.2.4).
fn normal_path(path: &str) -> String {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if path.is_empty() {
        return match query {
            Some(q) => format!("/?{q}"),
            None => String::new(),
        };
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." | ".." => {
                if *seg == ".." {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if let Some(q) = query {
        p.push('?');
        p.push_str(q);
    }
    p
}

/// `text` with the user name and password of every address in it replaced by `…`: each
/// `scheme://` word loses everything up to its last `@`. Every line the fetcher prints and every
/// address it stores passes through here. The last `@` rather than the first `/` ends the part
/// hidden, because a password may hold an unescaped `/`, `:`, `?` or `#` (RFC 3986 would end the
/// authority there, and leave the rest of the password in view); an `@` further on, in a path or
/// a query, only hides a little more than it must.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    if !(text.contains("://") && text.contains('@')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        let word = &tail[..end];
        match word.rfind('@') {
            Some(i) => {
                out.push('…');
                out.push_str(&word[i..]);
            }
            None => out.push_str(word),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One address without its credentials: a URL as [`redact_text`] shows it.
pub fn redact_url(url: &str) -> String {
    redact_text(url).into_owned()
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
pub fn host_of(url: &str) -> String {
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
    if proxy.contains("://") {
        return redact_url(proxy);
    }
    match proxy.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => proxy.to_owned(),
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
    fn redirect_targets() {
        let base = "https://status.example.org/api/v2/summary.json?x=1";
        let join = |l: &str| join_url(base, l);
        assert_eq!(
            join("http://Other.example:8080/a"),
            Ok("http://Other.example:8080/a".to_owned())
        );
        assert_eq!(
            join("HTTPS://h/a/./b/../c#frag"),
            Ok("https://h/a/c".to_owned())
        );
        assert_eq!(
            join("//cdn.example/x"),
            Ok("https://cdn.example/x".to_owned())
        );
        assert_eq!(
            join("/moved?y=2"),
            Ok("https://status.example.org/moved?y=2".to_owned())
        );
        assert_eq!(
            join("../old/summary.json"),
            Ok("https://status.example.org/api/old/summary.json".to_owned())
        );
        assert_eq!(
            join("incidents.json"),
            Ok("https://status.example.org/api/v2/incidents.json".to_owned())
        );
        assert_eq!(
            join("?page=2"),
            Ok("https://status.example.org/api/v2/summary.json?page=2".to_owned())
        );
        assert_eq!(
            join("/../../etc"),
            Ok("https://status.example.org/etc".to_owned())
        );
        assert!(join("file:///etc/passwd").is_err());
        assert!(join("ftp://h/x").is_err());
        assert!(join("javascript:alert(1)").is_err());
        assert!(join("http:/no-authority").is_err());
        assert!(join("http:///path").is_err());
        assert!(join("/a b").is_err());
        assert!(join("/a\nSet-Cookie: x").is_err());
        assert!(join("").is_err());
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin("http://127.0.0.1:8080/x"),
            (false, "127.0.0.1".to_owned(), 8080)
        );
        assert_eq!(
            origin("https://H.example/x"),
            (true, "h.example".to_owned(), 443)
        );
        assert_eq!(origin("http://u:p@[::1]/x"), (false, "::1".to_owned(), 80));
        assert_eq!(origin("http://[::1]:81"), (false, "::1".to_owned(), 81));
        assert_ne!(origin("http://127.0.0.1:1/"), origin("http://localhost:1/"));
        assert_ne!(origin("http://h/"), origin("https://h/"));
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_url("https://user:pw@status.example.org/api"),
            "https://…@status.example.org/api"
        );
        assert_eq!(redact_url("http://token@h:80"), "http://…@h:80");
        assert_eq!(redact_url("/var/cache/a@b"), "/var/cache/a@b");
        assert_eq!(redact("user:pw@proxy:3128"), "…@proxy:3128");
        // A password holding what RFC 3986 would end the authority at.
        for password in ["s3cr/et", "p@ss", "p:w", "p%2Fw%40x", "p?q#r", "a/b@c:d"] {
            let url = format!("http://alice:{password}@status.example.org:8080/api/v2/x.json");
            let shown = redact_url(&url);
            assert_eq!(
                shown, "http://…@status.example.org:8080/api/v2/x.json",
                "{url}"
            );
            let line = format!("GET {url}: HTTP 404 (\"{url}\") and https://{password}@h");
            let shown = redact_text(&line);
            assert!(!shown.contains(password), "{shown}");
            assert!(!shown.contains("alice"), "{shown}");
        }
        // An @ in a path or query hides more than it must, never less.
        assert_eq!(redact_url("http://h/a@b"), "http://…@b");
        assert_eq!(redact_text("no address: a@b"), "no address: a@b");
    }

    #[test]
    fn proxies_and_loopback() {
        assert!(check_proxy("http://proxy:3128").is_ok());
        assert!(check_proxy("proxy:3128").is_ok());
        assert!(check_proxy("https://proxy").is_ok());
        for socks in ["socks5://p:1080", "SOCKS5H://p", "socks4a://p", "socks://p"] {
            assert!(check_proxy(socks).unwrap_err().contains("SOCKS"), "{socks}");
        }
        for host in ["127.0.0.1", "127.3.2.1", "::1", "localhost", "LOCALHOST."] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["128.0.0.1", "10.0.0.1", "::2", "localhost.example.org", ""] {
            assert!(!is_loopback_host(host), "{host}");
        }
        assert!(key_transport("https://api.statuspage.io/v1").is_ok());
        assert!(key_transport("http://127.0.0.1:8080/v1").is_ok());
        assert!(key_transport("http://api.statuspage.io/v1").is_err());
        assert!(key_transport("http://127.0.0.1@evil.example/v1").is_err());
    }

    #[test]
    fn tls_causes() {
        let plain = tls_cause("received corrupt message of type InvalidContentType");
        assert!(
            plain.contains("plain HTTP port") && plain.contains("http://"),
            "{plain}"
        );
        let unknown = tls_cause("invalid peer certificate: UnknownIssuer");
        assert!(
            unknown.contains("unknown certificate authority"),
            "{unknown}"
        );
        assert!(unknown.contains("ca_file"), "{unknown}");
        let other = tls_cause("received fatal alert: HandshakeFailure");
        assert!(
            other.contains("ca_file") && other.contains("not retried"),
            "{other}"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("7"), Some(7));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(retry_after("soon"), None);
    }
}

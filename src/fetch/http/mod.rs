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
//!
//! The parts: this module the client (requests, retries, redirects), [`proxy`] which proxy an
//! address goes through, [`tls`] the trusted CAs and the words for what the TLS layer refuses;
//! every address is a [`Url`], parsed once by the parser the client connects with.

mod proxy;
mod request;
mod tls;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use ureq::tls::Certificate;

use super::address::{Url, redact_text};
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
#[derive(Clone, Copy)]
pub struct Get<'a> {
    pub url: &'a Url,
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
    /// The server's `Date`: with `last_modified`, how long the file had been unchanged when it
    /// was served, by the server's own clock.
    pub date: Option<String>,
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
        let shown = req.url.redacted();
        let fail = |cause: String| FetchError {
            url: shown.clone(),
            cause,
        };
        let mut attempt: u32 = 0;
        loop {
            let started = Instant::now();
            let (result, last) = self.follow(req);
            let took = started.elapsed();
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
    fn follow(&self, req: Get<'_>) -> (Attempt, Url) {
        let mut url = req.url.clone();
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
            let next = match url.resolve(&location) {
                Ok(next) => next,
                Err(why) => {
                    let cause = format!(
                        "HTTP {status}: a redirect to {:?}, {why}",
                        crate::sanitize::terminal(&redact_text(&location))
                    );
                    return (Attempt::Fatal(cause), url);
                }
            };
            let (from, to) = (url.redacted(), next.redacted());
            log::info(format!(
                "GET {from}: HTTP {status}, redirected to {to} in {}",
                ms(took)
            ));
            let cause = if url.is_https() && !next.is_https() {
                Some(format!(
                    "HTTP {status}: refusing a redirect from https to plain http, \
                     from {from} to {to}"
                ))
            } else if req.key.is_some() && url.origin() != next.origin() {
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
}

/// Milliseconds, for timings in the log.
fn ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

/// Why a request with the API key may not go to `url`: plain http to another machine.
fn key_transport(url: &Url) -> Result<(), String> {
    if url.is_https() || url.is_loopback() {
        return Ok(());
    }
    Err(
        "refusing to send the API key in clear text over plain http to a host that is not \
         loopback; api_base must be https:// (http:// only for 127.0.0.0/8, ::1 or localhost)"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_travels_in_clear_only_to_this_machine() {
        let ok = |u: &str| key_transport(&Url::parse(u).unwrap()).is_ok();
        assert!(ok("https://api.statuspage.io/v1"));
        assert!(ok("http://127.0.0.1:8080/v1"));
        assert!(!ok("http://api.statuspage.io/v1"));
        assert!(!ok("http://127.0.0.1@evil.example/v1"));
    }
}

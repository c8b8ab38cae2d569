//! One request, without retries or redirects: the agent for the address (plain or TLS, through
//! its proxy or not), the headers, the body's cap, and what an answer or a failure means.

use std::time::Duration;

use super::proxy::redact;
use super::tls::{self, inner_as, tls_cause};
use super::{Answer, Attempt, Body, Get, Http, USER_AGENT, log};
use crate::fetch::address::{Url, redact_text};
use ureq::tls::{RootCerts, TlsConfig};

impl Http {
    /// One request to `url` (`req.url` or a redirect's target), without retries or redirects.
    pub(super) fn once(&self, req: Get<'_>, url: &Url, left: Duration) -> Attempt {
        let agent = match self.agent(url) {
            Ok(a) => a,
            Err(e) => return Attempt::Fatal(e),
        };
        let mut rb = agent
            .get(url.uri().clone())
            .header("Accept", "application/json");
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
                let date = header("date");
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
                        date,
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
                    .map(|l| format!(" to {}", crate::sanitize::terminal(&redact_text(&l))))
                    .unwrap_or_default()
            )),
            _ => Attempt::Done(Answer::Status(status)),
        }
    }

    pub(super) fn classify(&self, e: &ureq::Error, total: Duration) -> Attempt {
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
    pub(super) fn agent(&self, url: &Url) -> Result<ureq::Agent, String> {
        let https = url.is_https();
        let found = self.proxy_from(url);
        let proxy = found.as_ref().map(|(p, _)| p.clone());
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = agents.get(&(https, proxy.clone())) {
            return Ok(a.clone());
        }
        let proxy_cfg = match &found {
            Some((p, from)) => {
                crate::fetch::config::check_proxy(p)
                    .map_err(|why| format!("{}: {why}", from.show(p)))?;
                Some(ureq::Proxy::new(p).map_err(|e| format!("{}: {e}", from.show(p)))?)
            }
            None => None,
        };
        if let Some(p) = &proxy {
            log::info(format!("{url}: through the proxy {}", redact(p)));
        }
        let roots = if https {
            self.roots
                .get_or_init(|| tls::load_roots(self.cfg.ca_file.as_deref()))
                .clone()?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("7"), Some(7));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(retry_after("soon"), None);
    }
}

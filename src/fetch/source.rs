//! Getting the page's JSON: over HTTP(S), or from a local directory for air-gapped sites.
//!
//! Every request has a connect deadline and a whole-request deadline, and every body a byte
//! cap, so a sick server can slow a timer run down but never hang it or fill memory. TLS trusts
//! the system's CA store (so sites with an internal CA work), not a bundled list.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::config::HttpConfig;

pub const USER_AGENT: &str = concat!("motd-status/", env!("CARGO_PKG_VERSION"));

/// Where a source's `api/v2/*.json` files come from.
#[derive(Debug, Clone)]
pub enum Origin {
    Http(String),
    Dir(PathBuf),
}

impl Origin {
    pub fn parse(page: &str) -> Origin {
        let page = page.trim();
        if let Some(path) = page.strip_prefix("file://") {
            Origin::Dir(PathBuf::from(path))
        } else if page.starts_with("http://") || page.starts_with("https://") {
            Origin::Http(page.trim_end_matches('/').to_owned())
        } else {
            Origin::Dir(PathBuf::from(page))
        }
    }

    /// The address of `api/v2/<name>`, for messages and requests.
    pub fn url(&self, name: &str) -> String {
        match self {
            Origin::Http(base) => format!("{base}/api/v2/{name}"),
            Origin::Dir(dir) => dir.join("api/v2").join(name).display().to_string(),
        }
    }
}

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

pub struct Client {
    http: HttpConfig,
    /// Built on first use; the HTTPS one loads the system CA store, the plain one does not.
    plain: OnceLock<Result<ureq::Agent, String>>,
    tls: OnceLock<Result<ureq::Agent, String>>,
}

impl Client {
    pub fn new(http: HttpConfig) -> Client {
        Client {
            http,
            plain: OnceLock::new(),
            tls: OnceLock::new(),
        }
    }

    /// The body of `api/v2/<name>`, or `None` when the page does not have that endpoint (404,
    /// or a missing file): incident.io-compatible pages lack some of them.
    pub fn get(&self, origin: &Origin, name: &str) -> Result<Option<Vec<u8>>, FetchError> {
        let url = origin.url(name);
        let fail = |cause: String| FetchError {
            url: url.clone(),
            cause,
        };
        match origin {
            Origin::Dir(_) => {
                let file = match std::fs::File::open(&url) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(fail(e.to_string())),
                };
                let mut body = Vec::new();
                file.take(self.http.max_bytes + 1)
                    .read_to_end(&mut body)
                    .map_err(|e| fail(e.to_string()))?;
                if body.len() as u64 > self.http.max_bytes {
                    return Err(fail(format!("larger than {} bytes", self.http.max_bytes)));
                }
                Ok(Some(body))
            }
            Origin::Http(_) => {
                let https = url.starts_with("https://");
                let cell = if https { &self.tls } else { &self.plain };
                let agent = cell
                    .get_or_init(|| agent(&self.http, https))
                    .as_ref()
                    .map_err(|e| fail(e.clone()))?;
                let mut resp = agent
                    .get(&url)
                    .header("Accept", "application/json")
                    .call()
                    .map_err(|e| fail(describe(&e)))?;
                let status = resp.status().as_u16();
                if status == 404 {
                    return Ok(None);
                }
                if !(200..300).contains(&status) {
                    return Err(fail(format!("HTTP {status}{}", status_hint(status))));
                }
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(self.http.max_bytes)
                    .read_to_vec()
                    .map_err(|e| fail(describe(&e)))?;
                Ok(Some(body))
            }
        }
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (a private page? it needs the manage API and a key)",
        429 | 420 => " (rate limited)",
        500..=599 => " (server error)",
        _ => "",
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(what) => format!("timed out ({what})"),
        ureq::Error::BodyExceedsLimit(n) => format!("response larger than {n} bytes"),
        ureq::Error::Io(io) => format!("{io}"),
        other => other.to_string(),
    }
}

fn agent(http: &HttpConfig, https: bool) -> Result<ureq::Agent, String> {
    let certs = if https { system_roots()? } else { Vec::new() };
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build();
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(http.timeout))
        .timeout_connect(Some(http.connect_timeout))
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .tls_config(tls)
        .build();
    Ok(config.into())
}

/// The system's trusted CAs (honours `SSL_CERT_FILE` / `SSL_CERT_DIR`).
fn system_roots() -> Result<Vec<Certificate<'static>>, String> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), |e| e.to_string());
        return Err(format!("cannot load the system CA certificates: {why}"));
    }
    Ok(found
        .certs
        .into_iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect())
}

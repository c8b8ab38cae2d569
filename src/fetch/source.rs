//! Where a public page's JSON comes from: over HTTP(S), or from a local directory for
//! air-gapped sites. The HTTP side (deadlines, retries, proxies, CAs) is [`super::http`].

use std::path::PathBuf;

use super::session::{Got, Session};

pub use super::http::FetchError;

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

/// The body of `api/v2/<name>`, or `None` when the page does not have that endpoint (404, or
/// a missing file): incident.io-compatible pages lack some of them.
pub fn get(
    session: &mut Session<'_>,
    origin: &Origin,
    name: &str,
) -> Result<Option<Vec<u8>>, FetchError> {
    let url = origin.url(name);
    match origin {
        Origin::Dir(_) => session.read_file(std::path::Path::new(&url)),
        Origin::Http(_) => match session.get(&url, None)? {
            Got::Body(b) => Ok(Some(b)),
            Got::Status(404) => Ok(None),
            Got::Status(s) => Err(FetchError {
                url,
                cause: format!("HTTP {s}{}", status_hint(s)),
            }),
        },
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (a private page? read it through the manage API: page_id and api_key_file)",
        _ => "",
    }
}

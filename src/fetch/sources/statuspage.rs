//! A public Statuspage page: `api/v2/summary.json` (components, open incidents, scheduled
//! maintenance) and `api/v2/incidents.json` (recent history), over HTTP(S), or the same files
//! from a local directory for air-gapped sites that copy them in.

use std::collections::HashSet;

use super::model::{Incident, Page, Response};
use super::{Fetched, Run, Source, parse_json};
use crate::fetch::address::Location;
use crate::fetch::http::FetchError;
use crate::fetch::session::{Got, Session};

/// A public page, where it is read from.
pub(crate) struct PublicPage<'a>(pub &'a Location);

impl Source for PublicPage<'_> {
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError> {
        fetch_page(run.session, self.0).map(|page| Fetched::Data(page.into_data()))
    }
}

/// Fetches `summary.json` and `incidents.json` of one page and merges them.
pub(crate) fn fetch_page(session: &mut Session<'_>, at: &Location) -> Result<Page, FetchError> {
    let Some(body) = get(session, at, "summary.json")? else {
        return Err(FetchError {
            url: shown(at, "summary.json"),
            cause: "not found (is this a Statuspage page's base address?)".to_owned(),
        });
    };
    let summary = parse_page(&shown(at, "summary.json"), &body)?;
    // incident.io-compatible pages answer 404 here: that is "no history", not a failure.
    let history = match get(session, at, "incidents.json")? {
        Some(body) => parse_page(&shown(at, "incidents.json"), &body)?.incidents,
        None => Vec::new(),
    };
    let page = summary.page.clone().unwrap_or_default();
    let mut seen = HashSet::new();
    // The summary's copies are the freshest; history fills in the resolved ones.
    let incidents: Vec<Incident> = summary
        .incidents
        .into_iter()
        .chain(summary.scheduled_maintenances)
        .chain(history)
        .filter(|inc| seen.insert(inc.id.clone()))
        .collect();
    Ok(Page {
        name: page.name,
        url: page.url,
        time_zone: page.time_zone,
        components: summary.components,
        incidents,
    })
}

/// The address of `api/v2/<name>`, as messages show it.
fn shown(at: &Location, name: &str) -> String {
    match at {
        Location::Web(url) => url.join(&format!("api/v2/{name}")).redacted(),
        Location::Local(dir) => dir.join("api/v2").join(name).display().to_string(),
    }
}

/// The body of `api/v2/<name>`, or `None` when the page does not have that endpoint (404, or
/// a missing file): incident.io-compatible pages lack some of them.
fn get(
    session: &mut Session<'_>,
    at: &Location,
    name: &str,
) -> Result<Option<Vec<u8>>, FetchError> {
    match at {
        Location::Local(dir) => session.read_file(&dir.join("api/v2").join(name)),
        Location::Web(base) => {
            let url = base.join(&format!("api/v2/{name}"));
            match session.get(&url, None)? {
                Got::Body(b) => Ok(Some(b)),
                Got::Status(404) => Ok(None),
                Got::Status(s) => Err(FetchError {
                    url: url.redacted(),
                    cause: format!("HTTP {s}{}", status_hint(s)),
                }),
            }
        }
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (a private page? read it through the manage API: page_id and api_key_file)",
        _ => "",
    }
}

/// Parses a page's response, refusing JSON that is not a page: an error body answered with
/// 200 (`{"error": "Service temporarily unavailable"}`, as proxies and CDNs send) must fail the
/// fetch, not replace a good cache with an empty one. A page has at least one of its fields.
pub(crate) fn parse_page(url: &str, body: &[u8]) -> Result<Response, FetchError> {
    #[derive(serde::Deserialize)]
    struct Keys {
        page: Option<serde::de::IgnoredAny>,
        components: Option<serde::de::IgnoredAny>,
        incidents: Option<serde::de::IgnoredAny>,
        scheduled_maintenances: Option<serde::de::IgnoredAny>,
    }
    let response: Response = parse_json(url, body)?;
    let keys: Keys = parse_json(url, body)?;
    if keys.page.is_none()
        && keys.components.is_none()
        && keys.incidents.is_none()
        && keys.scheduled_maintenances.is_none()
    {
        let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
        return Err(FetchError {
            url: url.to_owned(),
            cause: format!(
                "answered JSON that is not a status page (none of page, components, \
                 incidents, scheduled_maintenances): {}",
                crate::sanitize::terminal(&text)
            ),
        });
    }
    Ok(response)
}

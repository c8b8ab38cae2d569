//! Private pages: the Statuspage manage API (v1), mapped onto the same [`Page`] the public API
//! gives.
//!
//! A page that is not public has no `api/v2`; its data comes from
//! `<api_base>/pages/<page_id>/…` with `Authorization: OAuth <key>`. The fetcher reads the page
//! itself (name, address, zone), the components and component groups, the unresolved
//! incidents, upcoming and active maintenance, and the recent incidents. Lists are paginated
//! (`page`, `per_page=100`; a short page is the last) and the API allows one request per
//! second per key, so requests with one key are spaced by `api_interval`.
//!
//! v1 shapes differ from v2: lists are bare arrays, groups come from `component-groups` (with
//! no status of their own; the group's row in `components`, if any, or its worst child gives
//! one), there is no `postmortem` status and no rollup.
//!
//! The key is read from `api_key_file`, which must be a regular file readable by its owner only
//! (opened without blocking, so a FIFO in its place cannot hang the fetcher); it is never
//! written to the log, an error, the cache or the command line, and never sent over plain http
//! except to a loopback address.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::model::{self, Incident, Page};
use super::{Fetched, Run, Source, parse_json};
use crate::fetch::address::Url;
use crate::fetch::config::ManageConfig;
use crate::fetch::http::{FetchError, Secret};
use crate::fetch::session::{Got, Session};
use crate::select::component_rank;

/// A private page, as configured.
pub(crate) struct PrivatePage<'a>(pub &'a ManageConfig);

impl Source for PrivatePage<'_> {
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError> {
        let key = run.key.ok_or_else(|| FetchError {
            url: self.0.page_url().redacted(),
            cause: "no API key was read for this page".to_owned(),
        })?;
        fetch_page(run.session, self.0, key, run.now, run.recent)
            .map(|page| Fetched::Data(page.into_data()))
    }
}

/// The largest page size the API allows.
const PER_PAGE: usize = 100;
/// A list longer than this many pages is a server ignoring `page`, not a status page.
const MAX_PAGES: usize = 50;
/// Recent incidents: at most this many pages of history.
const MAX_HISTORY_PAGES: usize = 5;

/// The key file, after `%d/` is replaced by `$CREDENTIALS_DIRECTORY`.
pub fn key_path(m: &ManageConfig) -> PathBuf {
    let raw = m.api_key_file.to_string_lossy();
    match raw.strip_prefix("%d") {
        Some(rest) => {
            let dir = std::env::var_os("CREDENTIALS_DIRECTORY").unwrap_or_default();
            PathBuf::from(dir).join(rest.trim_start_matches('/'))
        }
        None => m.api_key_file.clone(),
    }
}

/// Reads the API key, refusing anything but a regular file that only its owner may read, and
/// refusing to read it at all when `api_base` would carry it in clear text.
pub fn load_key(m: &ManageConfig) -> Result<Secret, String> {
    check_api_base(&m.api_base)?;
    let path = key_path(m);
    let show = path.display();
    if m.api_key_file.starts_with("%d") && std::env::var_os("CREDENTIALS_DIRECTORY").is_none() {
        return Err(format!(
            "api_key_file {}: %d needs $CREDENTIALS_DIRECTORY (LoadCredential= in the service)",
            m.api_key_file.display()
        ));
    }
    // O_NONBLOCK: a FIFO planted as the key file is refused, not waited on forever.
    let (file, meta) = crate::cache::trust::open_regular(&path)
        .map_err(|e| format!("api_key_file {show}: {e}"))?;
    crate::cache::trust::check_secret(&meta).map_err(|why| {
        let why = why.replace("(chmod 600)", &format!("(chmod 600 {show})"));
        format!("api_key_file {show}: {why}")
    })?;
    let mut text = String::new();
    file.take(4096)
        .read_to_string(&mut text)
        .map_err(|e| format!("api_key_file {show}: {e}"))?;
    // Editors on some systems start a UTF-8 file with a byte-order mark; it is not the key's.
    let key = text.strip_prefix('\u{feff}').unwrap_or(&text).trim();
    if key.is_empty() {
        return Err(format!("api_key_file {show}: empty"));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "api_key_file {show}: holds more than one word; put the key alone in it"
        ));
    }
    Ok(Secret(key.to_owned()))
}

/// `api_base` must be https, so that the key is never sent in clear text; plain http is
/// accepted for a loopback address (a local proxy, or a test).
fn check_api_base(api_base: &Url) -> Result<(), String> {
    if api_base.is_https() || api_base.is_loopback() {
        return Ok(());
    }
    Err(format!(
        "api_base {:?}: the API key would be sent in clear text; use an https:// address \
         (http:// is accepted only for a loopback address: 127.0.0.0/8, ::1, localhost)",
        api_base.redacted()
    ))
}

#[derive(Deserialize)]
struct V1Component {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    group_id: Option<String>,
    #[serde(default)]
    group: Option<bool>,
}

#[derive(Deserialize)]
struct V1Group {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    components: Option<Vec<String>>,
}

/// Fetches one private page. `recent` bounds how far back incident history is read.
pub fn fetch_page(
    session: &mut Session<'_>,
    m: &ManageConfig,
    key: &Secret,
    now: DateTime<Utc>,
    recent: chrono::Duration,
) -> Result<Page, FetchError> {
    let base = m.page_url();
    let body = get(session, &base, key, true)?;
    let page: model::PageInfo = parse_json(&base.redacted(), &body)?;

    let every = |path: &str| (base.join(path), "per_page", MAX_PAGES);
    let components: Vec<V1Component> = pages(session, every("components"), key, all)?;
    let groups: Vec<V1Group> = pages(session, every("component-groups"), key, all)?;
    let mut incidents: Vec<Incident> = Vec::new();
    for path in [
        "incidents/unresolved",
        "incidents/active_maintenance",
        "incidents/upcoming",
    ] {
        incidents.extend(pages(session, every(path), key, all)?);
    }
    // Recent history, newest first: stop once a page reaches past the window.
    let since = now - recent;
    let history: Vec<Incident> = pages(
        session,
        (base.join("incidents"), "limit", MAX_HISTORY_PAGES),
        key,
        |page: &[Incident]| {
            page.iter()
                .filter_map(|i| i.updated_at.or(i.created_at))
                .all(|t| t.with_timezone(&Utc) >= since)
        },
    )?;
    incidents.extend(history);
    let mut seen = HashSet::new();
    incidents.retain(|i| seen.insert(i.id.clone()));

    Ok(Page {
        name: page.name,
        url: page.url,
        time_zone: page.time_zone,
        components: map_components(components, groups),
        incidents,
    })
}

/// v1 components and groups as the v2 flat list: group rows (with their children's ids and a
/// status) and then every other component.
fn map_components(components: Vec<V1Component>, groups: Vec<V1Group>) -> Vec<model::Component> {
    let rows: HashMap<&str, &V1Component> = components.iter().map(|c| (c.id.as_str(), c)).collect();
    let group_ids: HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    let mut out = Vec::new();
    for g in &groups {
        let children: Vec<String> = match &g.components {
            Some(ids) => ids.clone(),
            None => components
                .iter()
                .filter(|c| c.group_id.as_deref() == Some(&g.id))
                .map(|c| c.id.clone())
                .collect(),
        };
        let own = rows
            .get(g.id.as_str())
            .and_then(|r| r.status.clone())
            .filter(|s| !s.is_empty());
        let status = own.unwrap_or_else(|| {
            children
                .iter()
                .filter_map(|id| rows.get(id.as_str()).and_then(|c| c.status.clone()))
                .max_by_key(|s| component_rank(s))
                .unwrap_or_else(|| "operational".to_owned())
        });
        out.push(model::Component {
            id: g.id.clone(),
            name: g.name.clone().unwrap_or_default(),
            status,
            group_id: None,
            group: Some(true),
            components: Some(children),
        });
    }
    for c in components {
        if c.group == Some(true) || group_ids.contains(c.id.as_str()) {
            continue;
        }
        out.push(model::Component {
            id: c.id,
            name: c.name.unwrap_or_default(),
            status: c.status.unwrap_or_default(),
            group_id: c.group_id,
            group: Some(false),
            components: None,
        });
    }
    out
}

/// One v1 GET. The first request of a page (`first`) turns 404 into "no page with that id".
fn get(
    session: &mut Session<'_>,
    url: &Url,
    key: &Secret,
    first: bool,
) -> Result<Vec<u8>, FetchError> {
    let fail = |cause: String| FetchError {
        url: url.redacted(),
        cause,
    };
    match session.get(url, Some(key))? {
        Got::Body(b) => Ok(b),
        Got::Status(s @ (401 | 403)) => Err(fail(format!(
            "the API key was refused (HTTP {s}); check api_key_file"
        ))),
        Got::Status(404) if first => Err(fail(
            "no page with that id (HTTP 404); check page_id and api_base".to_owned(),
        )),
        Got::Status(s) => Err(fail(format!("HTTP {s}"))),
    }
}

/// The pages of a list (`size_param` is `per_page`, or `limit` for incident history), while
/// they are full and `more` wants the next, up to `max_pages`.
fn all<T>(_: &[T]) -> bool {
    true
}

fn pages<T: serde::de::DeserializeOwned>(
    session: &mut Session<'_>,
    (url, size_param, max_pages): (Url, &str, usize),
    key: &Secret,
    more: impl Fn(&[T]) -> bool,
) -> Result<Vec<T>, FetchError> {
    let mut out = Vec::new();
    let mut first_ids: Vec<Option<String>> = Vec::new();
    for n in 1..=max_pages {
        let page_url = Url::parse(&format!(
            "{}?page={n}&{size_param}={PER_PAGE}",
            url.as_str()
        ))
        .map_err(|cause| FetchError {
            url: url.redacted(),
            cause,
        })?;
        let shown = page_url.redacted();
        let body = get(session, &page_url, key, false)?;
        let raw: Vec<Value> = parse_json(&shown, &body)?;
        let len = raw.len();
        let first = raw
            .first()
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if len > 0 && first_ids.contains(&first) {
            return Err(FetchError {
                url: shown,
                cause: "the API served the same page twice (is it ignoring `page`?)".to_owned(),
            });
        }
        first_ids.push(first);
        let items: Vec<T> = raw
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()
            .map_err(|e| FetchError {
                url: shown.clone(),
                cause: format!("unexpected JSON: {e}"),
            })?;
        let go_on = len >= PER_PAGE && more(&items);
        out.extend(items);
        if !go_on {
            return Ok(out);
        }
    }
    if max_pages == MAX_PAGES {
        return Err(FetchError {
            url: url.redacted(),
            cause: format!(
                "more than {} items; refusing to read further",
                MAX_PAGES * PER_PAGE
            ),
        });
    }
    Ok(out)
}

//! Everything only the fetcher does: config, HTTP, Statuspage models, resolving clusters to
//! components, and building the trimmed cache. Nothing here is reachable from `motd-status`.

pub(crate) mod config;
pub(crate) mod http;
pub(crate) mod log;
pub(crate) mod manage;
pub(crate) mod metrics;
pub(crate) mod mirror;
pub(crate) mod model;
pub(crate) mod resolve;
pub mod run;
pub(crate) mod session;
pub(crate) mod source;

#[cfg(test)]
mod doc_examples;
#[cfg(test)]
mod exactness;
#[cfg(test)]
mod unread_fields;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::cache::{self, Cache, Component, Counts, Item, Kind};
use crate::sanitize::plain_text;
use crate::select::{self, Scope, What, is_degraded};
use config::Config;
use model::{Incident, Response};
use resolve::Resolved;
use session::Session;
use source::{FetchError, Origin};

/// An update body is cut to this many characters in the cache: a login shows one line of it.
const UPDATE_CHARS: usize = 200;
/// Titles, component and group names are cut to this many characters: a terminal line is
/// shorter. Every string the cache takes from the page is capped, and the whole cache must fit
/// the login's read cap or the run fails (see `run::write`).
const NAME_CHARS: usize = 300;
/// Statuses and impacts are single words.
const WORD_CHARS: usize = 40;
/// Each view (every cluster's, a host of no cluster's, the unclaimed part of `--all`) keeps at
/// least its first this many items in the cache, most severe first, and counts the rest by
/// section. No real page comes near it; a page with thousands of open items must not make
/// every login parse them all.
pub const PER_VIEW: usize = 200;

/// One source as fetched: the page, its components and every incident and maintenance seen.
#[derive(Debug, Clone)]
pub struct Page {
    pub name: String,
    pub url: String,
    pub time_zone: Option<String>,
    pub components: Vec<model::Component>,
    pub incidents: Vec<Incident>,
}

/// Fetches `summary.json` and `incidents.json` of one source and merges them.
pub fn fetch_page(session: &mut Session<'_>, origin: &Origin) -> Result<Page, FetchError> {
    let summary_url = origin.url("summary.json");
    let Some(body) = source::get(session, origin, "summary.json")? else {
        return Err(FetchError {
            url: summary_url,
            cause: "not found (is this a Statuspage page's base address?)".to_owned(),
        });
    };
    let summary = parse_page(&summary_url, &body)?;
    // incident.io-compatible pages answer 404 here: that is "no history", not a failure.
    let history = match source::get(session, origin, "incidents.json")? {
        Some(body) => parse_page(&origin.url("incidents.json"), &body)?.incidents,
        None => Vec::new(),
    };
    let page = summary.page.clone().unwrap_or_default();
    let mut incidents: Vec<Incident> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The summary's copies are the freshest; history fills in the resolved ones.
    for inc in summary
        .incidents
        .into_iter()
        .chain(summary.scheduled_maintenances)
        .chain(history)
    {
        if !seen.contains_key(&inc.id) {
            seen.insert(inc.id.clone(), incidents.len());
            incidents.push(inc);
        }
    }
    Ok(Page {
        name: page.name,
        url: page.url,
        time_zone: page.time_zone,
        components: summary.components,
        incidents,
    })
}

/// Parses a page's response, refusing JSON that is not a page: an error body answered with
/// 200 (`{"error": "Service temporarily unavailable"}`, as proxies and CDNs send) must fail the
/// fetch, not replace a good cache with an empty one. A page has at least one of its fields.
fn parse_page(url: &str, body: &[u8]) -> Result<Response, FetchError> {
    #[derive(serde::Deserialize)]
    struct Keys {
        page: Option<serde::de::IgnoredAny>,
        components: Option<serde::de::IgnoredAny>,
        incidents: Option<serde::de::IgnoredAny>,
        scheduled_maintenances: Option<serde::de::IgnoredAny>,
    }
    let response = parse_response(url, body)?;
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

/// Parses a response body, saying in one line what it was instead when it is not Statuspage JSON.
pub fn parse_response(url: &str, body: &[u8]) -> Result<Response, FetchError> {
    parse_json(url, body)
}

/// Parses a JSON body into `T`; HTML, an empty body and broken JSON each get their own cause.
pub fn parse_json<T: serde::de::DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, FetchError> {
    let fail = |cause: String| FetchError {
        url: url.to_owned(),
        cause,
    };
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => return Err(fail("empty response".to_owned())),
        Some(b'<') => {
            return Err(fail(
                "got HTML, not JSON (a login or error page in front of the status page?)"
                    .to_owned(),
            ));
        }
        _ => {}
    }
    serde_json::from_slice::<T>(body).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else if e.is_syntax() {
            "invalid JSON"
        } else {
            "unexpected JSON"
        };
        fail(format!("{what}: {e}"))
    })
}

/// Builds the cache from fetched pages. It keeps every item that some view can show while the
/// cache can be shown ([`select::may_show_between`] `now` and [`shown_until`]: completed
/// maintenance, incidents resolved before the `recent` window and maintenance further ahead
/// than that are dropped), then caps each view (see [`cap_views`]), and keeps the components
/// those items name or that are not operational. So for as long as the cache is shown, every
/// view read from it is the view of the whole page.
pub fn build_cache(
    cfg: &Config,
    pages: &[Page],
    resolved: &[Resolved],
    now: DateTime<Utc>,
) -> Cache {
    assemble(cfg, pages, resolved, now, true)
}

/// The cache of `pages`: trimmed as [`build_cache`] says, or (`trim` false, for tests that
/// compare the two) the whole page.
fn assemble(
    cfg: &Config,
    pages: &[Page],
    resolved: &[Resolved],
    now: DateTime<Utc>,
    trim: bool,
) -> Cache {
    let settings = cfg.settings.clone();
    let until = shown_until(&settings, now);
    let sources = pages
        .iter()
        .enumerate()
        .map(|(si, page)| {
            let mut items: Vec<Item> = page
                .incidents
                .iter()
                .map(item_of)
                .filter(|item| !trim || select::may_show_between(item, &settings, now, until))
                .collect();
            items.sort_by(|a, b| a.id.cmp(&b.id));
            // A page may leave out its own name and address: then the config's say it.
            let configured = cfg.sources.get(si);
            let url = match page.url.trim() {
                "" => configured.map_or_else(String::new, |s| s.page.clone()),
                u => u.to_owned(),
            };
            let name = configured
                .and_then(|s| s.name.clone())
                .or_else(|| Some(page.name.trim().to_owned()).filter(|n| !n.is_empty()))
                .unwrap_or_else(|| match http::host_of(&url) {
                    host if host.is_empty() => url.clone(),
                    host => host,
                });
            cache::Source {
                name: shorten(&name, NAME_CHARS),
                // Every user reads the cache: an address's credentials stay out of it.
                url: shorten(&http::redact(&url), NAME_CHARS),
                time_zone: page.time_zone.clone(),
                components: components_of(page),
                items,
                catalog: Some(Vec::new()),
                dropped: Vec::new(),
            }
        })
        .collect();
    let clusters = resolved.iter().map(Resolved::to_cluster).collect();
    let mut cache = Cache {
        version: cache::VERSION,
        generator: concat!("motd-status-fetch ", env!("CARGO_PKG_VERSION")).to_owned(),
        fetched_at: now,
        checked_at: Some(now),
        settings,
        sources,
        clusters,
        no_cluster_omitted: Counts::default(),
        unclaimed_omitted: Counts::default(),
        motd_file: pam_motd_file(cfg),
        motd_view: None,
        validators: Vec::new(),
    };
    cache.motd_view = pam_motd_view(cfg, &cache.clusters);
    if trim {
        cap_views(&mut cache, now, PER_VIEW);
        keep_components_in_use(&mut cache);
    }
    cache
}

/// The last moment a cache fetched in full at `fetched` can be shown: a 304 moves its
/// `checked_at` on, but only for [`session::FULL_EVERY`] (then the fetcher refetches in full),
/// and past `checked_at + expire_after` it shows no items.
pub fn shown_until(settings: &cache::Settings, fetched: DateTime<Utc>) -> DateTime<Utc> {
    let secs = session::FULL_EVERY
        .as_secs()
        .saturating_add(settings.expire_seconds)
        .min(i64::MAX as u64) as i64;
    chrono::Duration::try_seconds(secs)
        .and_then(|d| fetched.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The `motd_file` pam_motd may show (a text one; Markdown is for web portals), as the cache
/// records it for logins to know.
pub fn pam_motd_file(cfg: &Config) -> Option<String> {
    cfg.motd_file
        .as_ref()
        .filter(|_| !cfg.motd_markdown)
        .map(|p| p.display().to_string())
}

/// Whose view the text `motd_file` holds: `motd_cluster`'s, else the cluster of this host.
pub fn pam_motd_view(cfg: &Config, clusters: &[cache::Cluster]) -> Option<cache::MotdView> {
    pam_motd_file(cfg)?;
    let cluster = match &cfg.motd_cluster {
        Some(name) => Some(
            select::cluster_by_name(clusters, name)
                .map_or_else(|| name.clone(), |c| c.name.clone()),
        ),
        None => select::cluster_for_host(clusters, &select::hostname()).map(|c| c.name.clone()),
    };
    Some(cache::MotdView { cluster })
}

/// The page's components (not its group rows), each naming its group.
fn components_of(page: &Page) -> Vec<Component> {
    let group_names: HashMap<&str, &str> = page
        .components
        .iter()
        .filter(|c| resolve::is_group(c))
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    page.components
        .iter()
        .filter(|c| !resolve::is_group(c))
        .map(|c| Component {
            id: c.id.clone(),
            name: shorten(&c.name, NAME_CHARS),
            group: c
                .group_id
                .as_deref()
                .and_then(|g| group_names.get(g))
                .map(|s| shorten(s, NAME_CHARS)),
            status: shorten(&c.status, WORD_CHARS),
        })
        .collect()
}

/// Keeps the components a view can use: those its items name and those not operational (a
/// view lists them); and of each cluster's coverage, those kept. The others go to the source's
/// catalog, where no view looks but a mirror resolves its own clusters' names.
fn keep_components_in_use(cache: &mut Cache) {
    let mut kept: HashSet<(usize, String)> = HashSet::new();
    for (si, source) in cache.sources.iter_mut().enumerate() {
        let named: HashSet<&str> = source
            .items
            .iter()
            .flat_map(|i| i.components.iter().map(String::as_str))
            .collect();
        let (used, others): (Vec<Component>, Vec<Component>) =
            std::mem::take(&mut source.components)
                .into_iter()
                .partition(|c| named.contains(c.id.as_str()) || is_degraded(&c.status));
        source.components = used;
        source.catalog = Some(
            others
                .into_iter()
                .map(|c| cache::Listed {
                    id: c.id,
                    name: c.name,
                    group: c.group,
                })
                .collect(),
        );
        kept.extend(source.components.iter().map(|c| (si, c.id.clone())));
    }
    for cluster in &mut cache.clusters {
        cluster
            .components
            .retain(|r| kept.contains(&(r.source, r.id.clone())));
    }
}

/// Caps every view at `per_view` items: each view keeps its first `per_view` items, those in
/// a section at `now` first, ranked as [`select`] ranks them, then maintenance further ahead
/// by start; every item some view keeps stays. What a view loses is counted in the cache
/// (`omitted`): by the section it was in at the fetch, maintenance further ahead apart. So a
/// view's counts are exact as of the fetch, and its text says where the rest is.
fn cap_views(cache: &mut Cache, now: DateTime<Utc>, per_view: usize) {
    let mut scopes: Vec<Scope<'_>> = cache.clusters.iter().map(Scope::Cluster).collect();
    scopes.push(Scope::NoCluster);
    scopes.push(Scope::Unclaimed);
    let source_of = |e: &select::Entry<'_>| {
        cache
            .sources
            .iter()
            .position(|s| std::ptr::eq(s, e.source))
            .expect("an entry's source is one of the cache's")
    };
    // Each scope's items in rank order, as (source, item id, section; `None` for later).
    let views: Vec<Vec<(usize, &str, Option<select::Section>)>> = scopes
        .iter()
        .map(|&scope| {
            let mut ranked: Vec<_> = select::entries(cache, scope, now)
                .into_iter()
                .filter_map(|e| match e.what {
                    What::Item { item, .. } => {
                        Some((source_of(&e), item.id.as_str(), Some(e.section)))
                    }
                    What::Component(_) => None,
                })
                .collect();
            let cov = select::Coverage::new(&cache.clusters, scope, cache.settings.show_unscoped);
            let mut later: Vec<(Option<DateTime<Utc>>, usize, &str)> = Vec::new();
            for (si, source) in cache.sources.iter().enumerate() {
                for item in &source.items {
                    if cov.concerns(si, &item.components)
                        && select::section_of(item, &cache.settings, now, now).is_none()
                    {
                        later.push((item.scheduled_for, si, item.id.as_str()));
                    }
                }
            }
            later.sort();
            ranked.extend(later.into_iter().map(|(_, si, id)| (si, id, None)));
            ranked
        })
        .collect();
    if views.iter().all(|v| v.len() <= per_view) {
        return;
    }
    let keep: HashSet<(usize, String)> = views
        .iter()
        .flat_map(|v| v.iter().take(per_view))
        .map(|&(si, id, _)| (si, id.to_owned()))
        .collect();
    let omitted: Vec<Counts> = views
        .iter()
        .map(|v| {
            let mut c = Counts::default();
            for &(si, id, section) in v {
                if !keep.contains(&(si, id.to_owned())) {
                    match section {
                        Some(s) => c.add(s, 1),
                        None => c.maintenance_later = c.maintenance_later.saturating_add(1),
                    }
                }
            }
            c
        })
        .collect();
    let sections: HashMap<(usize, String), Option<select::Section>> = views
        .iter()
        .flatten()
        .map(|&(si, id, section)| ((si, id.to_owned()), section))
        .collect();
    for (si, source) in cache.sources.iter_mut().enumerate() {
        let (kept, dropped): (Vec<Item>, Vec<Item>) = std::mem::take(&mut source.items)
            .into_iter()
            .partition(|i| keep.contains(&(si, i.id.clone())));
        source.items = kept;
        source.dropped = dropped
            .into_iter()
            .map(|i| cache::Dropped {
                section: sections.get(&(si, i.id.clone())).copied().flatten(),
                id: i.id,
                components: i.components,
            })
            .collect();
    }
    let n = cache.clusters.len();
    for (cluster, counts) in cache.clusters.iter_mut().zip(&omitted) {
        cluster.omitted = *counts;
        cluster.more = counts.total();
    }
    cache.no_cluster_omitted = omitted[n];
    cache.unclaimed_omitted = omitted[n + 1];
}

fn item_of(inc: &Incident) -> Item {
    let utc = |t: Option<DateTime<chrono::FixedOffset>>| t.map(|t| t.with_timezone(&Utc));
    let update = inc
        .latest_update()
        .map(|u| shorten(&plain_text(&u.body), UPDATE_CHARS))
        .filter(|s| !s.is_empty());
    Item {
        kind: if inc.is_maintenance() {
            Kind::Maintenance
        } else {
            Kind::Incident
        },
        id: inc.id.clone(),
        name: shorten(&inc.name, NAME_CHARS),
        status: shorten(&inc.status, WORD_CHARS),
        impact: shorten(&inc.impact, WORD_CHARS),
        // A link cut short leads nowhere: one too long for a terminal line is left out.
        shortlink: inc
            .shortlink
            .clone()
            .filter(|s| !s.is_empty() && s.chars().count() <= NAME_CHARS),
        started_at: utc(inc.started_at.or(inc.created_at)),
        updated_at: utc(inc.updated_at),
        resolved_at: utc(inc.resolved_at),
        scheduled_for: utc(inc.scheduled_for),
        scheduled_until: utc(inc.scheduled_until),
        components: inc.component_ids(),
        update,
    }
}

/// The first `max` characters of `s`, with "…" when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

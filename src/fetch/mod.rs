//! Everything only the fetcher does: config, HTTP, Statuspage models, resolving clusters to
//! components, and building the trimmed cache. Nothing here is reachable from `motd-status`.

pub mod config;
pub mod http;
pub mod log;
pub mod manage;
pub mod mirror;
pub mod model;
pub mod resolve;
pub mod run;
pub mod session;
pub mod source;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::cache::{self, Cache, Component, ComponentRef, Item, Kind, Pos, Settings, Uses};
use crate::sanitize::plain_text;
use crate::select::{self, Scope, is_degraded, section_of};
use config::Config;
use model::{Incident, Response};
use resolve::Resolved;
use session::Session;
use source::{FetchError, Origin};

/// An update body is cut to this many characters in the cache: a login shows one line of it.
const UPDATE_CHARS: usize = 200;
/// Titles and component names are cut to this many characters: a terminal line is shorter.
const NAME_CHARS: usize = 300;
/// Each view (every cluster's, a host of no cluster's, the unclaimed part of `--all`) keeps at
/// most this many entries in the cache, most severe first, and counts the rest. A login shows
/// 8 and `--all` a screenful per cluster; the page itself has the full list. A page with
/// thousands of open items must not make every login parse them all.
pub const PER_VIEW: usize = 20;

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
    let summary = parse_response(&summary_url, &body)?;
    // incident.io-compatible pages answer 404 here: that is "no history", not a failure.
    let history = match source::get(session, origin, "incidents.json")? {
        Some(body) => parse_response(&origin.url("incidents.json"), &body)?.incidents,
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

/// Builds the cache from fetched pages, keeping only what a login could show before the next
/// fetch: items inside the windows (scheduled maintenance a little further ahead, so a cache
/// that goes stale still brings it up on time) and the components those items or the clusters
/// need.
pub fn build_cache(
    cfg: &Config,
    pages: &[Page],
    resolved: &[Resolved],
    now: DateTime<Utc>,
) -> Cache {
    let settings = cfg.settings.clone();
    let reach = Settings {
        upcoming_seconds: settings
            .upcoming_seconds
            .saturating_add(settings.expire_seconds),
        ..settings.clone()
    };
    let mut sources = Vec::new();
    let mut kept_ids: Vec<HashSet<String>> = Vec::new();
    for (si, page) in pages.iter().enumerate() {
        let group_names: HashMap<&str, &str> = page
            .components
            .iter()
            .filter(|c| resolve::is_group(c))
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        let mut items: Vec<Item> = page
            .incidents
            .iter()
            .map(item_of)
            .filter(|item| section_of(item, &reach, now, now).is_some())
            .collect();
        items.sort_by(|a, b| a.id.cmp(&b.id));
        let named: HashSet<&str> = items
            .iter()
            .flat_map(|i| i.components.iter().map(String::as_str))
            .collect();
        let components: Vec<Component> = page
            .components
            .iter()
            .filter(|c| !resolve::is_group(c))
            .filter(|c| named.contains(c.id.as_str()) || is_degraded(&c.status))
            .map(|c| Component {
                id: c.id.clone(),
                name: shorten(&c.name, NAME_CHARS),
                group: c
                    .group_id
                    .as_deref()
                    .and_then(|g| group_names.get(g))
                    .map(|s| (*s).to_owned()),
                status: c.status.clone(),
            })
            .collect();
        kept_ids.push(components.iter().map(|c| c.id.clone()).collect());
        sources.push(cache::Source {
            name: cfg
                .sources
                .get(si)
                .and_then(|s| s.name.clone())
                .unwrap_or_else(|| page.name.clone()),
            url: page.url.clone(),
            time_zone: page.time_zone.clone(),
            components,
            items,
        });
    }
    let clusters = cfg
        .clusters
        .iter()
        .zip(resolved)
        .map(|(c, r)| cache::Cluster {
            name: c.name.clone(),
            hosts: c.hosts.clone(),
            // Only what this cache can show; the full resolution is what `--check` prints.
            components: r
                .components
                .iter()
                .filter(|r| kept_ids.get(r.source).is_some_and(|k| k.contains(&r.id)))
                .cloned()
                .collect::<Vec<ComponentRef>>(),
            more: 0,
            uses: None,
        })
        .collect();
    let mut cache = Cache {
        version: cache::VERSION,
        generator: concat!("motd-status-fetch ", env!("CARGO_PKG_VERSION")).to_owned(),
        fetched_at: now,
        checked_at: Some(now),
        settings: reach,
        sources,
        clusters,
        unscoped: None,
        validators: Vec::new(),
    };
    trim_views(&mut cache, now, PER_VIEW);
    cache.settings = settings;
    record_uses(&mut cache);
    cache
}

/// Records, for every cluster, where the items and components its view can use are (and, for
/// hosts of no cluster, where the unscoped items are), so a login reads only those. "Can use"
/// does not depend on the time: the windows are applied at display time, to these.
pub(crate) fn record_uses(cache: &mut Cache) {
    let show_unscoped = cache.settings.show_unscoped;
    let mut unscoped = Vec::new();
    for (si, source) in cache.sources.iter().enumerate() {
        for (i, item) in source.items.iter().enumerate() {
            if item.components.is_empty() && show_unscoped {
                unscoped.push(Pos(si, i));
            }
        }
    }
    let uses: Vec<Uses> = cache
        .clusters
        .iter()
        .map(|cluster| {
            let covered: HashSet<(usize, &str)> = cluster
                .components
                .iter()
                .map(|r| (r.source, r.id.as_str()))
                .collect();
            let mut uses = Uses::default();
            let mut named: HashSet<(usize, &str)> = HashSet::new();
            for (si, source) in cache.sources.iter().enumerate() {
                for (i, item) in source.items.iter().enumerate() {
                    let mine = item
                        .components
                        .iter()
                        .any(|id| covered.contains(&(si, id.as_str())));
                    if mine || (item.components.is_empty() && show_unscoped) {
                        uses.items.push(Pos(si, i));
                        named.extend(item.components.iter().map(|id| (si, id.as_str())));
                    }
                }
                for (i, c) in source.components.iter().enumerate() {
                    let key = (si, c.id.as_str());
                    if covered.contains(&key) || named.contains(&key) {
                        uses.components.push(Pos(si, i));
                    }
                }
            }
            uses
        })
        .collect();
    for (cluster, uses) in cache.clusters.iter_mut().zip(uses) {
        cluster.uses = Some(uses);
    }
    cache.unscoped = Some(unscoped);
}

/// Keeps only the first `per_view` entries of every view (with the components their items
/// name), so the cache, and the work of every login, stays bounded however big the page is.
/// Views are computed with the cache's own rules, so what is kept is what would be shown first.
fn trim_views(cache: &mut Cache, now: DateTime<Utc>, per_view: usize) {
    let mut items: HashSet<(usize, String)> = HashSet::new();
    let mut comps: HashSet<(usize, String)> = HashSet::new();
    // Each cluster's view length before trimming.
    let mut more = vec![0; cache.clusters.len()];
    {
        let mut scopes: Vec<Scope<'_>> = cache.clusters.iter().map(Scope::Cluster).collect();
        scopes.push(Scope::NoCluster);
        scopes.push(Scope::Unclaimed);
        for (i, scope) in scopes.into_iter().enumerate() {
            let entries = select::entries(cache, scope, now);
            if i < more.len() {
                more[i] = entries.len();
            }
            for entry in entries.into_iter().take(per_view) {
                let si = cache
                    .sources
                    .iter()
                    .position(|s| std::ptr::eq(s, entry.source))
                    .expect("an entry's source is one of the cache's");
                if let Some(item) = entry.item {
                    items.insert((si, item.id.clone()));
                    comps.extend(item.components.iter().map(|id| (si, id.clone())));
                }
                if let Some(c) = entry.component {
                    comps.insert((si, c.id.clone()));
                }
            }
        }
    }
    for (si, source) in cache.sources.iter_mut().enumerate() {
        source.items.retain(|i| items.contains(&(si, i.id.clone())));
        source
            .components
            .retain(|c| comps.contains(&(si, c.id.clone())));
    }
    for cluster in &mut cache.clusters {
        cluster
            .components
            .retain(|r| comps.contains(&(r.source, r.id.clone())));
    }
    // What each cluster's view lost: its length before, less its length now.
    let kept: Vec<usize> = cache
        .clusters
        .iter()
        .map(|c| select::entries(cache, Scope::Cluster(c), now).len())
        .collect();
    for ((cluster, before), after) in cache.clusters.iter_mut().zip(more).zip(kept) {
        cluster.more = before.saturating_sub(after);
    }
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
        status: inc.status.clone(),
        impact: inc.impact.clone(),
        shortlink: inc.shortlink.clone().filter(|s| !s.is_empty()),
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

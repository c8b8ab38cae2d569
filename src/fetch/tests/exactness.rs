//! The contract of the fetcher's trimming, as a property: for random pages (many far-future
//! maintenances, unscoped and unclaimed items, resolved items at the edge of `recent`,
//! maintenance at the edge of `upcoming`, two sources, several clusters) and every `now` from
//! the fetch until the cache expires, every view read from the written cache (through the
//! partial reader, as a login reads it) equals the view of the untrimmed page, in every format.
//!
//! A fixed number of cases from a fixed seed: `MOTD_STATUS_CASES` and `MOTD_STATUS_SEED` run
//! more or others.

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::cache::{self, Cache};
use crate::fetch::build::{PER_VIEW, Part, assemble, build_cache, shown_until};
use crate::fetch::config;
use crate::fetch::resolve;
use crate::fetch::sources::SourceData;
use crate::fetch::sources::model::{Component, Incident, Page};
use crate::localtime::LocalZone;
use crate::render::{Format, Request};
use crate::rng::{Rng, cases};
use crate::select::Whose;
use crate::view;

const GROUPS: [&str; 3] = ["Alpha Cluster", "Beta Cluster", "Shared"];
const STATUSES: [&str; 6] = [
    "operational",
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

/// A random page: three groups of three components, and items around `t0`.
fn page(r: &mut Rng, si: usize, t0: DateTime<Utc>, settings: &cache::Settings) -> Page {
    let mut components = Vec::new();
    let mut leaves = Vec::new();
    for (g, name) in GROUPS.iter().enumerate() {
        let gid = format!("s{si}g{g}");
        let kids: Vec<String> = (0..3).map(|k| format!("s{si}g{g}c{k}")).collect();
        components.push(json!({"id": gid, "name": name, "status": "operational",
            "group": true, "components": kids}));
        for (k, id) in kids.iter().enumerate() {
            components.push(json!({"id": id, "name": format!("Part {k}"),
                "status": r.pick(&STATUSES), "group_id": gid, "group": false}));
            leaves.push(id.clone());
        }
    }
    let n = if r.chance(10) { 60 } else { r.below(25) };
    let incidents = (0..n)
        .map(|i| item(r, si, i, &leaves, t0, settings))
        .collect();
    Page {
        name: format!("Page {si}"),
        url: format!("https://status{si}.example.org"),
        time_zone: Some("Etc/UTC".to_owned()),
        components: components
            .into_iter()
            .map(|c| serde_json::from_value::<Component>(c).expect("a valid component"))
            .collect(),
        incidents,
    }
}

/// A random incident or maintenance of page `si`, naming some of `leaves`, with times around
/// the windows' edges and far away from them.
fn item(
    r: &mut Rng,
    si: usize,
    i: u64,
    leaves: &[String],
    t0: DateTime<Utc>,
    settings: &cache::Settings,
) -> Incident {
    let day = 86_400i64;
    let recent = settings.recent_seconds as i64;
    let upcoming = settings.upcoming_seconds as i64;
    // The last moment the cache can be shown (a day of 304s, then `expire_after`).
    let last = (shown_until(settings, t0) - t0).num_seconds();
    let at = |r: &mut Rng| -> DateTime<Utc> {
        let secs = match r.below(7) {
            6 => last + upcoming + r.below(7200) as i64 - 3600,
            0 => -recent + r.below(7200) as i64 - 3600,
            1 => upcoming + r.below(7200) as i64 - 3600,
            2 => (r.below(40 * day as u64) as i64) - 10 * day,
            3 => (r.below(10 * day as u64) as i64) + 8 * day,
            4 => -(r.below(30 * day as u64) as i64),
            _ => r.below(3 * day as u64) as i64,
        };
        t0 + Duration::seconds(secs)
    };
    let maintenance = r.chance(50);
    let status = if maintenance {
        *r.pick(&[
            "scheduled",
            "scheduled",
            "in_progress",
            "verifying",
            "completed",
        ])
    } else {
        *r.pick(&[
            "investigating",
            "identified",
            "monitoring",
            "resolved",
            "postmortem",
        ])
    };
    let named: Vec<Value> = (0..r.below(3))
        .map(|_| json!({"id": r.pick(leaves).clone(), "name": "x", "status": "operational"}))
        .collect();
    let start = at(r);
    let end = start + Duration::seconds(r.below(3 * day as u64) as i64 + 60);
    let resolved = at(r);
    let mut v = json!({
        "id": format!("s{si}i{i:03}"),
        "name": format!("Item {i} of {si}"),
        "status": status,
        "impact": r.pick(&["none", "minor", "major", "critical", "maintenance"]),
        "shortlink": format!("https://stspg.io/{si}{i}"),
        "created_at": at(r),
        "started_at": at(r),
        "updated_at": at(r),
        "components": named,
        "incident_updates": [{"body": format!("update {i}"), "created_at": at(r)}],
    });
    if maintenance {
        v["scheduled_for"] = json!(start);
        if r.chance(85) {
            v["scheduled_until"] = json!(end);
        }
    }
    if matches!(status, "resolved" | "postmortem" | "completed") && r.chance(90) {
        v["resolved_at"] = json!(resolved);
    }
    serde_json::from_value::<Incident>(v).expect("a valid incident")
}

/// A random notices file, as the notices source turns one into the cache's model: names
/// clusters give (a cluster's own name, a group it names, one nobody gives), notices with and
/// without an end, maintenance planned or finished early, incidents open or resolved.
fn notices(r: &mut Rng, t0: DateTime<Utc>, settings: &cache::Settings) -> SourceData {
    const NAMES: [&str; 4] = ["Alpha", "Beta Cluster", "shared", "Nowhere"];
    let components = NAMES
        .iter()
        .map(|n| cache::Component {
            id: format!("affects:{}", n.to_lowercase()),
            name: (*n).to_owned(),
            group: None,
            status: "operational".to_owned(),
        })
        .collect();
    let items = (0..r.below(12))
        .map(|i| {
            // The times of a page's item, on a notice of one of the three kinds.
            let mut item = item(r, 9, i, &["x".to_owned()], t0, settings).to_item();
            item.id = format!("n{i}");
            item.components = (0..r.below(3))
                .map(|_| format!("affects:{}", r.pick(&NAMES).to_lowercase()))
                .collect();
            match r.below(3) {
                0 => {
                    item.kind = cache::Kind::Incident;
                    item.status = "notice".to_owned();
                    item.scheduled_for = item.started_at;
                    if r.chance(30) {
                        item.scheduled_until = None;
                    }
                }
                1 => {
                    item.kind = cache::Kind::Maintenance;
                    item.status = r.pick(&["planned", "planned", "completed"]).to_string();
                }
                _ => {
                    item.kind = cache::Kind::Incident;
                    item.status = r.pick(&["investigating", "resolved"]).to_string();
                    item.scheduled_for = None;
                    item.scheduled_until = None;
                }
            }
            item
        })
        .collect();
    SourceData {
        name: "Site notices".to_owned(),
        url: String::new(),
        time_zone: None,
        components,
        items,
        groups: Vec::new(),
        named_by_clusters: true,
        slurm: None,
    }
}

fn config(r: &mut Rng) -> config::Config {
    let recent = r.pick(&["1h", "2d", "7d"]);
    let upcoming = r.pick(&["1d", "7d", "14d"]);
    let expire = r.pick(&["1d", "7d"]);
    let unscoped = r.chance(70);
    let text = format!(
        r#"page = "https://status0.example.org"
recent = "{recent}"
upcoming = "{upcoming}"
show_unscoped = {unscoped}

[[cluster]]
name = "Alpha"
groups = ["Alpha Cluster", "Shared"]
hosts = ["alpha-*"]

[[cluster]]
name = "Beta"
groups = ["Beta Cluster"]
hosts = ["beta-*"]

[login]
stale_after = "1h"
expire_after = "{expire}"
max_items = 8
"#
    );
    config::parse(Path::new("/etc/motd-status/config.toml"), &text).expect("a valid config")
}

/// Every request a user or script can make, rendered from the file (as read for that request)
/// and from the untrimmed cache, must agree.
fn compare(path: &Path, reference: &Cache, now: DateTime<Utc>, what: &str) {
    let zone = LocalZone::utc();
    let targets = [
        Whose::Cluster("Alpha"),
        Whose::Cluster("beta"),
        Whose::Host("alpha-login1"),
        Whose::Host("gamma-login1"),
        Whose::All,
    ];
    for target in targets {
        for format in [Format::Text, Format::Json, Format::Markdown] {
            for login in [false, true] {
                let req = Request {
                    whose: target,
                    now,
                    zone: &zone,
                    format,
                    color: format == Format::Text && login,
                    width: 100,
                    login,
                    ascii: !login,
                    frozen: login && format != Format::Json,
                };
                let want = view::render(reference, &req).expect("the reference renders");
                let (cache, chosen) = view::load(path, target).expect("the cache reads");
                let got = view::render_loaded(&cache, chosen, &req).expect("the cache renders");
                pretty_assertions::assert_eq!(
                    got,
                    want,
                    "{what}: {target:?} {format:?} login={login} at {now}"
                );
            }
        }
    }
}

#[test]
fn a_view_read_from_the_cache_is_the_view_of_the_whole_page_until_it_expires() {
    let mut r = Rng::seeded(0x5eed_cafe);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    let mut trimmed_items = 0;
    for case in 0..cases(25) {
        let cfg = config(&mut r);
        let t0 = Utc
            .timestamp_opt(1_790_000_000 + r.below(10_000_000) as i64, 0)
            .unwrap();
        let pages: Vec<Page> = (0..1 + r.below(2) as usize)
            .map(|si| page(&mut r, si, t0, &cfg.settings))
            .collect();
        let mut data: Vec<Part> = pages
            .iter()
            .cloned()
            .enumerate()
            .map(|(config, p)| Part::Fresh {
                config,
                data: p.into_data(),
            })
            .collect();
        // The site's notices beside the pages, selected by the same rule.
        if r.chance(70) {
            data.push(Part::Fresh {
                config: data.len(),
                data: notices(&mut r, t0, &cfg.settings),
            });
        }
        let catalogs: Vec<_> = data.iter().map(Part::catalog).collect();
        let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
        let mut trimmed = build_cache(&cfg, &data, &resolved, t0);
        let mut reference = assemble(&cfg, &data, &resolved, t0, false);
        trimmed_items += reference
            .sources
            .iter()
            .map(|s| s.items.len())
            .sum::<usize>()
            - trimmed.sources.iter().map(|s| s.items.len()).sum::<usize>();
        // A cache is shown until `expire_after` past its last confirmation, which a 304 moves
        // on for at most a day after the full fetch.
        let expire = cfg.settings.expire_seconds as i64;
        let last = (shown_until(&cfg.settings, t0) - t0).num_seconds();
        let instants = instants(&mut r, &data, &cfg.settings, t0, last);
        for off in instants.into_iter().filter(|o| (0..=last).contains(o)) {
            let now = t0 + Duration::seconds(off);
            // The page confirmed the cache at some time up to now, within a day of the fetch,
            // and recently enough that the cache has not expired.
            let day = crate::fetch::session::FULL_EVERY.as_secs() as i64;
            let earliest = (off - expire).max(0);
            let latest = off.min(day);
            if earliest > latest {
                continue;
            }
            let checked =
                t0 + Duration::seconds(earliest + r.below((latest - earliest) as u64 + 1) as i64);
            for c in [&mut trimmed, &mut reference] {
                c.checked_at = Some(checked);
                for s in &mut c.sources {
                    s.checked_at = Some(checked);
                }
            }
            std::fs::write(&path, cache::to_bytes(&trimmed)).unwrap();
            compare(&path, &reference, now, &format!("case {case}"));
        }
    }
    // The property means something only if the fetcher did drop items.
    assert!(trimmed_items > 0, "no case trimmed anything");
}

/// Instants (seconds after `t0`, up to `last`) to look at a cache: random ones, and either
/// side of the items' own edges and of the windows' edges around them.
fn instants(
    r: &mut Rng,
    data: &[Part],
    settings: &cache::Settings,
    t0: DateTime<Utc>,
    last: i64,
) -> Vec<i64> {
    let mut instants: Vec<i64> = (0..6).map(|_| r.below(last as u64 + 1) as i64).collect();
    let items = data.iter().flat_map(|p| match p {
        Part::Fresh { data, .. } => data.items.as_slice(),
        Part::Kept { source, .. } => source.items.as_slice(),
    });
    for item in items {
        for t in [item.resolved_at, item.scheduled_for, item.scheduled_until]
            .into_iter()
            .flatten()
        {
            for edge in [
                t,
                t + Duration::seconds(settings.recent_seconds as i64),
                t - Duration::seconds(settings.upcoming_seconds as i64),
            ] {
                let off = (edge - t0).num_seconds();
                if (0..=last).contains(&off) && r.chance(40) {
                    instants.extend([off - 1, off, off + 1]);
                }
            }
        }
    }
    instants
}

#[test]
fn past_the_cap_a_view_counts_exactly_what_the_cache_left_out() {
    let mut r = Rng(7);
    let cfg = loop {
        let cfg = config(&mut r);
        if cfg.settings.show_unscoped {
            break cfg;
        }
    };
    let t0 = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let mut p = page(&mut r, 0, t0, &cfg.settings);
    // PER_VIEW + 40 unresolved incidents that name no component, and 30 maintenances ahead.
    let extra = PER_VIEW + 40;
    p.incidents.clear();
    for i in 0..extra + 30 {
        let mut v = json!({"id": format!("x{i:04}"), "name": format!("X {i}"),
            "status": "investigating", "impact": "minor", "started_at": t0, "components": []});
        if i >= extra {
            v["status"] = json!("scheduled");
            // Beyond `upcoming` now, within it before the cache expires.
            let ahead = cfg.settings.upcoming_seconds as i64 + 12 * 3600;
            v["scheduled_for"] = json!(t0 + Duration::seconds(ahead));
        }
        p.incidents.push(serde_json::from_value(v).unwrap());
    }
    let data = vec![Part::Fresh {
        config: 0,
        data: p.into_data(),
    }];
    let catalogs: Vec<_> = data.iter().map(Part::catalog).collect();
    let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
    let trimmed = build_cache(&cfg, &data, &resolved, t0);
    let reference = assemble(&cfg, &data, &resolved, t0, false);
    let zone = LocalZone::utc();
    let req = |target| Request {
        whose: target,
        now: t0,
        zone: &zone,
        format: Format::Json,
        color: false,
        width: 80,
        login: false,
        ascii: false,
        frozen: false,
    };
    for target in [Whose::Host("nowhere"), Whose::Cluster("Alpha"), Whose::All] {
        let got: Value =
            serde_json::from_str(&view::render(&trimmed, &req(target)).unwrap()).unwrap();
        let want: Value =
            serde_json::from_str(&view::render(&reference, &req(target)).unwrap()).unwrap();
        for (g, w) in got["views"]
            .as_array()
            .unwrap()
            .iter()
            .zip(want["views"].as_array().unwrap())
        {
            if g["scope"] == "unclaimed" {
                continue;
            }
            // Same counts as the whole page, fewer items listed, the difference counted.
            assert_eq!(
                g["counts"]["incident"], w["counts"]["incident"],
                "{target:?}"
            );
            let items = |v: &Value| {
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|e| e["kind"] != "component")
                    .count()
            };
            let more = g["more"].as_u64().unwrap() as usize;
            assert_eq!(items(g), PER_VIEW, "{target:?}: listed");
            assert_eq!(g["omitted"]["maintenance_later"], 30, "{target:?}");
            assert_eq!(items(g) + more, items(w) + 30, "{target:?}");
        }
    }
}

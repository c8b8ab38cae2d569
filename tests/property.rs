//! Property tests over the login path's own code (cache parsing, selection, rendering): for any
//! bytes and any cache contents, no panic, and no control character reaches the output. A
//! fixed number of cases from a fixed seed, so CI is bounded and a failure reproduces;
//! `MOTD_STATUS_CASES` and `MOTD_STATUS_SEED` run more or others.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use motd_status::testing::LocalZone;
use motd_status::testing::cache;
use motd_status::testing::{Cache, Cluster, Component, ComponentRef, Item, Kind, Settings, Source};
use motd_status::testing::{Format, Request, Whose, display_width, render};
use motd_status::testing::{Rng, cases};

fn seed() -> u64 {
    Rng::seeded(0x6d6f_7464).0
}

/// Text with everything a hostile page could send: controls, escapes, bidi, wide characters,
/// combining marks, HTML, very long runs.
pub fn text(r: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "Login nodes",
        " ",
        "\n",
        "\t",
        "\r",
        "\x1b",
        "\x1b[",
        "\x1b[31m",
        "\x1b]0;",
        "\x07",
        "\x1b\\",
        "\u{9b}",
        "\u{9d}",
        "\u{9c}",
        "\u{85}",
        "\0",
        "\x7f",
        "\u{202e}",
        "\u{2066}",
        "\u{200b}",
        "\u{feff}",
        "\u{2028}",
        "界",
        "🙂",
        "e\u{301}",
        "<br>",
        "<a href=\"x\">",
        "</a>",
        "&amp;",
        "&#x1b;",
        "&#27;",
        "[x](y)",
        "…",
        "\u{ad}",
        "\u{e0041}",
        "%s",
        "\\",
        "\"",
    ];
    let n = if r.chance(3) { 2000 } else { r.below(12) };
    (0..n).map(|_| *r.pick(PIECES)).collect()
}

fn time(r: &mut Rng, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if r.chance(10) {
        return None;
    }
    let span = *r.pick(&[60i64, 3600, 86400, 30 * 86400, 400 * 86400]);
    let offset = r.below(2 * span as u64) as i64 - span;
    Some(now + chrono::Duration::seconds(offset))
}

fn random_cache(r: &mut Rng, now: DateTime<Utc>) -> Cache {
    const STATUSES: &[&str] = &[
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "postmortem",
        "scheduled",
        "in_progress",
        "verifying",
        "completed",
        "",
        "weird\x1b[0m",
    ];
    const COMPONENT: &[&str] = &[
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
        "",
        "x",
    ];
    const IMPACT: &[&str] = &["none", "minor", "major", "critical", "maintenance", "", "?"];
    let n_sources = 1 + r.below(3) as usize;
    let sources: Vec<Source> = (0..n_sources)
        .map(|_| {
            let components: Vec<Component> = (0..r.below(8))
                .map(|i| Component {
                    id: format!("c{i}"),
                    name: text(r),
                    group: r.chance(50).then(|| text(r)),
                    status: r.pick(COMPONENT).to_string(),
                })
                .collect();
            let items: Vec<Item> = (0..r.below(15))
                .map(|i| Item {
                    kind: if r.chance(50) {
                        Kind::Incident
                    } else {
                        Kind::Maintenance
                    },
                    id: format!("i{i}"),
                    name: text(r),
                    status: r.pick(STATUSES).to_string(),
                    impact: r.pick(IMPACT).to_string(),
                    shortlink: r.chance(70).then(|| text(r)),
                    started_at: time(r, now),
                    updated_at: time(r, now),
                    resolved_at: time(r, now),
                    scheduled_for: time(r, now),
                    scheduled_until: time(r, now),
                    components: (0..r.below(4))
                        .map(|_| format!("c{}", r.below(10)))
                        .collect(),
                    update: r.chance(70).then(|| text(r)),
                })
                .collect();
            // A Slurm source: its maintenance items are reservations (hostile names too),
            // joined at display to a page's maintenance that starts close by.
            let slurm = r.chance(30).then(|| {
                Box::new(cache::SlurmInfo {
                    cluster: text(r),
                    hidden: r.chance(10),
                    partitions: (0..r.below(3))
                        .map(|_| cache::SlurmPartition {
                            name: text(r),
                            default: r.chance(50),
                            default_time: r.chance(50).then(|| r.below(1 << 20)),
                            max_time: r.chance(50).then(|| r.below(u64::MAX)),
                            nodes: r.below(1000),
                        })
                        .collect(),
                    reservations: items
                        .iter()
                        .filter(|_| r.chance(80))
                        .collect::<Vec<&Item>>()
                        .into_iter()
                        .map(|i| cache::SlurmReservation {
                            id: i.id.clone(),
                            name: text(r),
                            nodes: text(r),
                            node_count: r.below(u64::MAX),
                            all_nodes: r.chance(30),
                            partition: r.chance(30).then(|| text(r)),
                            of: r.below(2000),
                            partitions: (0..r.below(3)).map(|_| text(r)).collect(),
                            whole_partitions: (0..r.below(2)).map(|_| text(r)).collect(),
                        })
                        .collect(),
                })
            });
            Source {
                name: text(r),
                url: if slurm.is_some() {
                    String::new()
                } else {
                    text(r)
                },
                provider: if slurm.is_some() {
                    cache::Provider::Slurm
                } else {
                    Default::default()
                },
                origin: String::new(),
                fetched_at: None,
                checked_at: None,
                failed: None,
                time_zone: None,
                components,
                items,
                dropped: Vec::new(),
                slurm,
            }
        })
        .collect();
    let clusters = (0..r.below(4))
        .map(|_| Cluster {
            name: text(r),
            hosts: vec![r.pick(&["*", "a*", "?", "", "b-*.x"]).to_string()],
            components: (0..r.below(6))
                .map(|_| ComponentRef {
                    source: r.below(4) as usize,
                    id: format!("c{}", r.below(10)),
                })
                .collect(),
            omitted: cache::Counts {
                incident: r.below(3) as usize,
                maintenance_later: r.below(3) as usize,
                ..Default::default()
            },
            more: r.below(100) as usize,
            unmatched: (0..r.below(2)).map(|_| text(r)).collect(),
            unresolved: (0..r.below(3))
                .map(|_| cache::Unresolved {
                    name: text(r),
                    what: *r.pick(&[cache::Named::Group, cache::Named::Component]),
                    cause: *r.pick(&[
                        cache::Cause::Missing,
                        cache::Cause::Ambiguous,
                        cache::Cause::Renamed,
                    ]),
                    matches: r.below(12) as usize,
                })
                .collect(),
            matched: Vec::new(),
            covers: *r.pick(&[None, Some(0), Some(1), Some(40)]),
        })
        .collect();
    Cache {
        version: cache::VERSION,
        generator: text(r),
        fetched_at: time(r, now).unwrap_or(now),
        checked_at: time(r, now),
        settings: Settings {
            recent_seconds: *r.pick(&[0, 3600, 2 * 86400, u64::MAX]),
            upcoming_seconds: *r.pick(&[0, 86400, 7 * 86400, u64::MAX]),
            show_unscoped: r.chance(50),
            stale_seconds: *r.pick(&[0, 3600, u64::MAX]),
            expire_seconds: *r.pick(&[0, 7 * 86400, u64::MAX]),
            max_items: *r.pick(&[0, 1, 8, usize::MAX]),
            login: r.chance(90),
            repeat: if r.chance(50) {
                cache::Repeat::Changes
            } else {
                cache::Repeat::Always
            },
            repeat_after_seconds: *r.pick(&[1, 86400, u64::MAX]),
            always_show: ["critical", "major", "component", "resolved", "unknown-word"]
                .iter()
                .filter(|_| r.chance(30))
                .map(|w| (*w).to_owned())
                .collect(),
            soon_seconds: *r.pick(&[0, 86400, u64::MAX]),
            match_window_seconds: *r.pick(&[0, 7200, u64::MAX]),
        },
        sources,
        clusters,
        no_cluster_omitted: cache::Counts {
            resolved: r.below(3) as usize,
            ..Default::default()
        },
        unclaimed_omitted: cache::Counts::default(),
        motd_file: None,
        motd_view: None,
        validators: Vec::new(),
        catalogs: None,
    }
}

#[test]
fn parsing_any_bytes_never_panics() {
    let mut r = Rng(seed());
    let good = cache::to_bytes(&random_cache(&mut r, Utc::now()));
    let path = Path::new("fuzz.json");
    for _ in 0..cases(3000) {
        let mut bytes = if r.chance(50) {
            good.clone()
        } else {
            Vec::new()
        };
        for _ in 0..r.below(8) {
            match r.below(4) {
                0 if !bytes.is_empty() => {
                    let at = r.below(bytes.len() as u64) as usize;
                    bytes[at] = r.next_u64() as u8;
                }
                1 if !bytes.is_empty() => bytes.truncate(r.below(bytes.len() as u64) as usize),
                2 => bytes.extend((0..r.below(20)).map(|_| r.next_u64() as u8)),
                _ => {
                    let piece: &[u8] = match r.below(6) {
                        0 => b"{",
                        1 => b"}",
                        2 => b"\"version\":1",
                        3 => b"[",
                        4 => b"null",
                        _ => b"\xff",
                    };
                    bytes.extend_from_slice(piece)
                }
            }
        }
        let _ = cache::parse(path, &bytes);
    }
}

#[test]
fn selecting_and_rendering_any_cache_never_panics_or_leaks_controls() {
    let mut r = Rng(seed());
    let zone = LocalZone::utc();
    for _ in 0..cases(1500) {
        let now = Utc
            .timestamp_opt(1_700_000_000 + r.below(100_000_000) as i64, 0)
            .unwrap();
        let cache = random_cache(&mut r, now);
        // Through the file format, as the login binary reads it.
        let cache =
            cache::parse(Path::new("c.json"), &cache::to_bytes(&cache)).expect("own output parses");
        let host = text(&mut r);
        let name = cache
            .clusters
            .first()
            .map_or_else(|| text(&mut r), |c| c.name.clone());
        for colour in [false, true] {
            let width = *r.pick(&[0usize, 1, 20, 45, 80, 300]);
            let target = match r.below(3) {
                0 => Whose::All,
                1 => Whose::Host(&host),
                _ => Whose::Cluster(&name),
            };
            let req = |format| Request {
                whose: target,
                now,
                zone: &zone,
                format,
                color: colour,
                width,
                login: colour,
                ascii: false,
                frozen: width.is_multiple_of(2),
            };
            let Ok(text) = render(&cache, &req(Format::Text)) else {
                continue;
            };
            crate::util::assert_clean(&text, colour);
            if !colour {
                // An address alone on its line (one unbroken word) is never cut.
                for line in text.lines().filter(|l| l.contains(' ')) {
                    assert!(
                        display_width(line) <= width.max(20),
                        "{line:?} is wider than {width}"
                    );
                }
            }
            let md = render(&cache, &req(Format::Markdown)).unwrap();
            crate::util::assert_clean(&md, false);
            let json = render(&cache, &req(Format::Json)).unwrap();
            // At login, every format says nothing when the text would say nothing.
            assert_eq!(json.is_empty(), text.is_empty(), "{text:?} {json}");
            assert_eq!(md.is_empty(), text.is_empty(), "{md}");
            if !json.is_empty() {
                serde_json::from_str::<serde_json::Value>(&json).expect("JSON output parses");
            }
        }
    }
}

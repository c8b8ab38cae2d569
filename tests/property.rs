//! Property tests over the login path's own code (cache parsing, selection, rendering): for any
//! bytes and any cache contents, no panic, and no control character reaches the output. A
//! fixed number of cases from a fixed seed, so CI is bounded and a failure reproduces;
//! `MOTD_STATUS_CASES` and `MOTD_STATUS_SEED` run more or others.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use motd_status::cache::{
    self, Cache, Cluster, Component, ComponentRef, Item, Kind, Settings, Source,
};
use motd_status::localtime::LocalZone;
use motd_status::render::{self, Options, View};
use motd_status::select::{self, Scope};

/// xorshift64*: small, deterministic, good enough to explore inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn cases(default: u64) -> u64 {
    std::env::var("MOTD_STATUS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("MOTD_STATUS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6d6f_7464)
}

/// Text with everything a hostile page could send: controls, escapes, bidi, wide characters,
/// combining marks, HTML, very long runs.
fn text(r: &mut Rng) -> String {
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
            let items = (0..r.below(15))
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
            Source {
                name: text(r),
                url: text(r),
                time_zone: None,
                components,
                items,
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
            more: r.below(100) as usize,
            uses: None,
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
        },
        sources,
        clusters,
        unscoped: None,
        validators: Vec::new(),
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
                    bytes[at] = r.next() as u8;
                }
                1 if !bytes.is_empty() => bytes.truncate(r.below(bytes.len() as u64) as usize),
                2 => bytes.extend((0..r.below(20)).map(|_| r.next() as u8)),
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
        let mut scopes: Vec<(Option<&str>, Scope<'_>)> = cache
            .clusters
            .iter()
            .map(|c| (Some(c.name.as_str()), Scope::Cluster(c)))
            .collect();
        scopes.push((None, Scope::NoCluster));
        scopes.push((None, Scope::Unclaimed));
        let views: Vec<View<'_>> = scopes
            .into_iter()
            .map(|(cluster, scope)| View::of(&cache, cluster, scope, now))
            .collect();
        let host = text(&mut r);
        let _ = select::cluster_for_host(&cache, &host);
        for colour in [false, true] {
            let width = *r.pick(&[0usize, 1, 20, 45, 80, 300]);
            let opts = Options {
                now,
                zone: &zone,
                color: colour,
                width,
                max_items: r.chance(50).then(|| r.below(10) as usize),
                login: r.chance(50),
                all: r.chance(50),
            };
            let text = render::text(&cache, &views, &opts);
            crate::util::assert_clean(&text, colour);
            if !colour {
                for line in text.lines() {
                    assert!(
                        render::display_width(line) <= width.max(20),
                        "{line:?} is wider than {width}"
                    );
                }
            }
            crate::util::assert_clean(&render::markdown(&cache, &views, &opts), false);
            let json = render::json(&cache, &views, &opts);
            serde_json::from_str::<serde_json::Value>(&json).expect("JSON output parses");
        }
    }
}

//! The rule, case by case: sections at the edges of the windows, coverage of each scope,
//! the trimming's question answered like a minute-by-minute search, and the order of a view.

use chrono::TimeZone;

use super::*;
use crate::cache::ComponentRef;

fn at(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap() + Duration::hours(h)
}

fn item(kind: Kind, status: &str, components: &[&str]) -> Item {
    Item {
        kind,
        id: format!("{status}-{}", components.join("-")),
        name: "Item".into(),
        status: status.into(),
        impact: "minor".into(),
        shortlink: None,
        started_at: Some(at(-5)),
        updated_at: Some(at(-1)),
        resolved_at: None,
        scheduled_for: None,
        scheduled_until: None,
        components: components.iter().map(|c| (*c).to_owned()).collect(),
        update: None,
    }
}

fn settings() -> Settings {
    Settings {
        recent_seconds: 2 * 86400,
        upcoming_seconds: 7 * 86400,
        ..Settings::default()
    }
}

fn cluster(name: &str, ids: &[&str]) -> Cluster {
    Cluster {
        name: name.into(),
        hosts: vec![format!("{}-*", name.to_lowercase())],
        components: ids
            .iter()
            .map(|id| ComponentRef {
                source: 0,
                id: (*id).into(),
            })
            .collect(),
        omitted: Counts::default(),
        more: 0,
        unmatched: Vec::new(),
        unresolved: Vec::new(),
        matched: Vec::new(),
        covers: Some(ids.len()),
    }
}

#[test]
fn an_incident_is_open_until_resolved_then_recent_for_a_while() {
    let s = settings();
    let mut i = item(Kind::Incident, "identified", &[]);
    assert_eq!(section_of(&i, &s, at(0), at(0)), Some(Section::Incident));
    i.status = "resolved".into();
    i.resolved_at = Some(at(-47));
    assert_eq!(section_of(&i, &s, at(0), at(0)), Some(Section::Resolved));
    i.resolved_at = Some(at(-49));
    assert_eq!(section_of(&i, &s, at(0), at(0)), None);
    // Without a resolution time, the last update stands for it.
    i.resolved_at = None;
    assert_eq!(section_of(&i, &s, at(0), at(0)), Some(Section::Resolved));
}

#[test]
fn maintenance_goes_by_its_window_and_what_the_page_confirmed() {
    let s = settings();
    let mut m = item(Kind::Maintenance, "scheduled", &[]);
    m.scheduled_for = Some(at(24));
    m.scheduled_until = Some(at(28));
    assert_eq!(
        section_of(&m, &s, at(0), at(0)),
        Some(Section::MaintenancePlanned)
    );
    m.scheduled_for = Some(at(24 * 8));
    m.scheduled_until = Some(at(24 * 8 + 4));
    assert_eq!(section_of(&m, &s, at(0), at(0)), None, "beyond upcoming");
    // Still "scheduled" past its start: late, but planned.
    m.scheduled_for = Some(at(-1));
    m.scheduled_until = Some(at(3));
    assert_eq!(
        section_of(&m, &s, at(0), at(0)),
        Some(Section::MaintenancePlanned)
    );
    // In progress past its end: shown only if the page said so after the end.
    m.status = "in_progress".into();
    m.scheduled_until = Some(at(-1));
    assert_eq!(section_of(&m, &s, at(0), at(-2)), None);
    assert_eq!(
        section_of(&m, &s, at(0), at(0)),
        Some(Section::MaintenanceNow)
    );
    m.status = "completed".into();
    assert_eq!(section_of(&m, &s, at(0), at(0)), None);
    // An end before the start hides nothing while the start is ahead.
    m.status = "scheduled".into();
    m.scheduled_for = Some(at(5));
    m.scheduled_until = Some(at(2));
    assert_eq!(
        section_of(&m, &s, at(0), at(0)),
        Some(Section::MaintenancePlanned)
    );
}

#[test]
fn coverage_of_each_scope() {
    let clusters = [cluster("Alpha", &["a"]), cluster("Beta", &["b"])];
    let alpha = Coverage::new(&clusters, Scope::Cluster(&clusters[0]), true);
    assert!(alpha.concerns(0, &["a"]) && alpha.concerns::<&str>(0, &[]));
    assert!(!alpha.concerns(0, &["b"]) && !alpha.concerns(1, &["a"]));
    let quiet = Coverage::new(&clusters, Scope::Cluster(&clusters[0]), false);
    assert!(!quiet.concerns::<&str>(0, &[]));
    let none = Coverage::new(&clusters, Scope::NoCluster, true);
    assert!(none.concerns::<&str>(0, &[]) && !none.concerns(0, &["a"]));
    let rest = Coverage::new(&clusters, Scope::Unclaimed, true);
    assert!(rest.concerns(0, &["c"]) && !rest.concerns(0, &["a", "c"]));
    assert!(
        !rest.concerns::<&str>(0, &[]),
        "unscoped items are on every cluster"
    );
    let rest = Coverage::new(&clusters, Scope::Unclaimed, false);
    assert!(
        rest.concerns::<&str>(0, &[]),
        "not shown on clusters: unclaimed"
    );
    assert!(rest.holds(0, "c") && !rest.holds(0, "b"));
}

#[test]
fn may_show_between_agrees_with_section_of_at_every_minute() {
    let s = Settings {
        recent_seconds: 3600,
        upcoming_seconds: 7200,
        ..settings()
    };
    let mut cases = Vec::new();
    for status in [
        "identified",
        "resolved",
        "scheduled",
        "in_progress",
        "completed",
    ] {
        let kind = if matches!(status, "scheduled" | "in_progress" | "completed") {
            Kind::Maintenance
        } else {
            Kind::Incident
        };
        for (a, b) in [(-3, -2), (1, 3), (4, 5), (-1, 1)] {
            let mut i = item(kind, status, &[]);
            i.resolved_at = Some(at(a));
            i.scheduled_for = Some(at(a));
            i.scheduled_until = Some(at(b));
            cases.push(i);
        }
    }
    for i in &cases {
        let brute = (0..=6 * 60).any(|m| {
            let now = at(0) + Duration::minutes(m);
            [at(0), now]
                .into_iter()
                .any(|seen| section_of(i, &s, now, seen).is_some())
        });
        assert_eq!(may_show_between(i, &s, at(0), at(6)), brute, "{i:?}");
    }
}

#[test]
fn entries_are_most_severe_first_and_components_once() {
    let clusters = vec![cluster("Alpha", &["a", "b"])];
    let mut major = item(Kind::Incident, "identified", &["a"]);
    major.impact = "major".into();
    let minor = item(Kind::Incident, "investigating", &["a"]);
    let components = ["a", "b"]
        .iter()
        .map(|id| Component {
            id: (*id).into(),
            name: id.to_uppercase(),
            group: None,
            status: "partial_outage".into(),
        })
        .collect();
    let cache = Cache {
        version: crate::cache::VERSION,
        generator: String::new(),
        fetched_at: at(0),
        checked_at: Some(at(0)),
        settings: settings(),
        sources: vec![Source {
            name: "P".into(),
            url: String::new(),
            provider: Default::default(),
            origin: String::new(),
            fetched_at: None,
            checked_at: None,
            failed: None,
            time_zone: None,
            components,
            items: vec![minor, major],
            dropped: Vec::new(),
            slurm: None,
        }],
        clusters,
        no_cluster_omitted: Counts::default(),
        unclaimed_omitted: Counts::default(),
        motd_file: None,
        motd_view: None,
        validators: Vec::new(),
        catalogs: None,
    };
    let e = entries(&cache, Scope::Cluster(&cache.clusters[0]), at(0));
    let shown: Vec<String> = e
        .iter()
        .map(|e| match &e.what {
            What::Item { item, .. } => item.impact.clone(),
            What::Component(c) => c.name.clone(),
        })
        .collect();
    // Component a is named by the incidents: listed once, with them; b on its own.
    assert_eq!(shown, ["major", "minor", "B"]);
    assert_eq!(count(&e).incident, 2);
}

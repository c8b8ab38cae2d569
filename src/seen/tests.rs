//! The folding rule case by case, and the state's format: what changes an entry's version,
//! what the site always shows, and how the state stays small.

use std::borrow::Cow;

use chrono::{Duration, TimeZone};

use super::*;
use crate::cache::{Counts, Item, Kind, Source};

fn at(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap() + Duration::hours(h)
}

fn item(id: &str, impact: &str) -> Item {
    Item {
        kind: Kind::Incident,
        id: id.into(),
        name: format!("Trouble {id}"),
        status: "identified".into(),
        impact: impact.into(),
        shortlink: None,
        started_at: Some(at(-5)),
        updated_at: None,
        resolved_at: None,
        scheduled_for: None,
        scheduled_until: None,
        components: Vec::new(),
        update: Some("We are looking into it.".into()),
    }
}

fn source() -> Source {
    Source {
        name: "Page".into(),
        url: "https://status.example.org".into(),
        ..Default::default()
    }
}

fn entry<'a>(src: &'a Source, section: Section, item: &'a Item) -> Entry<'a> {
    Entry {
        section,
        source: src,
        what: What::Item {
            item,
            affected: Vec::new(),
        },
        joined: None,
    }
}

fn view(entries: Vec<Entry<'_>>) -> View<'_> {
    View {
        cluster: Some("Alpha"),
        scope: "cluster",
        entries,
        folded: Vec::new(),
        omitted: Counts::default(),
        omitted_unsorted: 0,
        unresolved: Cow::Borrowed(&[]),
        covers: Some(1),
        unread: Vec::new(),
    }
}

/// The ids a login at `now` folds, given `seen`.
fn folded(entries: Vec<Entry<'_>>, seen: &Seen, s: &Settings, now: DateTime<Utc>) -> Vec<String> {
    let mut v = view(entries);
    fold(&mut v, seen, s, now);
    v.folded
        .iter()
        .map(|e| match &e.what {
            What::Item { item, .. } => item.id.clone(),
            What::Component(c) => c.id.clone(),
        })
        .collect()
}

/// The state after a login at `now` showed every entry of `entries` in full.
fn shown(entries: Vec<Entry<'_>>, seen: &Seen, now: DateTime<Utc>) -> Seen {
    let v = view(entries);
    after(seen, &v, &v.entries, &Settings::default(), now).unwrap_or_else(|| seen.clone())
}

#[test]
fn an_entry_seen_as_it_is_folds_until_repeat_after_passes() {
    let (src, s) = (source(), Settings::default());
    let a = item("a", "minor");
    let none = Seen::default();
    assert!(folded(vec![entry(&src, Section::Incident, &a)], &none, &s, at(0)).is_empty());
    let seen = shown(vec![entry(&src, Section::Incident, &a)], &none, at(0));
    let e = || vec![entry(&src, Section::Incident, &a)];
    assert_eq!(folded(e(), &seen, &s, at(1)), ["a"]);
    assert_eq!(folded(e(), &seen, &s, at(23)), ["a"]);
    // repeat_after (a day) passed: in full again.
    assert!(folded(e(), &seen, &s, at(24)).is_empty());
    // Folding writes nothing new: the record keeps the time it was last shown in full.
    let v = {
        let mut v = view(e());
        fold(&mut v, &seen, &s, at(2));
        v
    };
    assert_eq!(
        after(&seen, &v, &v.entries, &Settings::default(), at(2)),
        None
    );
}

#[test]
fn a_new_update_a_new_status_impact_title_window_or_section_is_news() {
    let (src, s) = (source(), Settings::default());
    let a = item("a", "minor");
    let seen = shown(
        vec![entry(&src, Section::Incident, &a)],
        &Seen::default(),
        at(0),
    );
    type Change = fn(&mut Item);
    let changes: [(&str, Change); 6] = [
        ("update", |i| i.update = Some("Fixed, monitoring.".into())),
        ("status", |i| i.status = "monitoring".into()),
        ("impact", |i| i.impact = "major".into()),
        ("title", |i| i.name = "Trouble a, worse".into()),
        ("window", |i| i.scheduled_until = Some(at(30))),
        ("nothing", |_| {}),
    ];
    for (what, change) in changes {
        let mut b = a.clone();
        change(&mut b);
        let f = folded(vec![entry(&src, Section::Incident, &b)], &seen, &s, at(1));
        assert_eq!(f.is_empty(), what != "nothing", "{what}");
    }
    // Moving section (in progress → resolved) is news too.
    let f = folded(vec![entry(&src, Section::Resolved, &a)], &seen, &s, at(1));
    assert!(f.is_empty());
    // An item of another source with the same id is another entry.
    let mut other = source();
    other.url = "file:///etc/motd-status/notices.toml".into();
    assert!(folded(vec![entry(&other, Section::Incident, &a)], &seen, &s, at(1)).is_empty());
}

#[test]
fn what_the_site_always_shows_is_never_folded() {
    let (src, s) = (source(), Settings::default());
    let crit = item("crit", "critical");
    let mut now_m = item("now", "maintenance");
    now_m.kind = Kind::Maintenance;
    let mut soon = now_m.clone();
    soon.id = "soon".into();
    soon.scheduled_for = Some(at(23));
    let mut later = soon.clone();
    later.id = "later".into();
    later.scheduled_for = Some(at(25));
    let all = || {
        vec![
            entry(&src, Section::Incident, &crit),
            entry(&src, Section::MaintenanceNow, &now_m),
            entry(&src, Section::MaintenancePlanned, &soon),
            entry(&src, Section::MaintenancePlanned, &later),
        ]
    };
    let seen = shown(all(), &Seen::default(), at(0));
    // By default: critical incidents, maintenance in progress or within a day.
    assert_eq!(folded(all(), &seen, &s, at(0)), ["later"]);
    let site = Settings {
        always_show: vec![
            "maintenance_planned".into(),
            "a word of a later release".into(),
        ],
        ..Settings::default()
    };
    assert_eq!(folded(all(), &seen, &site, at(0)), ["crit", "now"]);
    let none = Settings {
        always_show: Vec::new(),
        ..Settings::default()
    };
    assert_eq!(folded(all(), &seen, &none, at(0)).len(), 4);
}

#[test]
fn the_state_reads_back_and_anything_else_is_empty() {
    let src = source();
    let (a, b) = (item("a", "minor"), item("b", "major"));
    let seen = shown(
        vec![
            entry(&src, Section::Incident, &a),
            entry(&src, Section::Incident, &b),
        ],
        &Seen::default(),
        at(0),
    );
    let text = seen.to_text();
    assert!(text.starts_with("motd-status seen 1\n"), "{text}");
    assert_eq!(text.lines().count(), 3);
    assert_eq!(Seen::parse(&text), seen);
    for bad in [
        "",
        "motd-status seen 2\n",
        "{\"seen\": []}",
        &text.replace(' ', "  "),
        &text[..text.len() - 20],
        &format!("{text}zz\n"),
        &text.replace("seen 1\n", "seen 1\n\n"),
    ] {
        assert_eq!(Seen::parse(bad), Seen::default(), "{bad:?}");
    }
    assert_eq!(Seen::parse("motd-status seen 1\n"), Seen::default());
}

#[test]
fn the_state_keeps_the_view_and_recent_records_and_never_grows_past_its_cap() {
    let src = source();
    let mut seen = Seen::default();
    // A thousand different incidents over three years, one login a day.
    let items: Vec<Item> = (0..1000).map(|i| item(&format!("i{i}"), "minor")).collect();
    for (day, it) in items.iter().enumerate() {
        let now = at(24 * day as i64);
        seen = shown(vec![entry(&src, Section::Incident, it)], &seen, now);
        assert!(seen.records.len() <= MAX_RECORDS);
    }
    // Records of entries gone for over 30 days are dropped.
    assert_eq!(seen.records.len(), 30);
    assert!(seen.to_text().len() < 2000, "{}", seen.to_text().len());
    // Past the cap, the oldest go; the view's own entries stay.
    let many: Vec<Item> = (0..MAX_RECORDS + 10)
        .map(|i| item(&format!("m{i}"), "minor"))
        .collect();
    let entries = || {
        many.iter()
            .map(|i| entry(&src, Section::Incident, i))
            .collect::<Vec<_>>()
    };
    let seen = shown(entries(), &Seen::default(), at(0));
    assert_eq!(seen.records.len(), MAX_RECORDS);
}

#[test]
fn what_is_shown_only_because_the_site_always_shows_it_keeps_its_record() {
    let (src, s) = (source(), Settings::default());
    let mut m = item("m", "maintenance");
    m.kind = Kind::Maintenance;
    let e = || vec![entry(&src, Section::MaintenanceNow, &m)];
    let seen = shown(e(), &Seen::default(), at(0));
    // In full at every login, but not news: nothing to write.
    let v = view(e());
    assert_eq!(after(&seen, &v, &v.entries, &s, at(3)), None);
    // A day on it is news again, and recorded.
    let next = after(&seen, &v, &v.entries, &s, at(24)).unwrap();
    assert_eq!(next.records[0].shown_at, at(24).timestamp());
}

//! A notices file into the cache's model, either format, and the answers of a check.

use chrono::{DateTime, Utc};

use super::{Answer, nearest, validate};
use crate::cache::{self, Kind};
use crate::fetch::config::ClusterConfig;
use crate::fetch::sources::SourceData;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The data of a file without mistakes.
fn data(toml: bool, text: &str) -> SourceData {
    let (file, answers) = validate("n", toml, text.as_bytes(), None);
    let errors: Vec<&Answer> = answers.iter().filter(|a| !a.warning).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    file.expect("read").into_data()
}

/// The lines of a check, warnings marked.
fn lines(toml: bool, text: &str, clusters: &[ClusterConfig]) -> Vec<String> {
    validate("n", toml, text.as_bytes(), Some(clusters))
        .1
        .into_iter()
        .map(|a| format!("{}{}", if a.warning { "warning: " } else { "" }, a.line))
        .collect()
}

const TOML: &str = r#"
name = "HPC notices"
url = "https://www.example.org/notices"
timezone = "Europe/Berlin"

[[notice]]
id = "maint-12"
title = "Scratch filesystem upgrade"
kind = "maintenance"
start = 2026-12-10T08:00:00
end = "2026-12-10 16:00"
affects = ["Alpha", "Shared storage"]
link = "https://www.example.org/maint-12"
body = "Scratch is <b>read-only</b> during the upgrade."

[[notice]]
id = "net-3"
title = "Network trouble"
kind = "incident"
impact = "major"
start = "2026-11-26T07:00:00+01:00"
resolved = 2026-11-26T09:15:00+01:00
affects = ["alpha", "Beta"]

[[notice.update]]
at = "2026-11-26 08:00"
text = "A switch is being replaced."

[[notice.update]]
at = "2026-11-26 09:15"
text = "Fixed."

[[notice]]
id = "welcome"
title = "New accounts need two-factor login"
kind = "notice"
start = "2026-11-01 00:00"
"#;

const JSON: &str = r#"{
  "name": "HPC notices",
  "url": "https://www.example.org/notices",
  "timezone": "Europe/Berlin",
  "notice": [
    {"id": "maint-12", "title": "Scratch filesystem upgrade", "kind": "maintenance",
     "start": "2026-12-10T08:00", "end": "2026-12-10 16:00",
     "affects": ["Alpha", "Shared storage"], "link": "https://www.example.org/maint-12",
     "body": "Scratch is <b>read-only</b> during the upgrade."},
    {"id": "net-3", "title": "Network trouble", "kind": "incident", "impact": "major",
     "start": "2026-11-26T07:00:00+01:00", "resolved": "2026-11-26T09:15:00+01:00",
     "affects": ["alpha", "Beta"],
     "update": [{"at": "2026-11-26 08:00", "text": "A switch is being replaced."},
                {"at": "2026-11-26 09:15", "text": "Fixed."}]},
    {"id": "welcome", "title": "New accounts need two-factor login", "kind": "notice",
     "start": "2026-11-01 00:00"}
  ]
}"#;

#[test]
fn toml_and_json_give_the_same_data() {
    let (a, b) = (data(true, TOML), data(false, JSON));
    assert_eq!(a.components, b.components);
    assert_eq!(a.items, b.items);
    assert_eq!(
        (&a.name, &a.url, &a.time_zone),
        (&b.name, &b.url, &b.time_zone)
    );
    assert!(a.named_by_clusters && a.groups.is_empty());
}

#[test]
fn each_kind_becomes_its_item() {
    let d = data(true, TOML);
    assert_eq!(d.name, "HPC notices");
    assert_eq!(d.url, "https://www.example.org/notices");
    assert_eq!(d.time_zone.as_deref(), Some("Europe/Berlin"));
    // One component per name, told apart folded, named as first written.
    let components: Vec<(&str, &str)> = d
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        components,
        [
            ("affects:alpha", "Alpha"),
            ("affects:shared storage", "Shared storage"),
            ("affects:beta", "Beta")
        ]
    );
    assert!(
        d.components
            .iter()
            .all(|c| c.status == "operational" && c.group.is_none())
    );
    let maint = &d.items[0];
    assert_eq!(
        maint,
        &cache::Item {
            kind: Kind::Maintenance,
            components: vec!["affects:alpha".into(), "affects:shared storage".into()],
            id: "maint-12".into(),
            name: "Scratch filesystem upgrade".into(),
            status: "planned".into(),
            impact: "maintenance".into(),
            shortlink: Some("https://www.example.org/maint-12".into()),
            started_at: Some(t("2026-12-10T07:00:00Z")),
            updated_at: Some(t("2026-12-10T07:00:00Z")),
            resolved_at: None,
            scheduled_for: Some(t("2026-12-10T07:00:00Z")),
            scheduled_until: Some(t("2026-12-10T15:00:00Z")),
            update: Some("Scratch is read-only during the upgrade.".into()),
        }
    );
    let incident = &d.items[1];
    assert_eq!(incident.kind, Kind::Incident);
    assert_eq!(
        (incident.status.as_str(), incident.impact.as_str()),
        ("resolved", "major")
    );
    assert_eq!(incident.components, ["affects:alpha", "affects:beta"]);
    assert_eq!(incident.resolved_at, Some(t("2026-11-26T08:15:00Z")));
    assert_eq!(incident.updated_at, Some(t("2026-11-26T08:15:00Z")));
    assert_eq!(incident.update.as_deref(), Some("Fixed."));
    assert_eq!(incident.scheduled_for, None);
    let notice = &d.items[2];
    assert_eq!(
        (
            notice.kind,
            notice.status.as_str(),
            notice.impact.as_str(),
            notice.scheduled_for,
            notice.scheduled_until
        ),
        (
            Kind::Incident,
            "notice",
            "none",
            Some(t("2026-10-31T23:00:00Z")),
            None
        )
    );
    assert!(notice.components.is_empty(), "site-wide");
}

#[test]
fn open_incidents_completed_maintenance_and_the_newest_update() {
    let d = data(
        true,
        r#"timezone = "UTC"
[[notice]]
id = "a"
title = "A"
kind = "incident"
start = "2026-11-26 07:00"
body = "The body."
[[notice]]
id = "b"
title = "B"
kind = "maintenance"
start = "2026-11-26 07:00"
resolved = "2026-11-26 08:00"
[[notice.update]]
at = "2026-11-26 09:00"
text = "later"
[[notice.update]]
at = "2026-11-26 08:00"
text = "earlier"
[[notice.update]]
at = "2026-11-26 09:00"
text = "later, written last"
"#,
    );
    let (a, b) = (&d.items[0], &d.items[1]);
    assert_eq!(
        (a.status.as_str(), a.impact.as_str()),
        ("investigating", "minor")
    );
    assert_eq!(a.update.as_deref(), Some("The body."));
    assert_eq!(a.updated_at, a.started_at);
    assert_eq!(
        (b.status.as_str(), b.resolved_at),
        ("completed", Some(t("2026-11-26T08:00:00Z")))
    );
    assert_eq!(b.update.as_deref(), Some("later, written last"));
    assert_eq!(b.updated_at, Some(t("2026-11-26T09:00:00Z")));
}

#[test]
fn an_empty_list_is_no_notices_and_an_empty_file_is_a_mistake() {
    assert!(data(false, "{\"notice\": []}").items.is_empty());
    assert!(data(true, "# nothing planned\n").items.is_empty());
    assert!(data(true, "\u{feff}name = \"x\"\n").items.is_empty());
    for (toml, text) in [(true, ""), (false, " \n\t\n"), (true, "\n\n")] {
        let got = lines(toml, text, &[]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("n:1:1: the file is empty"), "{got:?}");
    }
}

/// (A key taken for `title` is not also answered as a missing title.)
#[test]
fn json_mistakes_point_at_their_keys_and_values() {
    let text = "{\"notice\": [\n  {\"id\": \"a\", \"titel\": \"x\", \"kind\": \"incident\",\n   \"start\": \"soon\", \"kind\": \"notice\"}\n]}";
    assert_eq!(
        lines(false, text, &[]),
        [
            "n:2:15: unknown key `titel` in notice \"a\": did you mean `title`?",
            "n:3:13: `start` in notice \"a\": \"soon\" is not a time such as \"2026-12-10 08:00\" \
             or \"2026-12-10T08:00:00+01:00\"",
            "n:3:21: `kind` is set twice in notice \"a\": keep one",
        ]
    );
}

#[test]
fn warnings_beside_the_mistakes() {
    let alpha = ClusterConfig {
        name: "Alpha".into(),
        groups: vec!["Alpha Cluster".into()],
        components: vec!["alpha cluster".into(), "Lustre".into()],
        hosts: Vec::new(),
    };
    let text = "[[notice]]\nid = \"a\"\ntitle = \"A\"\nkind = \"notice\"\n\
                start = 2026-11-26T07:00:00Z\naffects = [\"ALPHA\", \"lustre\", \"Gamma\"]\n";
    assert_eq!(
        lines(true, text, std::slice::from_ref(&alpha)),
        [
            "warning: n:6:31: `affects` in notice \"a\": \"Gamma\" matches nothing; the names \
          clusters give: Alpha, Alpha Cluster, Lustre"
        ]
    );
    assert_eq!(
        lines(true, text, &[]),
        [
            "warning: n:6:12: `affects` in notice \"a\": \"ALPHA\" matches nothing; the config \
             has no [[cluster]] (a notice for every cluster leaves affects out)",
            "warning: n:6:21: `affects` in notice \"a\": \"lustre\" matches nothing; the config \
             has no [[cluster]] (a notice for every cluster leaves affects out)",
            "warning: n:6:31: `affects` in notice \"a\": \"Gamma\" matches nothing; the config \
             has no [[cluster]] (a notice for every cluster leaves affects out)",
        ]
    );
}

#[test]
fn the_nearest_key() {
    let keys = ["id", "title", "kind", "start", "end", "affects", "update"];
    for (typo, want) in [
        ("titel", Some("title")),
        ("Title", Some("title")),
        ("stat", Some("start")),
        ("affected", Some("affects")),
        ("updates", Some("update")),
        ("ends", Some("end")),
        ("until", Some("end")),
        ("severity", None),
        ("colour", None),
    ] {
        assert_eq!(nearest(typo, &keys), want, "{typo}");
    }
}

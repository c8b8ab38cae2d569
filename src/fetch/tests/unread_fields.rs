//! The fetcher reads a few fields of a page and ignores the rest, so a field it does not read
//! must never fail a fetch, whatever its type: pages change types (`position` `1` → `1.0`,
//! ids as numbers) without notice. On every real captured response, every field outside the
//! modelled ones is replaced by values of other types, and the parse must give the same result.

use serde_json::{Map, Value, json};

use crate::fetch::sources::model::Response;
use crate::fetch::sources::parse_json;

const TOP: &[&str] = &[
    "page",
    "components",
    "incidents",
    "scheduled_maintenances",
    "incident",
];
const PAGE: &[&str] = &["name", "url", "time_zone"];
const COMPONENT: &[&str] = &["id", "name", "status", "group_id", "group", "components"];
const INCIDENT: &[&str] = &[
    "id",
    "name",
    "status",
    "impact",
    "shortlink",
    "created_at",
    "updated_at",
    "started_at",
    "resolved_at",
    "scheduled_for",
    "scheduled_until",
    "incident_updates",
    "components",
];
const UPDATE: &[&str] = &["body", "display_at", "created_at", "affected_components"];
const AFFECTED: &[&str] = &["code"];

#[derive(Clone, Copy)]
enum Shape {
    Top,
    Page,
    Component,
    Incident,
    Update,
    Affected,
}

impl Shape {
    fn read(self) -> &'static [&'static str] {
        match self {
            Shape::Top => TOP,
            Shape::Page => PAGE,
            Shape::Component => COMPONENT,
            Shape::Incident => INCIDENT,
            Shape::Update => UPDATE,
            Shape::Affected => AFFECTED,
        }
    }

    /// What the value of a read key holds.
    fn inner(self, key: &str) -> Option<Shape> {
        match (self, key) {
            (Shape::Top, "page") => Some(Shape::Page),
            (Shape::Top, "components") | (Shape::Incident, "components") => Some(Shape::Component),
            (Shape::Top, "incidents" | "scheduled_maintenances" | "incident") => {
                Some(Shape::Incident)
            }
            (Shape::Incident, "incident_updates") => Some(Shape::Update),
            (Shape::Update, "affected_components") => Some(Shape::Affected),
            _ => None,
        }
    }
}

/// Replaces every unread field of `v` (of shape `shape`) by `other`, recursing into read ones.
fn mutate(v: &mut Value, shape: Shape, other: &Value, changed: &mut usize) {
    match v {
        Value::Array(items) => {
            for item in items {
                mutate(item, shape, other, changed);
            }
        }
        Value::Object(map) => {
            let map: &mut Map<String, Value> = map;
            for (key, value) in map.iter_mut() {
                if !shape.read().contains(&key.as_str()) {
                    *value = other.clone();
                    *changed += 1;
                } else if let Some(inner) = shape.inner(key) {
                    mutate(value, inner, other, changed);
                }
            }
        }
        _ => {}
    }
}

/// What the fetcher takes from a response, to compare.
fn digest(body: &[u8]) -> String {
    let r: Response = parse_json("fixture", body).expect("parses");
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        r.page.map(|p| (p.name, p.url, p.time_zone)),
        r.components
            .iter()
            .map(|c| (
                &c.id,
                &c.name,
                &c.status,
                &c.group_id,
                c.group,
                &c.components
            ))
            .collect::<Vec<_>>(),
        r.incidents
            .iter()
            .chain(&r.scheduled_maintenances)
            .map(|i| (
                &i.id,
                &i.name,
                &i.status,
                i.resolved_at,
                i.scheduled_for,
                i.component_ids(),
                i.latest_update().map(|u| &u.body)
            ))
            .collect::<Vec<_>>(),
        r.scheduled_maintenances.len()
    )
}

#[test]
fn unread_fields_of_any_type_never_fail_a_real_page() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let body = std::fs::read(&path).unwrap();
        let want = digest(&body);
        let original: Value = serde_json::from_slice(&body).unwrap();
        for other in [
            json!(1.0),
            json!("1"),
            json!(1e20),
            json!(null),
            json!([]),
            json!({"a": [1, {"b": null}]}),
            json!(true),
            json!(-1),
        ] {
            let mut v = original.clone();
            let mut changed = 0;
            mutate(&mut v, Shape::Top, &other, &mut changed);
            assert!(changed > 0, "{}: nothing to mutate", path.display());
            let got = digest(&serde_json::to_vec(&v).unwrap());
            assert_eq!(got, want, "{} with unread fields = {other}", path.display());
        }
        files += 1;
    }
    assert!(files >= 28, "only {files} fixtures");
}

//! Statuspage responses, parsed tolerantly, and turned into the cache's model: shared by the
//! public page (API v2) and the private one (the manage API v1 is mapped onto the same shapes).
//!
//! Real pages leave fields out, send `null`, add values this build has never seen, serve
//! `tweet_id` as a number and (on incident.io-compatible pages) drop whole keys. So every field
//! that is not needed is absent from these types, every field that is needed but can be missing
//! or null is an `Option` or defaults, statuses are kept as strings, and unknown keys are ignored.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer};

use super::{Group, NAME_CHARS, SourceData, UPDATE_CHARS, WORD_CHARS, shorten};
use crate::cache::{self, Item, Kind};
use crate::sanitize::plain_text;

/// `summary.json`, `components.json`, `incidents.json` and friends all fit this shape: each
/// endpoint fills the keys it has and the rest stay empty.
#[derive(Deserialize, Debug, Default)]
pub struct Response {
    #[serde(default)]
    pub page: Option<PageInfo>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub components: Vec<Component>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub incidents: Vec<Incident>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scheduled_maintenances: Vec<Incident>,
}

/// The `page` object: the page's own name, address and zone.
#[derive(Deserialize, Debug, Clone, Default)]
pub struct PageInfo {
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Component {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group: Option<bool>,
    /// Child ids, on group rows only.
    #[serde(default)]
    pub components: Option<Vec<String>>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Incident {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub impact: String,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub started_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub resolved_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub scheduled_for: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub scheduled_until: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub incident_updates: Vec<IncidentUpdate>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub components: Vec<Component>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct IncidentUpdate {
    #[serde(default, deserialize_with = "null_as_default")]
    pub body: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub display_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected_components: Vec<AffectedComponent>,
}

/// `{"code", "name", "old_status", "new_status"}`; legacy entries carry only `name`.
#[derive(Deserialize, Debug, Clone)]
pub struct AffectedComponent {
    #[serde(default)]
    pub code: Option<String>,
}

impl Incident {
    /// Whether this is a scheduled maintenance rather than an incident. Impact is not a
    /// reliable sign (maintenances with impact `none` or `major` exist); status and window are.
    pub fn is_maintenance(&self) -> bool {
        matches!(
            self.status.as_str(),
            "scheduled" | "in_progress" | "verifying" | "completed"
        ) || (self.scheduled_for.is_some() && self.impact == "maintenance")
    }

    /// The newest update: `incident_updates` is newest-first on every page seen, but compare the
    /// times anyway. Updates posted in the same second, or without a time, keep the page's
    /// order: the first of them wins (`max_by_key` would pick the last, the oldest). One without
    /// a time loses to any with one.
    pub fn latest_update(&self) -> Option<&IncidentUpdate> {
        let at = |u: &IncidentUpdate| u.display_at.or(u.created_at);
        self.incident_updates
            .iter()
            .reduce(|newest, u| if at(u) > at(newest) { u } else { newest })
    }

    /// Ids of the affected components: the `components` list, or failing that the updates'
    /// `affected_components` codes (some pages fill only those).
    pub fn component_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.components.iter().map(|c| c.id.clone()).collect();
        if ids.is_empty() {
            for u in &self.incident_updates {
                for a in &u.affected_components {
                    if let Some(code) = &a.code
                        && !ids.contains(code)
                    {
                        ids.push(code.clone());
                    }
                }
            }
        }
        ids
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A timestamp that does not parse is treated as absent rather than failing the whole page.
fn lenient_time<'de, D>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error>
where
    D: Deserializer<'de>,
{
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok()))
}

/// A page as fetched: its own name, address and zone, its components (group rows included)
/// and every incident and maintenance seen.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub name: String,
    pub url: String,
    pub time_zone: Option<String>,
    pub components: Vec<Component>,
    pub incidents: Vec<Incident>,
}

/// Whether a component row of a page is a group header.
pub fn is_group(c: &Component) -> bool {
    c.group == Some(true) || c.components.is_some()
}

impl Page {
    /// The page in the cache's model, every string capped.
    pub fn into_data(self) -> SourceData {
        let group_rows: Vec<&Component> = self.components.iter().filter(|c| is_group(c)).collect();
        let names: HashMap<&str, &str> = group_rows
            .iter()
            .map(|g| (g.id.as_str(), g.name.as_str()))
            .collect();
        let leaves: Vec<&Component> = self.components.iter().filter(|c| !is_group(c)).collect();
        // A component's group is the one its `group_id` names, else the group whose own list
        // holds it (the two agree on every page seen, but either may be missing).
        fn group_of<'p>(c: &'p Component, rows: &[&'p Component]) -> Option<&'p str> {
            c.group_id
                .as_deref()
                .filter(|g| rows.iter().any(|r| r.id == *g))
                .or_else(|| {
                    rows.iter()
                        .find(|g| {
                            g.components
                                .as_deref()
                                .is_some_and(|ids| ids.contains(&c.id))
                        })
                        .map(|g| g.id.as_str())
                })
        }
        let groups = group_rows
            .iter()
            .map(|g| Group {
                id: Some(g.id.clone()),
                name: shorten(&g.name, NAME_CHARS),
                status: shorten(&g.status, WORD_CHARS),
                members: leaves
                    .iter()
                    .filter(|c| group_of(c, &group_rows) == Some(g.id.as_str()))
                    .map(|c| c.id.clone())
                    .collect(),
            })
            .collect();
        let components = leaves
            .iter()
            .map(|c| cache::Component {
                id: c.id.clone(),
                name: shorten(&c.name, NAME_CHARS),
                group: group_of(c, &group_rows)
                    .and_then(|g| names.get(g))
                    .map(|s| shorten(s, NAME_CHARS)),
                status: shorten(&c.status, WORD_CHARS),
            })
            .collect();
        SourceData {
            name: self.name,
            url: self.url,
            time_zone: self.time_zone,
            components,
            items: self.incidents.iter().map(Incident::to_item).collect(),
            groups,
            named_by_clusters: false,
            slurm: None,
        }
    }
}

impl Incident {
    /// The incident or maintenance as the cache holds it.
    pub fn to_item(&self) -> Item {
        let utc = |t: Option<DateTime<FixedOffset>>| t.map(|t| t.with_timezone(&Utc));
        let update = self
            .latest_update()
            .map(|u| shorten(&plain_text(&u.body), UPDATE_CHARS))
            .filter(|s| !s.is_empty());
        Item {
            kind: if self.is_maintenance() {
                Kind::Maintenance
            } else {
                Kind::Incident
            },
            id: self.id.clone(),
            name: shorten(&self.name, NAME_CHARS),
            status: shorten(&self.status, WORD_CHARS),
            impact: shorten(&self.impact, WORD_CHARS),
            // A link cut short leads nowhere: one too long for a terminal line is left out.
            shortlink: self
                .shortlink
                .clone()
                .filter(|s| !s.is_empty() && s.chars().count() <= NAME_CHARS),
            started_at: utc(self.started_at.or(self.created_at)),
            updated_at: utc(self.updated_at),
            resolved_at: utc(self.resolved_at),
            scheduled_for: utc(self.scheduled_for),
            scheduled_until: utc(self.scheduled_until),
            components: self.component_ids(),
            update,
        }
    }
}

//! Statuspage API v2 responses, parsed tolerantly.
//!
//! Real pages leave fields out, send `null`, add values this build has never seen, serve
//! `tweet_id` as a number and (on incident.io-compatible pages) drop whole keys. So every field
//! that is not needed is absent from these types, every field that is needed but can be missing
//! or null is an `Option` or defaults, statuses are kept as strings, and unknown keys are ignored.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer};

/// `summary.json`, `components.json`, `incidents.json` and friends all fit this shape: each
/// endpoint fills the keys it has and the rest stay empty.
#[derive(Deserialize, Debug, Default)]
pub struct Response {
    #[serde(default)]
    pub page: Option<Page>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub components: Vec<Component>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub incidents: Vec<Incident>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scheduled_maintenances: Vec<Incident>,
    /// `incidents/<id>.json`.
    #[serde(default)]
    pub incident: Option<Incident>,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Page {
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

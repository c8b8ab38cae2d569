//! A notices file in the cache's model: one component for each name its notices affect (a
//! cluster covers those it gives, by its own name or a name in its config), one item for each
//! notice. Strings are capped as every source's are; nothing is sanitised here (rendering does).

use super::schema::{File, Kind, Notice};
use crate::cache::{self, Item};
use crate::fetch::sources::{NAME_CHARS, SourceData, UPDATE_CHARS, WORD_CHARS, folded, shorten};
use crate::sanitize::plain_text;

/// The id of the component that stands for the name `name`.
fn component_id(name: &str) -> String {
    format!("affects:{}", folded(name))
}

impl File {
    /// The file in the cache's model.
    pub(super) fn into_data(self) -> SourceData {
        let mut components: Vec<cache::Component> = Vec::new();
        for (name, _) in self.notices.iter().flat_map(|n| &n.affects) {
            let id = component_id(name);
            if !components.iter().any(|c| c.id == id) {
                components.push(cache::Component {
                    id,
                    name: shorten(name, NAME_CHARS),
                    group: None,
                    status: "operational".to_owned(),
                });
            }
        }
        SourceData {
            name: self
                .name
                .map_or_else(String::new, |n| shorten(&n, NAME_CHARS)),
            url: self
                .url
                .map_or_else(String::new, |u| shorten(&u, NAME_CHARS)),
            time_zone: self.timezone,
            components,
            items: self.notices.iter().map(Notice::to_item).collect(),
            groups: Vec::new(),
            named_by_clusters: true,
            slurm: None,
        }
    }
}

impl Notice {
    /// The notice as the cache holds it.
    fn to_item(&self) -> Item {
        // The newest update (the last written of those at the same time), else the body.
        let newest = self
            .updates
            .iter()
            .reduce(|newest, u| if u.at >= newest.at { u } else { newest });
        let text = newest.map(|u| u.text.as_str()).or(self.body.as_deref());
        let update = text
            .map(|t| shorten(&plain_text(t), UPDATE_CHARS))
            .filter(|s| !s.is_empty());
        let mut components: Vec<String> = Vec::new();
        for (name, _) in &self.affects {
            let id = component_id(name);
            if !components.contains(&id) {
                components.push(id);
            }
        }
        let (kind, status, impact) = match self.kind {
            Kind::Incident if self.resolved.is_some() => {
                (cache::Kind::Incident, "resolved", "minor")
            }
            Kind::Incident => (cache::Kind::Incident, "investigating", "minor"),
            Kind::Maintenance if self.resolved.is_some() => {
                (cache::Kind::Maintenance, "completed", "maintenance")
            }
            Kind::Maintenance => (cache::Kind::Maintenance, "planned", "maintenance"),
            Kind::Notice => (cache::Kind::Incident, "notice", "none"),
        };
        // An incident has no window; a maintenance's and a notice's is from start to end.
        let window = self.kind != Kind::Incident;
        Item {
            kind,
            components,
            id: self.id.clone(),
            name: shorten(&self.title, NAME_CHARS),
            status: status.to_owned(),
            impact: shorten(self.impact.as_deref().unwrap_or(impact), WORD_CHARS),
            shortlink: self.link.clone(),
            started_at: Some(self.start),
            updated_at: Some(newest.map_or(self.start, |u| u.at)),
            resolved_at: self.resolved,
            scheduled_for: window.then_some(self.start),
            scheduled_until: if window { self.end } else { None },
            update,
        }
    }
}

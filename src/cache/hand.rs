//! The cache's structs that are read by hand (see [`super::fields`]): their keys, which of
//! them must be there, and where each value goes. What the derive would read, key for key.

use serde::Deserialize;
use serde::de::MapAccess;

use super::fields::{self, Fields, value};
use super::timestamp::Optional;
use super::{Cluster, Component, Item, Settings, Source};

impl Default for Item {
    fn default() -> Item {
        Item {
            kind: super::Kind::Incident,
            components: Vec::new(),
            id: String::new(),
            name: String::new(),
            status: String::new(),
            impact: String::new(),
            shortlink: None,
            started_at: None,
            updated_at: None,
            resolved_at: None,
            scheduled_for: None,
            scheduled_until: None,
            update: None,
        }
    }
}

impl<'de> Fields<'de> for Item {
    const NAME: &'static str = "struct Item";
    const KEYS: &'static [&'static str] = &[
        "kind",
        "id",
        "name",
        "status",
        "components",
        "impact",
        "shortlink",
        "started_at",
        "updated_at",
        "resolved_at",
        "scheduled_for",
        "scheduled_until",
        "update",
    ];
    const REQUIRED: u32 = 0b1111;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        let time = |map: &mut A| value::<A, Optional>(map).map(|t| t.0);
        match key {
            0 => self.kind = value(map)?,
            1 => self.id = value(map)?,
            2 => self.name = value(map)?,
            3 => self.status = value(map)?,
            4 => self.components = value(map)?,
            5 => self.impact = value(map)?,
            6 => self.shortlink = value(map)?,
            7 => self.started_at = time(map)?,
            8 => self.updated_at = time(map)?,
            9 => self.resolved_at = time(map)?,
            10 => self.scheduled_for = time(map)?,
            11 => self.scheduled_until = time(map)?,
            _ => self.update = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Fields<'de> for Component {
    const NAME: &'static str = "struct Component";
    const KEYS: &'static [&'static str] = &["id", "name", "status", "group"];
    const REQUIRED: u32 = 0b111;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.id = value(map)?,
            1 => self.name = value(map)?,
            2 => self.status = value(map)?,
            _ => self.group = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for Source {
    const NAME: &'static str = "struct Source";
    const KEYS: &'static [&'static str] = &[
        "name",
        "url",
        "provider",
        "origin",
        "fetched_at",
        "checked_at",
        "failed",
        "time_zone",
        "components",
        "items",
        "dropped",
        "slurm",
    ];
    const REQUIRED: u32 = 0b11;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.name = value(map)?,
            1 => self.url = value(map)?,
            2 => self.provider = value(map)?,
            3 => self.origin = value(map)?,
            4 => self.fetched_at = value::<A, Optional>(map)?.0,
            5 => self.checked_at = value::<A, Optional>(map)?.0,
            6 => self.failed = value(map)?,
            7 => self.time_zone = value(map)?,
            8 => self.components = value(map)?,
            9 => self.items = value(map)?,
            10 => self.dropped = value(map)?,
            _ => self.slurm = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for Cluster {
    const NAME: &'static str = "struct Cluster";
    const KEYS: &'static [&'static str] = &[
        "name",
        "hosts",
        "components",
        "omitted",
        "more",
        "unmatched",
        "unresolved",
        "matched",
        "covers",
    ];
    const REQUIRED: u32 = 1;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.name = value(map)?,
            1 => self.hosts = value(map)?,
            2 => self.components = value(map)?,
            3 => self.omitted = value(map)?,
            4 => self.more = value(map)?,
            5 => self.unmatched = value(map)?,
            6 => self.unresolved = value(map)?,
            7 => self.matched = value(map)?,
            _ => self.covers = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Component {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Deserialize<'de> for Cluster {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

impl<'de> Fields<'de> for Settings {
    const NAME: &'static str = "struct Settings";
    const KEYS: &'static [&'static str] = &[
        "recent_seconds",
        "upcoming_seconds",
        "show_unscoped",
        "stale_seconds",
        "expire_seconds",
        "max_items",
        "login",
        "repeat",
        "repeat_after_seconds",
        "always_show",
        "soon_seconds",
        "match_window_seconds",
    ];
    const REQUIRED: u32 = 0b111;
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.recent_seconds = value(map)?,
            1 => self.upcoming_seconds = value(map)?,
            2 => self.show_unscoped = value(map)?,
            3 => self.stale_seconds = value(map)?,
            4 => self.expire_seconds = value(map)?,
            5 => self.max_items = value(map)?,
            6 => self.login = value(map)?,
            7 => self.repeat = value(map)?,
            8 => self.repeat_after_seconds = value(map)?,
            9 => self.always_show = value(map)?,
            10 => self.soon_seconds = value(map)?,
            _ => self.match_window_seconds = value(map)?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::read(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{SlurmInfo, SlurmReservation};

    fn item(json: &str) -> Result<Item, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn read_by_hand_with_the_derives_rules() {
        let i = item(
            r#"{"kind": "maintenance", "id": "i", "name": "N", "status": "scheduled",
                "later": {"id": [1]}, "sh\u006frtlink": "u", "update": null,
                "started_at": null, "scheduled_for": "2026-11-26T08:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            (i.kind, i.id.as_str(), i.components.len()),
            (super::super::Kind::Maintenance, "i", 0)
        );
        assert_eq!(
            (i.shortlink.as_deref(), &i.update, i.started_at),
            (Some("u"), &None, None)
        );
        assert_eq!(
            i.scheduled_for.unwrap().to_rfc3339(),
            "2026-11-26T08:00:00+00:00"
        );
        for (json, error) in [
            (
                r#"{"kind": "incident", "id": "i", "name": "N"}"#,
                "missing field `status` at line 1 column 44",
            ),
            (
                r#"{"kind": "incident", "id": "i", "id": "j"}"#,
                "duplicate field `id` at line 1 column 36",
            ),
            (
                r#"{"kind": "incident", "id": 1}"#,
                "invalid type: integer `1`, expected a string at line 1 column 28",
            ),
            (
                r#"["incident", "i", "N", "s"]"#,
                "invalid type: sequence, expected struct Item at line 1 column 0",
            ),
            (
                r#"{"kind": "incident", "scheduled_for": "soon"}"#,
                "\"soon\": premature end of input at line 1 column 44",
            ),
        ] {
            assert_eq!(item(json).unwrap_err(), error, "{json}");
        }
        let s: Settings = serde_json::from_str(
            r#"{"recent_seconds": 1, "upcoming_seconds": 2, "show_unscoped": false}"#,
        )
        .unwrap();
        let defaults = Settings::default();
        assert_eq!((s.recent_seconds, s.show_unscoped), (1, false));
        assert_eq!(
            (s.stale_seconds, &s.always_show),
            (defaults.stale_seconds, &defaults.always_show)
        );
        let slurm: SlurmInfo = serde_json::from_str(r#"{"cluster": "A"}"#).unwrap();
        assert_eq!(
            slurm,
            SlurmInfo {
                cluster: "A".into(),
                ..SlurmInfo::default()
            }
        );
        let e = serde_json::from_str::<SlurmReservation>(r#"{"id": "x"}"#).unwrap_err();
        assert_eq!(e.to_string(), "missing field `name` at line 1 column 11");
    }
}

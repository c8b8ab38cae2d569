//! The current time, with a test override.
//!
//! `MOTD_STATUS_NOW` (RFC 3339) pins the clock for both binaries, so tests and golden files can
//! say "in 2 days" and mean it. Like every variable (see [`crate::env`]), a value that does not
//! parse is an error rather than a silent fall-back to the real clock.

use chrono::{DateTime, Utc};

pub const ENV_NOW: &str = "MOTD_STATUS_NOW";

pub fn now() -> Result<DateTime<Utc>, String> {
    let pinned = crate::env::parse(ENV_NOW, |v| {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("not an RFC 3339 time: {e}"))
    })?;
    Ok(pinned.unwrap_or_else(Utc::now))
}

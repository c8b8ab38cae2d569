//! The current time, with a test override.
//!
//! `MOTD_STATUS_NOW` (RFC 3339) pins the clock for both binaries, so tests and golden files can
//! say "in 2 days" and mean it. A value that does not parse is an error rather than a silent
//! fall-back to the real clock, so a typo in a test cannot pass by luck.

use chrono::{DateTime, Utc};

pub const ENV_NOW: &str = "MOTD_STATUS_NOW";

pub fn now() -> Result<DateTime<Utc>, String> {
    match std::env::var(ENV_NOW) {
        Ok(v) if !v.is_empty() => DateTime::parse_from_rfc3339(&v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("{ENV_NOW}={v:?} is not an RFC 3339 time: {e}")),
        _ => Ok(Utc::now()),
    }
}

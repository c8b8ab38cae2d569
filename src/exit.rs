//! Exit codes of both programs, as one type: each program's `run` returns one, and `main`
//! turns it into the process status in one place.

use std::process::ExitCode;

/// What a run ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done (and, for `motd-status --login`, always).
    Ok,
    /// `motd-status-fetch`: the fetch, check or write failed; the previous cache is kept.
    Failed,
    /// A usage or config error, or (`motd-status`) a cache it cannot use.
    Usage,
    /// `motd-status-fetch`: another fetcher holds the lock; skipped.
    Locked,
    /// `motd-status-fetch --status`: a monitoring plugin's status (0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN).
    Plugin(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Locked => 3,
            Exit::Plugin(code) => code,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

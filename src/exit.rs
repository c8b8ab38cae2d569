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
    /// `motd-status-fetch --status`: a monitoring plugin's state.
    Plugin(State),
}

/// The states of the monitoring-plugins convention (Nagios, Icinga, Checkmk), with their exit
/// statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    /// The word the check's line starts with.
    pub fn word(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Locked => 3,
            Exit::Plugin(state) => state as u8,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

//! Why a fetcher run failed, as one value: every part of the run returns it with `?`, and the
//! program logs it in one place ([`super::cli::run`]) and turns it into the exit status.

use std::fmt;

use super::config::ConfigError;
use super::http::FetchError;
use crate::exit::Exit;

/// A run that could not do what it was asked.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The config, an argument, the environment or a key file is wrong (exit 2).
    Usage(String),
    /// A fetch, a check or a write failed; the previous cache is kept (exit 1).
    Failed(String),
}

impl Failure {
    /// The exit status it ends the run with.
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Usage,
            Failure::Failed(_) => Exit::Failed,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Failed(m) => f.write_str(m),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::Usage(e.to_string())
    }
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        Failure::Failed(e.to_string())
    }
}

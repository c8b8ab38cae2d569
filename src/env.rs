//! One policy for the project's environment variables (`MOTD_STATUS_*`, `MOTD_FORMAT`), for
//! both programs; the system's own (`TZ`, `LANG`, `NO_COLOR`, the proxies, `JOURNAL_STREAM`, …)
//! keep their own conventions where they are read.
//!
//! A variable set to the empty string counts as unset. A variable that is set but does not
//! parse is an error naming the variable, exactly like a bad flag (a usage error); flags win
//! over variables, which win over defaults. At login the program turns every error into
//! silence, so a typo in a user's environment can never print anything there.

use std::path::PathBuf;

/// `var` parsed by `parse`: `Ok(None)` when unset, an error naming the variable when invalid.
pub fn parse<T>(
    var: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => {
            let s = v
                .to_str()
                .ok_or_else(|| format!("{var}: {v:?} is not valid UTF-8"))?;
            parse(s).map(Some).map_err(|e| format!("{var}={s:?}: {e}"))
        }
    }
}

/// A path from a flag, else a non-empty environment variable, else a default.
pub fn path_or(flag: Option<PathBuf>, var: &str, default: &str) -> PathBuf {
    flag.or_else(|| path(var))
        .unwrap_or_else(|| PathBuf::from(default))
}

/// A path from a non-empty environment variable, if set.
pub fn path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

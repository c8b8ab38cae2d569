//! A notices file is read once it has stopped changing. An admin's editor may write it in place
//! (nano truncates it and writes it anew; a slow copy writes it piece by piece), and a TOML
//! file cut short at the end of a line is often a valid file with fewer notices, or a notice
//! without its `end`: no mistake would give it away. So a fetch takes a file only when it has
//! been unchanged for [`QUIET`]: a file changed more recently is read again once it has been
//! quiet that long, within the source's timeout, and one that keeps changing fails the source
//! (which keeps its last good data).
//!
//! A local file's age is its modification time against this host's real clock (not the pinned
//! clock of tests: the file's time is real); a time ahead of the clock (another host's, on a
//! shared file system) counts as "just now", and such a file is taken once two reads [`QUIET`]
//! apart find it the same. Over HTTP the server says it by its own clock: `Last-Modified`
//! against `Date`, both to the second, so the answer must show one second more. A server that
//! sends neither cannot say, and its answer is taken as it is; nor can a server that looks at
//! the file and then sends what is in it a moment later, when the file was rewritten in place
//! in between (publishing with `mv` rules that out, as docs/notices.md says).

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};

use crate::fetch::address::Url;
use crate::fetch::http::FetchError;
use crate::fetch::log;
use crate::fetch::session::{Got, LocalRead, Served, Session};

/// How long a file must have been unchanged to be read.
pub(super) const QUIET: Duration = Duration::from_secs(2);

/// The time left for the source: its timeout, within the run's deadline.
fn give_up_at(session: &Session<'_>) -> Instant {
    let http = session.http;
    Instant::now() + http.config().timeout.min(http.remaining())
}

/// Waits `wait` before the next read of `shown`, or fails when that would pass `give_up`.
fn wait_or_fail(
    shown: &str,
    wait: Duration,
    give_up: Instant,
    started: Instant,
) -> Result<(), FetchError> {
    if Instant::now() + wait > give_up {
        return Err(FetchError {
            url: shown.to_owned(),
            cause: format!(
                "it kept changing for {}s (still being written?); a file is read once it has \
                 been unchanged for {}s",
                started.elapsed().as_secs(),
                QUIET.as_secs()
            ),
        });
    }
    log::info(format!(
        "{shown}: changed less than {}s ago; read again in {}ms",
        QUIET.as_secs(),
        wait.as_millis()
    ));
    std::thread::sleep(wait);
    Ok(())
}

/// The local file `path` once it has been unchanged for [`QUIET`]; `None` if it does not exist.
pub(super) fn local(session: &mut Session<'_>, path: &Path) -> Result<Option<Vec<u8>>, FetchError> {
    let shown = path.display().to_string();
    let (started, give_up) = (Instant::now(), give_up_at(session));
    let mut before: Option<LocalRead> = None;
    loop {
        let Some(read) = session.read_local(path)? else {
            return Ok(None);
        };
        let age = SystemTime::now().duration_since(read.stamp.modified).ok();
        // Quiet long enough by its own time, or (a time ahead of this host's clock) the same
        // as a read QUIET before.
        let same_as_before = before
            .as_ref()
            .is_some_and(|b| b.steady && b.stamp == read.stamp && b.bytes == read.bytes);
        if read.steady && (age.is_some_and(|a| a >= QUIET) || same_as_before) {
            return Ok(Some(read.bytes));
        }
        let wait = match age {
            Some(a) if read.steady => QUIET - a,
            _ => QUIET,
        };
        wait_or_fail(
            &shown,
            wait.max(Duration::from_millis(10)),
            give_up,
            started,
        )?;
        before = Some(read);
    }
}

/// The body at `url` once the server says it has been unchanged for [`QUIET`], or the status
/// it answered instead.
pub(super) fn web(session: &mut Session<'_>, url: &Url) -> Result<Got, FetchError> {
    let (started, give_up) = (Instant::now(), give_up_at(session));
    loop {
        let (got, served) = session.get_served(url, None)?;
        let Got::Body(_) = &got else {
            return Ok(got);
        };
        let Some(quiet) = unchanged_for(&served) else {
            return Ok(got);
        };
        // Both times are whole seconds: one more makes sure of QUIET.
        let needed = QUIET + Duration::from_secs(1);
        if quiet >= needed {
            return Ok(got);
        }
        wait_or_fail(&url.redacted(), needed - quiet, give_up, started)?;
    }
}

/// How long the served file had been unchanged when it was served, by the server's clock
/// (zero for a time ahead of its `Date`); `None` when the server did not say.
fn unchanged_for(served: &Served) -> Option<Duration> {
    let time = |v: &Option<String>| -> Option<DateTime<Utc>> {
        let v = v.as_deref()?;
        DateTime::parse_from_rfc2822(v)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let (modified, date) = (time(&served.last_modified)?, time(&served.date)?);
    Some(
        date.signed_duration_since(modified)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_served_file_is_as_old_as_its_server_says() {
        let served = |lm: &str, date: &str| Served {
            last_modified: Some(lm.to_owned()),
            date: Some(date.to_owned()),
        };
        assert_eq!(
            unchanged_for(&served(
                "Thu, 26 Nov 2026 08:30:00 GMT",
                "Thu, 26 Nov 2026 08:30:03 GMT"
            )),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            unchanged_for(&served(
                "Thu, 26 Nov 2026 08:30:09 GMT",
                "Thu, 26 Nov 2026 08:30:03 GMT"
            )),
            Some(Duration::ZERO)
        );
        assert_eq!(
            unchanged_for(&served("yesterday", "Thu, 26 Nov 2026 08:30:03 GMT")),
            None
        );
        assert_eq!(unchanged_for(&Served::default()), None);
    }
}

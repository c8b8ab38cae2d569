//! A notice's times against each other and against the time of the check: what kind of notice
//! may have an end or be resolved, and what may lie ahead.

use chrono::{DateTime, Utc};

use super::super::Finding;
use super::{Fields, Kind, Notice, Reader};
use crate::select::CLOCK_SKEW_SECONDS;

impl Reader {
    /// The notice's times agree with each other and with its kind.
    pub(super) fn windows(&mut self, f: &Fields<'_>, n: &Notice, table: usize) {
        let c = &f.context;
        let mut says = |key: &str, what: String| {
            let at = f.key_at(key, table);
            self.findings
                .push(Finding::error(at, format!("`{key}`{c}{what}")));
        };
        match (n.kind, n.end, n.resolved) {
            (Kind::Incident, Some(_), _) => says(
                "end",
                ": an incident ends when it is resolved: set resolved".to_owned(),
            ),
            (_, Some(end), _) if end <= n.start => {
                says("end", " is not after its start".to_owned())
            }
            _ => {}
        }
        // Past this host's clock by more than a clock's error: not yet (see CLOCK_SKEW_SECONDS).
        let ahead = |t: DateTime<Utc>| {
            self.now
                .is_some_and(|now| (t - now).num_seconds() > CLOCK_SKEW_SECONDS)
        };
        let (start_ahead, resolved_ahead) = (ahead(n.start), n.resolved.is_some_and(ahead));
        if n.kind == Kind::Incident && start_ahead {
            says(
                "start",
                " is ahead: an incident has begun; announce what is ahead as a maintenance or \
                 a notice"
                    .to_owned(),
            );
        }
        if resolved_ahead && n.kind != Kind::Notice {
            says("resolved", " is ahead: set it once it is over".to_owned());
        }
        match (n.kind, n.resolved) {
            (Kind::Notice, Some(_)) => says(
                "resolved",
                ": a notice is shown from its start to its end: set end".to_owned(),
            ),
            (Kind::Incident, Some(r)) if r < n.start => {
                says("resolved", " is before its start".to_owned());
            }
            _ => {}
        }
    }
}

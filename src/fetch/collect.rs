//! Reading every source on its own. Each source is first asked whether it changed (when the
//! previous run recorded how: see [`super::session`]), then read in full if it did; one that
//! fails keeps its last good data, with its own age and why it failed, and the others are
//! refreshed as usual. A notices file with a typo, a page that is down: neither costs the rest
//! of the cache anything, and neither makes anything worse.

use chrono::{DateTime, Utc};

use super::address::Url;
use super::build::Part;
use super::config::{Config, SourceConfig};
use super::http::Secret;
use super::log;
use super::session::Session;
use super::sources::{self, Fetched, Run};
use crate::cache::{Cache, Validator};

/// What the sources gave this run.
pub(crate) struct Collected {
    /// One part per source that has data (fresh, or its last good one), in config order.
    pub parts: Vec<Part>,
    /// The validators a later run may probe each source with, the config's digest first.
    pub validators: Vec<Validator>,
    /// Each source that could not be read: why (naming its address), and whether its last good
    /// data stands in for it.
    pub failures: Vec<(String, bool)>,
    /// Whether anything is new: a source read in full, or confirmed unchanged.
    pub anything_new: bool,
}

/// Reads every source (`keys` are their API keys, by index), each on its own.
pub(crate) fn collect<'h>(
    cfg: &Config,
    keys: &'h [Option<Secret>],
    now: DateTime<Utc>,
    session: &mut Session<'h>,
    prev: Option<&Cache>,
) -> Collected {
    let mut out = Collected {
        parts: Vec::new(),
        validators: Vec::new(),
        failures: Vec::new(),
        anything_new: false,
    };
    let mut reading = Reading {
        cfg,
        keys,
        now,
        session,
    };
    for (ci, source) in cfg.sources.iter().enumerate() {
        let last = prev.and_then(|p| last_good(p, ci, source));
        let (part, validators) = reading.read(ci, source, last, &mut out);
        out.parts.extend(part);
        out.validators.extend(validators);
    }
    out.validators = Session::with_digest(&cfg.digest, std::mem::take(&mut out.validators));
    out
}

/// One run's reading of the sources.
struct Reading<'r, 'h> {
    cfg: &'r Config,
    keys: &'h [Option<Secret>],
    now: DateTime<Utc>,
    session: &'r mut Session<'h>,
}

impl Reading<'_, '_> {
    /// Reads source `ci`: unchanged since `last` (its last good data, with its catalog and
    /// validators), read anew, or failed (then `last` stands, marked).
    fn read(
        &mut self,
        ci: usize,
        source: &SourceConfig,
        last: Option<Last>,
        out: &mut Collected,
    ) -> (Option<Part>, Vec<Validator>) {
        let (cfg, now) = (self.cfg, self.now);
        let key = self.keys.get(ci).and_then(Option::as_ref);
        let session = &mut *self.session;
        if let Some(l) = &last
            && let Some(fetched) = l.source.fetched_at
            && Session::can_probe(l.cache, &cfg.digest, fetched, now)
        {
            match session.probe(&l.validators, |_: &Url| key) {
                Ok(true) => {
                    out.anything_new = true;
                    log::info(format!("{}: not modified; kept", source.shown()));
                    let mut kept = l.source.clone();
                    kept.checked_at = Some(now);
                    kept.failed = None;
                    let validators = l.validators.clone();
                    return (Some(l.part_with(kept)), validators);
                }
                Ok(false) => log::info(format!("{}: changed since the last fetch", source.shown())),
                Err(e) => return failed(last, e.to_string(), (self.cfg, ci), out),
            }
        }
        let recent = chrono::Duration::seconds(
            cfg.settings.recent_seconds.min(i64::MAX as u64 / 2000) as i64,
        );
        let started = std::time::Instant::now();
        let mut run = Run {
            session,
            now,
            recent,
            key,
        };
        match sources::of(source).fetch(&mut run) {
            Ok(Fetched::Data(data)) => {
                out.anything_new = true;
                log::info(format!(
                    "fetched {} in {}ms: {} components, {} incidents and maintenances",
                    source.shown(),
                    started.elapsed().as_millis(),
                    data.components.len(),
                    data.items.len()
                ));
                let validators = session.validators(|u| source.owns(u));
                (Some(Part::Fresh { config: ci, data }), validators)
            }
            Ok(Fetched::Cache(_)) => {
                let why = "a whole cache where a source was expected".to_owned();
                failed(last, why, (self.cfg, ci), out)
            }
            Err(e) => failed(last, e.to_string(), (self.cfg, ci), out),
        }
    }
}

/// A source that could not be read: its last good data stands, marked with why. One that has
/// none (no run has read it yet) stands as a source holding nothing, marked likewise, so that
/// no view it may concern claims to know how things are.
fn failed(
    last: Option<Last>,
    why: String,
    (cfg, ci): (&Config, usize),
    out: &mut Collected,
) -> (Option<Part>, Vec<Validator>) {
    let kept = last.as_ref().is_some_and(|l| l.source.fetched_at.is_some());
    out.failures.push((why.clone(), kept));
    let Some(l) = last else {
        let source = super::build::unread(cfg, ci, crate::sanitize::terminal(&why));
        let catalog = Vec::new();
        return (Some(Part::Kept { source, catalog }), Vec::new());
    };
    let mut marked = l.source.clone();
    marked.failed = Some(crate::sanitize::terminal(&why));
    let validators = l.validators.clone();
    (Some(l.part_with(marked)), validators)
}

/// A source's last good data in the previous cache.
struct Last<'c> {
    cache: &'c Cache,
    source: &'c crate::cache::Source,
    catalog: &'c [crate::cache::Listed],
    /// The validators recorded for it (without the digest).
    validators: Vec<Validator>,
}

impl Last<'_> {
    fn part_with(&self, source: crate::cache::Source) -> Part {
        Part::Kept {
            source,
            catalog: self.catalog.to_vec(),
        }
    }
}

/// What `prev` holds of configured source `ci`: the source it records as coming from the same
/// address, or (a cache of the previous release, which records none) the one in the same place.
fn last_good<'c>(prev: &'c Cache, ci: usize, source: &SourceConfig) -> Option<Last<'c>> {
    let shown = source.shown();
    let si = prev
        .sources
        .iter()
        .position(|s| s.origin == shown)
        .or_else(|| {
            prev.sources
                .get(ci)
                .filter(|s| s.origin.is_empty())
                .map(|_| ci)
        })?;
    Some(Last {
        cache: prev,
        source: &prev.sources[si],
        catalog: prev.catalog_of(si),
        validators: prev
            .validators
            .iter()
            .skip(1)
            .filter(|v| source.owns(&v.url))
            .cloned()
            .collect(),
    })
}

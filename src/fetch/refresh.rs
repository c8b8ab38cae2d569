//! A fetch: wait the jitter, take the cache's lock, ask the sources (conditionally first, when
//! the previous run recorded how), build the cache, write it atomically and `motd_file`, then
//! the metrics, all under the lock. Any failure leaves the previous cache byte-identical.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::address::{Location, Url};
use super::build::{Part, build_cache};
use super::collect;
use super::config::Config;
use super::failure::Failure;
use super::http::{Http, Secret};
use super::metrics;
use super::overlay;
use super::resolve::{self, Catalog};
use super::session::{Session, Traffic};
use super::sources;
use super::{log, motd_file};
use crate::cache::{self, Cache, Lock};
use crate::clock;
use crate::exit::Exit;

/// A fetch, then the metrics of the run (whatever came of it) under the same lock.
pub(crate) fn run(cfg: &Config, jitter: Duration) -> Result<Exit, Failure> {
    let started = clock::now().map_err(Failure::Usage)?;
    let mut traffic = Vec::new();
    let mut lock = None;
    let result = fetch(cfg, jitter, &mut traffic, &mut lock);
    let exit = match &result {
        Ok(exit) => *exit,
        Err(failure) => failure.exit(),
    };
    // A run that found another fetcher at work writes none: that one writes its own.
    if let Some(path) = &cfg.metrics_file
        && exit != Exit::Locked
    {
        match lock.or_else(|| wait_for_lock(&cfg.cache)) {
            Some(_lock) => metrics::write_run(cfg, path, started, exit, &traffic),
            None => log::warn(format!(
                "{}: another motd-status-fetch holds the lock; this run's metrics are left out",
                path.display()
            )),
        }
    }
    result
}

/// The cache's lock, waiting up to a few seconds for another fetcher to let it go.
fn wait_for_lock(cache: &std::path::Path) -> Option<Lock> {
    for _ in 0..50 {
        match Lock::try_acquire(cache) {
            Ok(Some(lock)) => return Some(lock),
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => return None,
        }
    }
    None
}

/// Fetches every source and writes the cache and `motd_file` under the cache's lock, which it
/// leaves in `held` for the metrics.
fn fetch(
    cfg: &Config,
    jitter: Duration,
    traffic: &mut Vec<(String, Traffic)>,
    held: &mut Option<Lock>,
) -> Result<Exit, Failure> {
    let keys = sources::keys(cfg).map_err(Failure::Usage)?;
    let deadline = wait_jitter(cfg, jitter);
    let now = clock::now().map_err(Failure::Usage)?;
    for path in std::iter::once(&cfg.cache).chain(&cfg.motd_file) {
        cache::write::check_dir(path)
            .map_err(|e| Failure::Failed(format!("{e} (nothing was written)")))?;
    }
    let lock = match Lock::try_acquire(&cfg.cache) {
        Ok(Some(lock)) => held.insert(lock),
        Ok(None) => {
            log::warn(format!(
                "{}: another motd-status-fetch is updating it; skipped",
                cfg.cache.display()
            ));
            return Ok(Exit::Locked);
        }
        Err(e) => {
            return Err(Failure::Failed(format!(
                "{}: cannot lock the cache: {e} (the previous cache is kept)",
                cfg.cache.display()
            )));
        }
    };
    let prev = cache::read(&cfg.cache).ok();
    let http = Http::new(cfg.http.clone(), deadline);
    let mut session = Session::new(&http);
    let refreshed = refresh(cfg, &keys, now, &mut session, lock, prev.as_ref());
    *traffic = std::mem::take(&mut session.traffic);
    match refreshed {
        Ok((cache, failures)) => {
            motd_file::retire(cfg, prev.as_ref());
            motd_file::write(cfg, &cache, now)?;
            // The cache was written with what the other sources gave: each failure is said
            // here, and the run says it failed.
            match failures.split_last() {
                None => Ok(Exit::Ok),
                Some((last, rest)) => {
                    for f in rest {
                        log::error(f);
                    }
                    Err(Failure::Failed(last.clone()))
                }
            }
        }
        Err(failure) => {
            // motd_file follows the same staleness and expiry rules as a login, at every
            // run: rendered anew from the cache that stays.
            if let Some(prev) = &prev {
                let _ = motd_file::write(cfg, prev, now);
            }
            Err(failure)
        }
    }
}

/// Waits a random time up to `jitter`, so that the nodes of a site started together do not
/// all call the page at once. The whole run fits its deadline (which fits the unit's time
/// limit), the wait included: it takes at most half of it. Returns the run's deadline.
fn wait_jitter(cfg: &Config, jitter: Duration) -> Instant {
    let deadline = Instant::now() + cfg.http.deadline;
    let room = cfg.http.deadline / 2;
    if jitter > room {
        log::warn(format!(
            "jitter {} is more than half the run's deadline ({}): waiting at most {}",
            humantime::format_duration(jitter),
            humantime::format_duration(cfg.http.deadline),
            humantime::format_duration(room)
        ));
    }
    let wait = random_below(jitter.min(room));
    if !wait.is_zero() {
        log::info(format!(
            "waiting {} (jitter) before the first request",
            humantime::format_duration(Duration::from_millis(wait.as_millis() as u64))
        ));
        std::thread::sleep(wait);
    }
    deadline
}

/// A random duration below `max`.
fn random_below(max: Duration) -> Duration {
    let nanos = max.as_nanos().min(u128::from(u64::MAX)) as u64;
    Duration::from_nanos(if nanos == 0 {
        0
    } else {
        cache::write::random_u64() % nanos
    })
}

/// Fetches and writes the new cache, under the lock: each source on its own (one that fails
/// keeps its last good data, and the run ends with exit 1 after writing what the others gave),
/// or a mirror's cache whole. Returns the cache now in place and the failures.
fn refresh<'h>(
    cfg: &Config,
    keys: &'h [Option<Secret>],
    now: DateTime<Utc>,
    session: &mut Session<'h>,
    lock: &Lock,
    prev: Option<&Cache>,
) -> Result<(Cache, Vec<String>), Failure> {
    if let Some(at) = cfg.mirror() {
        return mirror(cfg, at, now, session, lock, prev).map(|c| (c, Vec::new()));
    }
    let got = collect::collect(cfg, keys, now, session, prev);
    if !got.anything_new {
        // Nothing to write that is not already there: the previous cache stays as it is.
        let mut whys: Vec<String> = got.failures.into_iter().map(|(why, _)| why).collect();
        let last = whys.pop().unwrap_or_default();
        for why in whys {
            log::error(format!("{why} (the previous cache is kept)"));
        }
        return Err(Failure::Failed(format!(
            "{last} (the previous cache is kept)"
        )));
    }
    let failures = got
        .failures
        .iter()
        .map(|(why, kept)| match kept {
            true => format!("{why} (its last good data is kept)"),
            false => format!("{why} (it has no data yet)"),
        })
        .collect();
    let catalogs: Vec<Catalog<'_>> = got.parts.iter().map(Part::catalog).collect();
    let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
    for p in resolved.iter().flat_map(|r| r.problems()) {
        log::warn(p);
    }
    let mut new = build_cache(cfg, &got.parts, &resolved, now);
    resolve::mark_renamed(&mut new.clusters, prev);
    new.validators = got.validators;
    write(cfg, &new, lock)?;
    for line in super::drift::lines(&new, cfg, now, &crate::localtime::LocalZone::from_env()) {
        log::warn(line);
    }
    let items: usize = new.sources.iter().map(|s| s.items.len()).sum();
    log::info(format!("wrote {} ({items} items)", cfg.cache.display()));
    Ok((new, failures))
}

/// Mirror mode: the published cache, copied whole and laid under the local config, or (when a
/// probe finds it unchanged) the previous copy as it is.
fn mirror(
    cfg: &Config,
    at: &Location,
    now: DateTime<Utc>,
    session: &mut Session<'_>,
    lock: &Lock,
    prev: Option<&Cache>,
) -> Result<Cache, Failure> {
    let kept =
        |e: &dyn std::fmt::Display| Failure::Failed(format!("{e} (the previous cache is kept)"));
    if let Some(prev) = prev
        && Session::can_probe(prev, &cfg.digest, prev.fetched_at, now)
    {
        match session.probe(prev.validators.get(1..).unwrap_or_default(), |_: &Url| None) {
            Ok(true) => {
                log::info(format!(
                    "{at}: not modified since {}; kept",
                    prev.fetched_at.to_rfc3339()
                ));
                return Ok(prev.clone());
            }
            Ok(false) => log::info(format!("{at}: changed since the last fetch")),
            Err(e) => return Err(kept(&e)),
        }
    }
    let mirrored = sources::mirror::fetch(session, at).map_err(|e| kept(&e))?;
    let (mut new, problems) = overlay::combine(cfg, mirrored, at, prev);
    for p in problems {
        log::warn(p);
    }
    new.validators =
        Session::with_digest(&cfg.digest, session.validators(|u| cfg.sources[0].owns(u)));
    write(cfg, &new, lock)?;
    log::info(format!("wrote {} (a mirror of {at})", cfg.cache.display()));
    Ok(new)
}

/// Writes the cache, if a login will accept it: a page big enough to make a cache over the
/// login's read cap fails the run, and the previous cache stays.
fn write(cfg: &Config, c: &Cache, lock: &Lock) -> Result<(), Failure> {
    let bytes = cache::to_bytes(c);
    if bytes.len() as u64 > cache::MAX_BYTES {
        return Err(Failure::Failed(format!(
            "{}: the page would make a cache of {} bytes, over the {} bytes a login reads \
             (the previous cache is kept)",
            cfg.cache.display(),
            bytes.len(),
            cache::MAX_BYTES
        )));
    }
    // What a login cannot read is never written over what it can.
    if let Err(e) = cache::parse(&cfg.cache, &bytes) {
        return Err(Failure::Failed(format!(
            "{}: the new cache would not read back ({e}); the previous cache is kept",
            cfg.cache.display()
        )));
    }
    cache::write_atomic(&cfg.cache, &bytes, lock).map_err(|e| {
        Failure::Failed(format!(
            "{}: cannot write the cache: {e} (the previous cache is kept)",
            cfg.cache.display()
        ))
    })
}

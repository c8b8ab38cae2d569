//! The `motd-status-fetch` program: fetch every source, resolve the clusters, write the cache.
//!
//! Any failure leaves the previous cache byte-identical and is reported as one line naming the
//! address and the cause. Exit codes: 0 done, 1 fetch or check failed, 2 usage or config error,
//! 3 another fetcher holds the lock.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::config::{self, Config};
use super::http::{Http, Secret};
use super::log;
use super::resolve::{self, Catalog, shown_id};
use super::session::{Session, Traffic};
use super::source::{FetchError, Origin};
use super::{Page, build_cache, fetch_page, manage, metrics, mirror};
use crate::cache::{self, Cache, Lock};
use crate::clock;
use crate::exit::Exit;
use crate::localtime::LocalZone;
use crate::render::{Format, Request};
use crate::sanitize::terminal;
use crate::select::Whose;
use crate::view;

pub const HELP: &str = "\
motd-status-fetch: fetch a Statuspage page into the local cache that motd-status shows at login

Usage: motd-status-fetch [OPTIONS]

Options:
  -c, --config PATH   Read this config [env: MOTD_STATUS_CONFIG]
                      [default: /etc/motd-status/config.toml]
  --list-groups       Print the page's component groups and components with their ids
  --check             Check the config against the page and print what each cluster covers
  --status            Check the cache (no network): one line, exit 0 OK, 1 WARNING (stale
                      data, names matching nothing), 2 CRITICAL (expired, missing or untrusted
                      cache), 3 UNKNOWN (config error), as monitoring plugins do
  --jitter DURATION   Sleep a random time up to DURATION first (e.g. 30s), so the nodes of
                      a site do not all call the page at once [default: the config's jitter]
  -v, --verbose       Also log each request with its status and timing
  -q, --quiet         Log errors only
  -h, --help          Print this help
  -V, --version       Print the version

Environment:
  HTTPS_PROXY, https_proxy, ALL_PROXY   Proxy for https pages (the config's proxy wins)
  http_proxy, HTTP_PROXY                Proxy for http pages
  NO_PROXY, no_proxy                    Hosts reached directly (the config's no_proxy wins)
  SSL_CERT_FILE, SSL_CERT_DIR           Trust these CAs instead of the system's
  CREDENTIALS_DIRECTORY                 Where %d in api_key_file points (LoadCredential=)
  JOURNAL_STREAM                        Set by systemd: log lines carry syslog priorities
  MOTD_STATUS_NOW                       Pretend the time is this RFC 3339 instant (for tests)

Files:
  /etc/motd-status/config.toml          The config (see motd-status.toml(5))
  /var/cache/motd-status/status.json    The cache it writes (the config's cache), with
                                        .status.json.lock and .status.json.tmp beside it

Exit status: 0 done, 1 the fetch or check failed (the previous cache is kept),
2 usage or config error, 3 another motd-status-fetch is running (skipped).
";

#[derive(Debug, Default)]
struct Args {
    config: Option<PathBuf>,
    list_groups: bool,
    check: bool,
    status: bool,
    verbose: bool,
    quiet: bool,
    jitter: Option<Duration>,
}

enum Action {
    Run(Args),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Action, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser =
        lexopt::Parser::from_iter(std::iter::once(OsString::from("motd-status-fetch")).chain(args));
    let mut a = Args::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("config") | Short('c') => a.config = Some(parser.value()?.into()),
            Long("list-groups") => a.list_groups = true,
            Long("check") => a.check = true,
            Long("status") => a.status = true,
            Long("verbose") | Short('v') => a.verbose = true,
            Long("quiet") | Short('q') => a.quiet = true,
            Long("jitter") => {
                let v = parser.value()?.string()?;
                a.jitter = Some(
                    humantime::parse_duration(&v).map_err(|e| format!("--jitter {v:?}: {e}"))?,
                );
            }
            Long("help") | Short('h') => return Ok(Action::Help),
            Long("version") | Short('V') => return Ok(Action::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    if a.verbose && a.quiet {
        return Err("--verbose and --quiet cannot be used together".into());
    }
    Ok(Action::Run(a))
}

/// The whole program, from its arguments (without the program name).
pub fn run(args: impl IntoIterator<Item = OsString>) -> Exit {
    let args = match parse_args(args) {
        Ok(Action::Run(a)) => a,
        Ok(Action::Help) => {
            let mut out = Stdout::new();
            out.line(HELP.trim_end());
            return out.finish(Exit::Ok);
        }
        Ok(Action::Version) => {
            let mut out = Stdout::new();
            out.line(concat!("motd-status-fetch ", env!("CARGO_PKG_VERSION")));
            return out.finish(Exit::Ok);
        }
        Err(e) => {
            eprintln!("motd-status-fetch: {e}\nTry 'motd-status-fetch --help'.");
            return Exit::Usage;
        }
    };
    log::set_level(if args.quiet {
        log::Level::Error
    } else if args.verbose {
        log::Level::Info
    } else {
        log::Level::Warning
    });
    let cfg = match config::load(&config::resolve_path(args.config.clone())) {
        Ok(c) => c,
        Err(e) if args.status => {
            let mut out = Stdout::new();
            out.line(&format!(
                "MOTD-STATUS UNKNOWN - {}",
                terminal(&e.to_string())
            ));
            return out.finish(Exit::Plugin(3));
        }
        // Installed, not set up yet: the timer's runs do nothing, say so once, and do not
        // fail (a failed unit every five minutes is noise to host monitoring). Asked for a
        // check, it is an error, which says what to set.
        Err(e) if e.unconfigured && !(args.check || args.list_groups) => {
            log::warn(e);
            return Exit::Ok;
        }
        Err(e) => {
            log::error(e);
            return Exit::Usage;
        }
    };
    if args.status {
        let now = clock::now().unwrap_or_else(|_| Utc::now());
        let (code, line) = metrics::status(&cfg.cache, cfg.motd_file.as_deref(), now);
        let mut out = Stdout::new();
        out.line(&line);
        return out.finish(Exit::Plugin(code));
    }
    let started = clock::now().unwrap_or_else(|_| Utc::now());
    let mut traffic = Vec::new();
    let (exit, lock) = run_loaded(&args, &cfg, &mut traffic);
    // Every run writes them but `--check`, `--list-groups`, and a run that found another
    // fetcher at work (which writes them itself). Under the cache's lock, which the fetch
    // still holds (a run that stopped before taking it waits a little for it), so that two
    // runs never lose each other's counts.
    if let Some(path) = &cfg.metrics_file
        && !(args.check || args.list_groups || exit == Exit::Locked)
    {
        match lock.or_else(|| wait_for_lock(&cfg.cache)) {
            Some(_lock) => write_metrics(&cfg, path, started, exit, &traffic),
            None => log::warn(format!(
                "{}: another motd-status-fetch holds the lock; this run's metrics are left out",
                path.display()
            )),
        }
    }
    exit
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

/// Writes `metrics_file` after a run, success or not.
fn write_metrics(
    cfg: &Config,
    path: &std::path::Path,
    at: DateTime<Utc>,
    exit: Exit,
    traffic: &[(String, Traffic)],
) {
    // Traffic by source: the configured name, else the (redacted) address it was asked at.
    let mut by_source: Vec<(String, Traffic)> = Vec::new();
    for (url, t) in traffic {
        let label = match (
            &cfg.mirror,
            cfg.sources.iter().find(|s| url.starts_with(&s.page)),
        ) {
            (Some(m), _) => super::http::redact(m),
            (None, Some(s)) => s
                .name
                .clone()
                .unwrap_or_else(|| super::http::redact(&s.page)),
            (None, None) => super::http::redact(url),
        };
        match by_source.iter_mut().find(|(l, _)| *l == label) {
            Some((_, sum)) => {
                sum.requests += t.requests;
                sum.not_modified += t.not_modified;
                sum.bytes = sum.bytes.saturating_add(t.bytes);
            }
            None => by_source.push((label, t.clone())),
        }
    }
    let cache = cache::read(&cfg.cache).ok();
    let run = metrics::Run {
        at,
        exit,
        traffic: by_source,
        cache: cache.as_ref(),
        motd_file: cfg.motd_file.as_deref(),
    };
    if let Err(e) = cache::write::check_dir(path)
        .and_then(|()| metrics::write(path, &run).map_err(|e| format!("{}: {e}", path.display())))
    {
        log::error(format!("cannot write metrics_file: {e}"));
    }
}

/// A run with its config loaded: `--check`, `--list-groups`, or a fetch, which returns the
/// cache's lock it still holds.
fn run_loaded(
    args: &Args,
    cfg: &Config,
    traffic: &mut Vec<(String, Traffic)>,
) -> (Exit, Option<Lock>) {
    let cfg = cfg.clone();
    let now = match clock::now() {
        Ok(t) => t,
        Err(e) => {
            log::error(e);
            return (Exit::Usage, None);
        }
    };
    let keys = match load_keys(&cfg) {
        Ok(k) => k,
        Err(e) => {
            log::error(e);
            return (Exit::Usage, None);
        }
    };
    if args.list_groups || args.check {
        let http = Http::new(cfg.http.clone(), Instant::now() + cfg.http.deadline);
        let mut session = Session::new(&http);
        // What the config is checked against: the pages, or the mirrored cache.
        let (pages, mirrored) = match &cfg.mirror {
            Some(m) => (Ok(Vec::new()), Some(mirror::fetch(&mut session, m))),
            None => (fetch_all(&cfg, &mut session, &keys, now), None),
        };
        let (pages, mirrored) = match (pages, mirrored.transpose()) {
            (Ok(p), Ok(m)) => (p, m),
            (Err(e), _) | (_, Err(e)) => {
                log::error(e);
                return (Exit::Failed, None);
            }
        };
        let catalogs: Vec<Catalog<'_>> = match &mirrored {
            Some(c) => c.sources.iter().map(Catalog::of_cache).collect(),
            None => pages.iter().map(Catalog::of_page).collect(),
        };
        // What a mirror's own settings ask that its publisher's cache cannot give.
        let windows = mirrored
            .as_ref()
            .map(|m| mirror::settings(&cfg, &m.settings).1)
            .unwrap_or_default();
        let exit = if args.list_groups {
            list_groups(&catalogs)
        } else {
            check(&cfg, &catalogs, &windows)
        };
        return (exit, None);
    }
    // The whole run fits its deadline (which fits the unit's time limit), the jitter's wait
    // included: the wait takes at most half of it.
    let deadline = Instant::now() + cfg.http.deadline;
    let jitter = args.jitter.unwrap_or(cfg.jitter);
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
    let now = match clock::now() {
        Ok(t) => t,
        Err(e) => {
            log::error(e);
            return (Exit::Usage, None);
        }
    };
    fetch(&cfg, &keys, now, deadline, traffic)
}

/// The API keys of the private sources, by source index. Read before anything is fetched, so
/// a bad key file fails the run at once.
fn load_keys(cfg: &Config) -> Result<Vec<Option<Secret>>, String> {
    cfg.sources
        .iter()
        .map(|s| s.manage.as_ref().map(manage::load_key).transpose())
        .collect()
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

fn fetch_all(
    cfg: &Config,
    session: &mut Session<'_>,
    keys: &[Option<Secret>],
    now: DateTime<Utc>,
) -> Result<Vec<Page>, FetchError> {
    let recent =
        chrono::Duration::seconds(cfg.settings.recent_seconds.min(i64::MAX as u64 / 2000) as i64);
    let mut pages = Vec::new();
    for (s, key) in cfg.sources.iter().zip(keys) {
        let started = Instant::now();
        let page = match (&s.manage, key) {
            (Some(m), Some(key)) => manage::fetch_page(session, m, key, now, recent)?,
            _ => fetch_page(session, &Origin::parse(&s.page))?,
        };
        log::info(format!(
            "fetched {} in {}ms: {} components, {} incidents and maintenances",
            s.page,
            started.elapsed().as_millis(),
            page.components.len(),
            page.incidents.len()
        ));
        pages.push(page);
    }
    Ok(pages)
}

/// Fetches every source and writes the cache and `motd_file`, under the cache's lock, which
/// it returns still held.
fn fetch(
    cfg: &Config,
    keys: &[Option<Secret>],
    now: DateTime<Utc>,
    deadline: Instant,
    traffic: &mut Vec<(String, Traffic)>,
) -> (Exit, Option<Lock>) {
    for path in std::iter::once(&cfg.cache).chain(&cfg.motd_file) {
        if let Err(e) = cache::write::check_dir(path) {
            log::error(format!("{e} (nothing was written)"));
            return (Exit::Failed, None);
        }
    }
    let lock = match Lock::try_acquire(&cfg.cache) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            log::warn(format!(
                "{}: another motd-status-fetch is updating it; skipped",
                cfg.cache.display()
            ));
            return (Exit::Locked, None);
        }
        Err(e) => {
            log::error(format!(
                "{}: cannot lock the cache: {e} (the previous cache is kept)",
                cfg.cache.display()
            ));
            return (Exit::Failed, None);
        }
    };
    let prev = cache::read(&cfg.cache).ok();
    let http = Http::new(cfg.http.clone(), deadline);
    let mut session = Session::new(&http);
    let refreshed = refresh(cfg, keys, now, &mut session, &lock, prev.as_ref());
    *traffic = std::mem::take(&mut session.traffic);
    let exit = match refreshed {
        Ok(cache) => motd_file(cfg, &cache, now),
        Err(exit) => {
            // motd_file follows the same staleness and expiry rules as a login, at every
            // run: rendered anew from the cache that stays.
            if let Some(prev) = &prev {
                let _ = motd_file(cfg, prev, now);
            }
            exit
        }
    };
    (exit, Some(lock))
}

/// Fetches and writes the new cache (or, when nothing changed, moves the old one's
/// `checked_at`), under the lock. Returns the cache now in place.
fn refresh<'h>(
    cfg: &Config,
    keys: &'h [Option<Secret>],
    now: DateTime<Utc>,
    session: &mut Session<'h>,
    lock: &Lock,
    prev: Option<&Cache>,
) -> Result<Cache, Exit> {
    let failed = |e: &dyn std::fmt::Display| {
        log::error(format!("{e} (the previous cache is kept)"));
        Exit::Failed
    };

    // A conditional probe first: when every URL answers 304, the previous cache stands.
    if let Some(prev) = prev
        && Session::can_probe(prev, &cfg.digest, now)
    {
        let key_for = |url: &str| {
            cfg.sources
                .iter()
                .zip(keys)
                .find(|(s, k)| k.is_some() && url.starts_with(&format!("{}/", s.page)))
                .and_then(|(_, k)| k.as_ref())
        };
        match session.probe(&prev.validators, key_for) {
            Ok(true) => return unchanged(cfg, prev.clone(), now, lock),
            Ok(false) => log::info("the page changed since the last fetch"),
            Err(e) => return Err(failed(&e)),
        }
    }

    let new = match &cfg.mirror {
        Some(m) => {
            let mirrored = mirror::fetch(session, m).map_err(|e| failed(&e))?;
            let (c, problems) = mirror::combine(cfg, mirrored, m, prev);
            for p in problems {
                log::warn(p);
            }
            c
        }
        None => {
            let pages = fetch_all(cfg, session, keys, now).map_err(|e| failed(&e))?;
            let catalogs: Vec<Catalog<'_>> = pages.iter().map(Catalog::of_page).collect();
            let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
            for p in resolved.iter().flat_map(|r| r.problems()) {
                log::warn(p);
            }
            let mut built = build_cache(cfg, &pages, &resolved, now);
            resolve::mark_renamed(&mut built.clusters, prev);
            built
        }
    };
    let new = Cache {
        validators: session.validators(&cfg.digest),
        ..new
    };
    write(cfg, &new, lock)?;
    let items: usize = new.sources.iter().map(|s| s.items.len()).sum();
    log::info(format!("wrote {} ({items} items)", cfg.cache.display()));
    Ok(new)
}

/// Nothing changed at the source: keep the cache, moving `checked_at` (for a page; a mirror
/// that did not change says nothing new about the page behind it).
fn unchanged(
    cfg: &Config,
    mut prev: Cache,
    now: DateTime<Utc>,
    lock: &Lock,
) -> Result<Cache, Exit> {
    if cfg.mirror.is_none() {
        prev.checked_at = Some(now);
        write(cfg, &prev, lock)?;
    }
    log::info(format!(
        "{}: not modified since {}; kept",
        cfg.cache.display(),
        prev.fetched_at.to_rfc3339()
    ));
    Ok(prev)
}

/// Writes the cache, if a login will accept it: a page big enough to make a cache over the
/// login's read cap fails the run, and the previous cache stays.
fn write(cfg: &Config, c: &Cache, lock: &Lock) -> Result<(), Exit> {
    let bytes = cache::to_bytes(c);
    if bytes.len() as u64 > cache::MAX_BYTES {
        log::error(format!(
            "{}: the page would make a cache of {} bytes, over the {} bytes a login reads \
             (the previous cache is kept)",
            cfg.cache.display(),
            bytes.len(),
            cache::MAX_BYTES
        ));
        return Err(Exit::Failed);
    }
    cache::write_atomic(&cfg.cache, &bytes, lock).map_err(|e| {
        log::error(format!(
            "{}: cannot write the cache: {e} (the previous cache is kept)",
            cfg.cache.display()
        ));
        Exit::Failed
    })
}

/// Writes this host's view (or `motd_cluster`'s) to `motd_file`, if set: for pam_motd plain
/// text, 80 columns, exactly what `motd-status --login` would print (an empty file when there
/// is nothing); with `motd_format = "markdown"`, Markdown for Open OnDemand's dashboard.
fn motd_file(cfg: &Config, cache: &Cache, now: DateTime<Utc>) -> Exit {
    let Some(path) = &cfg.motd_file else {
        return Exit::Ok;
    };
    let host = crate::select::hostname();
    let zone = LocalZone::from_env();
    let req = Request {
        whose: match &cfg.motd_cluster {
            Some(name) => Whose::Cluster(name),
            None => Whose::Host(&host),
        },
        now,
        zone: &zone,
        format: if cfg.motd_markdown {
            Format::Markdown
        } else {
            Format::Text
        },
        color: false,
        width: 80,
        login: true,
        ascii: crate::render::ascii_locale(),
        frozen: true,
    };
    let text = match view::render(cache, &req) {
        Ok(t) => t,
        Err(e) => {
            log::error(format!(
                "{}: cannot render this host's view: {e}",
                path.display()
            ));
            return Exit::Failed;
        }
    };
    // Still under the cache lock, so no other fetcher writes it at the same time.
    match cache::replace_file(path, text.as_bytes()) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            log::error(format!(
                "{}: cannot write motd_file: {e} (the cache itself was updated)",
                path.display()
            ));
            Exit::Failed
        }
    }
}

/// Standard output for `--list-groups`, `--check` and `--help`: a reader that went away
/// (`| head`) ends the output quietly; a full disk is one logged line and [`Exit::Failed`].
struct Stdout {
    error: Option<std::io::Error>,
}

impl Stdout {
    fn new() -> Stdout {
        Stdout { error: None }
    }

    /// One line (or block) of output, with the credentials of addresses hidden like a log
    /// line's; the callers sanitise page text.
    fn line(&mut self, text: &str) {
        if self.error.is_none() {
            let text = super::http::redact_text(text);
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(text.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            self.error = written.err();
        }
    }

    /// `exit`, unless the output failed for another reason than its reader leaving.
    fn finish(self, exit: Exit) -> Exit {
        match self.error {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                log::error(format!("cannot write to standard output: {e}"));
                Exit::Failed
            }
            _ => exit,
        }
    }
}

/// The sources' groups and components with their ids: what a config can name. Page text is
/// sanitised and odd ids escaped, as everywhere the page reaches a terminal.
fn list_groups(catalogs: &[Catalog<'_>]) -> Exit {
    let mut out = Stdout::new();
    let line = |out: &mut Stdout, indent: &str, name: &str, id: Option<&str>, status: &str| {
        let id = id.map_or_else(
            || "(no id in a mirror)".to_owned(),
            |i| format!("id {}", shown_id(i)),
        );
        out.line(&format!(
            "{indent}{:?}  {id}  {}",
            terminal(name),
            terminal(status)
        ));
    };
    for source in catalogs {
        out.line(&format!(
            "{} ({})",
            terminal(source.name),
            terminal(source.url)
        ));
        for (gi, g) in source.groups.iter().enumerate() {
            line(&mut out, "  group ", g.name, g.id, g.status);
            for c in source.components.iter().filter(|c| c.group == Some(gi)) {
                line(&mut out, "    ", c.name, Some(c.id), c.status);
            }
        }
        let loose: Vec<_> = source
            .components
            .iter()
            .filter(|c| c.group.is_none())
            .collect();
        if !loose.is_empty() {
            out.line("  (not in a group)");
            for c in loose {
                line(&mut out, "    ", c.name, Some(c.id), c.status);
            }
        }
    }
    out.finish(Exit::Ok)
}

/// `--check`: what every cluster resolved to, which cluster this host is in, and every
/// problem (names that match nothing or several things, host patterns that cannot match).
fn check(cfg: &Config, catalogs: &[Catalog<'_>], windows: &[String]) -> Exit {
    let resolved = resolve::resolve_all(&cfg.clusters, catalogs);
    let mut out = Stdout::new();
    let mut problems = 0;
    for w in windows {
        log::error(w);
        problems += 1;
    }
    for r in &resolved {
        let c = r.cluster;
        out.line(&format!(
            "cluster {:?}: hosts {}",
            terminal(&c.name),
            terminal(&c.hosts.join(", "))
        ));
        for line in &r.report() {
            out.line(&format!("  {line}"));
        }
        let n = r.components.len();
        out.line(&format!(
            "  covers {n} component{}",
            if n == 1 { "" } else { "s" }
        ));
        if c.hosts.is_empty() {
            log::error(format!(
                "cluster {:?} has no hosts: only --cluster can select it",
                c.name
            ));
            problems += 1;
        }
        for p in &r.problems() {
            log::error(p);
            problems += 1;
        }
        for h in &c.hosts {
            if let Some(why) = crate::glob::pattern_problem(h) {
                log::warn(format!("cluster {:?}: host pattern {h:?} {why}", c.name));
            }
        }
    }
    if cfg.clusters.is_empty() {
        out.line("no clusters: every host sees only the items that name no component");
    } else {
        let host = crate::select::hostname();
        let clusters: Vec<_> = resolved.iter().map(|r| r.to_cluster()).collect();
        out.line(&match crate::select::cluster_for_host(&clusters, &host) {
            Some(c) => format!(
                "this host ({}) is in cluster {:?}",
                terminal(&host),
                terminal(&c.name)
            ),
            None => format!(
                "this host ({}) is in no cluster: it sees only the items that name no component",
                terminal(&host)
            ),
        });
    }
    let exit = if problems > 0 {
        log::error(format!("{problems} problem(s) in {}", cfg.path.display()));
        Exit::Failed
    } else {
        out.line(&format!("ok: {}", cfg.path.display()));
        Exit::Ok
    };
    out.finish(exit)
}

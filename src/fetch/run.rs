//! The `motd-status-fetch` program: fetch every source, resolve the clusters, write the cache.
//!
//! Any failure leaves the previous cache byte-identical and is reported as one line naming the
//! address and the cause. Exit codes: 0 done, 1 fetch or check failed, 2 usage or config error,
//! 3 another fetcher holds the lock.

use std::ffi::OsString;
use std::path::PathBuf;

use super::config::{self, Config};
use super::resolve::{self, is_group};
use super::source::{Client, Origin};
use super::{Page, build_cache, fetch_page};
use crate::cache::{self, Lock};
use crate::clock;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_LOCKED: i32 = 3;

pub const HELP: &str = "\
motd-status-fetch: fetch a Statuspage page into the local cache that motd-status shows at login

Usage: motd-status-fetch [OPTIONS]

Options:
  --config PATH       Read this config [env: MOTD_STATUS_CONFIG]
                      [default: /etc/motd-status/config.toml]
  --list-groups       Print the page's component groups and components with their ids
  --check             Check the config against the page and print what each cluster covers
  --verbose           Say more about each step
  -h, --help          Print this help
  -V, --version       Print the version

Environment:
  MOTD_STATUS_NOW     Pretend the time is this RFC 3339 instant (for tests)
  SSL_CERT_FILE       Trust these CA certificates instead of the system's

Exit status: 0 done, 1 the fetch or check failed (the previous cache is kept),
2 usage or config error, 3 another motd-status-fetch is running (skipped).
";

#[derive(Debug, Default)]
struct Args {
    config: Option<PathBuf>,
    list_groups: bool,
    check: bool,
    verbose: bool,
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
            Long("verbose") | Short('v') => a.verbose = true,
            Long("help") | Short('h') => return Ok(Action::Help),
            Long("version") | Short('V') => return Ok(Action::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Action::Run(a))
}

fn error(msg: impl std::fmt::Display) {
    eprintln!("motd-status-fetch: error: {msg}");
}

fn warn(msg: impl std::fmt::Display) {
    eprintln!("motd-status-fetch: warning: {msg}");
}

/// The whole program; returns the exit code.
pub fn main() -> i32 {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Action::Run(a)) => a,
        Ok(Action::Help) => {
            print!("{HELP}");
            return EXIT_OK;
        }
        Ok(Action::Version) => {
            println!("motd-status-fetch {}", env!("CARGO_PKG_VERSION"));
            return EXIT_OK;
        }
        Err(e) => {
            eprintln!("motd-status-fetch: {e}\nTry 'motd-status-fetch --help'.");
            return EXIT_USAGE;
        }
    };
    let cfg = match config::load(&config::resolve_path(args.config.clone())) {
        Ok(c) => c,
        Err(e) => {
            error(e);
            return EXIT_USAGE;
        }
    };
    let now = match clock::now() {
        Ok(t) => t,
        Err(e) => {
            error(e);
            return EXIT_USAGE;
        }
    };
    let client = Client::new(cfg.http.clone());
    if args.list_groups || args.check {
        let pages = match fetch_all(&cfg, &client, args.verbose) {
            Ok(p) => p,
            Err(e) => {
                error(e);
                return EXIT_FAILED;
            }
        };
        return if args.list_groups {
            list_groups(&pages);
            EXIT_OK
        } else {
            check(&cfg, &pages)
        };
    }
    fetch(&cfg, &client, now, args.verbose)
}

fn fetch_all(cfg: &Config, client: &Client, verbose: bool) -> Result<Vec<Page>, String> {
    cfg.sources
        .iter()
        .map(|s| {
            let origin = Origin::parse(&s.page);
            let started = std::time::Instant::now();
            let page = fetch_page(client, &origin).map_err(|e| e.to_string())?;
            if verbose {
                eprintln!(
                    "motd-status-fetch: info: fetched {} in {:?}: {} components, {} incidents and maintenances",
                    origin.url("summary.json"),
                    started.elapsed(),
                    page.components.len(),
                    page.incidents.len()
                );
            }
            Ok(page)
        })
        .collect()
}

fn fetch(cfg: &Config, client: &Client, now: chrono::DateTime<chrono::Utc>, verbose: bool) -> i32 {
    let lock = match Lock::try_acquire(&cfg.cache) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            warn(format!(
                "{}: another motd-status-fetch is updating it; skipped",
                cfg.cache.display()
            ));
            return EXIT_LOCKED;
        }
        Err(e) => {
            error(format!(
                "{}: cannot lock the cache: {e}",
                cfg.cache.display()
            ));
            return EXIT_FAILED;
        }
    };
    let pages = match fetch_all(cfg, client, verbose) {
        Ok(p) => p,
        Err(e) => {
            error(format!("{e} (the previous cache is kept)"));
            return EXIT_FAILED;
        }
    };
    let resolved = resolve::resolve_all(&cfg.clusters, &pages);
    for p in resolved.iter().flat_map(|r| &r.problems) {
        warn(p);
    }
    let new = build_cache(cfg, &pages, &resolved, now);
    if let Err(e) = cache::write_atomic(&cfg.cache, &cache::to_bytes(&new), &lock) {
        error(format!(
            "{}: cannot write the cache: {e} (the previous cache is kept)",
            cfg.cache.display()
        ));
        return EXIT_FAILED;
    }
    if verbose {
        let items: usize = new.sources.iter().map(|s| s.items.len()).sum();
        eprintln!(
            "motd-status-fetch: info: wrote {} ({items} items)",
            cfg.cache.display()
        );
    }
    EXIT_OK
}

fn list_groups(pages: &[Page]) {
    for page in pages {
        println!("{} ({})", page.name, page.url);
        let groups: Vec<_> = page.components.iter().filter(|c| is_group(c)).collect();
        for g in &groups {
            println!("  group {:?}  id {}  {}", g.name, g.id, g.status);
            for c in page
                .components
                .iter()
                .filter(|c| !is_group(c) && c.group_id.as_deref() == Some(&g.id))
            {
                println!("    {:?}  id {}  {}", c.name, c.id, c.status);
            }
        }
        let loose: Vec<_> = page
            .components
            .iter()
            .filter(|c| {
                !is_group(c)
                    && c.group_id
                        .as_deref()
                        .is_none_or(|gid| !groups.iter().any(|g| g.id == gid))
            })
            .collect();
        if !loose.is_empty() {
            println!("  (not in a group)");
            for c in loose {
                println!("    {:?}  id {}  {}", c.name, c.id, c.status);
            }
        }
    }
}

fn check(cfg: &Config, pages: &[Page]) -> i32 {
    let resolved = resolve::resolve_all(&cfg.clusters, pages);
    let mut problems = 0;
    for (c, r) in cfg.clusters.iter().zip(&resolved) {
        println!("cluster {:?}: hosts {}", c.name, c.hosts.join(", "));
        for line in &r.report {
            println!("  {line}");
        }
        println!("  covers {} components", r.components.len());
        if c.hosts.is_empty() {
            error(format!(
                "cluster {:?} has no hosts: only --cluster can select it",
                c.name
            ));
            problems += 1;
        }
        for p in &r.problems {
            error(p);
            problems += 1;
        }
    }
    if cfg.clusters.is_empty() {
        println!("no clusters: every host sees only the items that name no component");
    }
    if problems > 0 {
        error(format!("{problems} problem(s) in {}", cfg.path.display()));
        EXIT_FAILED
    } else {
        println!("ok: {}", cfg.path.display());
        EXIT_OK
    }
}

//! The `motd-status-fetch` program: its arguments, and what each mode runs. Every mode returns
//! `Result<Exit, Failure>`; [`run`] logs a failure in one place and turns it into the exit
//! status. Exit codes: 0 done, 1 fetch or check failed (the previous cache is kept), 2 usage or
//! config error, 3 another fetcher holds the lock; `--status` exits as monitoring plugins do.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use super::config;
use super::failure::Failure;
use super::report;
use super::{log, refresh, status};
use crate::exit::{Exit, State};
use crate::sanitize::terminal;

pub const HELP: &str = "\
motd-status-fetch: fetch a Statuspage page into the local cache that motd-status shows at login

Usage: motd-status-fetch [OPTIONS]

Options:
  -c, --config PATH   Read this config [env: MOTD_STATUS_CONFIG]
                      [default: /etc/motd-status/config.toml]
  --list-groups       Print the page's component groups and components with their ids
  --check             Check every notices file (each mistake as file:line:column), then the
                      config against the page, and print what each cluster covers
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
    // A panic (a bug) ends the run at once, from whichever thread, with one line and status 1,
    // as a failed run: the release build aborts rather than unwinding, so this hook decides
    // the status. The lock goes with the process; the cache is only ever replaced whole.
    std::panic::set_hook(Box::new(|info| {
        let line = format!(
            "motd-status-fetch: error: internal error: {}\n",
            crate::sanitize::terminal(&info.to_string())
        );
        // SAFETY: write(2) of our own buffer to stderr, then _exit; nothing else is touched.
        unsafe {
            let _ = libc::write(2, line.as_ptr().cast(), line.len());
            libc::_exit(1)
        }
    }));
    let args = match parse_args(args) {
        Ok(Action::Run(a)) => a,
        Ok(Action::Help) => return report::print(HELP.trim_end()),
        Ok(Action::Version) => {
            return report::print(concat!("motd-status-fetch ", env!("CARGO_PKG_VERSION")));
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
    match mode(&args) {
        Ok(exit) => exit,
        Err(failure) => {
            log::error(&failure);
            failure.exit()
        }
    }
}

/// The mode the arguments ask for, with the config loaded.
fn mode(args: &Args) -> Result<Exit, Failure> {
    let cfg = match config::load(&config::resolve_path(args.config.clone())) {
        Ok(c) => c,
        Err(e) if args.status => {
            let line = format!("MOTD-STATUS UNKNOWN - {}", terminal(&e.to_string()));
            return Ok(report::print_as(&line, Exit::Plugin(State::Unknown)));
        }
        // Installed, not set up yet: the timer's runs do nothing, say so once, and do not
        // fail (a failed unit every five minutes is noise to host monitoring). Asked for a
        // check, it is an error, which says what to set.
        Err(e) if e.unconfigured && !(args.check || args.list_groups) => {
            log::warn(e);
            return Ok(Exit::Ok);
        }
        Err(e) => return Err(e.into()),
    };
    if args.status {
        let (state, line) = status::check(&cfg, crate::clock::now().map_err(Failure::Usage)?);
        return Ok(report::print_as(&line, Exit::Plugin(state)));
    }
    if args.check || args.list_groups {
        return report::run(&cfg, args.list_groups);
    }
    refresh::run(&cfg, args.jitter.unwrap_or(cfg.jitter))
}

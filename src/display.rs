//! The `motd-status` program: arguments, the deadline, and what reaches the terminal.
//!
//! At login (`--login`) it must never hurt: all the work (reading the cache, which may sit on a
//! hung network filesystem, parsing, rendering) runs on a worker thread, and the main thread
//! waits for it only until the deadline; it then prints whatever is ready, or nothing, and exits
//! 0 whatever happened. Outside `--login` the same path reports problems in one line on stderr
//! and exits 2.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crate::cache::{self, Cache, Want};
use crate::clock;
use crate::localtime::LocalZone;
use crate::render::{self, Options, View};
use crate::select::{self, Scope};

pub const ENV_DEADLINE: &str = "MOTD_STATUS_DEADLINE";
const LOGIN_DEADLINE: Duration = Duration::from_millis(200);
const INTERACTIVE_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Args {
    pub login: bool,
    pub all: bool,
    pub cluster: Option<String>,
    pub hostname: Option<String>,
    pub cache: Option<PathBuf>,
    pub color: ColorChoice,
    pub format: Format,
    pub width: Option<usize>,
    pub deadline: Option<Duration>,
}

pub enum Action {
    Run(Args),
    Help,
    Version,
}

pub const HELP: &str = "\
motd-status: this cluster's incidents and maintenance, from the local status cache

Usage: motd-status [OPTIONS]

Options:
  --login               What login shells run: print nothing when there is nothing to report,
                        never print errors, always exit 0, give up after the deadline
  --all                 Show every cluster of the page, not just this host's
  --cluster NAME        Show this cluster instead of the one the hostname matches
  --hostname NAME       Match this hostname instead of the machine's
  --cache PATH          Read this cache [env: MOTD_STATUS_CACHE]
                        [default: /var/cache/motd-status/status.json]
  --color WHEN          auto, always or never [default: auto: a terminal, NO_COLOR unset,
                        TERM not dumb; CLICOLOR_FORCE forces colour]
  --format FORMAT       text, json or markdown [default: text; env: MOTD_FORMAT]
  --width N             Cut lines to N columns [default: the terminal's, else COLUMNS, else 80]
  --deadline DURATION   Give up after this long, e.g. 200ms [env: MOTD_STATUS_DEADLINE]
                        [default: 200ms with --login, 10s otherwise]
  -h, --help            Print this help
  -V, --version         Print the version

Environment:
  MOTD_STATUS_NOW       Pretend the time is this RFC 3339 instant (for tests)
  MOTD_STATUS=off       Read by the profile.d snippets: do not run at login
  TZ                    Times are shown in this zone (default /etc/localtime)

Files:
  /var/cache/motd-status/status.json   The cache written by motd-status-fetch; used only if
                                       owned by root, you or the motd-status user and not
                                       writable by group or others
  /etc/profile.d/motd-status.sh, .csh  The login snippets that run motd-status --login

The cache is written by motd-status-fetch; this program never touches the network.
Exit status: 0 on success (always with --login), 2 on a usage error or an unusable cache.
";

/// Parses arguments; no I/O happens here.
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Action, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser =
        lexopt::Parser::from_iter(std::iter::once(OsString::from("motd-status")).chain(args));
    let mut a = Args {
        login: false,
        all: false,
        cluster: None,
        hostname: None,
        cache: None,
        color: ColorChoice::Auto,
        format: Format::Text,
        width: None,
        deadline: None,
    };
    let mut format_set = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("login") => a.login = true,
            Long("all") | Short('a') => a.all = true,
            Long("cluster") => a.cluster = Some(parser.value()?.string()?),
            Long("hostname") => a.hostname = Some(parser.value()?.string()?),
            Long("cache") => a.cache = Some(parser.value()?.into()),
            Long("color") | Long("colour") => {
                a.color = match parser.value()?.string()?.as_str() {
                    "auto" => ColorChoice::Auto,
                    "always" => ColorChoice::Always,
                    "never" => ColorChoice::Never,
                    other => {
                        return Err(
                            format!("--color takes auto, always or never, not {other:?}").into(),
                        );
                    }
                }
            }
            Long("format") => {
                a.format = parse_format(&parser.value()?.string()?)?;
                format_set = true;
            }
            Long("width") => {
                let n: usize = parser.value()?.parse()?;
                a.width = Some(n);
            }
            Long("deadline") => {
                let v = parser.value()?.string()?;
                a.deadline = Some(parse_deadline(&v)?);
            }
            Long("help") | Short('h') => return Ok(Action::Help),
            Long("version") | Short('V') => return Ok(Action::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    if !format_set
        && let Ok(v) = std::env::var("MOTD_FORMAT")
        && !v.is_empty()
    {
        a.format = parse_format(&v)?;
    }
    Ok(Action::Run(a))
}

fn parse_format(v: &str) -> Result<Format, lexopt::Error> {
    match v {
        "text" => Ok(Format::Text),
        "json" => Ok(Format::Json),
        "markdown" | "md" => Ok(Format::Markdown),
        other => Err(format!("--format takes text, json or markdown, not {other:?}").into()),
    }
}

fn parse_deadline(v: &str) -> Result<Duration, lexopt::Error> {
    humantime::parse_duration(v).map_err(|e| format!("deadline {v:?}: {e}").into())
}

/// The whole program; returns the exit code.
pub fn main() -> i32 {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    let login = raw.iter().any(|a| a == "--login");
    let args = match parse_args(raw) {
        Ok(Action::Help) => return print(HELP),
        Ok(Action::Version) => {
            return print(concat!("motd-status ", env!("CARGO_PKG_VERSION"), "\n"));
        }
        Ok(Action::Run(a)) => a,
        Err(_) if login => return 0,
        Err(e) => {
            eprintln!("motd-status: {e}\nTry 'motd-status --help'.");
            return 2;
        }
    };
    let deadline = args
        .deadline
        .or_else(|| {
            std::env::var(ENV_DEADLINE)
                .ok()
                .and_then(|v| humantime::parse_duration(&v).ok())
        })
        .unwrap_or(if args.login {
            LOGIN_DEADLINE
        } else {
            INTERACTIVE_DEADLINE
        });
    if args.login {
        // Whatever goes wrong at login stays out of the user's terminal.
        std::panic::set_hook(Box::new(|_| {}));
    }
    let color = use_color(args.color);
    let width = args.width.or_else(terminal_width).unwrap_or(80);

    // One thread needs no second malloc arena; glibc would set one up for the worker.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let (tx, rx) = mpsc::channel();
    let worker = args.clone();
    let spawned = std::thread::Builder::new()
        .name("render".into())
        .spawn(move || {
            let out = load(&worker).and_then(|cache| {
                let out = render_cache(&cache, &worker, color, width);
                // The process exits right after printing: freeing every string of the cache
                // one by one would be work for nothing.
                std::mem::forget(cache);
                out
            });
            let _ = tx.send(out);
        });
    if spawned.is_err() {
        return if args.login { 0 } else { 2 };
    }
    match rx.recv_timeout(deadline) {
        Ok(Ok(out)) => {
            print(&out);
            0
        }
        Ok(Err(_)) | Err(_) if args.login => 0,
        Ok(Err(msg)) => {
            eprintln!("motd-status: {msg}");
            2
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let path = cache::resolve_path(args.cache.clone());
            eprintln!(
                "motd-status: {}: gave up after {} (a hung filesystem?)",
                path.display(),
                humantime::format_duration(deadline)
            );
            2
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            eprintln!("motd-status: internal error while rendering");
            2
        }
    }
}

/// Reads the cache and renders the requested view.
pub fn render(args: &Args, color: bool, width: usize) -> Result<String, String> {
    render_cache(&load(args)?, args, color, width)
}

fn load(args: &Args) -> Result<Cache, String> {
    let path = cache::resolve_path(args.cache.clone());
    let host;
    let want = match (&args.cluster, args.all) {
        (_, true) => return cache::read(&path).map_err(|e| e.to_string()),
        (Some(name), false) => Want::Cluster(name),
        (None, false) => {
            host = args.hostname.clone().unwrap_or_else(hostname);
            Want::Host(&host)
        }
    };
    cache::read_for(&path, want).map_err(|e| e.to_string())
}

fn render_cache(cache: &Cache, args: &Args, color: bool, width: usize) -> Result<String, String> {
    let now = clock::now()?;
    let zone = LocalZone::from_env();
    let views = views(cache, args)?;
    let opts = Options {
        now,
        zone: &zone,
        color: color && args.format == Format::Text,
        width,
        max_items: args.login.then_some(cache.settings.max_items),
        login: args.login,
        all: args.all,
    };
    let views: Vec<View<'_>> = views
        .into_iter()
        .map(|(cluster, scope)| View::of(cache, cluster, scope, now))
        .collect();
    Ok(match args.format {
        Format::Text => render::text(cache, &views, &opts),
        Format::Json => render::json(cache, &views, &opts),
        Format::Markdown => render::markdown(cache, &views, &opts),
    })
}

/// Which views to show: this host's cluster, a named one, or all of them.
fn views<'a>(cache: &'a Cache, args: &Args) -> Result<Vec<(Option<&'a str>, Scope<'a>)>, String> {
    if args.all {
        let mut v: Vec<_> = cache
            .clusters
            .iter()
            .map(|c| (Some(c.name.as_str()), Scope::Cluster(c)))
            .collect();
        v.push((None, Scope::Unclaimed));
        return Ok(v);
    }
    let cluster = match &args.cluster {
        Some(name) => Some(select::cluster_by_name(cache, name).ok_or_else(|| {
            let names: Vec<&str> = cache.clusters.iter().map(|c| c.name.as_str()).collect();
            format!(
                "no cluster named {name:?} in the cache (clusters: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )
        })?),
        None => {
            let host = args.hostname.clone().unwrap_or_else(hostname);
            select::cluster_for_host(cache, &host)
        }
    };
    Ok(vec![match cluster {
        Some(c) => (Some(c.name.as_str()), Scope::Cluster(c)),
        None => (None, Scope::NoCluster),
    }])
}

fn print(s: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`motd-status | head`) is not an error worth reporting.
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.flush());
    0
}

fn use_color(choice: ColorChoice) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("CLICOLOR_FORCE") && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0")
            {
                return true;
            }
            !set("NO_COLOR")
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}

/// The terminal's width, else `COLUMNS`.
fn terminal_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we own; failure leaves it unused.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 0 {
        return Some(ws.ws_col as usize);
    }
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
}

/// This machine's hostname, from the kernel (no name-service lookup).
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or fails.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

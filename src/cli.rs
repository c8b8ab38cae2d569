//! The `motd-status` program: arguments, environment, the deadline, and what reaches the
//! terminal. The views themselves come from [`crate::view`].
//!
//! At login (`--login`) it must never hurt: all the work (reading the cache, which may sit on a
//! hung network filesystem, parsing, rendering) runs under a [`deadline`]; past it the program
//! prints nothing and exits 0, whatever happened. Outside `--login` the same path reports
//! problems in one line on stderr and exits 2. `--job-hint` (at `sbatch`, see
//! [`crate::job_hint`]) is as quiet as `--login`, with a shorter deadline.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::deadline::{self, Missed};
use crate::exit::Exit;
use crate::localtime::LocalZone;
use crate::render::{Format, Request};
use crate::seen::{self, Seen};
use crate::select::Whose;
use crate::view;
use crate::{clock, env, pam_motd};

pub const ENV_DEADLINE: &str = "MOTD_STATUS_DEADLINE";
pub const ENV_FORMAT: &str = "MOTD_FORMAT";
/// The user's switch, read by the login snippets (`off`); `full` here shows every entry in full
/// at login, whatever the user has seen. Other values are the snippets' and mean nothing here.
pub const ENV_SWITCH: &str = "MOTD_STATUS";
const LOGIN_DEADLINE: Duration = Duration::from_millis(200);
const JOB_HINT_DEADLINE: Duration = Duration::from_millis(100);
const INTERACTIVE_DEADLINE: Duration = Duration::from_secs(10);

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
    pub format: Option<Format>,
    pub width: Option<usize>,
    pub deadline: Option<Duration>,
    /// `--job-hint`, and the job's `--time`, `--partition` and `--begin`.
    pub job_hint: bool,
    pub job: crate::job_hint::Request,
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
  -a, --all             Show every cluster of the page, not just this host's
  --cluster NAME        Show this cluster instead of the one the hostname matches
  --hostname NAME       Match this hostname instead of the machine's
  --cache PATH          Read this cache [env: MOTD_STATUS_CACHE]
                        [default: /var/cache/motd-status/status.json]
  --color WHEN          auto, always or never [default: auto: a terminal, NO_COLOR unset,
                        TERM not dumb; CLICOLOR_FORCE forces colour]
  --format FORMAT       text, json or markdown [default: text; env: MOTD_FORMAT]
  --width N             Cut lines to N columns [default: the terminal's, else COLUMNS, else 80]
  --deadline DURATION   Give up after this long, e.g. 200ms [env: MOTD_STATUS_DEADLINE]
                        [default: 200ms with --login, 100ms with --job-hint, 10s otherwise]
  --job-hint            What Slurm's cli_filter.lua runs at sbatch (job-hint.lua): at most two
                        lines when the job would cross a maintenance reservation of its
                        partition (when it would start instead, the longest --time that
                        fits); else, and on any error, nothing; always exit 0
    --time T            The job's --time [default: its partition's DefaultTime]
    --partition P       Its --partition, or a comma list [default: the default partition]
    --begin B           Its --begin: now, now+N[unit], YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS]
  -h, --help            Print this help
  -V, --version         Print the version

Environment:
  MOTD_STATUS_NOW       Pretend the time is this RFC 3339 instant (for tests)
  MOTD_STATUS=off       Read by the profile.d snippets: do not run at login
  MOTD_STATUS=full      With --login, show every entry in full, even those seen already
  MOTD_SHOWN=pam        Set by pam_motd: with --login, print nothing if the site's motd_file
                        is linked into /run/motd.d, /etc/motd.d or /usr/lib/motd.d
  TZ                    Times are shown in this zone (default /etc/localtime)

Files:
  /var/cache/motd-status/status.json   The cache written by motd-status-fetch; used only if
                                       owned by root, you or the motd-status user and not
                                       writable by group or others
  /etc/profile.d/motd-status.sh, .csh  The login snippets that run motd-status --login
  ~/.local/state/motd-status/seen      What you have seen at login ($XDG_STATE_HOME first)

The cache is written by motd-status-fetch; this program never touches the network.
Exit status: 0 on success (always with --login), 2 on a usage error or an unusable cache.
";

/// Parses arguments and the environment variables that stand for them; no other I/O.
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Action, String> {
    parse_flags(args).map_err(|e| e.to_string())?.and_env()
}

fn parse_flags(args: impl IntoIterator<Item = OsString>) -> Result<Action, lexopt::Error> {
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
        format: None,
        width: None,
        deadline: None,
        job_hint: false,
        job: crate::job_hint::Request::default(),
    };
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
                let v = parser.value()?.string()?;
                a.format = Some(Format::parse(&v).map_err(|e| format!("--format {e}"))?);
            }
            Long("width") => {
                let n: usize = parser.value()?.parse()?;
                a.width = Some(n);
            }
            Long("deadline") => {
                let v = parser.value()?.string()?;
                a.deadline = Some(parse_deadline(&v).map_err(|e| format!("--deadline {e}"))?);
            }
            Long("job-hint") => a.job_hint = true,
            Long("time") => a.job.time = Some(parser.value()?.string()?),
            Long("partition") => a.job.partition = Some(parser.value()?.string()?),
            Long("begin") => a.job.begin = Some(parser.value()?.string()?),
            Long("help") | Short('h') => return Ok(Action::Help),
            Long("version") | Short('V') => return Ok(Action::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    let job = &a.job;
    if !a.job_hint && (job.time.is_some() || job.partition.is_some() || job.begin.is_some()) {
        return Err("--time, --partition and --begin go with --job-hint".into());
    }
    Ok(Action::Run(a))
}

impl Action {
    /// Flags win; the variables fill in what they left unset (see [`crate::env`]).
    fn and_env(self) -> Result<Action, String> {
        let Action::Run(mut a) = self else {
            return Ok(self);
        };
        // MOTD_FORMAT is Open OnDemand's variable for its dashboard: a login shell that
        // inherits it still prints the terminal's text.
        if a.format.is_none() && !a.login && !a.job_hint {
            a.format = env::parse(ENV_FORMAT, Format::parse)?;
        }
        if a.deadline.is_none() {
            a.deadline = env::parse(ENV_DEADLINE, parse_deadline)?;
        }
        Ok(Action::Run(a))
    }
}

fn parse_deadline(v: &str) -> Result<Duration, String> {
    match humantime::parse_duration(v) {
        Ok(d) if d.is_zero() => Err(format!("{v:?}: a deadline must be more than 0")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{v:?} is not a duration like 200ms: {e}")),
    }
}

/// The whole program, from its arguments (without the program name).
pub fn run(raw: Vec<OsString>) -> Exit {
    // Quiet: at login, and at sbatch (--job-hint).
    let login = raw.iter().any(|a| a == "--login" || a == "--job-hint");
    let args = match parse_args(raw) {
        Ok(Action::Help) => return print(HELP, login),
        Ok(Action::Version) => {
            return print(
                concat!("motd-status ", env!("CARGO_PKG_VERSION"), "\n"),
                login,
            );
        }
        Ok(Action::Run(a)) => a,
        Err(_) if login => return Exit::Ok,
        Err(e) => {
            eprintln!("motd-status: {e}\nTry 'motd-status --help'.");
            return Exit::Usage;
        }
    };
    let quiet = args.login || args.job_hint;
    let deadline = args.deadline.unwrap_or(match (args.job_hint, args.login) {
        (true, _) => JOB_HINT_DEADLINE,
        (false, true) => LOGIN_DEADLINE,
        (false, false) => INTERACTIVE_DEADLINE,
    });
    let color = use_color(args.color);
    let width = args.width.or_else(terminal_width).unwrap_or(80);

    // One thread needs no second malloc arena; glibc would set one up for the worker.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let worker = args.clone();
    let until = Instant::now() + deadline;
    // The worker answers with the output, then (when the login folds) writes the user's state
    // and answers again: the view is out before the state is written, and a home that hangs
    // or fails costs nothing but the folding next time. The job hint shares the worker.
    let answers = deadline::start("render", move |answer| {
        work(&worker, color, width, until, answer);
    });
    let result = answers.and_then(|a| match deadline::wait(&a, deadline)? {
        Answer::Output(out) => Ok((out, a)),
        Answer::Written => Err(Missed::Failed),
    });
    match result {
        Ok((Ok((out, writing)), answers)) => {
            let exit = print(&out, quiet);
            if writing {
                let left = until.saturating_duration_since(Instant::now());
                let _ = deadline::wait(&answers, left);
            }
            exit
        }
        _ if quiet => Exit::Ok,
        Ok((Err(msg), _)) => {
            eprintln!("motd-status: {}", crate::sanitize::terminal(&msg));
            Exit::Usage
        }
        Err(Missed::TimedOut) => {
            let path = crate::cache::path(args.cache.clone());
            eprintln!(
                "motd-status: {}: gave up after {} (a hung filesystem?)",
                path.display(),
                humantime::format_duration(deadline)
            );
            Exit::Usage
        }
        Err(Missed::Failed) => {
            eprintln!("motd-status: internal error while rendering");
            Exit::Usage
        }
    }
}

/// `--job-hint`'s lines, or nothing (see [`crate::job_hint`]).
fn job_hint(args: &Args) -> String {
    let host = args
        .hostname
        .clone()
        .unwrap_or_else(crate::select::hostname);
    crate::job_hint::run(&crate::cache::path(args.cache.clone()), &host, &args.job)
}

/// The worker: the output, then (when the login folds) the user's state written.
fn work(
    args: &Args,
    color: bool,
    width: usize,
    until: Instant,
    answer: &std::sync::mpsc::Sender<Answer>,
) {
    if args.job_hint {
        let _ = answer.send(Answer::Output(Ok((job_hint(args), false))));
        return;
    }
    match show(args, color, width, until) {
        Ok((out, state)) => {
            let _ = answer.send(Answer::Output(Ok((out, state.is_some()))));
            if let Some(state) = state {
                state.write();
                let _ = answer.send(Answer::Written);
            }
        }
        Err(e) => {
            let _ = answer.send(Answer::Output(Err(e)));
        }
    }
}

/// What the worker hands over: the output (or why there is none) and whether it goes on to
/// write the user's state; then, if it does, that it has.
enum Answer {
    Output(Result<(String, bool), String>),
    Written,
}

/// The user's state to write once the view is out.
struct NewState {
    dir: PathBuf,
    seen: Seen,
}

impl NewState {
    fn write(self) {
        let _ = seen::file::write(&self.dir, &self.seen);
    }
}

/// Reads the cache and renders the requested view; at login also what this user has seen,
/// and returns their new state.
fn show(
    args: &Args,
    color: bool,
    width: usize,
    until: Instant,
) -> Result<(String, Option<NewState>), String> {
    let now = clock::now()?;
    let zone = LocalZone::from_env();
    let host;
    let target = match (&args.cluster, args.all) {
        (_, true) => Whose::All,
        (Some(name), false) => Whose::Cluster(name),
        (None, false) => {
            host = args
                .hostname
                .clone()
                .unwrap_or_else(crate::select::hostname);
            Whose::Host(&host)
        }
    };
    let format = args.format.unwrap_or(Format::Text);
    let (cache, chosen) = view::load(&crate::cache::path(args.cache.clone()), target)?;
    let req = Request {
        whose: target,
        now,
        zone: &zone,
        format,
        color: color && format == Format::Text,
        width,
        login: args.login,
        ascii: crate::render::ascii_locale(),
        frozen: false,
    };
    let out = if args.login && pam_motd_showed_it(&cache, chosen) {
        // pam_motd showed this very view; all a login may add is that it is old, when it is
        // (a stopped fetcher leaves the file as it was).
        Ok((view::after_pam_motd(&cache, &req), None))
    } else if let Some((dir, seen)) = folding(args, format, &cache, until) {
        view::render_login(&cache, chosen, &req, &seen)
            .map(|(out, next)| (out, next.map(|seen| NewState { dir, seen })))
    } else {
        view::render_loaded(&cache, chosen, &req).map(|out| (out, None))
    };
    // The process exits right after printing: freeing every string of the cache one by one
    // would be work for nothing.
    std::mem::forget(cache);
    out
}

/// At a login in text that folds what the user has seen (the site's `[login] repeat`, and
/// not `MOTD_STATUS=full`): the user's state directory and state, read within half the time
/// left. `None` (everything in full, nothing written) when there is no such directory or it
/// does not answer in time.
fn folding(args: &Args, format: Format, cache: &Cache, until: Instant) -> Option<(PathBuf, Seen)> {
    let full = std::env::var_os(ENV_SWITCH).is_some_and(|v| v.eq_ignore_ascii_case("full"));
    if !args.login || format != Format::Text || !seen::folds(&cache.settings, full) {
        return None;
    }
    let dir = seen::file::dir()?;
    let budget = until.saturating_duration_since(Instant::now()) / 2;
    let reading = dir.clone();
    let state = deadline::within("state", budget, move || seen::file::read(&reading)).ok()?;
    Some((dir, state))
}

/// Whether pam_motd has already shown this login its view: the cache names the text view the
/// fetcher writes for pam_motd, that file holds this host's view (not another cluster's, as a
/// site-wide `motd_cluster` makes it), it was written since the page last confirmed the cache
/// (not left behind by runs that could not write it), and pam_motd showed that very file at
/// this login ([`pam_motd::showed`]).
fn pam_motd_showed_it(cache: &Cache, chosen: Option<usize>) -> bool {
    let (Some(file), Some(view)) = (cache.motd_file.as_deref(), cache.motd_view.as_ref()) else {
        return false;
    };
    let mine = chosen.map(|i| cache.clusters[i].name.as_str());
    let file = std::path::Path::new(file);
    view.cluster.as_deref() == mine
        && crate::select::motd_file_behind(file, cache) == Some(0)
        && pam_motd::showed(file)
}

/// Writes the output. A reader that went away (`motd-status --all | head -1`) is not worth a
/// word and exits 0; any other failure (a full disk) is one line on stderr and exit 2, except
/// at login, which says nothing and exits 0 whatever happened.
fn print(s: &str, login: bool) -> Exit {
    if s.is_empty() {
        // Nothing to report at login, the usual case: no write, nothing that can fail.
        return Exit::Ok;
    }
    // The binary has no Rust runtime set-up (`no_main`), which is what would ignore SIGPIPE:
    // at its default, a write to a closed pipe kills the process (status 141, and the shell
    // may report it) instead of failing with EPIPE. Ignoring it here is safe: the render worker
    // has answered, no other thread writes, and this program never starts another one (a
    // child would inherit the ignored signal).
    // SAFETY: signal() only changes this process's disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let mut out = std::io::stdout().lock();
    let written = out.write_all(s.as_bytes()).and_then(|()| out.flush());
    match written {
        Ok(()) => Exit::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(_) if login => Exit::Ok,
        Err(e) => {
            // Not eprintln!, which panics when stderr cannot be written either.
            let _ = writeln!(
                std::io::stderr(),
                "motd-status: cannot write the output: {e}"
            );
            Exit::Usage
        }
    }
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

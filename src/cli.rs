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
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::deadline::{self, Missed};
use crate::exit::Exit;
use crate::localtime::LocalZone;
use crate::render::{Format, Request};
use crate::seen::{self, Seen};
use crate::select::Whose;
use crate::view;
use crate::{clock, pam_motd};

mod args;

pub use args::{Action, Args, ColorChoice, ENV_DEADLINE, ENV_FORMAT, ENV_SWITCH, HELP, parse_args};

const LOGIN_DEADLINE: Duration = Duration::from_millis(200);
const JOB_HINT_DEADLINE: Duration = Duration::from_millis(100);
const INTERACTIVE_DEADLINE: Duration = Duration::from_secs(10);

/// The arguments of a run, or how the program ends without one (`--help`, `--version`, a
/// usage error: quiet at login and at sbatch).
fn arguments(raw: Vec<OsString>) -> Result<Args, Exit> {
    let login = raw.iter().any(|a| a == "--login" || a == "--job-hint");
    match parse_args(raw) {
        Ok(Action::Help) => Err(print(HELP, login)),
        Ok(Action::Version) => Err(print(
            concat!("motd-status ", env!("CARGO_PKG_VERSION"), "\n"),
            login,
        )),
        Ok(Action::Run(a)) => Ok(a),
        Err(_) if login => Err(Exit::Ok),
        Err(e) => {
            eprintln!("motd-status: {e}\nTry 'motd-status --help'.");
            Err(Exit::Usage)
        }
    }
}

/// The whole program, from its arguments (without the program name).
pub fn run(raw: Vec<OsString>) -> Exit {
    let args = match arguments(raw) {
        Ok(args) => args,
        Err(exit) => return exit,
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
    let until = Instant::now() + deadline;
    let state = state_dir(&args);
    let worker = args.clone();
    // The worker answers with the output, then (when the login folds) writes the user's state
    // and answers again: the view is out before the state is written, and a home that hangs
    // or fails costs nothing but the folding next time. The job hint shares the worker.
    let answers = deadline::start("render", move |answer| {
        work(&worker, color, width, until, state, answer);
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
    state: Option<PathBuf>,
    answer: &mpsc::Sender<Answer>,
) {
    if args.job_hint {
        let _ = answer.send(Answer::Output(Ok((job_hint(args), false))));
        return;
    }
    match show(args, color, width, until, state) {
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
    state: Option<PathBuf>,
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
    } else if let Some((dir, seen)) = folding(state, &cache, until) {
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

/// At a login in text that may fold what the user has seen (not `MOTD_STATUS=full`): the
/// user's state directory. `None` when there is none.
fn state_dir(args: &Args) -> Option<PathBuf> {
    let full = std::env::var_os(ENV_SWITCH).is_some_and(|v| v.eq_ignore_ascii_case("full"));
    if !args.login || args.job_hint || args.format.is_some_and(|f| f != Format::Text) || full {
        return None;
    }
    seen::file::dir()
}

/// When the site folds what a user has seen (`[login] repeat`): the user's state directory
/// and state, read on a thread of its own within half the time left (a home that hangs must
/// not hold the view up). `None` (everything in full, nothing written) otherwise. Only a login
/// that folds touches the home: not one that pam_motd showed, nor one at a site that does not
/// fold.
fn folding(dir: Option<PathBuf>, cache: &Cache, until: Instant) -> Option<(PathBuf, Seen)> {
    let dir = dir?;
    if !seen::folds(&cache.settings) {
        return None;
    }
    let budget = until.saturating_duration_since(Instant::now()) / 2;
    let reading = dir.clone();
    let seen = deadline::within("state", budget, move || seen::file::read(&reading)).ok()?;
    Some((dir, seen))
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

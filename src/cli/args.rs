//! The command line of `motd-status`: its flags, the variables that stand in for them, and
//! the help text. No I/O but the environment.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::env;
use crate::render::Format;

pub const ENV_DEADLINE: &str = "MOTD_STATUS_DEADLINE";
pub const ENV_FORMAT: &str = "MOTD_FORMAT";
/// The user's switch, read by the login snippets (`off`); `full` here shows every entry in full
/// at login, whatever the user has seen. Other values are the snippets' and mean nothing here.
pub const ENV_SWITCH: &str = "MOTD_STATUS";

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
    /// `--job-hint`, and the job's `--time`, `--time-min`, `--partition` and `--begin`.
    pub job_hint: bool,
    pub job: crate::job_hint::Request,
}

// Made once per run and taken apart at once: no allocation for the login's path.
#[allow(clippy::large_enum_variant)]
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
    --time-min M        Its --time-min: Slurm may shorten it to M to fit [default: none]
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
            Long("time-min") => a.job.time_min = Some(parser.value()?.string()?),
            Long("partition") => a.job.partition = Some(parser.value()?.string()?),
            Long("begin") => a.job.begin = Some(parser.value()?.string()?),
            Long("help") | Short('h') => return Ok(Action::Help),
            Long("version") | Short('V') => return Ok(Action::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    let job = &a.job;
    let given = [&job.time, &job.time_min, &job.partition, &job.begin];
    if !a.job_hint && given.iter().any(|v| v.is_some()) {
        return Err("--time, --time-min, --partition and --begin go with --job-hint".into());
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

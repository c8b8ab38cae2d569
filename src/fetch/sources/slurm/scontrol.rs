//! Running scontrol with a hard deadline: stdin closed, stdout and stderr read on threads up
//! to a cap, and at the deadline the whole process group killed and the child reaped, so
//! neither a hung controller nor a child that forked something holding the pipes open can
//! hold the fetcher up.
//!
//! The environment is pinned where it changes what scontrol prints: `TZ=UTC0` (scontrol
//! writes times in its own zone, without an offset: in UTC there is nothing to guess, no
//! hour skipped or shown twice), `SLURM_TIME_FORMAT=standard` (a user's `relative` or
//! strftime format would change the times), no `SLURM_CLUSTERS` (which would send the
//! request to another cluster). `SLURM_CONF` is set when a config file is given, else
//! inherited, as scontrol's own default.
//!
//! A failure is one line naming the program, in Slurm's own words where they say what is
//! wrong: the controller not answering ("Unable to contact slurm controller"), munge
//! ("Munge encode failed: …"), the controller dropping the request ("Zero Bytes were
//! transmitted or received", as it does when munge refuses this host's credential).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long scontrol may take unless the config says otherwise. scontrol itself gives up
/// on a controller that does not answer after `MessageTimeout` (default 10 s, so about 9 s
/// of retries).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most scontrol may print on stdout or stderr: reservations and partitions of the
/// largest cluster fit many times over.
pub const OUTPUT_CAP: usize = 8 << 20;

/// How to run scontrol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scontrol {
    /// `scontrol`, found on `PATH`, or a path.
    pub program: PathBuf,
    /// Another cluster's `slurm.conf`, as `SLURM_CONF`.
    pub slurm_conf: Option<PathBuf>,
    pub timeout: Duration,
}

impl Default for Scontrol {
    fn default() -> Scontrol {
        Scontrol {
            program: PathBuf::from("scontrol"),
            slurm_conf: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Why scontrol gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScontrolError {
    NotFound {
        program: String,
    },
    /// It could not be started for another reason (not executable, no threads).
    Start {
        program: String,
        why: String,
    },
    TimedOut {
        program: String,
        after: Duration,
    },
    TooMuch {
        program: String,
    },
    /// "Unable to contact slurm controller": slurmctld is down or unreachable.
    ControllerDown {
        program: String,
        line: String,
    },
    /// Munge failed or refused ("Munge encode failed: …", "Protocol authentication error").
    Munge {
        program: String,
        line: String,
    },
    /// The controller closed the connection without an answer.
    Dropped {
        program: String,
        line: String,
    },
    /// Any other failure: how it ended, and its first line on stderr.
    Failed {
        program: String,
        ended: String,
        line: String,
    },
}

impl std::fmt::Display for ScontrolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScontrolError::NotFound { program } => write!(f, "{program}: not found"),
            ScontrolError::Start { program, why } => write!(f, "{program}: cannot run it: {why}"),
            ScontrolError::TimedOut { program, after } => {
                write!(f, "{program} timed out after {}s", after.as_secs_f64())
            }
            ScontrolError::TooMuch { program } => {
                write!(f, "{program} printed more than {} MiB", OUTPUT_CAP >> 20)
            }
            ScontrolError::ControllerDown { program, line } => {
                write!(f, "{program}: slurmctld is not responding: {line}")
            }
            ScontrolError::Munge { program, line } => {
                write!(f, "{program}: munge refused the credential: {line}")
            }
            ScontrolError::Dropped { program, line } => write!(
                f,
                "{program}: slurmctld dropped the request ({line}); it does so when munge \
                 refuses this host's credential (a munge key other than the cluster's)"
            ),
            ScontrolError::Failed {
                program,
                ended,
                line,
            } => {
                if line.is_empty() {
                    write!(f, "{program} {ended}")
                } else {
                    write!(f, "{program} {ended}: {line}")
                }
            }
        }
    }
}

impl Scontrol {
    /// Runs `scontrol args…` and returns its stdout, or why not, within `timeout`.
    pub fn run(&self, args: &[&str]) -> Result<String, ScontrolError> {
        let program = self.program.display().to_string();
        let started = Instant::now();
        let mut cmd = Command::new(&self.program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("TZ", "UTC0")
            .env("SLURM_TIME_FORMAT", "standard")
            .env_remove("SLURM_CLUSTERS")
            .process_group(0);
        if let Some(conf) = &self.slurm_conf {
            cmd.env("SLURM_CONF", conf);
        }
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ScontrolError::NotFound {
                program: program.clone(),
            },
            _ => ScontrolError::Start {
                program: program.clone(),
                why: e.to_string(),
            },
        })?;
        let deadline = started + self.timeout;
        let outcome = collect(&mut child, deadline);
        let timed_out = ScontrolError::TimedOut {
            program: program.clone(),
            after: self.timeout,
        };
        let (stdout, stderr, status) = match outcome {
            Collected::Done(out, err, status) => (out, err, status),
            Collected::TimedOut => return Err(timed_out),
            Collected::NoThread(why) => return Err(ScontrolError::Start { program, why }),
        };
        let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
            return Err(ScontrolError::TooMuch { program });
        };
        if status.success() {
            return Ok(String::from_utf8_lossy(&stdout).into_owned());
        }
        Err(failure(program, status, &String::from_utf8_lossy(&stderr)))
    }
}

/// What became of a run: both outputs (`None` when over the cap) and the status.
enum Collected {
    Done(Option<Vec<u8>>, Option<Vec<u8>>, ExitStatus),
    TimedOut,
    NoThread(String),
}

/// Reads both pipes on threads until they close, then waits for the child, all before
/// `deadline`; past it, kills the child's process group and reaps the child. A reader still
/// blocked then (a grandchild that left the group keeps the pipe) is left behind.
fn collect(child: &mut Child, deadline: Instant) -> Collected {
    let (tx, rx) = mpsc::channel();
    let pipes: [Option<Box<dyn Read + Send>>; 2] = [
        child.stdout.take().map(|p| Box::new(p) as _),
        child.stderr.take().map(|p| Box::new(p) as _),
    ];
    for (i, pipe) in pipes.into_iter().enumerate() {
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("scontrol-output".to_owned())
            .spawn(move || {
                let _ = tx.send((i, pipe.map(read_capped).unwrap_or(Some(Vec::new()))));
            });
        if let Err(e) = spawned {
            kill(child);
            return Collected::NoThread(e.to_string());
        }
    }
    let mut outputs = [None, None];
    for _ in 0..2 {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((i, out)) => outputs[i] = Some(out),
            Err(_) => {
                kill(child);
                return Collected::TimedOut;
            }
        }
    }
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let [out, err] = outputs;
                return Collected::Done(out.flatten(), err.flatten(), status);
            }
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            _ => {
                kill(child);
                return Collected::TimedOut;
            }
        }
    }
}

/// Everything `r` gives, or `None` past [`OUTPUT_CAP`] (the rest is read and dropped, so the
/// writer is not blocked on a full pipe).
fn read_capped(mut r: Box<dyn Read + Send>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let _ = r.by_ref().take(OUTPUT_CAP as u64 + 1).read_to_end(&mut out);
    if out.len() > OUTPUT_CAP {
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        return None;
    }
    Some(out)
}

/// Kills the child's process group (it leads its own), then the child in case it left it, and
/// reaps it. The group is killed while the child is still a zombie, so its id is not reused.
fn kill(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// What a failed run's stderr says, recognised where Slurm's words say what is wrong.
fn failure(program: String, status: ExitStatus, stderr: &str) -> ScontrolError {
    let lines: Vec<String> = stderr
        .lines()
        .map(|l| {
            crate::sanitize::terminal(l)
                .chars()
                .take(300)
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect();
    let find = |needles: &[&str]| {
        needles
            .iter()
            .find_map(|n| lines.iter().find(|l| l.contains(n)).cloned())
    };
    if let Some(line) = find(&["Unable to contact slurm controller"]) {
        return ScontrolError::ControllerDown { program, line };
    }
    if let Some(line) = find(&[
        "Munge encode failed",
        "Munge decode failed",
        "Invalid authentication credential",
        "Protocol authentication error",
    ]) {
        return ScontrolError::Munge { program, line };
    }
    if let Some(line) = find(&["Zero Bytes were transmitted or received"]) {
        return ScontrolError::Dropped { program, line };
    }
    let ended = match (
        status.code(),
        std::os::unix::process::ExitStatusExt::signal(&status),
    ) {
        (Some(code), _) => format!("exited {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        (None, None) => status.to_string(),
    };
    ScontrolError::Failed {
        program,
        ended,
        line: lines.into_iter().next().unwrap_or_default(),
    }
}

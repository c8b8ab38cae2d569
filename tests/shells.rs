//! The profile.d snippets, run by the real shells they are written for.
//!
//! Each case sources a snippet between two markers, `[start]` and `[end STATUS]`, under bash,
//! dash, zsh (native and in sh emulation), ksh, tcsh, BSD csh and fish, each started as a login
//! shell (as sshd, login and `su -l` start it, or with its own login option), either inside a
//! pseudo-terminal made by util-linux `script` or with no terminal at all, and reads what came
//! out between the markers. The snippets act in login shells only, so the same shells started as
//! other interactive shells must stay silent; and the start-up files of RHEL and its rebuilds
//! (`tests/fixtures/rhel`), which source profile.d in every interactive shell, must bring the view
//! up once per login and never in another shell. The binaries are the real ones: the fetcher
//! turns the sample page into a cache in a temp dir, and the freshly built `motd-status` is first
//! on `PATH`. A shell that is not installed fails the test rather than skipping it: CI installs
//! them (`.ci/shell-deps`).
//!
//! A login shell of dash or ksh (and zsh in sh emulation) reads `/etc/profile`, and no option
//! turns that off; such a run, and every run with RHEL's files, goes into a mount namespace of its
//! own (util-linux `unshare`), where bind mounts put the test's files over the machine's. The
//! machine's files are not changed.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

use crate::util;

const SH_SNIPPET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profile.d/motd-status.sh");
const CSH_SNIPPET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profile.d/motd-status.csh");
const FISH_SNIPPET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profile.d/motd-status.fish");

/// The site's switch, as the snippets spell it. Tests run copies that name a file of their own
/// instead, so that a package installed on the machine running them changes nothing.
const SITE_SWITCH: &str = "/etc/motd-status/disabled";
/// The test cluster, which takes in every host, and an incident of the sample page it shows.
const CLUSTER: &str = "Alpha";
const CLUSTER_TOML: &str = r#"
[[cluster]]
name = "Alpha"
groups = ["Alpha Cluster", "Shared Services"]
hosts = ["*"]
"#;
const INCIDENT: &str = "GPU jobs fail to start on some nodes";
/// Where the shells, `script` and `timeout` are found; the shells get it after the binary's own
/// directory.
const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";
/// The longest one shell run may take before it is killed and the case fails.
const RUN_SECONDS: &str = "20";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Syntax {
    Posix,
    Csh,
    Fish,
}

struct Shell {
    /// How failures name it.
    name: &'static str,
    program: &'static str,
    /// The name it is started under, when not its path: a `-` before it makes a login shell, as
    /// sshd, login and `su -l` start one.
    argv0: Option<&'static str>,
    /// Options of a non-interactive shell: `bash -lc`, a batch job, `ssh host cmd`. An
    /// interactive one gets `-i` too. A csh reads an interactive test from stdin, the others get
    /// it after `-c`: tcsh sets `prompt` only when it reads commands.
    options: &'static [&'static str],
    /// How it sources a file, `{}` standing for the quoted path.
    source: &'static str,
    syntax: Syntax,
    /// It reads `/etc/profile` at login, whatever its options say: the run puts an empty file
    /// there (in a mount namespace of its own), so that the machine's start-up files stay out.
    etc_profile: bool,
}

const fn posix(
    name: &'static str,
    program: &'static str,
    options: &'static [&'static str],
    source: &'static str,
) -> Shell {
    Shell {
        name,
        program,
        argv0: None,
        options,
        source,
        syntax: Syntax::Posix,
        etc_profile: false,
    }
}

const fn csh(name: &'static str, program: &'static str, options: &'static [&'static str]) -> Shell {
    Shell {
        name,
        program,
        argv0: None,
        options,
        source: "source {}",
        syntax: Syntax::Csh,
        etc_profile: false,
    }
}

const fn fish(options: &'static [&'static str]) -> Shell {
    Shell {
        name: "fish",
        program: "fish",
        argv0: None,
        options,
        source: "source {}",
        syntax: Syntax::Fish,
        etc_profile: false,
    }
}

/// Login shells, each told it is one in a way that shell notices: bash by `--login`
/// (`login_shell` in `$BASHOPTS`), dash by a `-` before its name (`$0`, its only sign), ksh and
/// zsh by `-l` (`l` in `$-`), tcsh by a `-` before its name (`$loginsh`).
const SHELLS: &[Shell] = &[
    posix(
        "bash",
        "bash",
        &["--login", "--noprofile", "--norc"],
        ". {}",
    ),
    Shell {
        argv0: Some("-dash"),
        etc_profile: true,
        ..posix("dash", "dash", &[], ". {}")
    },
    Shell {
        etc_profile: true,
        ..posix("ksh", "ksh", &["-l"], ". {}")
    },
    posix("zsh", "zsh", &["-f", "-l"], ". {}"),
    // As RHEL's /etc/zprofile reads /etc/profile.
    posix(
        "zsh, emulate sh",
        "zsh",
        &["-f", "-l"],
        "emulate sh -c \". {}\"",
    ),
    // zsh as sh, which reads /etc/profile at login even with -f.
    Shell {
        etc_profile: true,
        ..posix(
            "zsh --emulate sh",
            "zsh",
            &["--emulate", "sh", "-f", "-l"],
            ". {}",
        )
    },
    // -f: no start-up file, as for the others.
    Shell {
        argv0: Some("-tcsh"),
        ..csh("tcsh", "tcsh", &["-f"])
    },
    // The BSD csh, which lacks tcsh's `-t` test, and has no sign of a login shell that a sourced
    // file can read: the snippet takes every csh that is not tcsh for a login shell (it runs only
    // from /etc/csh.login there). So this one needs no login to show the view.
    csh("csh", "bsd-csh", &["-f"]),
    // A login shell, as fish reads its vendor conf.d at every start.
    fish(&["--no-config", "--login"]),
];

/// The same shells started as interactive shells that are not login shells: a new terminal
/// window, a `screen` window, `srun --pty bash`, `bash` typed at a prompt.
const NON_LOGIN_SHELLS: &[Shell] = &[
    posix("bash", "bash", &["--noprofile", "--norc"], ". {}"),
    posix("dash", "dash", &[], ". {}"),
    posix("ksh", "ksh", &[], ". {}"),
    posix("zsh", "zsh", &["-f"], ". {}"),
    // As RHEL's /etc/zshrc reads profile.d.
    posix(
        "zsh, emulate ksh",
        "zsh",
        &["-f"],
        "emulate ksh -c \". {}\"",
    ),
    posix(
        "zsh --emulate sh",
        "zsh",
        &["--emulate", "sh", "-f"],
        ". {}",
    ),
    csh("tcsh", "tcsh", &["-f"]),
    fish(&["--no-config"]),
];

impl Shell {
    fn snippet(&self) -> &'static str {
        match self.syntax {
            Syntax::Posix => SH_SNIPPET,
            Syntax::Csh => CSH_SNIPPET,
            Syntax::Fish => FISH_SNIPPET,
        }
    }
}

/// Where the shell's output goes.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Terminal {
    /// stdin, stdout and stderr on a pseudo-terminal, as at an `ssh` login.
    Full,
    /// stdin and stderr on a pseudo-terminal, stdout to a file, as in `cmd | less`.
    StdoutRedirected,
    /// No terminal at all, as for scp, sftp, rsync, `ssh host cmd` and batch jobs.
    None,
}

/// A login's world: a home, a cache made by the real fetcher, the snippets with a site switch of
/// its own, and an environment.
struct World {
    dir: TempDir,
    path: String,
    vars: Vec<(&'static str, OsString)>,
}

impl World {
    fn new() -> World {
        let dir = util::tempdir();
        let home = dir.path().join("home");
        fs::create_dir(&home).unwrap();
        let page = util::sample_page().display().to_string();
        let config = util::write_config(dir.path(), &page, CLUSTER_TOML);
        util::Run::fetch().arg("--config").arg(&config).success();
        let cache = dir.path().join("status.json");
        let switch = dir.path().join("disabled").display().to_string();
        for snippet in [SH_SNIPPET, CSH_SNIPPET, FISH_SNIPPET] {
            let text = fs::read_to_string(snippet).unwrap();
            assert!(text.contains(SITE_SWITCH), "{snippet} names no site switch");
            let copy = dir.path().join(Path::new(snippet).file_name().unwrap());
            fs::write(copy, text.replace(SITE_SWITCH, &switch)).unwrap();
        }
        let bin = util::display_bin();
        let bin_dir = bin.parent().unwrap();
        let vars = vec![
            ("HOME", home.into_os_string()),
            ("MOTD_STATUS_CACHE", cache.into_os_string()),
            ("MOTD_STATUS_NOW", util::NOW.into()),
            ("TZ", util::TZ.into()),
            ("LANG", "C.UTF-8".into()),
            ("TERM", "xterm".into()),
            ("SHELL", "/bin/sh".into()),
        ];
        World {
            path: format!("{}:{SYSTEM_PATH}", bin_dir.display()),
            dir,
            vars,
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Puts a stand-in `motd-status` first on PATH: a shell script with this body.
    fn stand_in(&mut self, body: &str) {
        let bin = self.dir.path().join("stand-in");
        fs::create_dir_all(&bin).unwrap();
        executable(&bin.join("motd-status"), body);
        self.path = format!("{}:{SYSTEM_PATH}", bin.display());
    }

    fn set(&mut self, name: &'static str, value: &str) {
        self.vars.push((name, value.into()));
    }

    /// The shell's snippet as this world runs it.
    fn snippet(&self, shell: &Shell) -> PathBuf {
        self.dir
            .path()
            .join(Path::new(shell.snippet()).file_name().unwrap())
    }

    /// RHEL's start-up files (tests/fixtures/rhel) and a profile.d holding this world's snippets,
    /// in a directory of the world's.
    fn rhel(&self) -> PathBuf {
        let rhel = self.dir.path().join("rhel");
        let profile_d = rhel.join("profile.d");
        fs::create_dir_all(&profile_d).unwrap();
        for snippet in [SH_SNIPPET, CSH_SNIPPET] {
            let name = Path::new(snippet).file_name().unwrap();
            fs::copy(self.dir.path().join(name), profile_d.join(name)).unwrap();
        }
        let fixtures = util::repo().join("tests/fixtures/rhel");
        for name in ["bashrc", "csh.cshrc", "csh.login", "kshrc", "zshrc"] {
            fs::copy(fixtures.join(name), rhel.join(name)).unwrap();
        }
        // /etc/profile sources /etc/bashrc, which a Debian machine lacks: the runs put bashrc
        // where Debian's bash reads its system-wide rc file, and this copy names that path.
        let profile = fs::read_to_string(fixtures.join("profile")).unwrap();
        assert!(
            profile.contains(". /etc/bashrc"),
            "RHEL's profile sources no /etc/bashrc"
        );
        fs::write(
            rhel.join("profile"),
            profile.replace("/etc/bashrc", "/etc/bash.bashrc"),
        )
        .unwrap();
        rhel
    }

    /// The site switch of this world's snippets.
    fn site_switch(&self) -> PathBuf {
        self.dir.path().join("disabled")
    }
}

/// One run of a shell that sources a snippet.
struct Run<'a> {
    shell: &'a Shell,
    interactive: bool,
    terminal: Terminal,
    /// The snippet to source instead of the world's copy.
    snippet: Option<PathBuf>,
    /// Commands before and after sourcing, in the shell's own syntax.
    before: Vec<String>,
    after: Vec<String>,
    /// Files or directories put over the machine's (`from`, `to`), in a mount namespace of the
    /// run's own.
    binds: Vec<(PathBuf, PathBuf)>,
    /// Variables set in the shell's environment besides the world's.
    vars: Vec<(&'static str, OsString)>,
}

/// What a run printed. `text` is the terminal's output or, without one, stdout; line ends are
/// `\n`. `other` is the rest: stderr without a terminal, the terminal's output when stdout
/// was redirected.
struct Seen {
    text: String,
    other: String,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}--- other\n{}", self.text, self.other)
    }
}

impl Seen {
    /// What came out between the markers, and the status the marker reports.
    fn between(&self) -> Option<(&str, &str)> {
        let start = self.text.find("[start]\n")? + "[start]\n".len();
        let len = self.text[start..].find("[end ")?;
        let rest = &self.text[start + len + "[end ".len()..];
        let status = &rest[..rest.find("]\n")?];
        Some((&self.text[start..start + len], status))
    }
}

impl<'a> Run<'a> {
    fn new(shell: &'a Shell, interactive: bool, terminal: Terminal) -> Run<'a> {
        Run {
            shell,
            interactive,
            terminal,
            snippet: None,
            before: Vec::new(),
            after: Vec::new(),
            binds: Vec::new(),
            vars: Vec::new(),
        }
    }

    fn bind(mut self, from: impl Into<PathBuf>, to: &str) -> Self {
        self.binds.push((from.into(), to.into()));
        self
    }

    fn var(mut self, name: &'static str, value: impl Into<OsString>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    fn before(mut self, command: impl Into<String>) -> Self {
        self.before.push(command.into());
        self
    }

    fn after(mut self, command: impl Into<String>) -> Self {
        self.after.push(command.into());
        self
    }

    fn snippet(mut self, path: &Path) -> Self {
        self.snippet = Some(path.into());
        self
    }

    /// The test in the shell's syntax. For csh it is one line: an interactive tcsh prompts
    /// before every line it reads, and the prompt must not land between the markers.
    fn script(&self, world: &World) -> String {
        let snippet = match &self.snippet {
            Some(path) => path.clone(),
            None => world.snippet(self.shell),
        };
        let source = self
            .shell
            .source
            .replace("{}", &quote(&snippet.display().to_string()));
        let (start, end, separator) = match self.shell.syntax {
            Syntax::Posix => ("printf '[start]\\n'", "printf '[end %s]\\n' \"$?\"", "\n"),
            Syntax::Csh => ("echo '[start]'", "echo \"[end $status]\"", "; "),
            Syntax::Fish => ("printf '[start]\\n'", "printf '[end %s]\\n' $status", "\n"),
        };
        let mut lines = vec![start.to_string()];
        lines.extend(self.before.iter().cloned());
        lines.push(source);
        lines.extend(self.after.iter().cloned());
        lines.push(end.to_string());
        lines.join(separator) + "\n"
    }

    fn go(&self, world: &World) -> Result<Seen, String> {
        let dir = util::tempdir();
        let script = self.script(world);
        let script_file = dir.path().join("script");
        fs::write(&script_file, &script).unwrap();
        // The shell's command line, for `script` or run directly.
        let mut argv = Vec::new();
        if let Some(argv0) = self.shell.argv0 {
            // bash's `exec -a` starts the shell under that name.
            argv.extend([
                tool("bash")?.display().to_string(),
                "-c".into(),
                "exec -a \"$0\" \"$@\"".into(),
                argv0.into(),
            ]);
        }
        argv.push(tool(self.shell.program)?.display().to_string());
        argv.extend(self.shell.options.iter().map(|o| o.to_string()));
        if self.interactive {
            argv.push("-i".into());
        }
        let from_stdin = self.shell.syntax == Syntax::Csh && self.interactive;
        if !from_stdin {
            argv.push("-c".into());
            argv.push(script.clone());
        }
        let mut command = Command::new(tool("timeout")?);
        command.args(["-k", "2", RUN_SECONDS]);
        let mut binds = self.binds.clone();
        let etc_profile = Path::new("/etc/profile");
        if self.shell.etc_profile && etc_profile.exists() {
            let empty = dir.path().join("empty");
            fs::write(&empty, "").unwrap();
            binds.push((empty, etc_profile.into()));
        }
        if !binds.is_empty() {
            in_namespace(&mut command, &binds)?;
        }
        let stdout_file = dir.path().join("stdout");
        match self.terminal {
            Terminal::None => {
                command.args(&argv).stdin(Stdio::null());
                if from_stdin {
                    command.stdin(fs::File::open(&script_file).unwrap());
                }
            }
            Terminal::Full | Terminal::StdoutRedirected => {
                let mut line = "exec".to_string();
                for arg in &argv {
                    line.push(' ');
                    line.push_str(&quote(arg));
                }
                if from_stdin {
                    line.push_str(&format!(" <{}", quote(&script_file.display().to_string())));
                }
                if self.terminal == Terminal::StdoutRedirected {
                    line.push_str(&format!(" >{}", quote(&stdout_file.display().to_string())));
                }
                command
                    .arg(tool("script")?)
                    .args(["-qec", &line, "/dev/null"])
                    .stdin(Stdio::null());
            }
        }
        // Each login is a first login (what a user has seen is folded: tests/seen.rs).
        command
            .env_clear()
            .env("PATH", &world.path)
            .env("XDG_STATE_HOME", util::fresh_state_home());
        for (name, value) in world.vars.iter().chain(&self.vars) {
            command.env(name, value);
        }
        let output = command
            .current_dir(world.home())
            .output()
            .map_err(|e| format!("cannot run: {e}"))?;
        if let Some(124 | 137) = output.status.code() {
            return Err(format!(
                "timed out after {RUN_SECONDS} s: {}",
                show(&output)
            ));
        }
        let out = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
        let err = String::from_utf8_lossy(&output.stderr).replace("\r\n", "\n");
        Ok(match self.terminal {
            Terminal::StdoutRedirected => {
                let text = fs::read_to_string(&stdout_file).unwrap_or_default();
                Seen {
                    text,
                    other: out + &err,
                }
            }
            _ => Seen {
                text: out,
                other: err,
            },
        })
    }
}

/// The run printed nothing that contains `word`.
fn lacks(seen: &Seen, word: &str) -> Result<(), String> {
    match seen.text.contains(word) || seen.other.contains(word) {
        false => Ok(()),
        true => Err(format!("{word:?} printed:\n{seen}")),
    }
}

/// Makes `command` run the rest of its arguments in a mount namespace of its own (util-linux
/// `unshare`, whose mounts propagate nowhere), where each `from` is bind-mounted over its `to`.
fn in_namespace(command: &mut Command, binds: &[(PathBuf, PathBuf)]) -> Result<(), String> {
    command.arg(tool("unshare")?).arg("--mount");
    // Root may mount in a mount namespace of its own; anyone else needs a user namespace too.
    let root = fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        command.arg("--map-root-user");
    }
    let mount = quote(&tool("mount")?.display().to_string());
    command.arg(tool("sh")?).arg("-c").arg(format!(
        "while [ \"$1\" != -- ]; do {mount} --bind \"$1\" \"$2\" || exit 125; shift 2; done; \
         shift; exec \"$@\""
    ));
    command.arg("sh");
    for (from, to) in binds {
        if !to.exists() {
            return Err(format!(
                "{} is missing: nothing to put {} over",
                to.display(),
                from.display()
            ));
        }
        command.arg(from).arg(to);
    }
    command.arg("--");
    Ok(())
}

/// Writes an executable shell script.
fn executable(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Where a program the tests need is installed: a missing one fails the test that needs it.
fn tool(name: &str) -> Result<PathBuf, String> {
    SYSTEM_PATH
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| format!("`{name}` is not installed: CI installs it (.ci/shell-deps)"))
}

/// Quotes a word for sh; for csh too, if it holds no `!` and no newline (paths here).
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `check` for every login shell and fails once, naming every shell that failed.
fn each_shell(check: impl Fn(&Shell) -> Result<(), String>) {
    each_of(SHELLS, check)
}

/// Runs `check` for every one of `shells` and fails once, naming every shell that failed.
fn each_of(shells: &[Shell], check: impl Fn(&Shell) -> Result<(), String>) {
    let failures: Vec<String> = shells
        .iter()
        .filter_map(|shell| check(shell).err().map(|e| format!("{}: {e}", shell.name)))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The run printed nothing between the markers, on either stream, and ended with `status`.
fn silent(seen: &Seen, status: &str) -> Result<(), String> {
    match seen.between() {
        Some(("", s)) if s == status && seen.other.is_empty() => Ok(()),
        _ => Err(format!(
            "expected silence and status {status}, got:\n{seen}"
        )),
    }
}

/// The run showed the test cluster's summary between the markers and ended with `status`.
fn shown(seen: &Seen, status: &str) -> Result<(), String> {
    match seen.between() {
        Some((text, s)) if s == status && text.contains(CLUSTER) && text.contains(INCIDENT) => {
            Ok(())
        }
        _ => Err(format!(
            "expected the summary and status {status}, got:\n{seen}"
        )),
    }
}

#[test]
fn an_interactive_login_shows_the_summary() {
    let world = World::new();
    each_shell(|shell| shown(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

#[test]
fn an_interactive_shell_that_is_no_login_shell_is_silent() {
    // A new terminal window or `screen` window, `srun --pty bash`: RHEL and its rebuilds
    // source profile.d in every one of these (below), and the view belongs to the login.
    let world = World::new();
    each_of(NON_LOGIN_SHELLS, |shell| {
        silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0")
    });
}

/// How often a run showed the view, anywhere in what it printed: RHEL's start-up files run the
/// snippets before the test's script does. The run must have reached the script's end marker.
fn views(seen: &Seen) -> Result<usize, String> {
    match seen.between() {
        Some(_) => Ok(seen.text.matches(INCIDENT).count() + seen.other.matches(INCIDENT).count()),
        None => Err(format!("the shell did not get to the end marker:\n{seen}")),
    }
}

/// RHEL's start-up files run by the real shells where they read them, with the world's snippets
/// in /etc/profile.d: the view appears once at a login and never in another interactive shell.
#[test]
fn rhels_start_up_files_show_the_view_once_per_login_and_in_no_other_shell() {
    let world = World::new();
    let rhel = world.rhel();
    let empty = rhel.join("empty");
    fs::write(&empty, "").unwrap();
    const BASH: Shell = posix("bash", "bash", &[], ". {}");
    const BASH_LOGIN: Shell = posix("bash --login", "bash", &["--login"], ". {}");
    const KSH: Shell = posix("ksh", "ksh", &[], ". {}");
    const KSH_LOGIN: Shell = posix("ksh -l", "ksh", &["-l"], ". {}");
    const ZSH: Shell = posix("zsh", "zsh", &[], ". {}");
    const TCSH: Shell = csh("tcsh", "tcsh", &[]);
    const TCSH_LOGIN: Shell = Shell {
        argv0: Some("-tcsh"),
        ..csh("-tcsh", "tcsh", &[])
    };
    let run = |shell| {
        Run::new(shell, true, Terminal::Full)
            .snippet(&empty)
            .bind(rhel.join("profile.d"), "/etc/profile.d")
    };
    let cases = [
        // Non-login: RHEL's ~/.bashrc (from /etc/skel) sources /etc/bashrc; Debian's bash reads
        // its system-wide rc file itself, from /etc/bash.bashrc.
        (run(&BASH).bind(rhel.join("bashrc"), "/etc/bash.bashrc"), 0),
        // Login: /etc/profile sources profile.d, then /etc/bashrc, which skips it in login shells.
        (
            run(&BASH_LOGIN)
                .bind(rhel.join("profile"), "/etc/profile")
                .bind(rhel.join("bashrc"), "/etc/bash.bashrc"),
            1,
        ),
        // tcsh reads /etc/csh.cshrc in every shell, then /etc/csh.login in login shells.
        (
            run(&TCSH)
                .bind(rhel.join("csh.cshrc"), "/etc/csh.cshrc")
                .bind(rhel.join("csh.login"), "/etc/csh.login"),
            0,
        ),
        (
            run(&TCSH_LOGIN)
                .bind(rhel.join("csh.cshrc"), "/etc/csh.cshrc")
                .bind(rhel.join("csh.login"), "/etc/csh.login"),
            1,
        ),
        // ksh reads $ENV in interactive shells; RHEL's ~/.kshrc (from /etc/skel) sources
        // /etc/kshrc. A login reads /etc/profile first.
        (run(&KSH).var("ENV", rhel.join("kshrc")), 0),
        (
            run(&KSH_LOGIN)
                .var("ENV", rhel.join("kshrc"))
                .bind(rhel.join("profile"), "/etc/profile"),
            1,
        ),
        // zsh reads /etc/zshrc in interactive shells (Debian's zsh: /etc/zsh/zshrc).
        (run(&ZSH).bind(rhel.join("zshrc"), "/etc/zsh/zshrc"), 0),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(run, expected)| {
            let check = || -> Result<(), String> {
                let seen = run.go(&world)?;
                match views(&seen)? {
                    n if n == *expected => Ok(()),
                    n => Err(format!("the view {n} times, not {expected}:\n{seen}")),
                }
            };
            check().err().map(|e| format!("{}: {e}", run.shell.name))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn a_non_interactive_shell_on_a_terminal_is_silent() {
    // `ssh -t host cmd`, `bash -lc cmd` typed at a prompt: byte for byte nothing.
    let world = World::new();
    each_shell(|shell| {
        let seen = Run::new(shell, false, Terminal::Full).go(&world)?;
        silent(&seen, "0")?;
        match seen.text == "[start]\n[end 0]\n" {
            true => Ok(()),
            false => Err(format!("more than the markers:\n{seen}")),
        }
    });
}

#[test]
fn an_interactive_shell_whose_stdout_is_no_terminal_is_silent() {
    let world = World::new();
    each_shell(|shell| {
        silent(
            &Run::new(shell, true, Terminal::StdoutRedirected).go(&world)?,
            "0",
        )
    });
}

#[test]
fn a_shell_without_a_terminal_is_silent() {
    // scp, sftp, rsync, `ssh host cmd`, `#!/bin/bash -l` batch jobs, `su -l user -c cmd`.
    let world = World::new();
    each_shell(|shell| {
        let seen = Run::new(shell, false, Terminal::None).go(&world)?;
        match (seen.text.as_str(), seen.other.as_str()) {
            ("[start]\n[end 0]\n", "") => Ok(()),
            _ => Err(format!("stdout {:?}, stderr {:?}", seen.text, seen.other)),
        }
    });
}

#[test]
fn hushlogin_silences_the_login() {
    let world = World::new();
    fs::write(world.home().join(".hushlogin"), "").unwrap();
    each_shell(|shell| silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

#[test]
fn the_users_opt_out_silences_the_login() {
    for value in ["off", "OFF", "0", "no", "false"] {
        let mut world = World::new();
        world.set("MOTD_STATUS", value);
        each_shell(|shell| {
            silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0")
                .map_err(|e| format!("MOTD_STATUS={value}: {e}"))
        });
    }
    // Anything else leaves the login view on.
    let mut world = World::new();
    world.set("MOTD_STATUS", "on");
    each_shell(|shell| shown(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

/// `MOTD_SHOWN=pam` says only that pam_motd ran (Debian's sshd runs it for every session): the
/// view still appears, unless the site publishes it through pam_motd (`motd_file`, linked into
/// a directory pam_motd reads), where pam_motd has shown it: once, either way.
#[test]
fn pam_motd_having_run_hides_the_view_only_when_it_showed_it() {
    let mut world = World::new();
    world.set("MOTD_SHOWN", "pam");
    let motd_d = world.dir.path().join("motd.d");
    fs::create_dir(&motd_d).unwrap();
    // The PAM stack pam_motd runs in, reading that directory.
    let pam_d = world.dir.path().join("pam.d");
    fs::create_dir(&pam_d).unwrap();
    for service in ["sshd", "login"] {
        let line = format!(
            "session optional pam_motd.so motd_dir={}\n",
            motd_d.display()
        );
        fs::write(pam_d.join(service), line).unwrap();
    }
    world.set("MOTD_STATUS_PAM_DIR", &pam_d.display().to_string());
    each_shell(|shell| shown(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
    // The site writes the view for pam_motd, but has not linked it: still shown here.
    let motd = world.dir.path().join("motd");
    let config = util::write_config(
        world.dir.path(),
        &util::sample_page().display().to_string(),
        &format!(
            "motd_file = {:?}\n{CLUSTER_TOML}",
            motd.display().to_string()
        ),
    );
    util::Run::fetch().arg("--config").arg(&config).success();
    each_shell(|shell| shown(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
    // Linked where pam_motd reads: pam_motd showed it, the login does not repeat it.
    std::os::unix::fs::symlink(&motd, motd_d.join("50-motd-status")).unwrap();
    each_shell(|shell| silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

/// tmux starts a login shell in every new window and pane (and screen does, given a shell
/// with a leading `-`): the login that started them has shown the view, so a shell inside
/// either stays silent, its status kept. An empty variable is no sign of either.
#[test]
fn inside_tmux_or_screen_the_login_is_silent() {
    let world = World::new();
    each_shell(|shell| {
        let status = match shell.syntax {
            Syntax::Posix => "3",
            Syntax::Csh | Syntax::Fish => "0",
        };
        for (name, value) in [
            ("TMUX", "/tmp/tmux-1000/default,4242,0"),
            ("STY", "4242.pts-0.login1"),
        ] {
            let run = Run::new(shell, true, Terminal::Full)
                .var(name, value)
                .before("sh -c 'exit 3'");
            silent(&run.go(&world)?, status).map_err(|e| format!("{name} set: {e}"))?;
            let run = Run::new(shell, true, Terminal::Full).var(name, "");
            shown(&run.go(&world)?, "0").map_err(|e| format!("{name} empty: {e}"))?;
        }
        Ok(())
    });
}

#[test]
fn the_site_switch_silences_the_login() {
    let world = World::new();
    fs::write(world.site_switch(), "").unwrap();
    each_shell(|shell| silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

#[test]
fn a_missing_binary_is_silent() {
    // Only the shells' own lookups use PATH here: the tests run them by absolute path.
    let mut world = World::new();
    let empty = world.dir.path().join("empty-bin");
    fs::create_dir(&empty).unwrap();
    world.path = empty.display().to_string();
    each_shell(|shell| silent(&Run::new(shell, true, Terminal::Full).go(&world)?, "0"));
}

#[test]
fn relative_path_entries_are_skipped() {
    // A login must not run whatever `motd-status` lies in the directory it starts in.
    let mut world = World::new();
    executable(&world.home().join("motd-status"), "echo decoy");
    world.path = format!(".::{}", world.path);
    each_shell(|shell| {
        let seen = Run::new(shell, true, Terminal::Full).go(&world)?;
        shown(&seen, "0")?;
        lacks(&seen, "decoy")
    });
}

#[test]
fn the_status_before_sourcing_is_kept() {
    // csh starts every sourced file with status 0, so there it ends with 0, as an empty file does;
    // fish's `source` has the status of the file's last command, which is `true`.
    let world = World::new();
    each_shell(|shell| {
        let status = match shell.syntax {
            Syntax::Posix => "3",
            Syntax::Csh | Syntax::Fish => "0",
        };
        let run = Run::new(shell, true, Terminal::Full).before("sh -c 'exit 3'");
        shown(&run.go(&world)?, status)?;
        let quiet = Run::new(shell, false, Terminal::Full).before("sh -c 'exit 3'");
        silent(&quiet.go(&world)?, status)
    });
}

#[test]
fn strict_mode_shells_survive_sourcing() {
    let world = World::new();
    each_shell(|shell| {
        let Syntax::Posix = shell.syntax else {
            return Ok(());
        };
        shown(
            &Run::new(shell, true, Terminal::Full)
                .before("set -eu")
                .go(&world)?,
            "0",
        )?;
        silent(
            &Run::new(shell, false, Terminal::Full)
                .before("set -eu")
                .go(&world)?,
            "0",
        )?;
        // A failed status that set -e let pass must not come out as the snippet's status, which
        // would end the shell. (`emulate sh -c` hides set -e from the snippet, so there it does;
        // only a contrived zsh login gets there, where a nonzero status precedes /etc/zprofile.)
        if shell.name == "zsh, emulate sh" {
            return Ok(());
        }
        let run = Run::new(shell, true, Terminal::Full)
            .before("set -eu")
            .before("! true");
        shown(&run.go(&world)?, "0")?;
        // No globbing, and words split at odd places.
        let run = Run::new(shell, true, Terminal::Full)
            .before("set -euf")
            .before("IFS=/-.");
        shown(&run.go(&world)?, "0")
    });
}

#[test]
fn a_failing_binarys_stderr_and_status_stay_hidden() {
    // `motd-status --login` always exits 0 and keeps stderr for --all; should that ever break,
    // the login still sees nothing of it, in strict mode too.
    let mut world = World::new();
    world.stand_in("echo stand-in \"$@\"\necho noise >&2\nexit 1");
    each_shell(|shell| {
        let mut runs = vec![Run::new(shell, true, Terminal::Full)];
        if shell.syntax == Syntax::Posix {
            runs.push(Run::new(shell, true, Terminal::Full).before("set -eu"));
        }
        for run in runs {
            let seen = run.go(&world)?;
            if seen.between() != Some(("stand-in --login\n", "0")) {
                return Err(format!("expected only the stand-in's stdout, got:\n{seen}"));
            }
        }
        Ok(())
    });
}

#[test]
fn aliases_and_functions_do_not_get_in_the_way() {
    let world = World::new();
    each_shell(|shell| {
        let run = Run::new(shell, true, Terminal::Full);
        let run = match shell.syntax {
            Syntax::Posix => {
                // dash and ksh take no function named motd-status; bash and zsh do.
                let mut run = match shell.program {
                    "bash" | "zsh" => run.before("motd-status() { echo function; }"),
                    _ => run,
                };
                for name in [
                    "motd-status",
                    "command",
                    "test",
                    "unset",
                    "eval",
                    "return",
                    "break",
                ] {
                    run = run.before(format!("alias {name}='echo alias {name}'"));
                }
                run
            }
            Syntax::Csh => run
                .before("alias motd-status echo alias")
                .before("alias sh echo alias"),
            // fish allows no function named like its builtins (test, string, set).
            Syntax::Fish => run.before("function motd-status; echo function; end"),
        };
        let seen = run.go(&world)?;
        shown(&seen, "0")?;
        lacks(&seen, "alias")?;
        lacks(&seen, "function")
    });
}

#[test]
fn sourcing_leaves_no_names_behind() {
    // What sourcing the snippet changes must be what sourcing an empty file changes, but for
    // values that change by themselves (`_` is the last command or argument).
    const VOLATILE: &[&str] = &[
        "_",
        "_AST_FEATURES",
        "RANDOM",
        "SRANDOM",
        "SECONDS",
        "EPOCHREALTIME",
        "EPOCHSECONDS",
        "TTYIDLE",
    ];
    let world = World::new();
    let empty = world.dir.path().join("empty");
    fs::write(&empty, "").unwrap();
    each_shell(|shell| {
        let dump = |file: &Path| {
            let file = quote(&file.display().to_string());
            match shell.syntax {
                Syntax::Posix => format!("{{ set; set -o; alias; }} >{file}"),
                Syntax::Csh => format!("( set; setenv; alias ) >{file}"),
                Syntax::Fish => format!("begin; set -n; functions -a -n; end >{file}"),
            }
        };
        // The lines of `set`, `set -o` and `alias` that sourcing changed, by variable name.
        let changed = |run: Run| -> Result<Vec<(String, String)>, String> {
            let (before, after) = (
                world.dir.path().join("before"),
                world.dir.path().join("after"),
            );
            let seen = run.before(dump(&before)).after(dump(&after)).go(&world)?;
            if seen.between().is_none() {
                return Err(format!("no end marker:\n{seen}"));
            }
            let read = |path: &Path| {
                let text = fs::read_to_string(path).unwrap_or_default();
                text.lines().map(str::to_string).collect::<BTreeSet<_>>()
            };
            let (before, after) = (read(&before), read(&after));
            Ok(before
                .symmetric_difference(&after)
                .map(|line| {
                    let name = line.split(['=', ' ', '\t']).next().unwrap_or_default();
                    (name.to_string(), line.clone())
                })
                .filter(|(name, _)| !VOLATILE.contains(&name.as_str()))
                .collect())
        };
        let run = || Run::new(shell, true, Terminal::Full);
        let by_empty: BTreeSet<String> = changed(run().snippet(&empty))?
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let extra: Vec<String> = changed(run())?
            .into_iter()
            .filter(|(name, _)| !by_empty.contains(name))
            .map(|(_, line)| line)
            .collect();
        match extra.is_empty() {
            true => Ok(()),
            false => Err(format!("changed or left behind:\n{}", extra.join("\n"))),
        }
    });
}

#[test]
fn shellcheck_passes_on_the_sh_snippet() {
    for dialect in ["sh", "dash", "bash", "ksh"] {
        let output = Command::new(tool("shellcheck").unwrap())
            .args(["-s", dialect, SH_SNIPPET])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "shellcheck -s {dialect}: {}",
            show(&output)
        );
    }
}

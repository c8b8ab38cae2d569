//! The job hint's Lua module (`packaging/job-hint.lua`) through the real client: Debian's
//! `sbatch --hold` with `CliFilterPlugins=cli_filter/lua` and a `cli_filter.lua` beside its
//! `slurm.conf` that loads the module with the two lines its header documents (read from
//! there). Most tests give the module a stand-in for motd-status that records its arguments
//! and prints a hint; the last ones run the real `motd-status --job-hint` on a cache the real
//! fetcher made of the job's own controller (`super::hint::SITE`), named by
//! `MOTD_STATUS_CACHE` in the environment sbatch runs the filter in. The job is always
//! submitted; the hint reaches stderr; nothing runs for a job step, a reservation or another
//! cluster; a missing, broken or hanging module costs the user at most its timeout. And the
//! docs' warning, checked: with the plugin set, sbatch fails while the site's
//! `cli_filter.lua` is missing or does not load.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use super::support::{self, On, unique};
use crate::util::{repo, tempdir};

const MODULE: &str = "/usr/share/motd-status/job-hint.lua";

fn module() -> PathBuf {
    repo().join("packaging/job-hint.lua")
}

/// The minimal `cli_filter.lua` of the module's header, loading `module` and running
/// `program` in place of motd-status.
fn site_cli_filter(module: &Path, program: &Path) -> String {
    let header = std::fs::read_to_string(self::module()).unwrap();
    let example: Vec<&str> = header
        .lines()
        .skip_while(|l| !l.starts_with("--     function slurm_cli_setup_defaults"))
        .take_while(|l| l.starts_with("--     "))
        .map(|l| &l["--     ".len()..])
        .collect();
    let text = example.join("\n") + "\n";
    let load = format!("local ok, hint = pcall(dofile, {MODULE:?})\n");
    assert!(text.contains(&load), "the header's example: {text}");
    assert!(
        header.contains(&format!("--     {}", load.trim_end())),
        "the two lines"
    );
    text.replace(
        &load,
        &format!(
            "local ok, hint = pcall(dofile, {:?})\n    \
             if ok and type(hint) == \"table\" then hint.program = {:?} end\n",
            module.display().to_string(),
            program.display().to_string()
        ),
    )
}

/// A client's directory: `slurm.conf` (the shared controller, with the plugin) and, when
/// given, `cli_filter.lua`.
fn client(dir: &Path, cli_filter: Option<&str>) -> PathBuf {
    let conf = support::conf_variant(dir, &[], "CliFilterPlugins=cli_filter/lua\n");
    if let Some(text) = cli_filter {
        std::fs::write(dir.join("cli_filter.lua"), text).unwrap();
    }
    conf
}

/// The stand-in for motd-status: records its arguments in `args` beside it, prints `body`.
fn program(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("motd-status");
    std::fs::write(
        &path,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args\"\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// What the stand-in was given, or `None` if it did not run.
fn args(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("args")).ok()
}

struct Sbatch {
    out: Output,
    took: Duration,
}

impl Sbatch {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn submitted(&self) -> &Self {
        let out = self.stdout();
        assert!(
            self.out.status.success()
                && out.starts_with("Submitted batch job ")
                && out.trim_end()["Submitted batch job ".len()..]
                    .parse::<u32>()
                    .is_ok(),
            "not submitted: {:?}\nstdout: {out}\nstderr: {}",
            self.out.status,
            self.stderr()
        );
        self
    }
}

/// `sbatch --hold args… --wrap hostname` with the client config `conf`, `env` added.
fn sbatch(conf: &Path, args: &[&str], env: &[(&str, &str)]) -> Sbatch {
    let mut cmd = support::slurm_command("sbatch", conf);
    cmd.current_dir(conf.parent().unwrap())
        .arg("--hold")
        .args(args)
        .args(["--wrap", "hostname"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    Sbatch {
        out,
        took: started.elapsed(),
    }
}

/// A client whose module runs a stand-in printing `body`: (its directory, its config).
fn hinted(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let program = program(dir.path(), body);
    let conf = client(dir.path(), Some(&site_cli_filter(&module(), &program)));
    (dir, conf)
}

const HINT: &str = "printf 'hint one\\n\\033[31mhint\\ttwo\\033[0m\\nhint three\\n'";

#[test]
fn job_hint_for_a_job_with_every_option() {
    let (dir, conf) = hinted(HINT);
    let run = sbatch(
        &conf,
        &[
            "-t",
            "1-2:30",
            "-p",
            "gpu",
            "--begin",
            "2030-01-01T10:00:00",
            "--time-min",
            "1:00:00",
        ],
        &[],
    );
    run.submitted();
    assert_eq!(run.stderr(), "hint one\nhinttwo\n");
    assert_eq!(
        args(dir.path()).as_deref(),
        Some(
            "--job-hint\n--time\n1-02:30:00\n--partition\ngpu\n--time-min\n01:00:00\n\
             --begin\n2030-01-01T10:00:00\n"
        )
    );
    // A user's SLURM_TIME_FORMAT writes the begin otherwise: no hint asked for.
    std::fs::remove_file(dir.path().join("args")).unwrap();
    let env = [("SLURM_TIME_FORMAT", "relative")];
    let run = sbatch(&conf, &["-t", "1-2:30", "--begin", "now+1hour"], &env);
    run.submitted();
    assert_eq!((run.stderr(), args(dir.path())), (String::new(), None));
    eprintln!("sbatch with the hint: {:?}", run.took);
}

#[test]
fn job_hint_with_slurms_unset_values() {
    let (dir, conf) = hinted("");
    // Slurm 22.05 shows an unset --time as "2982616-04:14:00" and --begin as "Unknown".
    let run = sbatch(&conf, &[], &[]);
    run.submitted();
    assert_eq!(run.stderr(), "");
    assert_eq!(args(dir.path()).as_deref(), Some("--job-hint\n"));
    // --time=0 is no limit.
    let run = sbatch(&conf, &["--time=0", "--partition=batch,gpu"], &[]);
    run.submitted();
    assert_eq!(
        args(dir.path()).as_deref(),
        Some("--job-hint\n--time\nUNLIMITED\n--partition\nbatch,gpu\n")
    );
}

#[test]
fn job_hint_skips_steps_reservations_and_other_clusters() {
    let (dir, conf) = hinted(HINT);
    // A job step, or a job submitted from a job: inside an allocation.
    let run = sbatch(&conf, &["-t", "10"], &[("SLURM_JOB_ID", "1")]);
    run.submitted();
    assert_eq!((run.stderr(), args(dir.path())), (String::new(), None));
    // A job for a reservation.
    let name = unique("hint_resv");
    support::create_reservation(&name, "now+1day", "60", On::Nodes("node300"), "maint");
    let run = sbatch(&conf, &["-t", "10", &format!("--reservation={name}")], &[]);
    run.submitted();
    assert_eq!((run.stderr(), args(dir.path())), (String::new(), None));
    // Another cluster: sbatch then fails on its own (no slurmdbd to find clusters in).
    let run = sbatch(&conf, &["-t", "10", "-M", "alpha"], &[]);
    assert_eq!(args(dir.path()), None);
    assert!(!run.stderr().contains("hint"), "{}", run.stderr());
}

#[test]
fn job_hint_missing_or_broken_module_submits_the_job() {
    let dir = tempdir();
    let program = program(dir.path(), HINT);
    let broken = dir.path().join("broken.lua");
    std::fs::write(&broken, "local M = {\nreturn M +\n").unwrap();
    let failing = dir.path().join("failing.lua");
    std::fs::write(
        &failing,
        "return { pre_submit = function() error(\"boom\") end }\n",
    )
    .unwrap();
    let not_a_table = dir.path().join("number.lua");
    std::fs::write(&not_a_table, "return 42\n").unwrap();
    for module in [dir.path().join("missing.lua"), broken, failing, not_a_table] {
        let sub = dir.path().join(module.file_stem().unwrap());
        let conf = client(&sub, Some(&site_cli_filter(&module, &program)));
        let run = sbatch(&conf, &["-t", "10"], &[]);
        run.submitted();
        assert_eq!(run.stderr(), "", "{}", module.display());
        assert_eq!(args(dir.path()), None);
    }
}

#[test]
fn job_hint_program_that_hangs_costs_its_timeout() {
    for (body, shows) in [
        // Sleeps: TERM at one second.
        ("sleep 30", ""),
        // Ignores TERM (and so does its sleep): KILL half a second later.
        ("trap '' TERM\nsleep 30", ""),
        // Prints, and leaves a child holding its stdout: the hint shows at once.
        ("sleep 5 &\necho hint", "hint\n"),
    ] {
        let (_dir, conf) = hinted(body);
        let run = sbatch(&conf, &["-t", "10"], &[]);
        run.submitted();
        assert_eq!(run.stderr(), shows, "{body}");
        assert!(run.took < Duration::from_secs(2), "{body}: {:?}", run.took);
        eprintln!("{body:?}: sbatch took {:?}", run.took);
    }
}

#[test]
fn job_hint_checks_every_value_it_passes() {
    // The module's own functions, in the real Slurm's Lua 5.1, on options as every Slurm
    // version gives them (23.11 and later: nil for an unset time) and as no Slurm should.
    let dir = tempdir();
    let cases = r#"
local cases = {
  { "unset 23.11", {} },
  { "unset 22.05", { time = "2982616-04:14:00", begin = "Unknown" } },
  { "NO_VAL begin", { begin = "None", time = "" } },
  { "infinite", { time = "INFINITE" } },
  { "all", { time = "1-02:30:00", partition = "gpu,batch", begin = "2030-01-01T10:00:00" } },
  { "bad time", { time = "1h" } },
  { "bad partition", { partition = "gpu; rm -rf /" } },
  { "quote", { partition = "a'b" } },
  { "relative begin", { begin = "Tomorr 10:00" } },
  { "same-day begin", { begin = "10:00:00" } },
  { "begin without seconds", { begin = "2030-01-01T10:00" } },
  { "time-min", { time = "2-00:00:00", time_min = "1-00:00:00" } },
  { "unset time-min", { time_min = "2982616-04:14:00" } },
  { "bad time-min", { time_min = "1d" } },
  { "reservation", { reservation = "maint" } },
  { "clusters", { clusters = "beta" } },
  { "scrontab", { type = "scrontab" } },
  { "options that fail", setmetatable({}, { __index = function() error("no") end }) },
}
for _, c in ipairs(cases) do
  local args, why = hint.arguments(c[2], 0, function() return nil end)
  io.stderr:write(c[1], ": ", args and table.concat(args, " ") or ("none, " .. why), "\n")
end
local _, why = hint.arguments({}, 1, function() return nil end)
io.stderr:write("pack 1: ", why, "\n")
_, why = hint.arguments({}, 0, function(k) if k == "SLURM_JOB_ID" then return "7" end end)
io.stderr:write("step: ", why, "\n")
io.stderr:write("command: ", hint.command({ "--partition", "it's" }), "\n")
local lines = hint.lines("\27[1mone\7\n\n  two\t!\nthree\n")
io.stderr:write("lines: ", table.concat(lines, "|"), "\n")
"#;
    let filter = format!(
        "function slurm_cli_setup_defaults(options, early_pass) return slurm.SUCCESS end\n\
         function slurm_cli_post_submit(offset, job_id, step_id) return slurm.SUCCESS end\n\
         function slurm_cli_pre_submit(options, pack_offset)\n\
         local hint = dofile({:?})\nhint.timeout = \"/t\"\nhint.program = \"/p\"\n{cases}\n\
         return slurm.SUCCESS\nend\n",
        module().display().to_string()
    );
    let conf = client(dir.path(), Some(&filter));
    let run = sbatch(&conf, &[], &[]);
    run.submitted();
    assert_eq!(
        run.stderr(),
        "unset 23.11: --job-hint\n\
         unset 22.05: --job-hint\n\
         NO_VAL begin: --job-hint\n\
         infinite: --job-hint --time UNLIMITED\n\
         all: --job-hint --time 1-02:30:00 --partition gpu,batch --begin 2030-01-01T10:00:00\n\
         bad time: none, a time limit not in Slurm's format\n\
         bad partition: none, a partition name of other characters\n\
         quote: none, a partition name of other characters\n\
         relative begin: none, a begin time not as Slurm writes one\n\
         same-day begin: none, a begin time not as Slurm writes one\n\
         begin without seconds: none, a begin time not as Slurm writes one\n\
         time-min: --job-hint --time 2-00:00:00 --time-min 1-00:00:00\n\
         unset time-min: --job-hint\n\
         bad time-min: none, a minimum time not in Slurm's format\n\
         reservation: none, a job for a reservation\n\
         clusters: none, a job for another cluster\n\
         scrontab: none, scrontab\n\
         options that fail: --job-hint\n\
         pack 1: a later component of a heterogeneous job\n\
         step: a job step inside an allocation\n\
         command: exec '/t' -k '0.5' '1' '/p' '--partition' 'it'\\''s' </dev/null 2>/dev/null\n\
         lines: one|  two!\n"
    );
}

#[test]
fn job_hint_docs_warning_holds() {
    // The plugin set, no cli_filter.lua: every sbatch fails.
    let dir = tempdir();
    let conf = client(dir.path(), None);
    let run = sbatch(&conf, &["-t", "10"], &[]);
    assert!(!run.out.status.success());
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr().contains("cli_filter/lua: Unable to stat")
            && run
                .stderr()
                .contains("cli_filter plugin terminated with error"),
        "{}",
        run.stderr()
    );
    // The site's own file does not load: every sbatch fails too (the module's pcall cannot
    // help a file that is not read).
    std::fs::write(
        dir.path().join("cli_filter.lua"),
        "function slurm_cli_pre_submit(\n",
    )
    .unwrap();
    let run = sbatch(&conf, &["-t", "10"], &[]);
    assert!(!run.out.status.success(), "{}", run.stdout());
    assert_eq!(run.stdout(), "");
}

/// A client of the job hint's site (the controller its cache was made from) whose module is
/// `module` and runs the real motd-status, as the package installs it: (its directory, its
/// config).
fn real_client(module: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let conf = dir.path().join("slurm.conf");
    let text = &super::hint::SITE.ctl.conf_text;
    std::fs::write(&conf, format!("{text}CliFilterPlugins=cli_filter/lua\n")).unwrap();
    let filter = site_cli_filter(module, &crate::util::display_bin());
    std::fs::write(dir.path().join("cli_filter.lua"), filter).unwrap();
    (dir, conf)
}

/// `sbatch --hold` for the site, its cache named by `MOTD_STATUS_CACHE` as a login's
/// environment would have it (a cache elsewhere than the default), `env` added.
fn sbatch_at_site(conf: &Path, args: &[&str], env: &[(&str, &str)]) -> Sbatch {
    let cache = super::hint::SITE.cache();
    let cache = cache.to_str().unwrap();
    let env = [
        &[("MOTD_STATUS_CACHE", cache), ("LANG", "C.UTF-8")][..],
        env,
    ]
    .concat();
    sbatch(conf, args, &env)
}

#[test]
fn job_hint_real_program_for_a_job_that_crosses() {
    let (_dir, conf) = real_client(&module());
    let site = &*super::hint::SITE;
    let end = site.maint + chrono::Duration::hours(4);
    let utc = |t: chrono::DateTime<chrono::Utc>, f: &str| t.format(f).to_string();
    let run = sbatch_at_site(&conf, &["-t", "2-12:00:00"], &[]);
    run.submitted();
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert_eq!(
        lines[0],
        format!(
            "motd-status: this job (--time 2-12:00:00) would cross the maintenance reservation \
             maint_dec ({}–{} UTC) on partition batch: it would start after it, at {} UTC.",
            utc(site.maint, "%a %-d %b %H:%M"),
            utc(end, "%H:%M"),
            utc(end, "%a %-d %b %H:%M"),
        )
    );
    // Some 48 hours before it, as the real clock has it.
    assert!(
        lines[1].starts_with("Jobs with --time 1-23:")
            || lines[1].starts_with("Jobs with --time 2-0"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(" to let Slurm shorten this one)."),
        "{}",
        lines[1]
    );
    eprintln!("sbatch with the real hint: {:?}", run.took);
}

#[test]
fn job_hint_real_program_silent_where_it_should_be() {
    let (dir, conf) = real_client(&module());
    // A job that fits before the maintenance.
    let run = sbatch_at_site(&conf, &["-t", "10"], &[]);
    run.submitted();
    assert_eq!(run.stderr(), "");
    // A job step, or a job submitted from a job.
    let run = sbatch_at_site(&conf, &["-t", "2-12:00:00"], &[("SLURM_JOB_ID", "1")]);
    run.submitted();
    assert_eq!(run.stderr(), "");
    // No cache.
    let missing = dir.path().join("missing.json");
    let env = [("MOTD_STATUS_CACHE", missing.to_str().unwrap())];
    let run = sbatch(&conf, &["-t", "2-12:00:00"], &env);
    run.submitted();
    assert_eq!(run.stderr(), "");
    // A broken module.
    let broken = dir.path().join("broken.lua");
    let text = std::fs::read_to_string(module()).unwrap();
    std::fs::write(
        &broken,
        text.replace("function M.arguments(", "function M.arguments(("),
    )
    .unwrap();
    let (_broken_dir, conf) = real_client(&broken);
    let run = sbatch_at_site(&conf, &["-t", "2-12:00:00"], &[]);
    run.submitted();
    assert_eq!(run.stderr(), "");
}

//! Real Slurm on loopback, one set of daemons per test binary: Debian's munged with its own
//! key and socket, and slurmctld in the foreground with a temporary `slurm.conf` (340 nodes
//! that have no slurmd, partitions `batch` and `gpu`), everything in a temporary directory.
//! Reservations need no slurmd: the nodes are `State=UNKNOWN` and `SlurmdTimeout=0` keeps
//! the controller from marking them down. Tests share the controller, so each names its
//! reservations with [`unique`].
//!
//! The daemons are started from one thread that never ends, with `PR_SET_PDEATHSIG`, so they
//! die with the test binary however it ends; at a normal exit they are killed and reaped and
//! the directories removed.
//!
//! Besides: a config whose controller port has nothing listening, one whose munge socket has
//! no munged, one whose munged has another key, and a second controller with
//! `PrivateData=reservations`, each made when a test first asks for it.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A controller and how to reach it.
pub struct Controller {
    pub dir: PathBuf,
    pub conf: PathBuf,
    /// `slurm.conf`'s text, for variants of it.
    pub conf_text: String,
}

/// munged, the shared controller and its directory.
pub struct Slurm {
    pub dir: PathBuf,
    pub munge_socket: PathBuf,
    pub main: Controller,
}

static SLURM: LazyLock<Slurm> = LazyLock::new(start);
static PRIVATE: LazyLock<Controller> = LazyLock::new(|| {
    let slurm = slurm();
    let dir = slurm.dir.join("private");
    start_controller(
        &dir,
        &slurm.munge_socket,
        "beta",
        "PrivateData=reservations\n",
    )
});
static OTHER_KEY: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = slurm().dir.join("other-munge");
    start_munged(&dir)
});

/// The shared daemons, started on first use.
pub fn slurm() -> &'static Slurm {
    &SLURM
}

/// The shared controller's `slurm.conf`.
pub fn conf() -> &'static Path {
    &slurm().main.conf
}

/// A name no other test uses: `prefix_N`.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}_{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A command with no Slurm variable of the test's own environment, `SLURM_CONF` set and times
/// in UTC.
pub fn slurm_command(program: &str, conf: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if ["SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "SQUEUE_"]
            .iter()
            .any(|p| k.starts_with(p))
        {
            cmd.env_remove(&*k);
        }
    }
    cmd.env("SLURM_CONF", conf)
        .env("TZ", "UTC0")
        .stdin(Stdio::null());
    cmd
}

/// `scontrol args…` against the shared controller.
pub fn scontrol(args: &[&str]) -> Output {
    slurm_command("scontrol", conf())
        .args(args)
        .output()
        .unwrap()
}

/// Where a reservation is.
pub enum On<'a> {
    AllNodes,
    Partition(&'a str),
    Nodes(&'a str),
}

/// `scontrol create reservation` on the shared controller, for user root; `start` as scontrol
/// reads it (`now`, `now+2days`, a UTC time), `duration` in Slurm's format.
pub fn create_reservation(name: &str, start: &str, duration: &str, on: On, flags: &str) {
    create_reservation_at(conf(), name, start, duration, on, flags);
}

pub fn create_reservation_at(
    conf: &Path,
    name: &str,
    start: &str,
    duration: &str,
    on: On,
    flags: &str,
) {
    let place = match on {
        On::AllNodes => "nodes=ALL".to_owned(),
        On::Partition(p) => format!("partitionname={p}"),
        On::Nodes(n) => format!("nodes={n}"),
    };
    let out = slurm_command("scontrol", conf)
        .args(["create", "reservation"])
        .arg(format!("reservationname={name}"))
        .arg(format!("starttime={start}"))
        .arg(format!("duration={duration}"))
        .arg(place)
        .arg(format!("flags={flags}"))
        .arg("users=root")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "create reservation {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn delete_reservation(name: &str) {
    let out = scontrol(&["delete", &format!("reservationname={name}")]);
    assert!(
        out.status.success(),
        "delete reservation {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `slurm.conf` in its own directory `dir`: the shared controller's, with `replace` applied
/// (`(key, value)`: the line `key=…` becomes `key=value`) and `extra` lines added.
pub fn conf_variant(dir: &Path, replace: &[(&str, &str)], extra: &str) -> PathBuf {
    let mut text = String::new();
    for line in slurm().main.conf_text.lines() {
        match replace
            .iter()
            .find(|(k, _)| line.starts_with(&format!("{k}=")))
        {
            Some((k, v)) => text.push_str(&format!("{k}={v}\n")),
            None => text.push_str(&format!("{line}\n")),
        }
    }
    text.push_str(extra);
    std::fs::create_dir_all(dir).unwrap();
    let conf = dir.join("slurm.conf");
    std::fs::write(&conf, text).unwrap();
    conf
}

/// The shared controller's config, but its port has nothing listening: slurmctld is down.
pub fn down_conf(dir: &Path) -> PathBuf {
    conf_variant(dir, &[("SlurmctldPort", &free_port().to_string())], "")
}

/// The shared controller's config, with no munged at its socket.
pub fn no_munge_conf(dir: &Path) -> PathBuf {
    let socket = format!("socket={}", dir.join("no-munged.socket").display());
    conf_variant(dir, &[("AuthInfo", &socket)], "")
}

/// The shared controller's config, through a munged with another key.
pub fn other_key_conf(dir: &Path) -> PathBuf {
    let socket = format!("socket={}", OTHER_KEY.display());
    conf_variant(dir, &[("AuthInfo", &socket)], "")
}

/// A controller of its own (cluster `alpha`, the shared one's nodes and partitions), for a test
/// that must see its reservations alone.
pub fn own_controller(name: &str) -> Controller {
    let slurm = slurm();
    start_controller(&slurm.dir.join(name), &slurm.munge_socket, "alpha", "")
}

/// A second controller (cluster `beta`) with `PrivateData=reservations`, started on first use.
pub fn private_controller() -> &'static Controller {
    &PRIVATE
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Slurm {
    register_cleanup();
    let dir = tempfile::Builder::new()
        .prefix("motd-status-slurm")
        .tempdir()
        .unwrap()
        .keep();
    // munged wants every directory above its socket searchable by all.
    set_mode(&dir, 0o755);
    DIRS.lock().unwrap().push(dir.clone());
    let munge_socket = start_munged(&dir.join("munge"));
    let main = start_controller(&dir.join("main"), &munge_socket, "alpha", "");
    Slurm {
        dir,
        munge_socket,
        main,
    }
}

/// munged with a new key, everything in `dir`; its socket.
fn start_munged(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    set_mode(dir, 0o755);
    let key = dir.join("munge.key");
    let made = Command::new("mungekey")
        .arg("--create")
        .arg(format!("--keyfile={}", key.display()))
        .output()
        .expect("mungekey is installed (.ci/deps: munge)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let socket = dir.join("munge.socket");
    let log = dir.join("munged.log");
    let mut cmd = Command::new("munged");
    cmd.arg("--foreground")
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--key-file={}", key.display()))
        .arg(format!("--pid-file={}", dir.join("munged.pid").display()))
        .arg(format!("--log-file={}", log.display()))
        .arg(format!("--seed-file={}", dir.join("munged.seed").display()));
    daemon(cmd, &dir.join("munged.out"));
    wait_for("munged", &dir.join("munged.out"), || {
        std::os::unix::net::UnixStream::connect(&socket).is_ok()
    });
    socket
}

/// slurmctld for cluster `cluster` in `dir`, its config with `extra` lines; once it answers.
fn start_controller(dir: &Path, munge_socket: &Path, cluster: &str, extra: &str) -> Controller {
    std::fs::create_dir_all(dir.join("state")).unwrap();
    set_mode(dir, 0o755);
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let d = dir.display();
    let conf_text = format!(
        "ClusterName={cluster}\n\
         SlurmctldHost=localhost(127.0.0.1)\n\
         SlurmctldPort={port}\n\
         AuthType=auth/munge\n\
         AuthInfo=socket={socket}\n\
         CredType=cred/munge\n\
         StateSaveLocation={d}/state\n\
         SlurmdSpoolDir={d}/slurmd\n\
         SlurmctldPidFile={d}/slurmctld.pid\n\
         SlurmctldLogFile={d}/slurmctld.log\n\
         SlurmUser={user}\n\
         ProctrackType=proctrack/linuxproc\n\
         TaskPlugin=task/none\n\
         SelectType=select/linear\n\
         SchedulerType=sched/backfill\n\
         JobCompType=jobcomp/none\n\
         AccountingStorageType=accounting_storage/none\n\
         MpiDefault=none\n\
         MailProg=/bin/true\n\
         ReturnToService=2\n\
         SlurmdTimeout=0\n\
         {extra}\
         NodeName=node[001-340] NodeAddr=127.0.0.1 CPUs=1 State=UNKNOWN\n\
         PartitionName=batch Nodes=ALL Default=YES DefaultTime=1:00:00 MaxTime=7-00:00:00\n\
         PartitionName=gpu Nodes=node[001-012] DefaultTime=30:00\n",
        port = free_port(),
        socket = munge_socket.display(),
        user = user.trim(),
    );
    let conf = dir.join("slurm.conf");
    std::fs::write(&conf, &conf_text).unwrap();
    let mut cmd = Command::new("slurmctld");
    cmd.arg("-D").env("SLURM_CONF", &conf);
    daemon(cmd, &dir.join("slurmctld.out"));
    wait_for("slurmctld", &dir.join("slurmctld.log"), || {
        let out = slurm_command("scontrol", &conf).arg("ping").output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(" is UP"))
    });
    Controller {
        dir: dir.to_owned(),
        conf,
        conf_text,
    }
}

fn wait_for(what: &str, log: &Path, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not start:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Daemons started, and directories made, to end at exit.
static PIDS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A daemon to start: its command, the file for its output, where to send its pid.
type Start = (Command, PathBuf, mpsc::Sender<i32>);

/// The thread every daemon is started from: it never ends, so `PR_SET_PDEATHSIG` (which
/// fires when the thread that started a process ends) fires only when the binary does.
static KEEPER: LazyLock<Mutex<mpsc::Sender<Start>>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Start>();
    std::thread::spawn(move || {
        for (mut cmd, out, reply) in rx {
            let log = std::fs::File::create(&out).unwrap();
            // SAFETY: prctl is async-signal-safe and touches no memory of ours.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let child = cmd
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("{cmd:?}: {e} (.ci/deps installs Slurm)"));
            let _ = reply.send(child.id() as i32);
            std::mem::forget(child);
        }
        // Keep the thread, and with it the daemons, alive until the binary exits.
        loop {
            std::thread::park();
        }
    });
    Mutex::new(tx)
});

/// Starts `cmd` as a daemon of the test binary, its output in `out`.
fn daemon(cmd: Command, out: &Path) {
    let (tx, rx) = mpsc::channel();
    KEEPER
        .lock()
        .unwrap()
        .send((cmd, out.to_owned(), tx))
        .unwrap();
    let pid = rx.recv().expect("the daemon started");
    PIDS.lock().unwrap().push(pid);
}

fn register_cleanup() {
    extern "C" fn cleanup() {
        let pids = PIDS.lock().map(|p| p.clone()).unwrap_or_default();
        for pid in pids {
            // SAFETY: signals and reaps our own children; no memory is shared.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
        for dir in DIRS.lock().map(|d| d.clone()).unwrap_or_default() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    // SAFETY: registers a function with no arguments to run at exit.
    unsafe {
        libc::atexit(cleanup);
    }
}

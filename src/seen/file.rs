//! The user's state file: `$XDG_STATE_HOME/motd-status/seen`, by default
//! `~/.local/state/motd-status/seen`, mode 0600, a few kilobytes at most.
//!
//! Home directories on login nodes are NFS, GPFS or Lustre, over quota, read-only, or not
//! there at all; none of it may hurt a login. So the caller runs every call here under the
//! login's deadline, and each one gives up silently: no directory we may use (missing, not
//! the user's, writable by others, a symbolic link), no file (or a symbolic link, which is
//! never followed, or not the user's, or too big) reads as an empty state, and a write that
//! fails leaves the old file whole. A write goes to a temporary file, renamed over
//! the state, so two logins at the same moment never tear it (one of them writes it).

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Seen;

/// A state file larger than this is not ours: it is replaced, unread.
const MAX_BYTES: u64 = 64 << 10;
/// The state's name in its directory.
const NAME: &str = "seen";
/// The temporary file a write goes to before it is renamed over the state.
const TEMPORARY: &str = ".seen.tmp";
/// A temporary file this old was left by a login that ended mid-write (its deadline passed):
/// a write takes its place. A younger one is another login's, writing now.
const LEFTOVER_AGE: Duration = Duration::from_secs(10);

/// Where this user's state lives: `$XDG_STATE_HOME/motd-status` when it is an absolute path,
/// else `$HOME/.local/state/motd-status`; `None` without an absolute `HOME` (no password
/// database lookup at login: on a cluster that can be a slow network call).
pub fn dir() -> Option<PathBuf> {
    let absolute = |v: &str| crate::env::path(v).filter(|p| p.is_absolute());
    let base = match absolute("XDG_STATE_HOME") {
        Some(p) => p,
        None => absolute("HOME")?.join(".local/state"),
    };
    Some(base.join("motd-status"))
}

/// The state in `dir`: empty when there is none we can use.
pub fn read(dir: &Path) -> Seen {
    if !usable(dir, false) {
        return Seen::default();
    }
    let Ok(mut f) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dir.join(NAME))
    else {
        return Seen::default();
    };
    let len = f
        .metadata()
        .ok()
        .filter(|m| m.is_file() && m.uid() == euid() && m.nlink() == 1 && m.len() <= MAX_BYTES)
        .map(|m| m.len());
    let Some(len) = len else {
        return Seen::default();
    };
    // Room for the whole file and one byte more: one read, and one that finds the end.
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
    if (&mut f).take(MAX_BYTES).read_to_string(&mut text).is_err() {
        return Seen::default();
    }
    Seen::parse(&text)
}

/// Replaces the state in `dir` with `seen`, creating the directory (mode 0700) if its parent
/// exists. Fails without a trace when anything is in the way. The new state is written to
/// one temporary file and renamed over the old: a login that finds another writing it (the
/// temporary file is there and new) leaves it to that one; one left by a login that ended
/// mid-write (older than [`LEFTOVER_AGE`]) is removed first.
pub fn write(dir: &Path, seen: &Seen) -> std::io::Result<()> {
    if !usable(dir, true) {
        return Err(std::io::Error::other("no usable state directory"));
    }
    let tmp = dir.join(TEMPORARY);
    let open = || {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
    };
    let mut f: File = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let left = fs::symlink_metadata(&tmp)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().unwrap_or_default() > LEFTOVER_AGE);
            if !left {
                return Err(e);
            }
            fs::remove_file(&tmp)?;
            open()?
        }
        other => other?,
    };
    let done = f
        .write_all(seen.to_text().as_bytes())
        .and_then(|()| fs::rename(&tmp, dir.join(NAME)));
    if done.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    done
}

/// Whether `dir` is a directory we may keep the state in: a real directory (not a link),
/// this user's, that nobody else may write. With `create`, a missing one is made (mode
/// 0700), with its parents up to one that exists (never a missing home directory).
fn usable(dir: &Path, create: bool) -> bool {
    match fs::symlink_metadata(dir) {
        Ok(m) => m.is_dir() && m.uid() == euid() && m.mode() & 0o022 == 0,
        Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => make(dir),
        Err(_) => false,
    }
}

/// Makes `dir` and the missing parents below the home (or `XDG_STATE_HOME`'s parent), each
/// mode 0700, when the directory they go in is this user's: root in a shell that kept
/// another user's `HOME` (`sudo -E`, `su -m`) must not leave root's directories in that home.
fn make(dir: &Path) -> bool {
    // The state's own directory and up to two parents (`.local/state`); never the home.
    let mut missing = vec![dir];
    let mut at = dir;
    while let Some(parent) = at.parent() {
        // Followed: a home is often a link to a network filesystem.
        match fs::metadata(parent) {
            Ok(m) if m.uid() == euid() => break,
            Ok(_) => return false,
            Err(_) if missing.len() == 3 => return false,
            Err(_) => {}
        }
        missing.push(parent);
        at = parent;
    }
    let mut b = DirBuilder::new();
    b.mode(0o700);
    missing.iter().rev().all(|d| match b.create(d) {
        Ok(()) => true,
        Err(e) => e.kind() == std::io::ErrorKind::AlreadyExists,
    }) && usable(dir, false)
}

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

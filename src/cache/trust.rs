//! Who may have written a file we read: one check for the cache, a mirrored cache on a shared
//! filesystem, and (stricter) the API key file.
//!
//! The same rules hold for everything the fetcher copies into the cache from a local file (a
//! page directory, a mirror on a shared filesystem): what every user is shown may come only from
//! files nobody else could have written.
//!
//! Checks look at the metadata of the open file descriptor, never at the path before opening
//! it again, and files are opened with `O_NONBLOCK`, so a FIFO planted in their place cannot
//! hang a login or a fetch.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::FETCH_USER;

/// Opens `path` for reading without blocking on a FIFO or taking a controlling terminal, and
/// returns it with its metadata. Anything but a regular file is refused with
/// [`io::ErrorKind::InvalidInput`] ("not a regular file").
pub fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, meta))
}

/// Like OpenSSH's StrictModes: whoever could write a file that every user is shown could put a
/// fake "your password expired, run this" in front of everyone, so only root, the reader itself
/// and the fetcher's system user may own it, and nobody else may write it.
pub fn check(meta: &fs::Metadata) -> Result<(), String> {
    let mode = meta.permissions().mode();
    if mode & 0o022 != 0 {
        return Err(format!(
            "mode {:04o} lets group or others write it",
            mode & 0o7777
        ));
    }
    let owner = meta.uid();
    if trusted_owner(owner) {
        return Ok(());
    }
    Err(format!(
        "owned by uid {owner}, not root or the {FETCH_USER} user"
    ))
}

/// The directories above `path` must not let others replace it: none may be writable by
/// others unless it is sticky (like `/tmp`) and what it holds on the way to `path` belongs to
/// a trusted owner (root, this user, the fetcher's user).
pub fn check_ancestors(path: &Path) -> Result<(), String> {
    let path = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(path)
    };
    let mut dir = path.as_path();
    while let Some(parent) = dir.parent() {
        let meta = fs::metadata(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        let mode = meta.mode();
        if mode & 0o002 != 0 {
            let child = fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            if mode & 0o1000 == 0 {
                return Err(format!(
                    "{} is writable by everyone (mode {:04o}), so anyone could replace {}",
                    parent.display(),
                    mode & 0o7777,
                    path.display()
                ));
            }
            if !trusted_owner(child.uid()) {
                return Err(format!(
                    "{} belongs to uid {} in the shared directory {}",
                    dir.display(),
                    child.uid(),
                    parent.display()
                ));
            }
        }
        dir = parent;
    }
    Ok(())
}

/// Root, this process's user, or the fetcher's system user.
fn trusted_owner(uid: u32) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    uid == 0 || uid == me || Some(uid) == fetch_user_uid()
}

/// A secret (the API key): readable by its owner only.
pub fn check_secret(meta: &fs::Metadata) -> Result<(), String> {
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "mode {mode:04o} lets group or others read it; \
             the key must be readable by its owner only (chmod 600)"
        ));
    }
    Ok(())
}

/// The fetcher's uid, from `/etc/passwd` itself: a name-service lookup could block on LDAP at
/// login, and the packaged user is a local system user created by sysusers.d.
fn fetch_user_uid() -> Option<u32> {
    let passwd = fs::read("/etc/passwd").ok()?;
    // One vectorised substring search over the bytes, not a split of every line: sites list
    // thousands of local users.
    let needle = format!("\n{FETCH_USER}:");
    let at = if passwd.starts_with(&needle.as_bytes()[1..]) {
        0
    } else {
        memchr::memmem::find(&passwd, needle.as_bytes())? + 1
    };
    let end = memchr::memchr(b'\n', &passwd[at..]).map_or(passwd.len(), |n| at + n);
    let line = std::str::from_utf8(&passwd[at..end]).ok()?;
    line.split(':').nth(2)?.parse().ok()
}

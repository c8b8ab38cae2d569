//! Who may have written a file we read: one check for the cache, a mirrored cache on a shared
//! filesystem, and (stricter) the API key file.
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
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if owner == 0 || owner == me || Some(owner) == fetch_user_uid() {
        return Ok(());
    }
    Err(format!(
        "owned by uid {owner}, not root or the {FETCH_USER} user"
    ))
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

//! Writing the cache (and the fetcher's other outputs): under a lock, atomically.
//!
//! A write goes to a new temp file in the same directory (created with `O_EXCL | O_NOFOLLOW`
//! under an unpredictable name, so nothing planted there is followed or truncated), is synced,
//! renamed over the target, and the directory synced: a reader gets the old file or the new
//! one, whole. Fetchers take an exclusive lock on a sibling `.lock` file, because a lock on a
//! file that is later renamed over protects nothing; readers never lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Cache;

/// An exclusive lock on `.<cache>.lock`, held for a whole fetch so two fetchers never
/// interleave.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock without waiting: `Ok(None)` means another fetcher holds it.
    ///
    /// The lock file is opened read-only when it exists: `flock` needs no write access, so a
    /// lock file left behind by whoever ran the fetcher by hand (root, say) does not lock the
    /// service's user out.
    pub fn try_acquire(cache: &Path) -> io::Result<Option<Lock>> {
        let path = sibling(cache, ".lock");
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .read(true)
                .mode(0o644)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)?,
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Refuses to write `path` where others could have planted something in its place: its
/// directory must not be writable by others, unless it is sticky (like `/tmp`) and `path`, if
/// it exists, is a regular file of ours. Temp files are created `O_EXCL | O_NOFOLLOW` anyway;
/// this keeps the cache itself (and its lock) from being a file someone else controls.
pub fn check_dir(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(meta) = fs::metadata(dir) else {
        // A missing directory fails the write itself, with its own message.
        return Ok(());
    };
    let mode = meta.mode();
    if mode & 0o002 == 0 {
        return Ok(());
    }
    if mode & 0o1000 == 0 {
        return Err(format!(
            "{}: its directory {} is writable by everyone (mode {:04o}): anyone could replace \
             what every user is shown; use a directory only the fetcher's user can write",
            path.display(),
            dir.display(),
            mode & 0o7777
        ));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    match fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() || m.uid() != me => Err(format!(
            "{}: in a directory everyone can write, and it is not a regular file of this \
             user's (uid {}): refusing to write over it",
            path.display(),
            m.uid()
        )),
        _ => Ok(()),
    }
}

/// `dir/.name<suffix>` beside `path`. Hidden, so a glob over the directory skips it.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{suffix}"))
}

/// Writes the cache `bytes` to `path` atomically; the [`Lock`] proves the caller holds it.
pub fn write_atomic(path: &Path, bytes: &[u8], _lock: &Lock) -> io::Result<()> {
    replace_file(path, bytes)
}

/// Replaces `path` with `bytes` atomically, mode 0644, through a new temp file beside it.
/// Callers hold the [`Lock`]: no other writer is at work, so temp files beside `path` are
/// leftovers of a writer that was killed, and are removed first.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    remove_leftovers(path);
    let (mut file, tmp) = create_temp(path)?;
    let result = (|| {
        // The mode given to open() is filtered by the umask; the file must be readable by all.
        file.set_permissions(fs::Permissions::from_mode(0o644))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes `.<name>.*.tmp` beside `path`: what a writer killed half-way leaves behind.
fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let n = entry.file_name();
        let n = n.to_string_lossy();
        if n.starts_with(&prefix)
            && n.ends_with(".tmp")
            && n.len() == prefix.len() + 16 + 4
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A new file `.<name>.<random>.tmp` beside `path`: never an existing file, never through a
/// symlink.
fn create_temp(path: &Path) -> io::Result<(File, PathBuf)> {
    let mut last = None;
    for _ in 0..8 {
        let tmp = sibling(path, &format!(".{:016x}.tmp", random_u64()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temp name")))
}

/// 64 random bits from the kernel, else from the clock and the pid (still unpredictable
/// enough to avoid collisions; `O_EXCL` is what makes the temp file safe).
pub fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // SAFETY: the buffer is valid for its length.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), libc::GRND_NONBLOCK) };
    if n == buf.len() as isize {
        return u64::from_ne_bytes(buf);
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

/// Serialises a cache the way the fetcher writes it: compact, because every login parses it
/// (`jq . status.json` shows it indented).
pub fn to_bytes(cache: &Cache) -> Vec<u8> {
    let mut out = serde_json::to_vec(cache).expect("a cache always serialises");
    out.push(b'\n');
    out
}

//! The fetcher's log: one line per event on stderr, with a level, for the journal.
//!
//! A timer-run program has no terminal, so its stderr is its log, which sysadmins read in a
//! terminal (`journalctl`, or a manual run). Every message is sanitised like page text at a
//! login ([`crate::sanitize::terminal`]: whole escape sequences, bidi and zero-width characters
//! removed, newlines flattened), because causes and names come from servers, has the user names
//! and passwords of addresses hidden ([`clean`]), and is one line that starts with
//! `motd-status-fetch: <level>: `. Standard output (`--check`, `--list-groups`, `--status`)
//! goes through the same [`clean`]. When stderr is the journal's stream (systemd sets
//! `JOURNAL_STREAM` to its device and inode), each line also starts with a `<N>` syslog priority
//! so `journalctl -p warning` works. There is never colour: the log is read in the journal.

use std::fmt::Display;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 0,
    Warning = 1,
    Info = 2,
}

/// How much to say: errors only (`--quiet`), warnings (default), or everything (`--verbose`).
static SHOWN: AtomicU8 = AtomicU8::new(Level::Warning as u8);

pub fn set_level(level: Level) {
    SHOWN.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level as u8 <= SHOWN.load(Ordering::Relaxed)
}

pub fn error(msg: impl Display) {
    emit(Level::Error, &msg.to_string());
}

pub fn warn(msg: impl Display) {
    emit(Level::Warning, &msg.to_string());
}

pub fn info(msg: impl Display) {
    emit(Level::Info, &msg.to_string());
}

fn emit(level: Level, msg: &str) {
    if !enabled(level) {
        return;
    }
    let (name, priority) = match level {
        Level::Error => ("error", 3),
        Level::Warning => ("warning", 4),
        Level::Info => ("info", 6),
    };
    let prefix = if to_journal() {
        format!("<{priority}>")
    } else {
        String::new()
    };
    // A log that cannot be written has nowhere to say so.
    let line = format!("{prefix}motd-status-fetch: {name}: {}\n", clean(msg));
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
}

/// `text` as every line the fetcher prints carries it: credentials in addresses hidden
/// ([`super::address::redact_text`]), then sanitised like page text.
pub fn clean(text: &str) -> String {
    crate::sanitize::terminal(&super::address::redact_text(text))
}

/// Whether stderr is the journal's stream: `JOURNAL_STREAM` names its `device:inode`.
fn to_journal() -> bool {
    static JOURNAL: OnceLock<bool> = OnceLock::new();
    *JOURNAL.get_or_init(|| {
        let Some(v) = std::env::var_os("JOURNAL_STREAM") else {
            return false;
        };
        let v = v.to_string_lossy();
        let Some((dev, ino)) = v.split_once(':') else {
            return false;
        };
        let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
            return false;
        };
        // SAFETY: fstat writes one stat into the struct we own; failure leaves it unused.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::fstat(libc::STDERR_FILENO, &mut st) } == 0;
        ok && st.st_dev as u64 == dev && st.st_ino as u64 == ino
    })
}

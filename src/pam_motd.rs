//! What pam_motd showed at this login, decided the way pam_motd decides what it shows.
//!
//! A site may publish the view through pam_motd (the fetcher's `motd_file`, linked into a
//! message-of-the-day directory); then the login must not print it a second time. But
//! `MOTD_SHOWN=pam` only says that pam_motd ran (Debian's sshd runs it for every session),
//! not what it showed, and a login that stays quiet when pam_motd did not show the view is a
//! silent login during an outage. So this module reads what pam_motd reads (Linux-PAM's
//! `pam_motd.c`):
//!
//! - the session lines of the PAM service the user came through (`sshd` when `SSH_CONNECTION`
//!   is set, else `login`), in `/etc/pam.d`, else `/usr/lib/pam.d`, following `@include`,
//!   `include` and `substack`;
//! - each `pam_motd.so` line reads the directories of its `motd_dir=`, or with neither `motd=`
//!   nor `motd_dir=` the defaults (`/etc/motd.d`, `/run/motd.d`, `/usr/lib/motd.d`), and with
//!   only `motd=` no directory at all;
//! - for each file name in those directories, the first directory in which that name opens
//!   (pam_motd opens it as the user logging in, as this program runs) is the one shown, and
//!   only if it holds between 1 byte and 64 KiB: a name masked by a link to `/dev/null` in an
//!   earlier directory shows nothing.
//!
//! The view counts as shown when some pam_motd line shows, under some name, the very file the
//! fetcher writes. When anything cannot be read, it does not count: a view printed twice is a
//! nuisance, a login left silent is a failure.

use std::fs::File;
use std::path::{Path, PathBuf};

/// pam_motd's default directories, in the order it tries them.
pub const DEFAULT_DIRS: [&str; 3] = ["/etc/motd.d", "/run/motd.d", "/usr/lib/motd.d"];
/// Where PAM reads a service's configuration: the first directory that has the file.
const PAM_DIRS: [&str; 2] = ["/etc/pam.d", "/usr/lib/pam.d"];
/// Tests point this at a PAM configuration of their own.
pub const ENV_PAM_DIR: &str = "MOTD_STATUS_PAM_DIR";
/// pam_motd shows nothing of a file larger than this.
const MAX_SHOWN: u64 = 0x10000;
/// Includes nested deeper than this are a loop.
const MAX_DEPTH: usize = 8;

/// Whether pam_motd, in this login's session, showed `file`.
pub fn showed(file: &Path) -> bool {
    if std::env::var_os("MOTD_SHOWN").is_none_or(|v| v != "pam") {
        return false;
    }
    let Ok(target) = std::fs::canonicalize(file) else {
        return false;
    };
    let service = if std::env::var_os("SSH_CONNECTION").is_some() {
        "sshd"
    } else {
        "login"
    };
    let mut lists = Vec::new();
    motd_dirs(service, 0, &mut lists);
    lists.iter().any(|dirs| shows(dirs, &target))
}

/// Whether pam_motd reading `dirs` shows `target` (a canonical path) under some name.
fn shows(dirs: &[PathBuf], target: &Path) -> bool {
    let mut names = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if std::fs::canonicalize(entry.path()).is_ok_and(|p| p == target)
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    }
    names.iter().any(|name| {
        // The first directory in which the name opens is the one shown.
        let Some((path, file)) = dirs
            .iter()
            .map(|d| d.join(name))
            .find_map(|p| File::open(&p).ok().map(|f| (p, f)))
        else {
            return false;
        };
        let size = file.metadata().map_or(0, |m| m.len());
        (1..=MAX_SHOWN).contains(&size) && std::fs::canonicalize(&path).is_ok_and(|p| p == target)
    })
}

/// The directory lists of every `pam_motd.so` session line of `service`, includes followed.
fn motd_dirs(service: &str, depth: usize, out: &mut Vec<Vec<PathBuf>>) {
    if depth > MAX_DEPTH || service.contains('/') {
        return;
    }
    let Some(text) = service_file(service) else {
        return;
    };
    for line in logical_lines(&text) {
        let words = words(&line);
        let Some(first) = words.first() else {
            continue;
        };
        if first == "@include" {
            if let Some(name) = words.get(1) {
                motd_dirs(name, depth + 1, out);
            }
            continue;
        }
        if first.trim_start_matches('-') != "session" || words.len() < 3 {
            continue;
        }
        let (control, module) = (&words[1], &words[2]);
        if control == "include" || control == "substack" {
            motd_dirs(module, depth + 1, out);
        } else if module.rsplit('/').next() == Some("pam_motd.so") {
            out.push(line_dirs(&words[3..]));
        }
    }
}

/// The directories one pam_motd line reads, from its arguments.
fn line_dirs(args: &[String]) -> Vec<PathBuf> {
    let mut motd = false;
    let mut dirs = None;
    for a in args {
        if let Some(v) = a.strip_prefix("motd=") {
            motd |= !v.is_empty();
        } else if let Some(v) = a.strip_prefix("motd_dir=").filter(|v| !v.is_empty()) {
            dirs = Some(
                v.split(':')
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .collect(),
            );
        }
    }
    match (motd, dirs) {
        (_, Some(dirs)) => dirs,
        (false, None) => DEFAULT_DIRS.iter().map(PathBuf::from).collect(),
        (true, None) => Vec::new(),
    }
}

/// The configuration of `service`: the first PAM directory that has it.
fn service_file(service: &str) -> Option<String> {
    let dirs: Vec<PathBuf> = match crate::env::path(ENV_PAM_DIR) {
        Some(d) => vec![d],
        None => PAM_DIRS.iter().map(PathBuf::from).collect(),
    };
    dirs.iter().find_map(|d| {
        use std::io::Read;
        let mut text = String::new();
        File::open(d.join(service))
            .ok()?
            .take(1 << 20)
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    })
}

/// Lines without comments, a trailing backslash joining a line to the next.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("");
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out.push(current);
    out
}

/// The words of a line, a `[…]` group (a control or an argument with spaces) as one word.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '[' {
            chars.next();
            for c in chars.by_ref() {
                if c == ']' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn a_pam_motd_line_reads_what_its_arguments_say() {
        let defaults: Vec<PathBuf> = DEFAULT_DIRS.iter().map(PathBuf::from).collect();
        assert_eq!(line_dirs(&[]), defaults);
        assert_eq!(line_dirs(&strings(&["noupdate"])), defaults);
        assert!(line_dirs(&strings(&["motd=/run/motd.dynamic"])).is_empty());
        assert_eq!(
            line_dirs(&strings(&["motd=/etc/motd", "motd_dir=/a:/b"])),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        // An empty argument is ignored, as pam_motd ignores it.
        assert_eq!(line_dirs(&strings(&["motd=", "motd_dir="])), defaults);
    }

    #[test]
    fn lines_and_words_as_pam_reads_them() {
        assert_eq!(
            words("-session [success=ok default=ignore] pam_motd.so motd_dir=/x # c"),
            strings(&[
                "-session",
                "success=ok default=ignore",
                "pam_motd.so",
                "motd_dir=/x",
                "#",
                "c"
            ])
        );
        assert_eq!(
            logical_lines("a # comment\nsession optional \\\n pam_motd.so\n"),
            strings(&["a ", "session optional   pam_motd.so", ""])
        );
    }
}

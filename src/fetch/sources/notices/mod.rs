//! The site's own notices file: incidents, maintenance and notices kept by hand, in TOML (a name
//! ending in `.toml`) or JSON (any other name), one schema (`docs/notices.md`). It is read from
//! a local file (trusted like a local page: owner, mode, the directories above it) or over
//! HTTP(S), and every name in a notice's `affects` becomes a component that stands for a name
//! clusters give.
//!
//! A file with any mistake fails the source, naming the file, line and column of the first
//! (the others are logged), so the fetcher keeps the previous data rather than show a half-read
//! file; [`check`] answers every mistake at once, and the warnings with them, for `--check`.
//! The parts: [`settle`] reads the file once it has stopped changing (an editor may be writing
//! it), [`tree`] reads either format into one tree that knows where each value is, [`schema`]
//! reads the tree into notices, [`times`] reads times, [`convert`] makes the cache's model.

mod convert;
mod schema;
mod settle;
mod times;
mod tree;

use super::{Fetched, Run, Source, folded};
use crate::fetch::address::Location;
use crate::fetch::config::ClusterConfig;
use crate::fetch::http::FetchError;
use crate::fetch::log;
use crate::fetch::session::{Got, Session};
use tree::At;

/// How many mistakes of a file beyond the first a fetch logs.
const LOGGED_MISTAKES: usize = 20;

/// A notices file, where it is read from.
pub(crate) struct Notices<'a>(pub &'a Location);

impl Source for Notices<'_> {
    fn fetch(&self, run: &mut Run<'_, '_>) -> Result<Fetched, FetchError> {
        let (shown, bytes) = read(run.session, self.0, true)?;
        let (file, answers) = validate(&shown, is_toml(self.0), &bytes, None);
        let mut errors = answers.into_iter().filter(|a| !a.warning);
        if let Some(first) = errors.next() {
            // A file gone wrong as a whole (a script's bad run) can hold thousands: the journal
            // gets the first few, `--check` lists them all.
            let further: Vec<Answer> = errors.collect();
            for a in further.iter().take(LOGGED_MISTAKES) {
                log::error(&a.line);
            }
            if further.len() > LOGGED_MISTAKES {
                log::error(format!(
                    "{}: {} more mistakes (motd-status-fetch --check lists them all)",
                    shown,
                    further.len() - LOGGED_MISTAKES
                ));
            }
            return Err(first.into_error());
        }
        Ok(Fetched::Data(file.unwrap_or_default().into_data()))
    }
}

/// One answer of a check: a mistake (the file is not used) or a warning, as the line
/// `path:line:column: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub warning: bool,
    pub line: String,
    /// `path:line:column`, and what.
    place: String,
    what: String,
}

impl Answer {
    fn into_error(self) -> FetchError {
        FetchError {
            url: self.place,
            cause: self.what,
        }
    }
}

/// Something wrong found at a byte of the text.
#[derive(Debug)]
pub(super) struct Finding {
    at: At,
    what: String,
    warning: bool,
}

impl Finding {
    fn error(at: usize, what: String) -> Finding {
        Finding {
            at: At::Byte(at),
            what,
            warning: false,
        }
    }

    fn warning(at: usize, what: String) -> Finding {
        Finding {
            at: At::Byte(at),
            what,
            warning: true,
        }
    }
}

/// Reads the notices file at `at` and answers every mistake in it, and every warning:
/// `clusters` (the config's) are the names `affects` may give. The file is read as it is: the
/// check answers whoever just saved it, at once.
pub(crate) fn check(
    session: &mut Session<'_>,
    at: &Location,
    clusters: &[ClusterConfig],
) -> Result<Vec<Answer>, FetchError> {
    let (shown, bytes) = read(session, at, false)?;
    Ok(validate(&shown, is_toml(at), &bytes, Some(clusters)).1)
}

/// The body of the file (with `settled`, once it has stopped changing: see [`settle`]), and
/// how messages name it. A missing file or a 404 is an error: a site with no notices says so
/// in the file.
fn read(
    session: &mut Session<'_>,
    at: &Location,
    settled: bool,
) -> Result<(String, Vec<u8>), FetchError> {
    let shown = at.shown();
    let fail = |cause: String| FetchError {
        url: shown.clone(),
        cause,
    };
    let bytes = match at {
        Location::Web(url) => {
            let got = if settled {
                settle::web(session, url)?
            } else {
                session.get(url, None)?
            };
            match got {
                Got::Body(b) => b,
                Got::Status(s) => return Err(fail(format!("HTTP {s}"))),
            }
        }
        Location::Local(path) => {
            let read = if settled {
                settle::local(session, path)?
            } else {
                session.read_file(path)?
            };
            read.ok_or_else(|| fail("no such file".to_owned()))?
        }
    };
    Ok((shown, bytes))
}

/// Whether the file is TOML: its name (or its address's path) ends in `.toml`.
fn is_toml(at: &Location) -> bool {
    let name = match at {
        Location::Web(url) => url.uri().path().to_owned(),
        Location::Local(path) => path.display().to_string(),
    };
    name.to_ascii_lowercase().ends_with(".toml")
}

/// Every mistake of the file `shown` (its bytes, in TOML or JSON), in the order of the text,
/// and the warnings (with `clusters`: an `affects` name no cluster gives). The file's notices
/// too, when it could be read at all.
fn validate(
    shown: &str,
    toml: bool,
    bytes: &[u8],
    clusters: Option<&[ClusterConfig]>,
) -> (Option<schema::File>, Vec<Answer>) {
    let (file, mut findings, text) = match parse(toml, bytes) {
        Ok((file, findings, text)) => (Some(file), findings, text),
        Err((finding, text)) => (None, vec![finding], text),
    };
    if let (Some(file), Some(clusters)) = (&file, clusters) {
        findings.extend(unknown_names(file, clusters));
    }
    let lines = Lines::new(&text);
    let mut findings: Vec<(usize, Finding)> = findings
        .into_iter()
        .map(|f| (byte_of(&text, &lines, &f.at), f))
        .collect();
    findings.sort_by_key(|(at, _)| *at);
    let ats: Vec<usize> = findings.iter().map(|(at, _)| *at).collect();
    let answers = findings
        .into_iter()
        .zip(places(&text, &lines, &ats))
        .map(|((_, f), (line, column))| {
            let place = format!("{shown}:{line}:{column}");
            Answer {
                warning: f.warning,
                line: format!("{place}: {}", f.what),
                place,
                what: f.what,
            }
        })
        .collect();
    (file, answers)
}

/// The byte of `text` a finding is at. A parser's line and column count bytes of the text
/// after a byte order mark.
fn byte_of(text: &str, lines: &Lines, at: &At) -> usize {
    match *at {
        At::Byte(b) => b,
        At::LineColumn(line, column) => {
            let bom = if line == 1 && text.starts_with('\u{feff}') {
                3
            } else {
                0
            };
            (lines.start(line) + bom + column.saturating_sub(1)).min(text.len())
        }
    }
}

/// The file read, or the one mistake that stops it from being read at all; with the text as
/// far as it is text.
#[allow(clippy::type_complexity)]
fn parse(
    toml: bool,
    bytes: &[u8],
) -> Result<(schema::File, Vec<Finding>, String), (Finding, String)> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let text = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let at = text.len();
            return Err((Finding::error(at, "is not UTF-8 text".to_owned()), text));
        }
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skipped = text.len() - body.len();
    let stop = |at: usize, what: String| Err((Finding::error(at, what), text.to_owned()));
    match body.trim_start().chars().next() {
        None => {
            let empty = if toml {
                "no [[notice]]"
            } else {
                "{\"notice\": []}"
            };
            return stop(
                0,
                format!(
                    "the file is empty (a write cut short?); a file without notices says so: {empty}"
                ),
            );
        }
        Some('<') => {
            let at = skipped + body.len() - body.trim_start().len();
            return stop(
                at,
                "got HTML, not a notices file (a login or error page in front of it?)".to_owned(),
            );
        }
        _ => {}
    }
    let tree = if toml {
        tree::toml(body)
    } else {
        tree::json(body)
    };
    let root = match tree {
        Ok(root) => root,
        Err(e) => {
            let at = match e.at {
                At::Byte(b) => At::Byte(b + skipped),
                lc => lc,
            };
            let finding = Finding {
                at,
                what: e.what,
                warning: false,
            };
            return Err((finding, text.to_owned()));
        }
    };
    let (file, mut findings) = schema::read(&root, toml, body);
    for f in &mut findings {
        if let At::Byte(b) = &mut f.at {
            *b += skipped;
        }
    }
    Ok((file, findings, text.to_owned()))
}

/// Warnings for the `affects` names that no cluster gives: neither a cluster's name nor a group
/// or component name of its config.
fn unknown_names(file: &schema::File, clusters: &[ClusterConfig]) -> Vec<Finding> {
    let mut given: Vec<&str> = Vec::new();
    for c in clusters {
        for name in std::iter::once(&c.name)
            .chain(&c.groups)
            .chain(&c.components)
        {
            if !given.iter().any(|g| folded(g) == folded(name)) {
                given.push(name);
            }
        }
    }
    let folded_given: Vec<String> = given.iter().map(|g| folded(g)).collect();
    let listed = if given.is_empty() {
        "the config has no [[cluster]] (a notice for every cluster leaves affects out)".to_owned()
    } else {
        const SHOWN: usize = 12;
        let mut list = given
            .iter()
            .take(SHOWN)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if given.len() > SHOWN {
            list.push_str(", …");
        }
        format!("the names clusters give: {list}")
    };
    let mut out = Vec::new();
    for n in &file.notices {
        for (name, at) in &n.affects {
            if !folded_given.contains(&folded(name)) {
                let what = format!(
                    "`affects` in notice {:?}: {name:?} matches nothing; {listed}",
                    n.id
                );
                out.push(Finding::warning(*at, what));
            }
        }
    }
    out
}

/// Where the lines of a text start: the line of a byte by a binary search, so that a file
/// with thousands of mistakes is answered in time.
pub(super) struct Lines(Vec<usize>);

impl Lines {
    pub(super) fn new(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Lines(starts)
    }

    /// 1-based line of byte `at`.
    pub(super) fn line(&self, at: usize) -> usize {
        self.0.partition_point(|&start| start <= at)
    }

    /// The byte where 1-based line `line` starts (the end of the last line past the last).
    fn start(&self, line: usize) -> usize {
        self.0[line.clamp(1, self.0.len()) - 1]
    }
}

/// The 1-based line and column (in characters, a byte order mark not counted) of each byte
/// of `ats`, which are in increasing order: each column counted on from the one before on
/// the same line, so a file of one long line with many mistakes costs one pass.
fn places(text: &str, lines: &Lines, ats: &[usize]) -> Vec<(usize, usize)> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut out = Vec::with_capacity(ats.len());
    let (mut line, mut from, mut column) = (0, 0, 1);
    for &at in ats {
        let at = floor(text, at);
        let l = lines.line(at);
        if l != line {
            line = l;
            from = lines.start(l);
            if l == 1 {
                from = from.max(bom.min(at));
            }
            column = 1;
        }
        column += text[from..at].chars().count();
        from = at;
        out.push((line, column));
    }
    out
}

/// `at`, within `text` and on a character's boundary.
fn floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The word of `words` that `word` was most likely meant to be: the same but for case, or at
/// most one edit away (two for longer words; a swap of neighbours is one edit), or a word
/// people often write for it.
fn nearest<'w>(word: &str, words: &[&'w str]) -> Option<&'w str> {
    const SYNONYMS: &[(&str, &str)] = &[
        ("notices", "notice"),
        ("items", "notice"),
        ("tz", "timezone"),
        ("time_zone", "timezone"),
        ("zone", "timezone"),
        ("name", "title"),
        ("summary", "title"),
        ("type", "kind"),
        ("begin", "start"),
        ("from", "start"),
        ("starts", "start"),
        ("until", "end"),
        ("ends", "end"),
        ("finish", "end"),
        ("severity", "impact"),
        ("url", "link"),
        ("description", "body"),
        ("details", "body"),
        ("message", "text"),
        ("updates", "update"),
        ("components", "affects"),
        ("clusters", "affects"),
        ("time", "at"),
        ("date", "at"),
        ("outage", "incident"),
    ];
    let lower = word.to_lowercase();
    if let Some(w) = words.iter().find(|w| w.eq_ignore_ascii_case(&lower)) {
        return Some(w);
    }
    if let Some(w) = SYNONYMS
        .iter()
        .filter(|(from, _)| *from == lower)
        .find_map(|(_, to)| words.iter().find(|w| *w == to))
    {
        return Some(w);
    }
    let allowed = if lower.chars().count() >= 6 { 2 } else { 1 };
    words
        .iter()
        .map(|w| (edits(&lower, w), *w))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, w)| w)
}

/// Edits from `a` to `b`: insertions, deletions, substitutions and swaps of neighbours.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d: Vec<Vec<usize>> = (0..=a.len())
        .map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect())
        .collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests;

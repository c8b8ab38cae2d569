//! The notices schema: a file's tree read into [`File`], every mistake collected with where it
//! is (a key that is not in the schema names the nearest one that is), so that one check
//! answers them all at once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::times::{self, Written, Zone};
use super::tree::{Entry, Node, Value};
use super::{Finding, nearest};
use crate::fetch::sources::NAME_CHARS;

mod text;
mod windows;

const TOP_KEYS: &[&str] = &["name", "url", "timezone", "notice"];
const NOTICE_KEYS: &[&str] = &[
    "id", "title", "kind", "start", "end", "affects", "impact", "link", "body", "resolved",
    "update",
];
const UPDATE_KEYS: &[&str] = &["at", "text"];
const KINDS: &[&str] = &["maintenance", "incident", "notice"];
pub(super) const IMPACTS: &[&str] = &["none", "minor", "major", "critical"];

/// A notices file, read.
#[derive(Debug, Default)]
pub(super) struct File {
    pub(super) name: Option<String>,
    pub(super) url: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) notices: Vec<Notice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Maintenance,
    Incident,
    Notice,
}

#[derive(Debug)]
pub(super) struct Notice {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) kind: Kind,
    pub(super) start: DateTime<Utc>,
    pub(super) end: Option<DateTime<Utc>>,
    /// The names it affects, each with where it is written.
    pub(super) affects: Vec<(String, usize)>,
    pub(super) impact: Option<String>,
    pub(super) link: Option<String>,
    pub(super) body: Option<String>,
    pub(super) resolved: Option<DateTime<Utc>>,
    pub(super) updates: Vec<Update>,
}

#[derive(Debug)]
pub(super) struct Update {
    pub(super) at: DateTime<Utc>,
    pub(super) text: String,
}

/// Reads the tree of a file (`toml`: written in TOML) into its notices and every mistake.
pub(super) fn read(root: &Node, toml: bool, text: &str) -> (File, Vec<Finding>) {
    let mut r = Reader {
        findings: Vec::new(),
        zone: Zone::host(),
        local_seen: false,
        toml,
        lines: super::Lines::new(text),
        now: crate::clock::now().ok(),
    };
    let file = r.file(root);
    (file, r.findings)
}

/// A table's entries, how messages name the table (" in notice \"x\""), and the keys its
/// unknown keys were taken for.
struct Fields<'n> {
    entries: &'n [Entry],
    context: String,
    meant: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// Whether `key` is missing, and no unknown key was taken for it (which says so already).
    fn lacks(&self, key: &str) -> bool {
        self.get(key).is_none() && !self.meant.contains(&key)
    }

    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Where `key` is written (the table's start when it is not).
    fn key_at(&self, key: &str, table: usize) -> usize {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map_or(table, |e| e.at)
    }
}

struct Reader {
    findings: Vec<Finding>,
    zone: Zone,
    /// A wall-clock time was read in this host's zone (warned once).
    local_seen: bool,
    toml: bool,
    /// Where the text's lines start, to name the line of an earlier notice.
    lines: super::Lines,
    /// The time of the check or the fetch: an incident has begun, and what is resolved is.
    now: Option<DateTime<Utc>>,
}

impl Reader {
    fn mistake(&mut self, at: usize, what: String) {
        self.findings.push(Finding::error(at, what));
    }

    /// The entries of `node`, a table, with every key checked against `known`. `whose` names
    /// the table in messages ("a notice's"); `context` follows a key (" in notice \"x\"").
    fn fields<'n>(
        &mut self,
        node: &'n Node,
        known: &[&'static str],
        whose: &str,
        context: String,
    ) -> Option<Fields<'n>> {
        let Value::Table(entries) = &node.value else {
            return None;
        };
        let mut meant = Vec::new();
        let mut keys = HashSet::new();
        for e in entries {
            if !keys.insert(e.key.as_str()) {
                let what = format!("`{}` is set twice{context}: keep one", e.key);
                self.mistake(e.at, what);
            } else if !known.contains(&e.key.as_str()) {
                let what = match nearest(&e.key, known) {
                    Some(near) => {
                        meant.push(near);
                        format!("unknown key `{}`{context}: did you mean `{near}`?", e.key)
                    }
                    None => format!(
                        "unknown key `{}`{context}; {whose} keys are {}",
                        e.key,
                        known.join(", ")
                    ),
                };
                self.mistake(e.at, what);
            }
        }
        Some(Fields {
            entries,
            context,
            meant,
        })
    }

    /// The string at `key`, if it is one (and not empty).
    fn string(&mut self, f: &Fields<'_>, key: &str) -> Option<String> {
        let node = f.get(key)?;
        match &node.value {
            Value::Str(s) if s.trim().is_empty() => {
                self.mistake(node.at, format!("`{key}`{} is empty", f.context));
                None
            }
            Value::Str(s) => Some(s.clone()),
            other => {
                let what = format!(
                    "`{key}`{} must be a string, not {}",
                    f.context,
                    other.what()
                );
                self.mistake(node.at, what);
                None
            }
        }
    }

    /// The time at `key`, as an instant.
    fn time(&mut self, f: &Fields<'_>, key: &str) -> Option<DateTime<Utc>> {
        let node = f.get(key)?;
        let written = match times::written(&node.value) {
            Ok(w) => w,
            Err(why) => {
                self.mistake(node.at, format!("`{key}`{}: {why}", f.context));
                return None;
            }
        };
        if matches!(written, Written::Local(_)) && !self.zone.named && !self.local_seen {
            self.local_seen = true;
            let what = format!(
                "`{key}`{} is a local time, read in this host's zone {}; set timezone to be sure",
                f.context, self.zone.name
            );
            self.findings.push(Finding::warning(node.at, what));
        }
        match times::instant(written, &self.zone) {
            Ok(t) => Some(t),
            Err(why) => {
                self.mistake(node.at, format!("`{key}`{}: {why}", f.context));
                None
            }
        }
    }

    fn file(&mut self, root: &Node) -> File {
        let Some(top) = self.fields(root, TOP_KEYS, "the file's", String::new()) else {
            let what = format!(
                "a notices file holds a table of keys (name, url, timezone, notice), not {}",
                root.value.what()
            );
            self.mistake(root.at, what);
            return File::default();
        };
        let timezone = self.string(&top, "timezone");
        if let Some(name) = &timezone {
            match Zone::named(name) {
                Ok(zone) => self.zone = zone,
                Err(why) => {
                    let at = top.get("timezone").map_or(0, |n| n.at);
                    self.mistake(at, format!("`timezone`: {why}"));
                    // The file names its zone: no warning that it does not.
                    self.local_seen = true;
                }
            }
        }
        let mut file = File {
            name: self.string(&top, "name"),
            url: self.address(&top, "url"),
            timezone,
            notices: Vec::new(),
        };
        let Some(list) = top.get("notice") else {
            return file;
        };
        let items = match &list.value {
            Value::Array(items) => items,
            other => {
                let what = match other {
                    Value::Table(_) if self.toml => "[notice] is one table, but there may be \
                        several: write [[notice]] for each"
                        .to_owned(),
                    _ => format!("`notice` must be a list of notices, not {}", other.what()),
                };
                self.mistake(list.at, what);
                return file;
            }
        };
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(n) = self.notice(item, i + 1, &mut ids) {
                file.notices.push(n);
            }
        }
        file
    }

    /// The `i`th notice; `ids` holds the ids before it, with where each is written.
    fn notice(
        &mut self,
        node: &Node,
        i: usize,
        ids: &mut HashMap<String, usize>,
    ) -> Option<Notice> {
        // The id first: every other message names the notice by it.
        let id = match &node.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == "id").and_then(|e| match &e
                .value
                .value
            {
                Value::Str(s) if !s.trim().is_empty() => Some(s.clone()),
                _ => None,
            }),
            other => {
                let what = format!(
                    "notice {i} must be a table of keys (id, title, kind, start, …), not {}",
                    other.what()
                );
                self.mistake(node.at, what);
                return None;
            }
        };
        let name = id
            .as_ref()
            .map_or(format!("notice {i}"), |id| format!("notice {id:?}"));
        let f = self.fields(node, NOTICE_KEYS, "a notice's", format!(" in {name}"))?;
        let id = self.id(&f, &name, node.at, ids);
        let title = self.title(&f, node.at);
        let kind = self.word(&f, "kind", KINDS).map(|k| match k {
            "maintenance" => Kind::Maintenance,
            "incident" => Kind::Incident,
            _ => Kind::Notice,
        });
        let start = self.time(&f, "start");
        for key in ["id", "title", "kind", "start"] {
            if f.lacks(key) {
                self.mistake(node.at, format!("{name} has no `{key}`"));
            }
        }
        let end = self.time(&f, "end");
        let resolved = self.time(&f, "resolved");
        let notice = Notice {
            id: id?,
            title: title?,
            kind: kind?,
            start: start?,
            end,
            affects: self.affects(&f),
            impact: self.word(&f, "impact", IMPACTS).map(str::to_owned),
            link: self.address(&f, "link"),
            body: self.string(&f, "body"),
            resolved,
            updates: self.updates(&f, &name),
        };
        self.windows(&f, &notice, node.at);
        Some(notice)
    }

    /// The notice's id, unique in the file.
    fn id(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        at: usize,
        ids: &mut HashMap<String, usize>,
    ) -> Option<String> {
        let id = self.string(f, "id")?;
        let id_at = f.get("id").map_or(at, |n| n.at);
        if id.chars().count() > NAME_CHARS {
            self.mistake(
                id_at,
                format!("the id of {name} is longer than {NAME_CHARS} characters"),
            );
            return None;
        }
        if let Some(first) = ids.get(&id) {
            let line = self.lines.line(*first);
            self.mistake(
                id_at,
                format!("id {id:?} is also the id of the notice at line {line}"),
            );
            return None;
        }
        ids.insert(id.clone(), id_at);
        Some(id)
    }

    /// One of `words` at `key`.
    fn word(&mut self, f: &Fields<'_>, key: &str, words: &[&'static str]) -> Option<&'static str> {
        let s = self.string(f, key)?;
        if let Some(w) = words.iter().find(|w| **w == s) {
            return Some(w);
        }
        let at = f.get(key).map_or(0, |n| n.at);
        let what = match nearest(&s, words) {
            Some(near) => format!("`{key}`{} is {s:?}: did you mean {near}?", f.context),
            None => format!(
                "`{key}`{} is {s:?}, not one of {}",
                f.context,
                words.join(", ")
            ),
        };
        self.mistake(at, what);
        None
    }

    /// The names of `affects`: a list of strings.
    fn affects(&mut self, f: &Fields<'_>) -> Vec<(String, usize)> {
        let Some(node) = f.get("affects") else {
            return Vec::new();
        };
        let Value::Array(items) = &node.value else {
            let what = format!(
                "`affects`{} must be a list of names such as [\"Alpha\"], not {}",
                f.context,
                node.value.what()
            );
            self.mistake(node.at, what);
            return Vec::new();
        };
        let mut names = Vec::new();
        for item in items {
            let why = match &item.value {
                Value::Str(s) if s.trim().is_empty() => "an empty name".to_owned(),
                Value::Str(s) if s.chars().count() > NAME_CHARS => {
                    format!("a name longer than {NAME_CHARS} characters")
                }
                Value::Str(s) => {
                    names.push((s.trim().to_owned(), item.at));
                    continue;
                }
                other => format!("{}, not a name", other.what()),
            };
            self.mistake(item.at, format!("`affects`{} holds {why}", f.context));
        }
        names
    }

    /// The `update` list of a notice.
    fn updates(&mut self, f: &Fields<'_>, name: &str) -> Vec<Update> {
        let Some(node) = f.get("update") else {
            return Vec::new();
        };
        let Value::Array(items) = &node.value else {
            let what = format!(
                "`update`{} must be a list of updates ([[notice.update]] in TOML), not {}",
                f.context,
                node.value.what()
            );
            self.mistake(node.at, what);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let whose = format!("update {} of {name}", i + 1);
            let Some(u) = self.fields(item, UPDATE_KEYS, "an update's", format!(" in {whose}"))
            else {
                let what = format!(
                    "{whose} must be a table of at and text, not {}",
                    item.value.what()
                );
                self.mistake(item.at, what);
                continue;
            };
            for key in UPDATE_KEYS {
                if u.lacks(key) {
                    self.mistake(item.at, format!("{whose} has no `{key}`"));
                }
            }
            if let (Some(at), Some(text)) = (self.time(&u, "at"), self.string(&u, "text")) {
                out.push(Update { at, text });
            }
        }
        out
    }
}

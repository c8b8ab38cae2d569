//! The house keeps its shape: every room (a module of `src/`, a folder counting as one) imports
//! only rooms that `docs/architecture.md` lists before it, so there is no circle and nothing
//! climbs back up; no file is over 500 lines and no function over 80, so a newcomer can read
//! any of them whole. A new room must be added to the list, in its place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 500;
const MAX_FN_LINES: usize = 80;

fn src() -> PathBuf {
    crate::util::repo().join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `fetch/http/proxy.rs` → `fetch::http::proxy`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The room a module path belongs to: its first segment, or its second under `fetch` (the
/// fetcher's own rooms); `bin` files are rooms of their own.
fn room_of(module: &[String]) -> String {
    match module {
        [] => "lib".to_owned(),
        [first, second, ..] if first == "fetch" || first == "bin" => format!("{first}::{second}"),
        [first, ..] => first.clone(),
    }
}

/// The rooms `text` (the file of `module`) refers to through `crate::…` and `super::…` paths,
/// `use` groups (`crate::{a, b::c}`) included. Test modules (`#[cfg(test)] mod tests`, at the
/// end of a file by the house's habit) may use anything.
fn referenced_rooms(module: &[String], text: &str) -> BTreeSet<String> {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    for (at, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        for path in paths_at(&code[at..]) {
            let mut target: Vec<String> = match path.first().map(String::as_str) {
                Some("crate") => Vec::new(),
                _ => module.to_vec(),
            };
            for seg in path.iter().filter(|s| *s != "crate") {
                if seg == "super" {
                    target.pop();
                } else {
                    target.push(seg.clone());
                }
            }
            out.insert(room_of(&target));
        }
    }
    out
}

/// The paths a `crate::…`/`super::…` reference at the start of `code` names: one, or one for
/// each member of a `{…}` group.
fn paths_at(code: &str) -> Vec<Vec<String>> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut head: Vec<String> = Vec::new();
    let mut rest = code;
    loop {
        let seg: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if seg.is_empty() {
            break;
        }
        rest = &rest[seg.len()..];
        head.push(seg);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![head],
        }
    }
    let Some(group) = rest.strip_prefix('{') else {
        return vec![head];
    };
    let mut depth = 0;
    let end = group
        .char_indices()
        .find(|&(_, c)| {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            depth < 0
        })
        .map_or(group.len(), |(i, _)| i);
    let mut out = Vec::new();
    for member in group[..end].split(',') {
        let first: String = member.trim().chars().take_while(|c| is_ident(*c)).collect();
        let mut path = head.clone();
        if !first.is_empty() && first != "self" {
            path.push(first);
        }
        out.push(path);
    }
    out
}

/// The rooms in the order `docs/architecture.md` lists them (its lines `` 1. `room` ``…).
fn declared_order() -> Vec<String> {
    let doc = std::fs::read_to_string(crate::util::repo().join("docs/architecture.md")).unwrap();
    doc.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.split_once(". `")?.1;
            l.split_once(". ")?.0.parse::<u32>().ok()?;
            Some(rest.split('`').next()?.to_owned())
        })
        .collect()
}

#[test]
fn imports_only_go_down_the_declared_order() {
    let order = declared_order();
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut problems = Vec::new();
    let mut rooms_seen = BTreeSet::new();
    for file in &files {
        let module = module_of(file);
        let room = room_of(&module);
        rooms_seen.insert(room.clone());
        let Some(&mine) = rank.get(room.as_str()) else {
            problems.push(format!(
                "{}: room `{room}` is not in docs/architecture.md",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for target in referenced_rooms(&module, &text) {
            if target == room {
                continue;
            }
            match rank.get(target.as_str()) {
                Some(&theirs) if theirs < mine => {}
                Some(_) => problems.push(format!(
                    "{}: `{room}` uses `{target}`, which comes after it",
                    file.strip_prefix(src()).unwrap().display()
                )),
                None => problems.push(format!(
                    "{}: `{room}` uses `{target}`, which is not a room",
                    file.strip_prefix(src()).unwrap().display()
                )),
            }
        }
    }
    for declared in &order {
        if !rooms_seen.contains(declared) {
            problems.push(format!(
                "docs/architecture.md lists `{declared}`, which is not in src/"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_file_or_function_is_too_long_to_read_whole() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(src()).unwrap().display().to_string();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > MAX_FILE_LINES {
            problems.push(format!("{shown}: {} lines", lines.len()));
        }
        for (start, len, name) in functions(&lines) {
            if len > MAX_FN_LINES {
                problems.push(format!("{shown}:{}: fn {name} is {len} lines", start + 1));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "over {MAX_FILE_LINES} lines a file or {MAX_FN_LINES} a function:\n{}",
        problems.join("\n")
    );
}

/// Each `fn` of `lines`: where it starts, how many lines it spans (signature to closing brace,
/// found by the closing brace at the signature's own indentation) and its name.
fn functions(lines: &[&str]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let sig = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("unsafe ")
            .trim_start_matches("extern \"C\" ");
        let Some(rest) = sig.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (in a trait) ends with `;` before any `{`.
        let opens = lines[i..].iter().position(|l| l.contains('{'));
        let ends = lines[i..].iter().position(|l| l.trim_end().ends_with(';'));
        if matches!((opens, ends), (Some(o), Some(e)) if e < o) || opens.is_none() {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i..]
            .iter()
            .position(|l| l.starts_with(&close) && l.trim() == "}")
        {
            out.push((i, end + 1, name));
        }
    }
    out
}

//! Slurm's node ranges (`node[001-012,020]`, `gpu[1-4],login1`, `rack[1-2]-n[01-04]`): how
//! many nodes a list names, counted without writing them out, and the names themselves up to
//! a cap, to tell which partition a reservation covers.
//!
//! The syntax is `hostlist_create`'s (`src/common/hostlist.c`): names separated by commas
//! (or spaces) outside brackets; a bracket holds numbers and ranges, separated by commas, and
//! a range's low end gives the width its numbers are padded to (`[001-012]`, `[8-12]`); a
//! name may hold several brackets, which multiply (`rack[1-2]-n[01-04]` is eight names).
//! Counting is arithmetic, so a hostile `n[0-999999999999]` costs nothing until someone asks
//! for the names, and then [`Hostlist::names`] refuses past its cap.

use std::collections::BTreeSet;

/// The most names a list is written out to: more than any cluster has nodes.
pub const MAX_NAMES: u64 = 1_000_000;

/// A parsed node list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostlist {
    names: Vec<Pattern>,
}

/// One comma-separated element: literal text and brackets, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Ranges(Vec<Range>),
}

/// `lo-hi`, each number padded with zeros to `width` digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    lo: u64,
    hi: u64,
    width: usize,
}

impl Hostlist {
    /// Parses a node list as scontrol prints it; `(null)` and the empty string are no nodes.
    pub fn parse(text: &str) -> Result<Hostlist, String> {
        let text = text.trim();
        if text.is_empty() || text == "(null)" {
            return Ok(Hostlist { names: Vec::new() });
        }
        let mut names = Vec::new();
        for element in split_top(text)? {
            names.push(pattern(element).map_err(|e| format!("node list {text:?}: {e}"))?);
        }
        Ok(Hostlist { names })
    }

    /// How many names the list writes (duplicates counted each time), saturating.
    pub fn count(&self) -> u64 {
        self.names.iter().fold(0u64, |sum, p| {
            let n = p.0.iter().fold(1u64, |prod, piece| match piece {
                Piece::Text(_) => prod,
                Piece::Ranges(rs) => prod.saturating_mul(
                    rs.iter()
                        .fold(0u64, |s, r| s.saturating_add(r.hi - r.lo + 1)),
                ),
            });
            sum.saturating_add(n)
        })
    }

    /// Every name, in order, unless there are more than `cap`.
    pub fn names(&self, cap: u64) -> Result<Vec<String>, String> {
        let count = self.count();
        if count > cap {
            return Err(format!("{count} nodes, more than the {cap} read"));
        }
        let mut out = Vec::with_capacity(count as usize);
        for p in &self.names {
            expand(&p.0, String::new(), &mut out);
        }
        Ok(out)
    }

    /// The distinct names, unless there are more than [`MAX_NAMES`].
    pub fn set(&self) -> Result<BTreeSet<String>, String> {
        Ok(self.names(MAX_NAMES)?.into_iter().collect())
    }
}

fn expand(pieces: &[Piece], prefix: String, out: &mut Vec<String>) {
    match pieces.split_first() {
        None => out.push(prefix),
        Some((Piece::Text(t), rest)) => expand(rest, prefix + t, out),
        Some((Piece::Ranges(rs), rest)) => {
            for r in rs {
                for n in r.lo..=r.hi {
                    expand(rest, format!("{prefix}{n:0w$}", w = r.width), out);
                }
            }
        }
    }
}

/// The elements of a list: split at commas and spaces outside brackets.
fn split_top(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0u32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '[' if depth == 0 => depth = 1,
            '[' => return Err(format!("node list {text:?}: a bracket inside a bracket")),
            ']' if depth == 1 => depth = 0,
            ']' => return Err(format!("node list {text:?}: a ']' without its '['")),
            ',' | ' ' | '\t' if depth == 0 => {
                if i > start {
                    out.push(&text[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("node list {text:?}: a '[' without its ']'"));
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    Ok(out)
}

fn pattern(element: &str) -> Result<Pattern, String> {
    let mut pieces = Vec::new();
    let mut rest = element;
    while let Some(open) = rest.find('[') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let close = open + rest[open..].find(']').ok_or("a '[' without its ']'")?;
        let ranges = rest[open + 1..close]
            .split(',')
            .map(range)
            .collect::<Result<Vec<_>, _>>()?;
        pieces.push(Piece::Ranges(ranges));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(Pattern(pieces))
}

fn range(text: &str) -> Result<Range, String> {
    let (lo_text, hi_text) = text.split_once('-').unwrap_or((text, text));
    let number = |s: &str| {
        if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not a number or a range of numbers"));
        }
        s.parse::<u64>().map_err(|e| e.to_string())
    };
    let (lo, hi) = (number(lo_text)?, number(hi_text)?);
    if lo > hi {
        return Err(format!("the range {text:?} goes down"));
    }
    Ok(Range {
        lo,
        hi,
        width: lo_text.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        Hostlist::parse(text).unwrap().names(MAX_NAMES).unwrap()
    }

    #[test]
    fn ranges_lists_and_padding() {
        assert_eq!(
            names("node[001-003,020]"),
            ["node001", "node002", "node003", "node020"]
        );
        assert_eq!(names("gpu[1-2],login1"), ["gpu1", "gpu2", "login1"]);
        assert_eq!(names("n[8-11]"), ["n8", "n9", "n10", "n11"]);
        assert_eq!(names("n[08-11]"), ["n08", "n09", "n10", "n11"]);
        assert_eq!(
            names("rack[1-2]-n[01-02]"),
            ["rack1-n01", "rack1-n02", "rack2-n01", "rack2-n02"]
        );
        assert_eq!(names("a[1-2].ib"), ["a1.ib", "a2.ib"]);
        assert_eq!(names("login1 login2"), ["login1", "login2"]);
        assert!(names("(null)").is_empty());
        assert!(names("").is_empty());
    }

    #[test]
    fn counted_without_writing_out() {
        let count = |t: &str| Hostlist::parse(t).unwrap().count();
        assert_eq!(count("node[001-340]"), 340);
        assert_eq!(count("node[001-012,020],gpu1"), 14);
        assert_eq!(count("r[1-4]n[01-10]"), 40);
        let huge = Hostlist::parse("n[0-999999999999999999],m[0-999999999999999999]").unwrap();
        assert_eq!(huge.count(), 2_000_000_000_000_000_000);
        assert!(huge.names(MAX_NAMES).is_err());
        assert!(
            Hostlist::parse("a[0-999999999]b[0-999999999]c[0-999999999]")
                .unwrap()
                .set()
                .is_err()
        );
    }

    #[test]
    fn mistakes_are_named() {
        for bad in [
            "n[1-", "n]", "n[[1]]", "n[]", "n[a-b]", "n[5-1]", "n[1--2]", "n[-]", "n[1,]",
        ] {
            assert!(Hostlist::parse(bad).is_err(), "{bad:?}");
        }
    }
}

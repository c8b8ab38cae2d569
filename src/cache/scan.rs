//! Reading JSON text without parsing it, for the partial reader: finding an object's own
//! top-level key (the reader asks one field of each item, its components, to decide whether
//! to parse the rest, and the walk must never take a nested look-alike for it), and cutting off
//! the cache's last field, which no view reads.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem;
use serde::Deserialize;

/// The value of the top-level `key` of the JSON object `text`, parsed as `T`; anything
/// [`top_level`] cannot be sure of takes the full parse of `Full`.
fn field<'a, T: Deserialize<'a>, Full: Deserialize<'a> + Into<T>>(
    text: &'a str,
    key: &Key,
) -> Option<T> {
    if let Ok(Some(at)) = top_level(text, key) {
        let mut de = serde_json::Deserializer::from_str(&text[at..]);
        if let Ok(v) = T::deserialize(&mut de) {
            return Some(v);
        }
    }
    serde_json::from_str::<Full>(text).ok().map(Into::into)
}

/// The keys the partial reader looks for.
static COMPONENTS: Key = Key::new("components", || {
    memchr::memmem::Finder::new(b"\"components\"")
});
static ID: Key = Key::new("id", || memchr::memmem::Finder::new(b"\"id\""));

/// The components an item names: enough to ask whether it concerns a view.
pub(super) fn item_components(text: &str) -> Option<Vec<Cow<'_, str>>> {
    #[derive(Deserialize)]
    struct Full<'a> {
        #[serde(default, borrow)]
        components: Vec<Cow<'a, str>>,
    }
    impl<'a> From<Full<'a>> for Vec<Cow<'a, str>> {
        fn from(f: Full<'a>) -> Self {
            f.components
        }
    }
    field::<Vec<Cow<'_, str>>, Full<'_>>(text, &COMPONENTS)
}

/// A component's id.
pub(super) fn component_id(text: &str) -> Option<Cow<'_, str>> {
    #[derive(Deserialize)]
    struct Full<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
    }
    impl<'a> From<Full<'a>> for Cow<'a, str> {
        fn from(f: Full<'a>) -> Self {
            f.id
        }
    }
    field::<Cow<'_, str>, Full<'_>>(text, &ID)
}

/// Where the value of the top-level `key` starts in the JSON object `text`.
///
/// Items and components are kept as raw text, and whether one concerns a view depends on one
/// field. Walking the object's structure (strings are jumped over with a vectorised search)
/// finds that field's own key at the top level: a nested object of a field a later release may
/// add, or a string holding the key's spelling, cannot be taken for it. `Ok(None)`: the object
/// has no such key. `Err(())`: the walk cannot be sure (a key written with escapes, the key
/// twice, not an object), and the caller takes the full parse, which says what is wrong if
/// anything is.
pub(super) fn top_level(text: &str, key: &Key) -> Result<Option<usize>, ()> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return Err(());
    }
    i += 1;
    let mut depth = 1usize;
    // At depth 1, whether the next string is a key (after `{` or `,`).
    let mut key_next = true;
    let mut found = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let (end, escaped) = string_end(bytes, i + 1).ok_or(())?;
                if depth == 1 && key_next {
                    let name = &bytes[i + 1..end];
                    if escaped {
                        return Err(());
                    }
                    let colon = skip_ws(bytes, end + 1);
                    if bytes.get(colon) != Some(&b':') {
                        return Err(());
                    }
                    if name == key.name.as_bytes() {
                        if found.is_some() {
                            return Err(());
                        }
                        let at = skip_ws(bytes, colon + 1);
                        // The fetcher writes the key early: when the rest holds neither its
                        // spelling nor an escape (which could spell it), it cannot be there
                        // again, and the rest need not be walked.
                        if nothing_like(&bytes[at..], key) {
                            return Ok(Some(at));
                        }
                        found = Some(at);
                    }
                    key_next = false;
                    i = colon + 1;
                } else {
                    i = end + 1;
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(found);
                }
            }
            b',' if depth == 1 => key_next = true,
            _ => {}
        }
        i += 1;
    }
    Err(())
}

/// A key [`top_level`] looks for, with the searcher for its quoted spelling built once.
pub(super) struct Key {
    name: &'static str,
    quoted: LazyLock<memmem::Finder<'static>>,
}

impl Key {
    pub(super) const fn new(name: &'static str, quoted: fn() -> memmem::Finder<'static>) -> Key {
        Key {
            name,
            quoted: LazyLock::new(quoted),
        }
    }
}

/// `\u`, the start of an escape that could spell a key.
static ESCAPE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\\u"));

/// Whether `rest` holds neither `"key"` nor a `\u` escape: searched with vectorised scans,
/// far cheaper than walking.
fn nothing_like(rest: &[u8], key: &Key) -> bool {
    key.quoted.find(rest).is_none() && ESCAPE.find(rest).is_none()
}

/// The index of the quote that ends the string whose contents start at `from`, and whether
/// it holds an escape.
fn string_end(bytes: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut at = from;
    let mut escaped = false;
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some((at, escaped));
        }
        escaped = true;
        at += 2;
        if at > bytes.len() {
            return None;
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Cuts the cache's last field, the catalogs (every other component of every source, for
/// mirrors), which no view reads, off unparsed: it keeps a login's work flat however many
/// components a page has. The writer puts the field last, so the comma before the first
/// `"catalogs":` ends the rest; it becomes the closing brace, in place, and the text up to it
/// is what the reader parses. Returns that length (all of `bytes` when there is nothing to
/// cut). Were the text anything else, what is left would not parse, and the reader restores
/// the comma ([`restore_catalogs`]) and takes the full parse.
pub(super) fn cut_catalogs(bytes: &mut [u8]) -> usize {
    let Some(at) = memchr::memmem::find(bytes, b"\"catalogs\":") else {
        return bytes.len();
    };
    let comma = bytes[..at].iter().rposition(|b| !b.is_ascii_whitespace());
    match comma {
        Some(c) if bytes[c] == b',' => {
            bytes[c] = b'}';
            c + 1
        }
        _ => bytes.len(),
    }
}

/// Undoes [`cut_catalogs`].
pub(super) fn restore_catalogs(bytes: &mut [u8], end: usize) {
    if end < bytes.len() && bytes[end - 1] == b'}' {
        bytes[end - 1] = b',';
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static KEY: Key = Key::new("components", || memmem::Finder::new(b"\"components\""));

    #[test]
    fn the_walk_is_sure_only_of_plain_objects() {
        assert_eq!(
            top_level(r#"{"a": 1, "components": [1]}"#, &KEY),
            Ok(Some(23))
        );
        assert_eq!(top_level(r#"{"a": {"components": 1}}"#, &KEY), Ok(None));
        assert_eq!(
            top_level(r#"{"components": 1, "components": 2}"#, &KEY),
            Err(())
        );
        assert_eq!(top_level(r#"{"comp\u006fnents": 1}"#, &KEY), Err(()));
        assert_eq!(top_level(r#"["components"]"#, &KEY), Err(()));
        assert_eq!(top_level(r#"{"a": "unterminated"#, &KEY), Err(()));
        assert_eq!(top_level(r#"{"a": "\"#, &KEY), Err(()));
    }
}

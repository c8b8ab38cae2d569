//! Finding an object's own top-level key in JSON text without parsing the object: the
//! partial reader asks one field of each item (its components) to decide whether to parse the
//! rest, and the walk must never take a nested look-alike for it.

/// Where the value of the top-level `key` starts in the JSON object `text`.
///
/// Items and components are kept as raw text, and whether one concerns a view depends on one
/// field. Walking the object's structure (strings are jumped over with a vectorised search)
/// finds that field's own key at the top level: a nested object of a field a later release may
/// add, or a string holding the key's spelling, cannot be taken for it. `Ok(None)`: the object
/// has no such key. `Err(())`: the walk cannot be sure (a key written with escapes, the key
/// twice, not an object), and the caller takes the full parse, which says what is wrong if
/// anything is.
pub(super) fn top_level(text: &str, key: &str) -> Result<Option<usize>, ()> {
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
                    if name == key.as_bytes() {
                        if found.is_some() {
                            return Err(());
                        }
                        found = Some(skip_ws(bytes, colon + 1));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_sure_only_of_plain_objects() {
        assert_eq!(
            top_level(r#"{"a": 1, "components": [1]}"#, "components"),
            Ok(Some(23))
        );
        assert_eq!(
            top_level(r#"{"a": {"components": 1}}"#, "components"),
            Ok(None)
        );
        assert_eq!(
            top_level(r#"{"components": 1, "components": 2}"#, "components"),
            Err(())
        );
        assert_eq!(
            top_level(r#"{"comp\u006fnents": 1}"#, "components"),
            Err(())
        );
        assert_eq!(top_level(r#"["components"]"#, "components"), Err(()));
        assert_eq!(top_level(r#"{"a": "unterminated"#, "components"), Err(()));
        assert_eq!(top_level(r#"{"a": "\"#, "components"), Err(()));
    }
}

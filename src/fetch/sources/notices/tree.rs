//! A notices file as one tree, whichever its format: every value and key with the byte where it
//! starts, so that every mistake can point at its line and column. TOML comes from the `toml`
//! crate's spanned document; JSON from `serde_json`, each value borrowed from the text (so its
//! place is known) and read again one level down.

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use toml::de::{DeTable, DeValue};
use toml::value::Datetime;

/// Where in the text: a byte offset, or (for `serde_json`'s syntax errors) a line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum At {
    Byte(usize),
    LineColumn(usize, usize),
}

/// A value and where it starts.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) at: usize,
    pub(super) value: Value,
}

#[derive(Debug)]
pub(super) enum Value {
    Str(String),
    /// A TOML date, time or date-time, as written.
    Time(Datetime),
    Array(Vec<Node>),
    Table(Vec<Entry>),
    /// A number, a boolean or a null, named as messages name it ("an integer").
    Other(&'static str),
}

/// A key of a table, where the key starts, and its value.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) at: usize,
    pub(super) value: Node,
}

impl Value {
    /// What it is, as messages name it: "a string", "a list", …
    pub(super) fn what(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Time(_) => "a date-time",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
            Value::Other(what) => what,
        }
    }
}

/// The syntax mistake that stops a file from being read at all.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) at: At,
    pub(super) what: String,
}

/// Below this depth the schema has nothing: deeper values are named, not read (a hostile file
/// nested a hundred deep costs nothing more).
const MAX_DEPTH: usize = 6;

/// The TOML document `text`.
pub(super) fn toml(text: &str) -> Result<Node, SyntaxError> {
    let doc = DeTable::parse(text).map_err(|e| SyntaxError {
        at: At::Byte(e.span().map_or(0, |s| s.start)),
        what: format!("not valid TOML: {}", e.message().trim()),
    })?;
    let at = doc.span().start;
    Ok(Node {
        at,
        value: toml_table(doc.get_ref()),
    })
}

fn toml_table(table: &DeTable<'_>) -> Value {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            at: k.span().start,
            value: Node {
                at: v.span().start,
                value: toml_value(v.get_ref()),
            },
        })
        .collect();
    // In the order written (the table keeps its keys sorted).
    entries.sort_by_key(|e| e.at);
    Value::Table(entries)
}

fn toml_value(value: &DeValue<'_>) -> Value {
    match value {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(_) => Value::Other("an integer"),
        DeValue::Float(_) => Value::Other("a number"),
        DeValue::Boolean(_) => Value::Other("true or false"),
        DeValue::Datetime(d) => Value::Time(*d),
        DeValue::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| Node {
                    at: v.span().start,
                    value: toml_value(v.get_ref()),
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t),
    }
}

/// The JSON document `text`.
pub(super) fn json(text: &str) -> Result<Node, SyntaxError> {
    let syntax = |e: serde_json::Error| SyntaxError {
        at: At::LineColumn(e.line(), e.column()),
        what: format!("not valid JSON: {}", without_position(&e)),
    };
    // Every mistake of syntax first, as serde_json says it, with its line and column.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(syntax)?;
    let raw: &RawValue = serde_json::from_str(text).map_err(syntax)?;
    json_node(text, raw, 0).map_err(syntax)
}

/// serde_json's message without the " at line L column C" its `Display` adds.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Where `raw` starts in `text`: it is borrowed from it.
fn offset(text: &str, raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

fn json_node(text: &str, raw: &RawValue, depth: usize) -> Result<Node, serde_json::Error> {
    let at = offset(text, raw);
    let s = raw.get();
    let value = match s.as_bytes().first() {
        Some(b'{') if depth < MAX_DEPTH => {
            let Entries(entries) = serde_json::from_str(s)?;
            let mut out = Vec::new();
            for (key, v) in entries {
                let value = json_node(text, v, depth + 1)?;
                out.push(Entry {
                    key: key.into_owned(),
                    at: key_start(text, value.at),
                    value,
                });
            }
            Value::Table(out)
        }
        Some(b'[') if depth < MAX_DEPTH => {
            let items: Vec<&RawValue> = serde_json::from_str(s)?;
            Value::Array(
                items
                    .into_iter()
                    .map(|v| json_node(text, v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some(b'{') => Value::Table(Vec::new()),
        Some(b'[') => Value::Array(Vec::new()),
        Some(b'"') => Value::Str(serde_json::from_str(s)?),
        Some(b't' | b'f') => Value::Other("true or false"),
        Some(b'n') => Value::Other("null"),
        _ => Value::Other("a number"),
    };
    Ok(Node { at, value })
}

/// Where the key of the value at `value_at` starts: its opening quote, found back over the `:`.
fn key_start(text: &str, value_at: usize) -> usize {
    let b = text.as_bytes();
    let mut i = value_at;
    let back_over_space = |mut i: usize| {
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    i = back_over_space(i);
    if i == 0 || b[i - 1] != b':' {
        return value_at;
    }
    i = back_over_space(i - 1);
    if i == 0 || b[i - 1] != b'"' {
        return value_at;
    }
    // The opening quote: the first `"` back from the closing one that no backslash escapes.
    let mut j = i - 1;
    while j > 0 {
        j -= 1;
        let backslashes = b[..j].iter().rev().take_while(|&&c| c == b'\\').count();
        if b[j] == b'"' && backslashes % 2 == 0 {
            return j;
        }
    }
    value_at
}

/// An object's keys and values in the order written, a key set twice kept twice.
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each;
        impl<'de> Visitor<'de> for Each {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    out.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Each)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<(String, usize)> {
        match &node.value {
            Value::Table(entries) => entries.iter().map(|e| (e.key.clone(), e.at)).collect(),
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn json_values_and_keys_know_where_they_start() {
        let text = r#"{"b": 1, "a\"x" : [true, "s"], "b": null}"#;
        let node = json(text).unwrap();
        assert_eq!(
            keys(&node),
            [
                ("b".to_owned(), 1),
                ("a\"x".to_owned(), 9),
                ("b".to_owned(), 31)
            ]
        );
        let Value::Table(entries) = &node.value else {
            unreachable!()
        };
        assert_eq!(entries[1].value.at, 18);
        let Value::Array(items) = &entries[1].value.value else {
            unreachable!()
        };
        assert_eq!(items[1].at, 25);
        assert!(matches!(&items[1].value, Value::Str(s) if s == "s"));
        assert_eq!(entries[2].value.value.what(), "null");
    }

    #[test]
    fn toml_keys_in_the_order_written() {
        let text = "z = 1\na = \"x\"\n[[n]]\nid = \"q\"\n";
        let node = toml(text).unwrap();
        assert_eq!(
            keys(&node),
            [
                ("z".to_owned(), 0),
                ("a".to_owned(), 6),
                ("n".to_owned(), 16)
            ]
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = json("{\n  \"a\": [1,\n}").unwrap_err();
        assert_eq!(e.at, At::LineColumn(3, 1));
        let e = toml("a = \"x\nb = 1\n").unwrap_err();
        assert!(matches!(e.at, At::Byte(n) if n > 0), "{e:?}");
    }
}

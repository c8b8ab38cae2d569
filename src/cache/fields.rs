//! A small reader for objects of the cache, by hand where serde's derive costs too much.
//!
//! serde's derived `Deserialize` reads a struct from a JSON array as well as from an object,
//! and inlines every field's parser into both, nested structs into their parents. This reads
//! objects only (the form the cache is written in), one value type at a time through one
//! shared function, and otherwise keeps the derive's rules: unknown keys are skipped, a key
//! given twice or a required key missing is an error, a value of the wrong type is one.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Error, IgnoredAny, MapAccess, Visitor};

/// A struct read key by key (from input that lives for `'de`).
pub trait Fields<'de>: Default {
    /// Its name, for messages ("struct SlurmInfo").
    const NAME: &'static str;
    /// Its keys, in the order [`Fields::set`] numbers them.
    const KEYS: &'static [&'static str];
    /// Which keys must be there, as a mask of their numbers.
    const REQUIRED: u32;
    /// Reads the value of key number `key` into its field.
    fn set<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error>;
}

/// The next value of `map`: one copy of the parser per type, however many fields have it.
#[inline(never)]
pub fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<T, A::Error> {
    map.next_value()
}

/// Reads a `T` from an object.
pub fn read<'de, D: serde::Deserializer<'de>, T: Fields<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(Object(PhantomData))
}

struct Object<T>(PhantomData<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for Object<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        let mut seen = 0u32;
        while let Some(key) = map.next_key_seed(Key(T::KEYS))? {
            match key {
                Some(i) if seen & (1 << i) != 0 => {
                    return Err(A::Error::duplicate_field(T::KEYS[i]));
                }
                Some(i) => {
                    seen |= 1 << i;
                    out.set(i, &mut map)?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (0..T::KEYS.len()).find(|i| T::REQUIRED & !seen & (1 << i) != 0) {
            Some(i) => Err(A::Error::missing_field(T::KEYS[i])),
            None => Ok(out),
        }
    }
}

/// A key, as its number among the keys of a struct (`None`: one it does not have), read
/// without copying it.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|k| *k == v))
    }
}

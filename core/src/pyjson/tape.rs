//! serde's data model read from a [`Tape`]: a host's values laid out flat,
//! their texts borrowed, for a host that reads its own objects (the Python
//! route binder) without building a [`Value`] tree first.
//!
//! A tape reads exactly as the [`Value`] it stands for reads through
//! [`ValueDeserializer`] (or refuses where that one would; a host then
//! answers some other way): a [`Node::Value`] is that very value, a
//! [`Node::Str`] a valid-Unicode `str`, a [`Node::Seq`] a list, a
//! [`Node::Map`] a dict with valid-Unicode keys.

use super::serde_de::ValueDeserializer;
use super::value::Value;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::Deserialize;

use super::serde_de::DeError;

/// One node of a tape. A `Seq` is followed by its `len` items, a `Map` by
/// its `len` (`Key`, value) pairs; `end` is the index just past the last
/// node they hold.
#[derive(Debug, PartialEq)]
pub enum Node<'a> {
    /// Any value, read as [`ValueDeserializer`] reads it.
    Value(Value),
    /// A `str` of valid Unicode.
    Str(&'a str),
    Seq {
        len: usize,
        end: usize,
    },
    Map {
        len: usize,
        end: usize,
    },
    /// A dict key (valid Unicode), before its value.
    Key(&'a str),
}

/// The nodes, the root at index 0.
pub type Tape<'a> = [Node<'a>];

fn end_of(tape: &Tape<'_>, i: usize) -> usize {
    match tape.get(i) {
        Some(Node::Seq { end, .. } | Node::Map { end, .. }) => *end,
        _ => i + 1,
    }
}

fn err(msg: &str) -> DeError {
    de::Error::custom(msg)
}

/// Read `T` from a tape whose root is a dict (an op's arguments).
pub fn from_tape<'de, T: Deserialize<'de>>(tape: &'de Tape<'de>) -> Result<T, DeError> {
    match tape.first() {
        Some(Node::Map { .. }) => T::deserialize(TapeDeserializer { tape, at: 0 }),
        _ => Err(err("the arguments are not a dict")),
    }
}

/// The value a tape stands for (the root's, or `Null` for an empty tape).
pub fn value_of(tape: &Tape<'_>) -> Value {
    fn at(tape: &Tape<'_>, i: usize, depth: usize) -> Value {
        if depth > 2 * super::MAX_DEPTH {
            return Value::Null;
        }
        match tape.get(i) {
            Some(Node::Value(v)) => v.clone(),
            Some(Node::Str(s) | Node::Key(s)) => Value::Str(super::Str::Utf8((*s).to_owned())),
            Some(Node::Seq { len, .. }) => {
                let mut out = Vec::with_capacity(*len);
                let mut pos = i + 1;
                for _ in 0..*len {
                    out.push(at(tape, pos, depth + 1));
                    pos = end_of(tape, pos);
                }
                Value::List(out)
            }
            Some(Node::Map { len, .. }) => {
                let mut out = super::Dict::with_capacity(*len);
                let mut pos = i + 1;
                for _ in 0..*len {
                    let Some(Node::Key(k)) = tape.get(pos) else { break };
                    out.push(*k, at(tape, pos + 1, depth + 1));
                    pos = end_of(tape, pos + 1);
                }
                Value::Dict(out)
            }
            None => Value::Null,
        }
    }
    at(tape, 0, 0)
}

/// A deserializer over the node at `at` (and the nodes it holds).
#[derive(Clone, Copy)]
pub struct TapeDeserializer<'de> {
    tape: &'de Tape<'de>,
    at: usize,
}

impl<'de> TapeDeserializer<'de> {
    fn node(&self) -> Result<&'de Node<'de>, DeError> {
        self.tape.get(self.at).ok_or_else(|| err("the tape ends early"))
    }

    fn seq<V: Visitor<'de>>(self, v: V, all: bool) -> Result<V::Value, DeError> {
        let Node::Seq { len, .. } = self.node()? else { return Err(err("expected list")) };
        let mut acc = SeqOn { tape: self.tape, pos: self.at + 1, left: *len };
        let out = v.visit_seq(&mut acc)?;
        match (all, acc.left) {
            (true, n) if n > 0 => Err(de::Error::custom(format_args!("{n} item(s) too many"))),
            _ => Ok(out),
        }
    }

    fn map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let Node::Map { len, .. } = self.node()? else { return Err(err("expected dict")) };
        v.visit_map(MapOn { tape: self.tape, pos: self.at + 1, left: *len, value: None })
    }
}

/// The node is a value: read it as the value deserializer reads it.
macro_rules! by_node {
    ($($method:ident ( $($arg:ident : $ty:ty),* );)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* v: V) -> Result<V::Value, DeError> {
            match self.node()? {
                Node::Value(x) => ValueDeserializer(x).$method($($arg,)* v),
                Node::Str(s) => StrDeserializer(s).$method($($arg,)* v),
                Node::Seq { .. } | Node::Map { .. } | Node::Key(_) => {
                    Err(err(concat!("expected a scalar (", stringify!($method), ")")))
                }
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for TapeDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_any(v),
            Node::Str(s) => v.visit_borrowed_str(s),
            // As a `Value::List` reads (no check that every item was read).
            Node::Seq { .. } => self.seq(v, false),
            Node::Map { .. } => self.map(v),
            Node::Key(_) => Err(err("a key where a value was expected")),
        }
    }

    by_node! {
        deserialize_bool();
        deserialize_i8(); deserialize_i16(); deserialize_i32(); deserialize_i64(); deserialize_i128();
        deserialize_u8(); deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_u128();
        deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_unit(); deserialize_unit_struct(name: &'static str);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_option(v),
            Node::Key(_) => Err(err("a key where a value was expected")),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_newtype_struct(name, v),
            Node::Key(_) => Err(err("a key where a value was expected")),
            _ => v.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_seq(v),
            Node::Seq { .. } => self.seq(v, true),
            _ => Err(err("expected list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_map(v),
            Node::Map { .. } => self.map(v),
            _ => Err(err("expected dict")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, name: &'static str, fields: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        match self.node()? {
            Node::Value(x) => ValueDeserializer(x).deserialize_struct(name, fields, v),
            Node::Map { .. } => self.map(v),
            _ => Err(err("expected dict")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

/// A valid-Unicode `str`, read as [`ValueDeserializer`] reads a
/// `Value::Str(Str::Utf8(_))`.
struct StrDeserializer<'de>(&'de str);

impl<'de> Deserializer<'de> for StrDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.0)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let mut chars = self.0.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => v.visit_char(c),
            _ => Err(err("expected a one-character str")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.0)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.0)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        // A unit variant is its wire token.
        v.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected bool, got str"))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected float, got str"))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected float, got str"))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected None, got str"))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, _: V) -> Result<V::Value, DeError> {
        Err(err("expected None, got str"))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected list, got str"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, DeError> {
        Err(err("expected list, got str"))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, _: V) -> Result<V::Value, DeError> {
        Err(err("expected list, got str"))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("expected dict, got str"))
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], _: V) -> Result<V::Value, DeError> {
        Err(err("expected dict, got str"))
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("bytes have no JSON form"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(err("bytes have no JSON form"))
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128
    }
}

struct SeqOn<'de> {
    tape: &'de Tape<'de>,
    pos: usize,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for SeqOn<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        let at = self.pos;
        self.left -= 1;
        self.pos = end_of(self.tape, at);
        seed.deserialize(TapeDeserializer { tape: self.tape, at }).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct MapOn<'de> {
    tape: &'de Tape<'de>,
    pos: usize,
    left: usize,
    /// The index of the value whose key was just read.
    value: Option<usize>,
}

impl<'de> de::MapAccess<'de> for MapOn<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if let Some(at) = self.value.take() {
            // The last value was not read: step over it.
            self.pos = end_of(self.tape, at);
        }
        if self.left == 0 {
            return Ok(None);
        }
        let Some(Node::Key(k)) = self.tape.get(self.pos) else { return Err(err("expected a key")) };
        self.left -= 1;
        self.value = Some(self.pos + 1);
        self.pos += 1;
        seed.deserialize(KeyDeserializer(k)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let at = self.value.take().ok_or_else(|| err("a dict value was read before its key"))?;
        self.pos = end_of(self.tape, at);
        seed.deserialize(TapeDeserializer { tape: self.tape, at })
    }
}

/// A dict key, read as the value deserializer reads a valid-Unicode key.
struct KeyDeserializer<'de>(&'de str);

impl<'de> Deserializer<'de> for KeyDeserializer<'de> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.0)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::{from_value, parse_str, Str};

    /// The tape a value stands for (texts as `Str` nodes, lists and dicts
    /// laid out), the way a host lays out its objects.
    fn lay<'a>(v: &'a Value, out: &mut Vec<Node<'a>>) {
        match v {
            Value::Str(Str::Utf8(s)) => out.push(Node::Str(s)),
            Value::List(items) => {
                let at = out.len();
                out.push(Node::Seq { len: items.len(), end: 0 });
                items.iter().for_each(|x| lay(x, out));
                let end = out.len();
                out[at] = Node::Seq { len: items.len(), end };
            }
            Value::Dict(d) if d.keys().all(|k| k.as_str().is_some()) => {
                let at = out.len();
                out.push(Node::Map { len: d.len(), end: 0 });
                for (k, x) in d.iter() {
                    out.push(Node::Key(k.as_str().unwrap_or_default()));
                    lay(x, out);
                }
                let end = out.len();
                out[at] = Node::Map { len: d.len(), end };
            }
            other => out.push(Node::Value(other.clone())),
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        #[serde(rename = "A")]
        A,
        #[serde(rename = "B")]
        B,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Args {
        n: i64,
        x: f64,
        kind: Kind,
        inner: Option<Inner>,
        pair: (String, i64),
        any: Value,
        #[serde(default)]
        flag: bool,
    }

    fn both(text: &str) -> (Result<Args, String>, Result<Args, String>) {
        let v = parse_str(text).expect("json");
        let mut tape = Vec::new();
        lay(&v, &mut tape);
        (from_value::<Args>(&v).map_err(|e| e.to_string()), from_tape::<Args>(&tape).map_err(|e| e.to_string()))
    }

    #[test]
    fn a_tape_reads_as_its_value_reads() {
        for text in [
            r#"{"n": 3, "x": 2, "kind": "A", "inner": {"name": "é", "tags": ["a", "b"]}, "pair": ["p", 1], "any": {"k": [1, "z", null]}}"#,
            r#"{"n": 3, "x": 2.5, "kind": "B", "inner": null, "pair": ["p", 1], "any": "s", "flag": true}"#,
            r#"{"n": 3, "x": 2.5, "kind": "B", "inner": {"name": "q"}, "pair": ["p", 1], "any": 1e400}"#,
        ] {
            let (want, got) = both(text);
            assert!(want.is_ok(), "{text}: {want:?}");
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn a_tape_refuses_what_its_value_refuses() {
        for text in [
            r#"{"n": "3", "x": 2, "kind": "A", "inner": null, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": "2", "kind": "A", "inner": null, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "C", "inner": null, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": {"name": 1}, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": {"name": "a", "other": 1}, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": ["p", 1, 2], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": ["p"], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": "p", "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": ["p", 1]}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": ["p", 1], "any": 1, "more": 2}"#,
            r#"{"n": 3, "x": 2, "kind": ["A"], "inner": null, "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": ["q"], "pair": ["p", 1], "any": 1}"#,
            r#"{"n": 3, "x": 2, "kind": "A", "inner": null, "pair": ["p", 1], "any": 1, "flag": "yes"}"#,
        ] {
            let (want, got) = both(text);
            assert!(want.is_err(), "{text}: {want:?}");
            assert!(got.is_err(), "{text}: {got:?}");
        }
    }

    #[test]
    fn a_tape_stands_for_its_value() {
        let v = parse_str(r#"{"a": [1, "x", {"b": null}], "c": "\u00e9", "d": {}}"#).expect("json");
        let mut tape = Vec::new();
        lay(&v, &mut tape);
        assert_eq!(value_of(&tape), v);
    }

    #[test]
    fn a_tape_that_is_not_a_dict_is_refused() {
        assert!(from_tape::<Args>(&[Node::Str("x")]).is_err());
        assert!(from_tape::<Args>(&[]).is_err());
    }
}

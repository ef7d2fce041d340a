//! serde's data model read from a [`Value`], with Python's semantics.
//!
//! The rules are the reference's dataclass fields as JSON carries them:
//! an `int` field takes an int and nothing else (not a bool, not a float);
//! a `float` field takes a float or an int; a `str` field takes a str (a
//! `String` refuses a lone surrogate, a [`Str`] keeps it); `None` fills only
//! an `Option`; a struct is a `dict`. Errors name the Python types ("expected
//! int, got str") and [`from_value`] prefixes the field path
//! (`ev.now_ms: expected int, got str`).
//!
//! [`Value`], [`Int`], [`Str`] and [`Dict`] read back exactly (big ints and
//! lone surrogates included) through two private encodings this
//! deserializer produces and their visitors recognize.

use super::serde_ser::{BIG_INT_TOKEN, UTF16_TOKEN};
use super::value::{Dict, Int, Str, Value};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// Why a value does not fit the type it was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeError(String);

impl DeError {
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

fn py_type_of_unexpected(u: &de::Unexpected<'_>) -> String {
    use de::Unexpected as U;
    match u {
        U::Bool(_) => "bool".into(),
        U::Unsigned(_) | U::Signed(_) => "int".into(),
        U::Float(_) => "float".into(),
        U::Char(_) | U::Str(_) => "str".into(),
        U::Bytes(_) => "bytes".into(),
        U::Unit | U::Option => "None".into(),
        U::Seq => "list".into(),
        U::Map => "dict".into(),
        U::NewtypeStruct | U::UnitVariant | U::NewtypeVariant | U::TupleVariant | U::StructVariant => "object".into(),
        U::Other(o) => (*o).to_owned(),
        _ => "value".into(),
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError(format!("expected {exp}, got {}", py_type_of_unexpected(&unexp)))
    }
    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let got = match unexp {
            de::Unexpected::Str(s) => format!("{s:?}"),
            de::Unexpected::Signed(v) => v.to_string(),
            de::Unexpected::Unsigned(v) => v.to_string(),
            other => py_type_of_unexpected(&other),
        };
        DeError(format!("expected {exp}, got {got}"))
    }
    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError(format!("expected {exp}, got {len} item(s)"))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError(format!("{variant:?} is not one of {}", quoted(expected)))
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError(format!("unexpected field {field:?} (takes: {})", expected.join(", ")))
    }
    fn missing_field(field: &'static str) -> Self {
        DeError(format!("missing required field {field:?}"))
    }
    fn duplicate_field(field: &'static str) -> Self {
        DeError(format!("field {field:?} given twice"))
    }
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// A failed read: where (the dotted field path, `.` for the value itself)
/// and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    pub path: String,
    pub error: DeError,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path == "." {
            write!(f, "{}", self.error)
        } else {
            write!(f, "{}: {}", self.path, self.error)
        }
    }
}

impl std::error::Error for PathError {}

/// Read `T` from a value, naming the field path on failure.
pub fn from_value<'de, T: Deserialize<'de>>(v: &'de Value) -> Result<T, PathError> {
    serde_path_to_error::deserialize(ValueDeserializer(v)).map_err(|e| PathError { path: e.path().to_string(), error: e.into_inner() })
}

/// Read `T` from a dict (an envelope's `args`), naming the field path.
pub fn from_dict<'de, T: Deserialize<'de>>(d: &'de Dict) -> Result<T, PathError> {
    serde_path_to_error::deserialize(DictDeserializer(d)).map_err(|e| PathError { path: e.path().to_string(), error: e.into_inner() })
}

fn mistyped(want: &str, got: &Value) -> DeError {
    DeError(format!("expected {want}, got {}", got.type_name()))
}

/// A deserializer over one borrowed value.
#[derive(Clone, Copy)]
pub struct ValueDeserializer<'de>(pub &'de Value);

/// A deserializer over a borrowed dict (as a struct or a map).
#[derive(Clone, Copy)]
pub struct DictDeserializer<'de>(pub &'de Dict);

impl<'de> ValueDeserializer<'de> {
    fn int(&self) -> Result<&'de Int, DeError> {
        match self.0 {
            Value::Int(i) => Ok(i),
            other => Err(mistyped("int", other)),
        }
    }

    fn int_in<T: TryFrom<i128>>(&self, what: &str) -> Result<T, DeError> {
        let i = self.int()?;
        let out_of_range = || DeError(format!("expected int in the range of {what}, got {i}"));
        match i {
            Int::Small(v) => T::try_from(i128::from(*v)).map_err(|_| out_of_range()),
            Int::Big(digits) => digits.parse::<i128>().ok().and_then(|v| T::try_from(v).ok()).ok_or_else(out_of_range),
        }
    }

    fn float(&self) -> Result<f64, DeError> {
        match self.0 {
            Value::Float(f) => Ok(*f),
            // Python promotes an int to float, correctly rounded; an int too
            // large for a float is an OverflowError there.
            Value::Int(Int::Small(v)) => Ok(*v as f64),
            Value::Int(Int::Big(digits)) => match digits.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(f),
                _ => Err(DeError("int too large to convert to float".into())),
            },
            other => Err(mistyped("float", other)),
        }
    }

    fn text(&self) -> Result<&'de str, DeError> {
        match self.0 {
            Value::Str(Str::Utf8(s)) => Ok(s),
            Value::Str(Str::Utf16(_)) => Err(DeError("str holds a lone surrogate, which this field cannot take".into())),
            other => Err(mistyped("str", other)),
        }
    }
}

macro_rules! ints {
    ($($method:ident => $ty:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            v.$visit(self.int_in::<$ty>(stringify!($ty))?)
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(Int::Small(i)) => v.visit_i64(*i),
            Value::Int(Int::Big(digits)) => v.visit_map(TokenAccess { token: BIG_INT_TOKEN, value: Some(TokenValue::Digits(digits)) }),
            Value::Float(f) => v.visit_f64(*f),
            Value::Str(Str::Utf8(s)) => v.visit_borrowed_str(s),
            Value::Str(Str::Utf16(units)) => v.visit_map(TokenAccess { token: UTF16_TOKEN, value: Some(TokenValue::Units(units)) }),
            Value::List(items) => v.visit_seq(SeqIn(items.iter())),
            Value::Dict(d) => v.visit_map(MapIn { it: d.iter(), value: None }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Bool(b) => v.visit_bool(*b),
            other => Err(mistyped("bool", other)),
        }
    }

    ints! {
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_f32(self.float()? as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_f64(self.float()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let s = self.text()?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => v.visit_char(c),
            _ => Err(DeError("expected a one-character str".into())),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.text()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.text()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(DeError("bytes have no JSON form".into()))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(DeError("bytes have no JSON form".into()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => v.visit_unit(),
            other => Err(mistyped("None", other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::List(items) => {
                let mut seq = SeqIn(items.iter());
                let out = v.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(out),
                    n => Err(DeError(format!("{n} item(s) too many"))),
                }
            }
            other => Err(mistyped("list", other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Dict(d) => DictDeserializer(d).deserialize_map(v),
            other => Err(mistyped("dict", other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        match self.0 {
            // A unit variant is its wire token.
            Value::Str(Str::Utf8(s)) => v.visit_enum(s.as_str().into_deserializer()),
            Value::Dict(d) if d.len() == 1 => {
                let (k, inner) = d.iter().next().ok_or_else(|| DeError("empty dict".into()))?;
                let k = k.as_str().ok_or_else(|| DeError("a variant name holds a lone surrogate".into()))?;
                v.visit_enum(VariantIn { name: k, value: inner })
            }
            other => Err(mistyped("str", other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Str(Str::Utf8(s)) => v.visit_borrowed_str(s),
            Value::Str(Str::Utf16(_)) => Err(DeError("a name holds a lone surrogate".into())),
            other => Err(mistyped("str", other)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

impl<'de> Deserializer<'de> for DictDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_map(MapIn { it: self.0.iter(), value: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
}

struct SeqIn<'de>(std::slice::Iter<'de, Value>);

impl<'de> de::SeqAccess<'de> for SeqIn<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(v) => seed.deserialize(ValueDeserializer(v)).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapIn<'de, I: Iterator<Item = (&'de Str, &'de Value)>> {
    it: I,
    value: Option<&'de Value>,
}

impl<'de, I: Iterator<Item = (&'de Str, &'de Value)>> de::MapAccess<'de> for MapIn<'de, I> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.it.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(KeyDeserializer(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let v = self.value.take().ok_or_else(|| DeError("a dict value was read before its key".into()))?;
        seed.deserialize(ValueDeserializer(v))
    }
}

/// A dict key: a str, read as a field name, a str or a [`Str`].
struct KeyDeserializer<'de>(&'de Str);

impl<'de> Deserializer<'de> for KeyDeserializer<'de> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0 {
            Str::Utf8(s) => v.visit_borrowed_str(s),
            Str::Utf16(units) => v.visit_map(TokenAccess { token: UTF16_TOKEN, value: Some(TokenValue::Units(units)) }),
        }
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

struct VariantIn<'de> {
    name: &'de str,
    value: &'de Value,
}

impl<'de> de::EnumAccess<'de> for VariantIn<'de> {
    type Error = DeError;
    type Variant = ValueDeserializer<'de>;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), DeError> {
        let name: de::value::BorrowedStrDeserializer<'de, DeError> = de::value::BorrowedStrDeserializer::new(self.name);
        Ok((seed.deserialize(name)?, ValueDeserializer(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDeserializer<'de> {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        self.deserialize_unit(de::IgnoredAny).map(|_| ())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }
    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], v: V) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }
}

// ------------------------------------------------- the private token encoding

enum TokenValue<'de> {
    Digits(&'de str),
    Units(&'de [u16]),
}

/// A one-entry map `{token: payload}` that the value types' visitors read
/// back as a big int or a UTF-16 string.
struct TokenAccess<'de> {
    token: &'static str,
    value: Option<TokenValue<'de>>,
}

impl<'de> de::MapAccess<'de> for TokenAccess<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if self.value.is_none() {
            return Ok(None);
        }
        let key: de::value::BorrowedStrDeserializer<'de, DeError> = de::value::BorrowedStrDeserializer::new(self.token);
        seed.deserialize(key).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(TokenValue::Digits(d)) => seed.deserialize(de::value::BorrowedStrDeserializer::new(d)),
            Some(TokenValue::Units(u)) => seed.deserialize(de::value::SeqDeserializer::new(u.iter().copied())),
            None => Err(DeError("a dict value was read before its key".into())),
        }
    }
}

// ------------------------------------------------------------ the value types

struct ValueVisitor;

fn token_payload<'de, A: de::MapAccess<'de>>(first: &str, map: &mut A) -> Result<Option<Value>, A::Error> {
    match first {
        BIG_INT_TOKEN => {
            let digits: String = map.next_value()?;
            Ok(Some(Value::Int(match digits.parse::<i64>() {
                Ok(v) => Int::Small(v),
                Err(_) => Int::Big(digits.into_boxed_str()),
            })))
        }
        UTF16_TOKEN => {
            let units: Vec<u16> = map.next_value()?;
            Ok(Some(Value::Str(Str::from_utf16(units))))
        }
        _ => Ok(None),
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::int(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(x) => Value::int(x),
            Err(_) => Value::Int(Int::Big(v.to_string().into_boxed_str())),
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.visit_i128(v.into())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(x) => Value::int(x),
            Err(_) => Value::Int(Int::Big(v.to_string().into_boxed_str())),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element::<Value>()? {
            out.push(x);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut d = Dict::new();
        let mut first = true;
        while let Some(k) = map.next_key::<Str>()? {
            if first {
                first = false;
                if let Str::Utf8(name) = &k {
                    if let Some(v) = token_payload(name, &mut map)? {
                        return Ok(v);
                    }
                }
            }
            let v: Value = map.next_value()?;
            d.insert(k, v);
        }
        Ok(Value::Dict(d))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("int")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int::Small(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(match i64::try_from(v) {
                    Ok(x) => Int::Small(x),
                    Err(_) => Int::Big(v.to_string().into_boxed_str()),
                })
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Int, E> {
                Ok(match i64::try_from(v) {
                    Ok(x) => Int::Small(x),
                    Err(_) => Int::Big(v.to_string().into_boxed_str()),
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Int, A::Error> {
                match map.next_key::<String>()? {
                    Some(k) if k == BIG_INT_TOKEN => match token_payload(&k, &mut map)? {
                        Some(Value::Int(i)) => Ok(i),
                        _ => Err(de::Error::custom("expected int")),
                    },
                    _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("str")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str, E> {
                Ok(Str::Utf8(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str, E> {
                Ok(Str::Utf8(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Str, A::Error> {
                match map.next_key::<String>()? {
                    Some(k) if k == UTF16_TOKEN => match token_payload(&k, &mut map)? {
                        Some(Value::Str(s)) => Ok(s),
                        _ => Err(de::Error::custom("expected str")),
                    },
                    _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Dict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dict, D::Error> {
        match Value::deserialize(d)? {
            Value::Dict(d) => Ok(d),
            other => Err(de::Error::custom(format!("expected dict, got {}", other.type_name()))),
        }
    }
}

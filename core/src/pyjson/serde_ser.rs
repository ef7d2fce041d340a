//! serde's data model written into a [`Value`], with Python's semantics.
//!
//! A struct becomes a `dict` whose keys follow the declaration order (which
//! is what the reference's `to_dict()` gives); a unit enum variant becomes
//! its wire token; `Option::None` becomes `None`. Ints outside `i64` stay
//! exact (`Int::Big`). A [`Value`] held inside a serialized type comes out
//! unchanged, big ints and lone surrogates included: it passes through the
//! two private newtype names below, which this serializer recognizes (any
//! other serializer sees a plain string and a plain list of code units).

use super::value::{Dict, Int, Str, Value};
use serde::ser::{self, Serialize};
use std::fmt;

/// Newtype name that carries a big int's decimal digits.
pub(crate) const BIG_INT_TOKEN: &str = "$pyjson::BigInt";
/// Newtype name that carries a string's UTF-16 code units (a lone surrogate).
pub(crate) const UTF16_TOKEN: &str = "$pyjson::Utf16";

/// Why a value could not be written as a Python JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Write any `Serialize` type as a [`Value`].
pub fn to_value<T: Serialize + ?Sized>(t: &T) -> Result<Value, SerError> {
    t.serialize(ValueSerializer)
}

fn int128(v: i128) -> Value {
    match i64::try_from(v) {
        Ok(small) => Value::Int(Int::Small(small)),
        Err(_) => Value::Int(Int::Big(v.to_string().into_boxed_str())),
    }
}

/// The serializer; `Ok` is the finished value.
#[derive(Clone, Copy)]
pub struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = SeqOut;
    type SerializeTuple = SeqOut;
    type SerializeTupleStruct = SeqOut;
    type SerializeTupleVariant = VariantOut<SeqOut>;
    type SerializeMap = MapOut;
    type SerializeStruct = MapOut;
    type SerializeStructVariant = VariantOut<MapOut>;

    fn serialize_bool(self, v: bool) -> Result<Value, SerError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SerError> {
        Ok(Value::int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, SerError> {
        Ok(int128(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SerError> {
        Ok(Value::int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerError> {
        Ok(int128(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, SerError> {
        Ok(match i128::try_from(v) {
            Ok(x) => int128(x),
            Err(_) => Value::Int(Int::Big(v.to_string().into_boxed_str())),
        })
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerError> {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SerError> {
        Ok(Value::str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SerError> {
        Ok(Value::str(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Value, SerError> {
        Err(SerError("bytes have no JSON form".into()))
    }
    fn serialize_none(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, SerError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Value, SerError> {
        Ok(Value::str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> Result<Value, SerError> {
        let inner = v.serialize(self)?;
        match name {
            BIG_INT_TOKEN => match inner {
                Value::Str(Str::Utf8(digits)) => Ok(Value::Int(big_from_digits(digits))),
                _ => Err(SerError("a big int must carry its decimal digits".into())),
            },
            UTF16_TOKEN => match inner {
                Value::List(items) => {
                    let units = items
                        .iter()
                        .map(|u| u.as_i64().and_then(|x| u16::try_from(x).ok()))
                        .collect::<Option<Vec<u16>>>()
                        .ok_or_else(|| SerError("a UTF-16 string must carry its code units".into()))?;
                    Ok(Value::Str(Str::from_utf16(units)))
                }
                _ => Err(SerError("a UTF-16 string must carry its code units".into())),
            },
            _ => Ok(inner),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, SerError> {
        let mut d = Dict::with_capacity(1);
        d.push(variant, v.serialize(self)?);
        Ok(Value::Dict(d))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<VariantOut<SeqOut>, SerError> {
        Ok(VariantOut { variant, inner: SeqOut(Vec::with_capacity(len)) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapOut, SerError> {
        Ok(MapOut { d: Dict::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapOut, SerError> {
        Ok(MapOut { d: Dict::with_capacity(len), key: None })
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<VariantOut<MapOut>, SerError> {
        Ok(VariantOut { variant, inner: MapOut { d: Dict::with_capacity(len), key: None } })
    }
}

/// Canonical `Int` from decimal text (small when it fits).
fn big_from_digits(digits: String) -> Int {
    match digits.parse::<i64>() {
        Ok(v) => Int::Small(v),
        Err(_) => Int::Big(digits.into_boxed_str()),
    }
}

pub struct SeqOut(Vec<Value>);

impl ser::SerializeSeq for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::List(self.0))
    }
}

impl ser::SerializeTuple for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, SerError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, SerError> {
        ser::SerializeSeq::end(self)
    }
}

pub struct MapOut {
    d: Dict,
    key: Option<Str>,
}

impl ser::SerializeMap for MapOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        match to_value(k)? {
            Value::Str(s) => {
                self.key = Some(s);
                Ok(())
            }
            other => Err(SerError(format!("a dict key must be a str, not {}", other.type_name()))),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let k = self.key.take().ok_or_else(|| SerError("a dict value came before its key".into()))?;
        // Python's dict assignment: an existing key keeps its place.
        self.d.insert(k, to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::Dict(self.d))
    }
}

impl ser::SerializeStruct for MapOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), SerError> {
        self.d.push(key, to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerError> {
        Ok(Value::Dict(self.d))
    }
}

pub struct VariantOut<T> {
    variant: &'static str,
    inner: T,
}

impl ser::SerializeTupleVariant for VariantOut<SeqOut> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, v)
    }
    fn end(self) -> Result<Value, SerError> {
        let mut d = Dict::with_capacity(1);
        d.push(self.variant, ser::SerializeSeq::end(self.inner)?);
        Ok(Value::Dict(d))
    }
}

impl ser::SerializeStructVariant for VariantOut<MapOut> {
    type Ok = Value;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, v)
    }
    fn end(self) -> Result<Value, SerError> {
        let mut d = Dict::with_capacity(1);
        d.push(self.variant, ser::SerializeStruct::end(self.inner)?);
        Ok(Value::Dict(d))
    }
}

// ------------------------------------------------------------ the value types

impl Serialize for Int {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Int::Small(v) => s.serialize_i64(*v),
            Int::Big(digits) => s.serialize_newtype_struct(BIG_INT_TOKEN, &**digits),
        }
    }
}

impl Serialize for Str {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Str::Utf8(text) => s.serialize_str(text),
            Str::Utf16(units) => s.serialize_newtype_struct(UTF16_TOKEN, units),
        }
    }
}

impl Serialize for Dict {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => i.serialize(s),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(t) => t.serialize(s),
            Value::List(items) => s.collect_seq(items),
            Value::Dict(d) => d.serialize(s),
        }
    }
}

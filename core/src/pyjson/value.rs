//! The JSON data model as Python's `json` module sees it.
//!
//! Python integers are unbounded, floats may be NaN or infinite, a string may
//! hold a lone surrogate (`"\ud800"` parses), and an object keeps insertion
//! order with the last duplicate key winning in the first key's position. The
//! `Value` type carries all of that so the writer can reproduce
//! `json.dumps` byte for byte.

use std::fmt;

/// A Python `int`: machine-sized when it fits, decimal digits otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Int {
    Small(i64),
    /// Canonical decimal text (optional `-`, no leading zeros) outside `i64`.
    Big(Box<str>),
}

impl Int {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Int::Small(v) => Some(*v),
            Int::Big(_) => None,
        }
    }

    /// The int written as canonical decimal text: an optional `-`, then
    /// ASCII digits with no leading zero (`0` itself excepted, `-0` refused).
    /// `None` for any other text. This is how a host hands the core an int
    /// it read as text (a Python `int` of any size through `int.__repr__`),
    /// so [`Int::Big`] only ever holds what its invariant promises.
    pub fn from_decimal(text: &str) -> Option<Int> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let b = digits.as_bytes();
        if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b[0] == b'0' && (b.len() > 1 || digits.len() != text.len())) {
            return None;
        }
        Some(match text.parse::<i64>() {
            Ok(v) => Int::Small(v),
            Err(_) => Int::Big(text.into()),
        })
    }
}

impl From<i64> for Int {
    fn from(v: i64) -> Int {
        Int::Small(v)
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(v) => write!(f, "{v}"),
            Int::Big(s) => f.write_str(s),
        }
    }
}

/// A Python `str`. Almost always valid Unicode; a string that carries a lone
/// surrogate keeps its UTF-16 code units instead.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Str {
    Utf8(String),
    Utf16(Vec<u16>),
}

/// A `str` equals a Rust text when it is that text (one holding a lone
/// surrogate equals none).
impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl Str {
    /// The text, when it is valid Unicode (no lone surrogate).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Str::Utf8(s) => Some(s),
            Str::Utf16(_) => None,
        }
    }

    /// Code points in order; a lone surrogate is its own code point, as in Python.
    pub fn code_points(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Str::Utf8(s) => Box::new(s.chars().map(|c| c as u32)),
            Str::Utf16(units) => Box::new(
                char::decode_utf16(units.iter().copied()).map(|r| r.map(|c| c as u32).unwrap_or_else(|e| e.unpaired_surrogate() as u32)),
            ),
        }
    }

    /// Python's ordering of two `str`: by code point.
    pub fn py_cmp(&self, other: &Str) -> std::cmp::Ordering {
        match (self, other) {
            (Str::Utf8(a), Str::Utf8(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => self.code_points().cmp(other.code_points()),
        }
    }

    /// Build from UTF-16 units, keeping the compact form when they are valid.
    pub fn from_utf16(units: Vec<u16>) -> Str {
        match String::from_utf16(&units) {
            Ok(s) => Str::Utf8(s),
            Err(_) => Str::Utf16(units),
        }
    }
}

/// Python's order of `str` (by code point, [`Str::py_cmp`]), so a set of
/// strings (`BTreeSet<Str>`, a `frozenset[str]` that may hold lone
/// surrogates) is kept, and written, in the order `sorted()` gives. Two
/// spellings of the same code points (a UTF-16 form that happens to be
/// valid) are told apart by form, as `Eq` tells them apart.
impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.py_cmp(other).then_with(|| match (self, other) {
            (Str::Utf8(_), Str::Utf16(_)) => std::cmp::Ordering::Less,
            (Str::Utf16(_), Str::Utf8(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Equal,
        })
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str::Utf8(s.to_owned())
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str::Utf8(s)
    }
}

/// A JSON value with Python's semantics.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(Str),
    List(Vec<Value>),
    Dict(Dict),
}

/// An insertion-ordered object, as a Python `dict` built by `json.loads`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dict {
    entries: Vec<(Str, Value)>,
}

impl Dict {
    pub fn new() -> Self {
        Dict { entries: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Self {
        Dict { entries: Vec::with_capacity(n) }
    }

    /// `d[key] = value`: a new key goes last, an existing one keeps its place.
    pub fn insert(&mut self, key: impl Into<Str>, value: Value) {
        let key = key.into();
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    /// Append without the duplicate check (the caller knows the key is new).
    pub fn push(&mut self, key: impl Into<Str>, value: Value) {
        self.entries.push((key.into(), value));
    }

    pub(crate) fn replace_at(&mut self, pos: usize, value: Value) {
        self.entries[pos].1 = value;
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// Remove a key, keeping the order of the rest.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let pos = self.entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
        Some(self.entries.remove(pos).1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Str, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Str> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub(crate) fn entries(&self) -> &[(Str, Value)] {
        &self.entries
    }
}

impl FromIterator<(String, Value)> for Dict {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Self {
        let mut d = Dict::new();
        for (k, v) in iter {
            d.insert(k, v);
        }
        d
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(Str::Utf8(s.into()))
    }

    pub fn int(v: i64) -> Value {
        Value::Int(Int::Small(v))
    }

    pub fn opt_str(s: Option<impl Into<String>>) -> Value {
        s.map(Value::str).unwrap_or(Value::Null)
    }

    pub fn opt_int(v: Option<i64>) -> Value {
        v.map(Value::int).unwrap_or(Value::Null)
    }

    pub fn opt_bool(v: Option<bool>) -> Value {
        v.map(Value::Bool).unwrap_or(Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => s.as_str(),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// A Python `int` that fits in `i64` (never a `bool`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => i.as_i64(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// `dict.get(key)` on an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict().and_then(|d| d.get(key))
    }

    /// The Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// Python truthiness (`bool(x)`).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(Int::Small(v)) => *v != 0,
            Value::Int(Int::Big(_)) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(Str::Utf8(s)) => !s.is_empty(),
            Value::Str(Str::Utf16(u)) => !u.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::str(s)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<Dict> for Value {
    fn from(d: Dict) -> Self {
        Value::Dict(d)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// Build a `Dict` in the given key order: `dict! { "a" => 1, "b" => "x" }`.
#[macro_export]
macro_rules! dict {
    ($($k:expr => $v:expr),* $(,)?) => {{
        let mut d = $crate::pyjson::Dict::new();
        $( d.push($k, $crate::pyjson::Value::from($v)); )*
        d
    }};
}

#[cfg(test)]
mod tests {
    use super::Int;

    #[test]
    fn from_decimal_takes_only_canonical_digits() {
        assert_eq!(Int::from_decimal("0"), Some(Int::Small(0)));
        assert_eq!(Int::from_decimal("-42"), Some(Int::Small(-42)));
        assert_eq!(Int::from_decimal("9223372036854775807"), Some(Int::Small(i64::MAX)));
        assert_eq!(Int::from_decimal("-9223372036854775808"), Some(Int::Small(i64::MIN)));
        assert_eq!(Int::from_decimal("9223372036854775808"), Some(Int::Big("9223372036854775808".into())));
        assert_eq!(Int::from_decimal("-99999999999999999999"), Some(Int::Big("-99999999999999999999".into())));
        for bad in ["", "-", "+1", "-0", "01", "1_0", " 1", "1 ", "\u{e9}\u{e9}", "\u{661}", "1e3", "--1", "0x10"] {
            assert_eq!(Int::from_decimal(bad), None, "{bad:?}");
        }
    }
}

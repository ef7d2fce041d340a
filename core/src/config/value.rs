//! One value model for every config table, whichever text it came from.
//!
//! `dos.toml` parses (through the `toml` crate) and the envelope's inline
//! `config` parses (through `pyjson`) into the same [`Tv`], so each table has
//! exactly one reader. `Tv` keeps what the reference's readers can observe
//! about a value once `tomllib` has produced it: its Python type (a TOML
//! datetime is a `datetime`, `date` or `time`), its `str()`, its truthiness,
//! and what `int()` / `float()` make of it.

use crate::pyjson::{float_repr, Dict, Int, Str, Value};
use crate::pystr;

/// A TOML date-time as `tomllib` hands it over: a `datetime.datetime`
/// (with or without a UTC offset), a `datetime.date` or a `datetime.time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub date: Option<(u16, u8, u8)>,
    /// hour, minute, second, microsecond.
    pub time: Option<(u8, u8, u8, u32)>,
    /// UTC offset in minutes; `None` for a naive value.
    pub offset_minutes: Option<i16>,
}

impl DateTime {
    fn type_name(&self) -> &'static str {
        match (self.date, self.time) {
            (Some(_), None) => "date",
            (None, Some(_)) => "time",
            _ => "datetime",
        }
    }

    fn time_str(t: (u8, u8, u8, u32)) -> String {
        let (h, m, s, us) = t;
        if us == 0 {
            format!("{h:02}:{m:02}:{s:02}")
        } else {
            format!("{h:02}:{m:02}:{s:02}.{us:06}")
        }
    }

    fn offset_str(mins: i16) -> String {
        let sign = if mins < 0 { '-' } else { '+' };
        let a = mins.unsigned_abs();
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    }

    /// Python's `str()`: `isoformat(" ")` for a datetime, `isoformat()` otherwise.
    pub fn py_str(&self) -> String {
        let mut out = String::new();
        if let Some((y, mo, d)) = self.date {
            out.push_str(&format!("{y:04}-{mo:02}-{d:02}"));
        }
        if let Some(t) = self.time {
            if self.date.is_some() {
                out.push(' ');
            }
            out.push_str(&Self::time_str(t));
        }
        if let Some(off) = self.offset_minutes {
            out.push_str(&Self::offset_str(off));
        }
        out
    }

    /// Python's `repr()` (what `str()` of a list holding one shows).
    pub fn py_repr(&self) -> String {
        let time_args = |t: (u8, u8, u8, u32), always_hm: bool| -> Vec<String> {
            let (h, m, s, us) = t;
            let mut v = Vec::new();
            if always_hm || h != 0 || m != 0 || s != 0 || us != 0 {
                v.push(h.to_string());
                v.push(m.to_string());
            }
            if s != 0 || us != 0 {
                v.push(s.to_string());
            }
            if us != 0 {
                v.push(us.to_string());
            }
            v
        };
        let tz = |off: i16| -> String {
            if off == 0 {
                return "datetime.timezone.utc".into();
            }
            let secs = i64::from(off) * 60;
            let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
            let mut parts = Vec::new();
            if days != 0 {
                parts.push(format!("days={days}"));
            }
            if rem != 0 {
                parts.push(format!("seconds={rem}"));
            }
            format!("datetime.timezone(datetime.timedelta({}))", parts.join(", "))
        };
        match (self.date, self.time) {
            (Some((y, mo, d)), None) => format!("datetime.date({y}, {mo}, {d})"),
            (None, Some(t)) => {
                let mut args = time_args(t, false);
                if args.is_empty() {
                    args = vec!["0".into(), "0".into()];
                }
                format!("datetime.time({})", args.join(", "))
            }
            (date, time) => {
                let (y, mo, d) = date.unwrap_or((1, 1, 1));
                let mut args = vec![y.to_string(), mo.to_string(), d.to_string()];
                args.extend(time_args(time.unwrap_or((0, 0, 0, 0)), true));
                if let Some(off) = self.offset_minutes {
                    args.push(format!("tzinfo={}", tz(off)));
                }
                format!("datetime.datetime({})", args.join(", "))
            }
        }
    }
}

/// A parsed config value.
#[derive(Clone, Debug, PartialEq)]
pub enum Tv {
    /// JSON `null` (TOML has none).
    Null,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(String),
    DateTime(DateTime),
    List(Vec<Tv>),
    Table(Table),
}

/// An ordered table with unique keys (a Python `dict` from `tomllib`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    entries: Vec<(String, Tv)>,
}

impl Table {
    pub fn new() -> Table {
        Table { entries: Vec::new() }
    }

    /// `t[key] = value`: a repeated key keeps its first position.
    pub fn insert(&mut self, key: impl Into<String>, value: Tv) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Tv> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tv)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys not in `known`, sorted by code point (as `sorted(set)` lists them).
    pub fn unknown_keys(&self, known: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self.keys().filter(|k| !known.contains(k)).map(str::to_string).collect();
        out.sort();
        out
    }
}

/// How a reader gives up on a value, mirroring what the reference does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The reference raises `ValueError`: `load_workspace_config` warns and
    /// keeps that table's base value.
    Warn,
    /// The reference raises something else (`TypeError`, `AttributeError`,
    /// `OverflowError`): the whole load fails.
    Crash,
}

/// A reader's refusal of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// The offending key inside the table ("" when the table as a whole is wrong).
    pub key: String,
    pub message: String,
}

impl Fault {
    pub fn warn(key: impl Into<String>, message: impl Into<String>) -> Fault {
        Fault { kind: FaultKind::Warn, key: key.into(), message: message.into() }
    }

    pub fn crash(key: impl Into<String>, message: impl Into<String>) -> Fault {
        Fault { kind: FaultKind::Crash, key: key.into(), message: message.into() }
    }

    /// The same fault, reported against `key` (when it had none).
    pub fn at(mut self, key: &str) -> Fault {
        if self.key.is_empty() {
            self.key = key.to_string();
        }
        self
    }
}

pub type Read<T> = Result<T, Fault>;

impl Tv {
    /// The Python type name (`type(x).__name__`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Tv::Null => "NoneType",
            Tv::Bool(_) => "bool",
            Tv::Int(_) => "int",
            Tv::Float(_) => "float",
            Tv::Str(_) => "str",
            Tv::DateTime(d) => d.type_name(),
            Tv::List(_) => "list",
            Tv::Table(_) => "dict",
        }
    }

    /// `bool(x)`.
    pub fn truthy(&self) -> bool {
        match self {
            Tv::Null => false,
            Tv::Bool(b) => *b,
            Tv::Int(Int::Small(i)) => *i != 0,
            Tv::Int(Int::Big(_)) => true,
            Tv::Float(f) => *f != 0.0,
            Tv::Str(s) => !s.is_empty(),
            Tv::DateTime(_) => true,
            Tv::List(l) => !l.is_empty(),
            Tv::Table(t) => !t.is_empty(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Tv::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Tv::Table(t) => Some(t),
            _ => None,
        }
    }

    /// A Python `int` that is not a `bool`.
    pub fn is_int(&self) -> bool {
        matches!(self, Tv::Int(_))
    }

    /// `str(x)`.
    pub fn py_str(&self) -> String {
        match self {
            Tv::Str(s) => s.clone(),
            Tv::DateTime(d) => d.py_str(),
            other => other.py_repr(),
        }
    }

    /// `repr(x)`.
    pub fn py_repr(&self) -> String {
        match self {
            Tv::Null => "None".into(),
            Tv::Bool(true) => "True".into(),
            Tv::Bool(false) => "False".into(),
            Tv::Int(i) => i.to_string(),
            Tv::Float(f) => float_py_repr(*f),
            Tv::Str(s) => pystr::repr(s),
            Tv::DateTime(d) => d.py_repr(),
            Tv::List(items) => {
                let inner: Vec<String> = items.iter().map(Tv::py_repr).collect();
                format!("[{}]", inner.join(", "))
            }
            Tv::Table(t) => {
                let inner: Vec<String> = t.iter().map(|(k, v)| format!("{}: {}", pystr::repr(k), v.py_repr())).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// `tuple(x)` for an iterable value: a list's items, a dict's keys, a
    /// string's characters. Anything else is a `TypeError` in the reference.
    pub fn py_iter(&self) -> Option<Vec<Tv>> {
        match self {
            Tv::List(items) => Some(items.clone()),
            Tv::Table(t) => Some(t.keys().map(|k| Tv::Str(k.to_string())).collect()),
            Tv::Str(s) => Some(s.chars().map(|c| Tv::Str(c.to_string())).collect()),
            _ => None,
        }
    }

    /// `int(x)`: `Ok` with the value, or the fault kind the reference hits
    /// (`ValueError` → warn, `TypeError`/`OverflowError` → crash).
    pub fn py_int(&self) -> Result<Int, (FaultKind, String)> {
        match self {
            Tv::Bool(b) => Ok(Int::Small(i64::from(*b))),
            Tv::Int(i) => Ok(i.clone()),
            Tv::Float(f) => float_to_int(*f),
            Tv::Str(s) => pystr::int_from_str(s).ok_or_else(|| (FaultKind::Warn, format!("{} is not an integer", pystr::repr(s)))),
            other => Err((FaultKind::Crash, format!("int() cannot take a {}", other.type_name()))),
        }
    }

    /// `float(x)`; `Err` with the fault kind (`TypeError` and `ValueError`
    /// are told apart; an int too large for a float is an `OverflowError`).
    pub fn py_float(&self) -> Result<f64, (FaultKind, String)> {
        match self {
            Tv::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
            Tv::Int(Int::Small(i)) => Ok(*i as f64),
            Tv::Int(Int::Big(s)) => match s.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(f),
                _ => Err((FaultKind::Crash, "the integer is too large for a float".into())),
            },
            Tv::Float(f) => Ok(*f),
            Tv::Str(s) => float_from_str(s).ok_or_else(|| (FaultKind::Warn, format!("{} is not a number", pystr::repr(s)))),
            other => Err((FaultKind::Crash, format!("float() cannot take a {}", other.type_name()))),
        }
    }

    /// The value as JSON data; a date-time becomes its `str()`.
    pub fn to_value(&self) -> Value {
        match self {
            Tv::Null => Value::Null,
            Tv::Bool(b) => Value::Bool(*b),
            Tv::Int(i) => Value::Int(i.clone()),
            Tv::Float(f) => Value::Float(*f),
            Tv::Str(s) => Value::str(s.as_str()),
            Tv::DateTime(d) => Value::str(d.py_str()),
            Tv::List(items) => Value::List(items.iter().map(Tv::to_value).collect()),
            Tv::Table(t) => Value::Dict(table_to_dict(t)),
        }
    }
}

pub fn table_to_dict(t: &Table) -> Dict {
    let mut d = Dict::with_capacity(t.len());
    for (k, v) in t.iter() {
        d.push(k, v.to_value());
    }
    d
}

/// `repr(float)`: `inf`, `nan` spelled as Python spells them.
pub fn float_py_repr(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        float_repr(f)
    }
}

/// `int(f)`: truncation toward zero, exact for any magnitude.
pub fn float_to_int(f: f64) -> Result<Int, (FaultKind, String)> {
    if f.is_nan() {
        return Err((FaultKind::Warn, "cannot convert NaN to an integer".into()));
    }
    if f.is_infinite() {
        return Err((FaultKind::Crash, "cannot convert an infinite float to an integer".into()));
    }
    let t = f.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Int::Small(t as i64));
    }
    // |t| >= 2**63 here: an integer mantissa times a power of two.
    let bits = t.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut digits = big_from_u64(mant);
    for _ in 0..exp {
        big_mul_small(&mut digits, 2);
    }
    let mut s = big_to_string(&digits);
    if t < 0.0 {
        s.insert(0, '-');
    }
    Ok(Int::Big(s.into_boxed_str()))
}

// Little-endian base-1e9 limbs.
fn big_from_u64(mut v: u64) -> Vec<u32> {
    let mut out = Vec::new();
    while v > 0 {
        out.push((v % 1_000_000_000) as u32);
        v /= 1_000_000_000;
    }
    out
}

fn big_mul_small(limbs: &mut Vec<u32>, m: u64) {
    // u128: a limb (< 10^9) times any u64 plus the carry (< 2^64) fits.
    let mut carry = 0u128;
    for l in limbs.iter_mut() {
        let v = u128::from(*l) * u128::from(m) + carry;
        *l = (v % 1_000_000_000) as u32;
        carry = v / 1_000_000_000;
    }
    while carry > 0 {
        limbs.push((carry % 1_000_000_000) as u32);
        carry /= 1_000_000_000;
    }
}

fn big_to_string(limbs: &[u32]) -> String {
    let mut s = String::new();
    for (i, l) in limbs.iter().rev().enumerate() {
        if i == 0 {
            s.push_str(&l.to_string());
        } else {
            s.push_str(&format!("{l:09}"));
        }
    }
    if s.is_empty() {
        s.push('0');
    }
    s
}

/// `a * m` for a Python int and a small non-negative factor.
pub fn int_mul(a: &Int, m: u64) -> Int {
    match a {
        Int::Small(v) => match i128::from(*v).checked_mul(i128::from(m)) {
            Some(p) => match i64::try_from(p) {
                Ok(s) => Int::Small(s),
                Err(_) => Int::Big(p.to_string().into_boxed_str()),
            },
            None => unreachable!("i64 * u64 fits in i128"),
        },
        Int::Big(s) => {
            let (neg, digits) = match s.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, &s[..]),
            };
            // Nine digits per limb, cut on bytes: `Int::Big` holds ASCII
            // digits (`Int::from_decimal`), and a byte that is not one
            // counts as 0 rather than cutting text inside a character.
            let mut limbs = Vec::new();
            let bytes = digits.as_bytes();
            let mut end = bytes.len();
            while end > 0 {
                let start = end.saturating_sub(9);
                let limb =
                    bytes[start..end].iter().fold(0u32, |acc, &b| acc * 10 + if b.is_ascii_digit() { u32::from(b - b'0') } else { 0 });
                limbs.push(limb);
                end = start;
            }
            big_mul_small(&mut limbs, m);
            let mut out = big_to_string(&limbs);
            if out == "0" {
                return Int::Small(0);
            }
            if neg {
                out.insert(0, '-');
            }
            Int::Big(out.into_boxed_str())
        }
    }
}

/// The sign of a Python int.
pub fn int_is_negative(i: &Int) -> bool {
    match i {
        Int::Small(v) => *v < 0,
        Int::Big(s) => s.starts_with('-'),
    }
}

/// `int < k` for a small `k`.
pub fn int_lt(i: &Int, k: i64) -> bool {
    match i {
        Int::Small(v) => *v < k,
        Int::Big(s) => s.starts_with('-'),
    }
}

/// `float(s)` for a `str`, as CPython reads it: surrounding whitespace, an
/// optional sign, decimal digits with single underscores between digits, an
/// optional exponent, or `inf`/`infinity`/`nan` in any case. Non-ASCII
/// decimal digits and spaces count as their ASCII forms.
pub fn float_from_str(s: &str) -> Option<f64> {
    // Map the text to ASCII the way int() does (same CPython helper).
    let mut ascii = String::with_capacity(s.len());
    for c in s.chars() {
        if (c as u32) < 128 {
            ascii.push(c);
        } else if pystr::is_space(c) {
            ascii.push(' ');
        } else {
            // A non-ASCII decimal digit: reuse int()'s table through a one-digit parse.
            match pystr::int_from_str(&c.to_string()) {
                Some(Int::Small(d)) if (0..10).contains(&d) => ascii.push((b'0' + d as u8) as char),
                _ => return None,
            }
        }
    }
    let t = ascii.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let lower = body.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN.copysign(sign)),
        _ => {}
    }
    // digits [. digits] [e [sign] digits], underscores only between digits.
    let b = body.as_bytes();
    let mut clean = String::with_capacity(b.len());
    let mut i = 0;
    let digits = |i: &mut usize, clean: &mut String| -> usize {
        let start = *i;
        let mut n = 0;
        while *i < b.len() {
            let c = b[*i];
            if c.is_ascii_digit() {
                clean.push(c as char);
                n += 1;
                *i += 1;
            } else if c == b'_' && *i > start && b[*i - 1].is_ascii_digit() && b.get(*i + 1).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            } else {
                break;
            }
        }
        n
    };
    let int_digits = digits(&mut i, &mut clean);
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        clean.push('.');
        i += 1;
        frac_digits = digits(&mut i, &mut clean);
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        clean.push('e');
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            clean.push(b[i] as char);
            i += 1;
        }
        if digits(&mut i, &mut clean) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    clean.parse::<f64>().ok().map(|f| sign * f)
}

// ------------------------------------------------------------- conversions

/// A `pyjson` value (the envelope's inline config) as a config value. A
/// string holding a lone surrogate cannot name anything a config declares,
/// so it is refused.
pub fn from_json(v: &Value) -> Result<Tv, String> {
    Ok(match v {
        Value::Null => Tv::Null,
        Value::Bool(b) => Tv::Bool(*b),
        Value::Int(i) => Tv::Int(i.clone()),
        Value::Float(f) => Tv::Float(*f),
        Value::Str(s) => Tv::Str(json_str(s)?),
        Value::List(items) => Tv::List(items.iter().map(from_json).collect::<Result<_, _>>()?),
        Value::Dict(d) => Tv::Table(json_table(d)?),
    })
}

pub fn json_table(d: &Dict) -> Result<Table, String> {
    let mut t = Table::new();
    for (k, v) in d.iter() {
        t.insert(json_str(k)?, from_json(v)?);
    }
    Ok(t)
}

fn json_str(s: &Str) -> Result<String, String> {
    s.as_str().map(str::to_string).ok_or_else(|| "a config string holds a lone surrogate".to_string())
}

/// A `toml` crate value as a config value.
pub fn from_toml(v: &toml::Value) -> Tv {
    match v {
        toml::Value::String(s) => Tv::Str(s.clone()),
        toml::Value::Integer(i) => Tv::Int(Int::Small(*i)),
        toml::Value::Float(f) => Tv::Float(*f),
        toml::Value::Boolean(b) => Tv::Bool(*b),
        toml::Value::Datetime(d) => Tv::DateTime(DateTime {
            date: d.date.map(|x| (x.year, x.month, x.day)),
            time: d.time.map(|x| (x.hour, x.minute, x.second, x.nanosecond / 1000)),
            offset_minutes: d.offset.map(|o| match o {
                toml::value::Offset::Z => 0,
                toml::value::Offset::Custom { minutes } => minutes,
            }),
        }),
        toml::Value::Array(items) => Tv::List(items.iter().map(from_toml).collect()),
        toml::Value::Table(t) => Tv::Table(toml_table(t)),
    }
}

pub fn toml_table(t: &toml::Table) -> Table {
    let mut out = Table::new();
    for (k, v) in t.iter() {
        out.insert(k.clone(), from_toml(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spellings() {
        let dt = DateTime { date: Some((1979, 5, 27)), time: Some((7, 32, 0, 0)), offset_minutes: Some(0) };
        assert_eq!(dt.py_str(), "1979-05-27 07:32:00+00:00");
        assert_eq!(dt.py_repr(), "datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.timezone.utc)");
        let neg = DateTime { offset_minutes: Some(-420), ..dt };
        assert_eq!(
            neg.py_repr(),
            "datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=61200)))"
        );
        let t = DateTime { date: None, time: Some((0, 0, 0, 5)), offset_minutes: None };
        assert_eq!(t.py_str(), "00:00:00.000005");
        assert_eq!(t.py_repr(), "datetime.time(0, 0, 0, 5)");
        let l = Tv::List(vec![Tv::Int(Int::Small(1)), Tv::Str("a'b".into()), Tv::Float(f64::INFINITY), Tv::Bool(true)]);
        assert_eq!(l.py_str(), "[1, \"a'b\", inf, True]");
    }

    #[test]
    fn numeric_coercions() {
        assert_eq!(float_from_str(" 1_0.5e1 "), Some(105.0));
        assert_eq!(float_from_str("1__0"), None);
        assert_eq!(float_from_str("_1"), None);
        assert_eq!(float_from_str("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(float_from_str("."), None);
        assert_eq!(float_from_str("5."), Some(5.0));
        assert_eq!(float_from_str("\u{0663}.5"), Some(3.5));
        assert_eq!(float_to_int(1e20).unwrap(), Int::Big("100000000000000000000".into()));
        assert_eq!(float_to_int(-2.9).unwrap(), Int::Small(-2));
        assert_eq!(int_mul(&Int::Small(i64::MAX), 10), Int::Big("92233720368547758070".into()));
        assert_eq!(int_mul(&Int::Big("-100000000000000000000".into()), 3), Int::Big("-300000000000000000000".into()));
    }

    /// `int_mul` never cuts text inside a character, whatever a `Big`
    /// holds (it used to slice the digits by byte index).
    #[test]
    fn int_mul_on_any_text_does_not_panic() {
        for text in ["\u{e9}".repeat(30), "-".into(), "-\u{e9}\u{e9}".into(), "1\u{10ffff}2345678901".into(), String::new()] {
            let _ = int_mul(&Int::Big(text.into_boxed_str()), 60);
        }
    }

    proptest::proptest! {
        #[test]
        fn int_mul_matches_i128(a in proptest::prelude::any::<i64>(), m in 0u64..1_000_000) {
            let want = i128::from(a) * i128::from(m);
            let big = Int::from_decimal(&(i128::from(a) * 1_000_000_000_000).to_string()).unwrap();
            proptest::prop_assert_eq!(int_mul(&big, m), Int::from_decimal(&(want * 1_000_000_000_000).to_string()).unwrap());
            proptest::prop_assert_eq!(int_mul(&Int::Small(a), m), Int::from_decimal(&want.to_string()).unwrap());
        }

        #[test]
        fn int_mul_never_panics(text in "\\PC{0,40}", m in proptest::prelude::any::<u64>()) {
            let _ = int_mul(&Int::Big(text.into_boxed_str()), m);
        }
    }
}

//! A writer that reproduces Python's `json.dumps` byte for byte.
//!
//! Two spellings matter to DOS: `json.dumps(obj, sort_keys=True)` (hook stdout,
//! ASCII with `\uXXXX` escapes) and the same with `ensure_ascii=False` (durable
//! records and digests, raw UTF-8). Both use Python's `", "` / `": "`
//! separators, its float `repr`, and `NaN` / `Infinity` for non-finite floats.

use super::value::{Int, Str, Value};

/// How a lone surrogate is turned into bytes when `ensure_ascii` is off.
///
/// Python's `json.dumps` returns a `str` that still holds the surrogate; the
/// bytes depend on how the caller encodes it. With `ensure_ascii` on, the
/// surrogate is always written as a `\udXXX` escape and this does not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surrogates {
    /// `.encode("utf-8", "replace")`: each lone surrogate becomes `?`.
    Replace,
    /// `.encode("utf-8")` (strict): refuse.
    Refuse,
    /// Write a `\udXXX` escape, so a Python reader gets the same `str` back.
    Escape,
}

/// The options of `json.dumps` that DOS uses.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub item_separator: &'static str,
    pub key_separator: &'static str,
    pub surrogates: Surrogates,
}

impl Options {
    /// `json.dumps(obj, sort_keys=True)`.
    pub const SORTED_ASCII: Options = Options {
        sort_keys: true,
        ensure_ascii: true,
        item_separator: ", ",
        key_separator: ": ",
        surrogates: Surrogates::Refuse,
    };
    /// `json.dumps(obj, sort_keys=True, ensure_ascii=False)`.
    pub const SORTED_UTF8: Options = Options {
        sort_keys: true,
        ensure_ascii: false,
        item_separator: ", ",
        key_separator: ": ",
        surrogates: Surrogates::Refuse,
    };
    /// `json.dumps(obj)`: insertion order, ASCII.
    pub const PLAIN: Options = Options {
        sort_keys: false,
        ensure_ascii: true,
        item_separator: ", ",
        key_separator: ": ",
        surrogates: Surrogates::Refuse,
    };
    /// Compact, insertion order, UTF-8: the envelope's own responses.
    pub const COMPACT: Options = Options {
        sort_keys: false,
        ensure_ascii: false,
        item_separator: ",",
        key_separator: ":",
        surrogates: Surrogates::Escape,
    };

    pub fn with_surrogates(mut self, s: Surrogates) -> Options {
        self.surrogates = s;
        self
    }
}

/// A lone surrogate met under `Surrogates::Refuse`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a string holds a lone surrogate (U+{0:04X}) that UTF-8 cannot encode")]
pub struct LoneSurrogate(pub u16);

/// Serialize `v` with `opts`.
pub fn dumps(v: &Value, opts: Options) -> Result<Vec<u8>, LoneSurrogate> {
    let mut out = Vec::with_capacity(64);
    write_value(&mut out, v, &opts)?;
    Ok(out)
}

/// Serialize into a `String` (the result is always UTF-8).
pub fn dumps_string(v: &Value, opts: Options) -> Result<String, LoneSurrogate> {
    // The writer only ever emits UTF-8.
    dumps(v, opts).map(|b| String::from_utf8(b).unwrap_or_default())
}

/// Append the serialization of `v` to `out`.
pub fn write_value(out: &mut Vec<u8>, v: &Value, opts: &Options) -> Result<(), LoneSurrogate> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(Int::Small(i)) => out.extend_from_slice(itoa(*i).as_bytes()),
        Value::Int(Int::Big(s)) => out.extend_from_slice(s.as_bytes()),
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => write_str(out, s, opts)?,
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(opts.item_separator.as_bytes());
                }
                write_value(out, item, opts)?;
            }
            out.push(b']');
        }
        Value::Dict(d) => {
            out.push(b'{');
            let entries = d.entries();
            let mut order: Vec<usize> = (0..entries.len()).collect();
            if opts.sort_keys {
                order.sort_by(|&a, &b| entries[a].0.py_cmp(&entries[b].0));
            }
            for (n, &i) in order.iter().enumerate() {
                if n > 0 {
                    out.extend_from_slice(opts.item_separator.as_bytes());
                }
                write_str(out, &entries[i].0, opts)?;
                out.extend_from_slice(opts.key_separator.as_bytes());
                write_value(out, &entries[i].1, opts)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn itoa(i: i64) -> String {
    i.to_string()
}

/// Python's float `repr`, with `json`'s spellings of the non-finite values.
pub fn write_float(out: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        out.extend_from_slice(float_repr(f).as_bytes());
    }
}

/// `repr(f)` for a finite float: the shortest digits that round-trip, laid out
/// in fixed notation for 1e-4 <= |f| < 1e16 and in exponent notation otherwise.
pub fn float_repr(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut s = String::with_capacity(digits.len() + 8);
    if neg {
        s.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                s.push_str(&digits);
                s.extend(std::iter::repeat('0').take(int_len - digits.len()));
                s.push_str(".0");
            } else {
                s.push_str(&digits[..int_len]);
                s.push('.');
                s.push_str(&digits[int_len..]);
            }
        } else {
            s.push_str("0.");
            s.extend(std::iter::repeat('0').take((-exp - 1) as usize));
            s.push_str(&digits);
        }
    } else {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            s.push('0');
        }
        s.push_str(&a.to_string());
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut Vec<u8>, unit: u16) {
    out.extend_from_slice(b"\\u");
    out.push(HEX[(unit >> 12) as usize & 0xf]);
    out.push(HEX[(unit >> 8) as usize & 0xf]);
    out.push(HEX[(unit >> 4) as usize & 0xf]);
    out.push(HEX[unit as usize & 0xf]);
}

/// Escape one code point (as Python's `py_encode_basestring[_ascii]` does).
#[inline]
fn write_cp(out: &mut Vec<u8>, cp: u32, opts: &Options) -> Result<(), LoneSurrogate> {
    match cp {
        0x22 => out.extend_from_slice(b"\\\""),
        0x5c => out.extend_from_slice(b"\\\\"),
        0x0a => out.extend_from_slice(b"\\n"),
        0x0d => out.extend_from_slice(b"\\r"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0..=0x1f => push_u_escape(out, cp as u16),
        0x20..=0x7e => out.push(cp as u8),
        _ if opts.ensure_ascii => {
            if cp >= 0x10000 {
                let v = cp - 0x10000;
                push_u_escape(out, 0xD800 | (v >> 10) as u16);
                push_u_escape(out, 0xDC00 | (v & 0x3ff) as u16);
            } else {
                push_u_escape(out, cp as u16);
            }
        }
        0xD800..=0xDFFF => match opts.surrogates {
            Surrogates::Replace => out.push(b'?'),
            Surrogates::Refuse => return Err(LoneSurrogate(cp as u16)),
            Surrogates::Escape => push_u_escape(out, cp as u16),
        },
        _ => {
            let c = char::from_u32(cp).unwrap_or('\u{fffd}');
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, s: &Str, opts: &Options) -> Result<(), LoneSurrogate> {
    out.push(b'"');
    match s {
        Str::Utf8(text) => {
            let bytes = text.as_bytes();
            let mut plain_start = 0;
            for (i, c) in text.char_indices() {
                let cp = c as u32;
                let needs_escape = cp < 0x20 || cp == 0x22 || cp == 0x5c || (opts.ensure_ascii && cp > 0x7e);
                if needs_escape {
                    out.extend_from_slice(&bytes[plain_start..i]);
                    write_cp(out, cp, opts)?;
                    plain_start = i + c.len_utf8();
                }
            }
            out.extend_from_slice(&bytes[plain_start..]);
        }
        Str::Utf16(_) => {
            for cp in s.code_points() {
                write_cp(out, cp, opts)?;
            }
        }
    }
    out.push(b'"');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse;

    #[test]
    fn float_repr_matches_python() {
        for (f, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (1e300, "1e+300"),
            (123456789.125, "123456789.125"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(float_repr(f), want);
        }
    }

    #[test]
    fn escapes_match_python() {
        let v = parse(br#"{"b": "\u007f\u00e9\ud800", "a": [1.5, null, true]}"#).unwrap();
        assert_eq!(
            dumps_string(&v, Options::SORTED_ASCII).unwrap(),
            r#"{"a": [1.5, null, true], "b": "\u007f\u00e9\ud800"}"#
        );
        let utf8 = dumps(&v, Options::SORTED_UTF8.with_surrogates(Surrogates::Replace)).unwrap();
        assert_eq!(String::from_utf8(utf8).unwrap(), "{\"a\": [1.5, null, true], \"b\": \"\u{7f}é?\"}");
        assert!(dumps(&v, Options::SORTED_UTF8).is_err());
    }
}

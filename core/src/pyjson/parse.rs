//! A reader that accepts exactly what Python's `json.loads` accepts.
//!
//! Beyond RFC 8259 that means `NaN`, `Infinity` and `-Infinity`, lone
//! surrogate escapes, unbounded integers (up to CPython's 4,300-digit
//! conversion limit) and last-wins duplicate keys. Control characters inside
//! strings are refused, as with `strict=True`.
//!
//! The input is the text the reference reads (files opened as UTF-8, stdin),
//! so this mirrors `json.loads(str)`: bytes that are not UTF-8 are refused, and
//! so is a leading byte order mark. (`json.loads(bytes)` would also sniff
//! UTF-16/32, strip a UTF-8 BOM and let encoded surrogates through; the
//! reference never calls it that way.)
//!
//! One deliberate difference: nesting deeper than [`MAX_DEPTH`] is refused.
//! CPython's own limit is its recursion limit (about 990 levels from a shallow
//! stack, less from a deep one), so no fixed number can match it exactly.

use super::scan::Slot;
use super::value::{Dict, Int, Str, Value};
use std::collections::HashMap;

/// Why a document could not be read; `offset` is a byte index into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// CPython refuses to convert integer text longer than this (`sys.int_info`).
const MAX_INT_DIGITS: usize = 4300;
/// Deeper nesting than this is refused instead of risking the stack.
pub const MAX_DEPTH: usize = 512;

/// Parse one JSON document (surrounding JSON whitespace allowed).
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    // `json.loads` on a `str` refuses a leading U+FEFF rather than skipping it
    // (only the `bytes` form decodes with utf-8-sig), and the reference always
    // hands it text.
    if input.starts_with(b"\xEF\xBB\xBF") {
        return Err(ParseError { message: "unexpected UTF-8 byte order mark (U+FEFF) before the document".into(), offset: 0 });
    }
    let mut p = Parser { s: input, i: 0, depth: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("extra data after the document"));
    }
    Ok(v)
}

/// Parse from text.
pub fn parse_str(input: &str) -> Result<Value, ParseError> {
    parse(input.as_bytes())
}

pub(super) struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    /// Scan a document into `out` (see `scan`): accepts exactly what
    /// [`parse`] accepts.
    pub(super) fn scan_document(input: &'a [u8], out: &mut Vec<Slot>) -> Result<(), ParseError> {
        if input.starts_with(b"\xEF\xBB\xBF") {
            return Err(ParseError { message: "unexpected UTF-8 byte order mark (U+FEFF) before the document".into(), offset: 0 });
        }
        let mut p = Parser { s: input, i: 0, depth: 0 };
        p.ws();
        p.scan_value(out)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(p.err("extra data after the document"));
        }
        Ok(())
    }

    /// Decode a string whose bytes after the opening quote (through the
    /// closing one) are `raw`.
    pub(super) fn string_at(raw: &'a [u8]) -> Result<Str, ParseError> {
        Parser { s: raw, i: 0, depth: 0 }.string()
    }

    fn scan_value(&mut self, out: &mut Vec<Slot>) -> Result<(), ParseError> {
        match self.peek() {
            Some(b'{') => self.scan_object(out),
            Some(b'[') => self.scan_array(out),
            Some(b'"') => {
                self.i += 1;
                self.scan_string(out)
            }
            _ => {
                let v = self.value()?;
                out.push(Slot::Scalar(v));
                Ok(())
            }
        }
    }

    fn scan_object(&mut self, out: &mut Vec<Slot>) -> Result<(), ParseError> {
        self.enter()?;
        self.i += 1;
        let at = out.len();
        out.push(Slot::Dict { len: 0, end: 0 });
        let mut len = 0;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.err("expected a property name in double quotes"));
                }
                self.i += 1;
                self.scan_string(out)?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.err("expected ':' after a property name"));
                }
                self.i += 1;
                self.ws();
                self.scan_value(out)?;
                len += 1;
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.err("expected ',' or '}' in an object")),
                }
            }
        }
        self.depth -= 1;
        out[at] = Slot::Dict { len, end: out.len() };
        Ok(())
    }

    fn scan_array(&mut self, out: &mut Vec<Slot>) -> Result<(), ParseError> {
        self.enter()?;
        self.i += 1;
        let at = out.len();
        out.push(Slot::List { len: 0, end: 0 });
        let mut len = 0;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                self.scan_value(out)?;
                len += 1;
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.err("expected ',' or ']' in an array")),
                }
            }
        }
        self.depth -= 1;
        out[at] = Slot::List { len, end: out.len() };
        Ok(())
    }

    /// After the opening quote: check the string as [`Parser::string`]
    /// reads it, without decoding it.
    fn scan_string(&mut self, out: &mut Vec<Slot>) -> Result<(), ParseError> {
        let start = self.i;
        let mut escaped = false;
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(ParseError { message: "unterminated string".into(), offset: start - 1 });
            };
            match b {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            self.hex4()?;
                        }
                        _ => {
                            self.i -= 2;
                            return Err(self.err("invalid \\escape"));
                        }
                    }
                }
                0..=0x1f => return Err(self.err("invalid control character in a string")),
                0x80.. => {
                    // Bytes of a multi-byte character: checked whole below.
                    let run = self.i;
                    while let Some(&c) = self.s.get(self.i) {
                        if c < 0x80 {
                            break;
                        }
                        self.i += 1;
                    }
                    std::str::from_utf8(&self.s[run..self.i])
                        .map_err(|e| ParseError { message: "invalid UTF-8 in a string".into(), offset: run + e.valid_up_to() })?;
                }
                _ => self.i += 1,
            }
        }
        out.push(Slot::Str { start, end: self.i, escaped });
        Ok(())
    }

    fn err(&self, msg: &str) -> ParseError {
        ParseError { message: msg.to_owned(), offset: self.i }
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            None => Err(self.err("expected a value, found the end of input")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.i += 1;
                Ok(Value::Str(self.string()?))
            }
            Some(b'n') if self.eat(b"null") => Ok(Value::Null),
            Some(b't') if self.eat(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat(b"NaN") => Ok(Value::Float(f64::NAN)),
            Some(b'I') if self.eat(b"Infinity") => Ok(Value::Float(f64::INFINITY)),
            Some(b'-') if self.s[self.i..].starts_with(b"-Infinity") => {
                self.i += 9;
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("document nested too deeply"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        self.i += 1;
        let mut d = Dict::new();
        let mut index: Option<HashMap<Str, usize>> = None;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Dict(d));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a property name in double quotes"));
            }
            self.i += 1;
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' after a property name"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            insert_last_wins(&mut d, &mut index, key, v);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::Dict(d));
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        self.i += 1;
        let mut out = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::List(out));
        }
        loop {
            self.ws();
            out.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Value::List(out));
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
            }
            _ => return Err(self.err("expected a value")),
        }
        let int_end = self.i;
        let mut is_float = false;
        if self.peek() == Some(b'.') && matches!(self.s.get(self.i + 1), Some(b'0'..=b'9')) {
            self.i += 1;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            let mut j = self.i + 1;
            if let Some(b'+' | b'-') = self.s.get(j) {
                j += 1;
            }
            if matches!(self.s.get(j), Some(b'0'..=b'9')) {
                while let Some(b'0'..=b'9') = self.s.get(j) {
                    j += 1;
                }
                self.i = j;
                is_float = true;
            }
        }
        // The bytes are ASCII digits and signs, so this cannot fail.
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if is_float {
            return text.parse::<f64>().map(Value::Float).map_err(|_| ParseError { message: "bad number".into(), offset: start });
        }
        let _ = int_end;
        if let Ok(v) = text.parse::<i64>() {
            return Ok(Value::Int(Int::Small(v)));
        }
        let digits = text.trim_start_matches('-');
        if digits.len() > MAX_INT_DIGITS {
            return Err(ParseError { message: format!("integer has more than {MAX_INT_DIGITS} digits"), offset: start });
        }
        Ok(Value::Int(Int::Big(text.into())))
    }

    /// After the opening quote; leaves the cursor past the closing quote.
    fn string(&mut self) -> Result<Str, ParseError> {
        let start = self.i;
        // Fast path: no escapes.
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b'"' => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    return match std::str::from_utf8(raw) {
                        Ok(s) => Ok(Str::Utf8(s.to_owned())),
                        Err(e) => Err(ParseError { message: "invalid UTF-8 in a string".into(), offset: start + e.valid_up_to() }),
                    };
                }
                b'\\' => break,
                0..=0x1f => return Err(self.err("invalid control character in a string")),
                _ => self.i += 1,
            }
        }
        if self.i >= self.s.len() {
            return Err(ParseError { message: "unterminated string".into(), offset: start - 1 });
        }
        // Slow path: decode into UTF-16 units so lone surrogates survive.
        let head = std::str::from_utf8(&self.s[start..self.i])
            .map_err(|e| ParseError { message: "invalid UTF-8 in a string".into(), offset: start + e.valid_up_to() })?;
        let mut units: Vec<u16> = head.encode_utf16().collect();
        let mut lone = false;
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(ParseError { message: "unterminated string".into(), offset: start - 1 });
            };
            match b {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    let unit = match e {
                        b'"' => b'"' as u16,
                        b'\\' => b'\\' as u16,
                        b'/' => b'/' as u16,
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => 10,
                        b'r' => 13,
                        b't' => 9,
                        b'u' => self.hex4()?,
                        _ => {
                            self.i -= 2;
                            return Err(self.err("invalid \\escape"));
                        }
                    };
                    units.push(unit);
                }
                0..=0x1f => return Err(self.err("invalid control character in a string")),
                _ => {
                    // Copy one run of plain bytes.
                    let run_start = self.i;
                    while let Some(&c) = self.s.get(self.i) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.i += 1;
                    }
                    let run = std::str::from_utf8(&self.s[run_start..self.i])
                        .map_err(|e| ParseError { message: "invalid UTF-8 in a string".into(), offset: run_start + e.valid_up_to() })?;
                    units.extend(run.encode_utf16());
                }
            }
        }
        // Pairs written as two escapes combine, as Python does; lone units stay.
        for (k, &u) in units.iter().enumerate() {
            if (0xD800..0xDC00).contains(&u) {
                if !matches!(units.get(k + 1), Some(n) if (0xDC00..0xE000).contains(n)) {
                    lone = true;
                }
            } else if (0xDC00..0xE000).contains(&u)
                && !matches!(k.checked_sub(1).and_then(|p| units.get(p)), Some(p) if (0xD800..0xDC00).contains(p))
            {
                lone = true;
            }
        }
        if lone {
            Ok(Str::Utf16(units))
        } else {
            Ok(Str::from_utf16(units))
        }
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            return Err(self.err("invalid \\uXXXX escape"));
        };
        let text = std::str::from_utf8(h).map_err(|_| self.err("invalid \\uXXXX escape"))?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\uXXXX escape"));
        }
        let v = u16::from_str_radix(text, 16).map_err(|_| self.err("invalid \\uXXXX escape"))?;
        self.i += 4;
        Ok(v)
    }
}

fn insert_last_wins(d: &mut Dict, index: &mut Option<HashMap<Str, usize>>, key: Str, v: Value) {
    const SCAN_LIMIT: usize = 16;
    if index.is_none() && d.len() < SCAN_LIMIT {
        d.insert(key, v);
        return;
    }
    let idx = index.get_or_insert_with(|| d.keys().enumerate().map(|(i, k)| (k.clone(), i)).collect());
    if let Some(&pos) = idx.get(&key) {
        d.replace_at(pos, v);
    } else {
        idx.insert(key.clone(), d.len());
        d.push(key, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_extensions() {
        assert!(matches!(parse(b"NaN").unwrap(), Value::Float(f) if f.is_nan()));
        assert_eq!(parse(b"-Infinity").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert_eq!(parse(b"123456789012345678901234567890").unwrap(), Value::Int(Int::Big("123456789012345678901234567890".into())));
        assert_eq!(parse(b"\"\\ud800x\"").unwrap(), Value::Str(Str::Utf16(vec![0xD800, b'x' as u16])));
        assert_eq!(parse(b"\"\\ud83d\\ude00\"").unwrap(), Value::str("😀"));
        assert_eq!(parse(b"1.0").unwrap(), Value::Float(1.0));
        assert_eq!(parse(b"1E400").unwrap(), Value::Float(f64::INFINITY));
        assert_eq!(parse(b"-0").unwrap(), Value::int(0));
    }

    #[test]
    fn duplicates_keep_first_position() {
        let v = parse(br#"{"a":1,"b":2,"a":3}"#).unwrap();
        let d = v.as_dict().unwrap();
        let keys: Vec<_> = d.keys().map(|k| k.as_str().unwrap().to_owned()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(d.get("a"), Some(&Value::int(3)));
    }

    #[test]
    fn a_leading_bom_is_refused_like_json_loads_on_str() {
        let e = parse("\u{feff}{}".as_bytes()).unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("byte order mark"), "{e}");
        // Elsewhere U+FEFF is ordinary text inside a string, and not whitespace.
        assert_eq!(parse("\"\u{feff}\"".as_bytes()).unwrap(), Value::str("\u{feff}"));
        assert!(parse("[1,\u{feff}2]".as_bytes()).is_err());
    }

    #[test]
    fn number_grammar_matches_the_scanner() {
        // What CPython's scanner takes as a number, and where it stops.
        assert_eq!(parse(b"1E+2").unwrap(), Value::Float(100.0));
        assert!(matches!(parse(b"-0.0").unwrap(), Value::Float(f) if f.to_bits() == (-0.0f64).to_bits()));
        assert_eq!(parse(b"[1e5]").unwrap(), Value::List(vec![Value::Float(1e5)]));
        assert_eq!(parse(b"-9223372036854775808").unwrap(), Value::int(i64::MIN));
        assert_eq!(parse(b"-9223372036854775809").unwrap(), Value::Int(Int::Big("-9223372036854775809".into())));
        // A sign does not count towards CPython's 4,300-digit limit.
        assert!(parse(format!("-{}", "9".repeat(4300)).as_bytes()).is_ok());
        assert!(parse("9".repeat(4301).as_bytes()).is_err());
        // Floats have no digit limit.
        assert!(parse(format!("{}.5", "9".repeat(5000)).as_bytes()).is_ok());
        // A dangling '.', exponent or sign is not part of the number, so the
        // document has extra data (or a missing delimiter).
        for bad in [&b"1."[..], b"1e", b"1e+", b".5", b"+1", b"-", b"-NaN", b"[1.]", b"[1e]", b"0x10", b"1_000"] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn refusals() {
        for bad in [&b"[1,]"[..], b"01", b"\"a\x01\"", b"{'a':1}", b"", b"[1] x", b"tru", b"\"\\x\""] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
    }
}

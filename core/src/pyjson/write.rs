//! A writer that reproduces Python's `json.dumps` byte for byte.
//!
//! Two spellings matter to DOS: `json.dumps(obj, sort_keys=True)` (hook stdout,
//! ASCII with `\uXXXX` escapes) and the same with `ensure_ascii=False` (durable
//! records and digests, raw UTF-8). Both use Python's `", "` / `": "`
//! separators, its float `repr`, and `NaN` / `Infinity` for non-finite floats.

use super::value::{Int, Str, Value};
use std::borrow::Cow;

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
    /// `.encode("utf-8", "surrogatepass")`: the surrogate's own three bytes
    /// (`ED A0 80` for U+D800). The output is then not valid UTF-8; use
    /// [`dumps_str`] to get it back as the `str` Python's `json.dumps` returns.
    Pass,
}

/// The options of `json.dumps` that DOS uses.
///
/// The separators are written as given, like Python's `separators=(item, key)`:
/// `ensure_ascii` does not apply to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub item_separator: Cow<'static, str>,
    pub key_separator: Cow<'static, str>,
    pub surrogates: Surrogates,
}

impl Options {
    /// `json.dumps(obj, sort_keys=True)`.
    pub const SORTED_ASCII: Options = Options {
        sort_keys: true,
        ensure_ascii: true,
        item_separator: Cow::Borrowed(", "),
        key_separator: Cow::Borrowed(": "),
        surrogates: Surrogates::Refuse,
    };
    /// `json.dumps(obj, sort_keys=True, ensure_ascii=False)`.
    pub const SORTED_UTF8: Options = Options {
        sort_keys: true,
        ensure_ascii: false,
        item_separator: Cow::Borrowed(", "),
        key_separator: Cow::Borrowed(": "),
        surrogates: Surrogates::Refuse,
    };
    /// `json.dumps(obj)`: insertion order, ASCII.
    pub const PLAIN: Options = Options {
        sort_keys: false,
        ensure_ascii: true,
        item_separator: Cow::Borrowed(", "),
        key_separator: Cow::Borrowed(": "),
        surrogates: Surrogates::Refuse,
    };
    /// Compact, insertion order, UTF-8: the envelope's own responses.
    pub const COMPACT: Options = Options {
        sort_keys: false,
        ensure_ascii: false,
        item_separator: Cow::Borrowed(","),
        key_separator: Cow::Borrowed(":"),
        surrogates: Surrogates::Escape,
    };

    pub fn with_surrogates(mut self, s: Surrogates) -> Options {
        self.surrogates = s;
        self
    }

    /// `separators=(item, key)`.
    pub fn with_separators(mut self, item: impl Into<Cow<'static, str>>, key: impl Into<Cow<'static, str>>) -> Options {
        self.item_separator = item.into();
        self.key_separator = key.into();
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

/// Serialize into a `String`.
///
/// A `String` cannot hold a lone surrogate, so `Surrogates::Pass` acts as
/// `Surrogates::Refuse` here; [`dumps_str`] keeps them.
pub fn dumps_string(v: &Value, opts: Options) -> Result<String, LoneSurrogate> {
    let opts = match opts.surrogates {
        Surrogates::Pass => opts.with_surrogates(Surrogates::Refuse),
        _ => opts,
    };
    let bytes = dumps(v, opts)?;
    // Without `Pass` every byte the writer emits is UTF-8; the fallback only
    // guards against a bug, it never loses text in practice.
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The `str` that Python's `json.dumps` returns, lone surrogates included.
///
/// `opts.surrogates` applies as in [`dumps`]; with `Surrogates::Pass` a lone
/// surrogate stays a lone surrogate in the result (a `Str::Utf16`).
pub fn dumps_str(v: &Value, opts: Options) -> Result<Str, LoneSurrogate> {
    let bytes = dumps(v, opts)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Str::Utf8(s)),
        Err(e) => Ok(Str::from_utf16(decode_surrogatepass(e.as_bytes()))),
    }
}

/// Decode UTF-8 in which lone surrogates are written as their own three bytes
/// (`ED A0..BF 80..BF`), into UTF-16 units. Any other invalid byte becomes
/// U+FFFD; the writer never produces one.
fn decode_surrogatepass(mut bytes: &[u8]) -> Vec<u16> {
    let mut units = Vec::with_capacity(bytes.len());
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                units.extend(s.encode_utf16());
                break;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                // `good` is valid UTF-8 by the error's own account.
                units.extend(String::from_utf8_lossy(good).encode_utf16());
                match rest {
                    [0xED, b1 @ 0xA0..=0xBF, b2 @ 0x80..=0xBF, ..] => {
                        units.push(0xD000 | (u16::from(b1 & 0x3F) << 6) | u16::from(b2 & 0x3F));
                        bytes = &rest[3..];
                    }
                    _ => {
                        units.push(0xFFFD);
                        let skip = e.error_len().unwrap_or(rest.len()).max(1);
                        bytes = &rest[skip.min(rest.len())..];
                    }
                }
            }
        }
    }
    units
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
    let (digits, exp) = shortest_digits(f.abs());
    let mut s = String::with_capacity(digits.len() + 8);
    if f.is_sign_negative() {
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

/// Split Rust's `{:e}` text ("1.2345e-7") into its digits ("12345") and the
/// decimal exponent of the first digit (-7).
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// The shortest decimal digits that read back as `a` (finite, > 0) and the
/// exponent of the first digit, chosen as CPython's `repr` chooses them.
///
/// Rust's shortest formatting and CPython's (David Gay's `dtoa`, mode 0) agree
/// on the number of digits and on the nearest candidate, but not on a tie:
/// when `a` lies exactly halfway between two shortest candidates, Rust takes
/// the upper one and `dtoa` takes the one with an even last digit. For
/// example 28977300023711.8125 is `28977300023711.812` in Python, while
/// Rust's `{}` writes `28977300023711.813`.
fn shortest_digits(a: f64) -> (String, i32) {
    let (digits, exp) = split_sci(&format!("{a:e}"));
    let n = digits.len();
    // A tie needs the exact value of `a` to have exactly one digit more than
    // the shortest form, that digit being 5. Counting the exact digits from
    // the bits rules out nearly every value without formatting again;
    // rounding to n + 1 digits is the next filter: it ends in 5 whenever
    // the exact value does.
    if !may_tie(a, n) {
        return (digits, exp);
    }
    let (one_more, _) = split_sci(&format!("{a:.n$e}"));
    if !one_more.ends_with('5') {
        return (digits, exp);
    }
    // Every finite double has at most 767 significant decimal digits, so 800
    // digits of precision is its exact expansion (padded with zeros).
    let (exact, exact_exp) = split_sci(&format!("{a:.800e}"));
    let exact = exact.trim_end_matches('0');
    if exact.len() != n + 1 || !exact.ends_with('5') {
        return (digits, exp);
    }
    let lower = exact[..n].to_owned();
    let (upper, upper_exp) = increment_digits(&lower, exact_exp);
    let reads_back = |d: &str, e: i32| {
        // "1234" with first-digit exponent e is 1234e(e - 3).
        let text = format!("{d}e{}", e - (d.len() as i32 - 1));
        text.parse::<f64>().map(|v| v == a).unwrap_or(false)
    };
    let lower_even = lower.as_bytes().last().is_some_and(|d| (d - b'0') % 2 == 0);
    let (even, odd) = if lower_even { ((lower, exact_exp), (upper, upper_exp)) } else { ((upper, upper_exp), (lower, exact_exp)) };
    if reads_back(&even.0, even.1) {
        normalize_digits(even.0, even.1)
    } else if reads_back(&odd.0, odd.1) {
        normalize_digits(odd.0, odd.1)
    } else {
        (digits, exp)
    }
}

/// Whether the exact decimal expansion of `a` (finite, > 0) may have
/// exactly `n + 1` significant digits, which a tie between two `n`-digit
/// candidates needs (false only when it cannot).
///
/// `a` is `m * 2^e` with `m` odd. For `e < 0` it is `m * 5^-e / 10^-e`:
/// its significant digits are those of `m * 5^-e` (odd, so no trailing
/// zero), more than 18 once `-e > 27`, and counted exactly below that. An
/// integer below 2^53 is written in full by its shortest form (no tie);
/// larger integers are left to the slower check.
fn may_tie(a: f64, n: usize) -> bool {
    let bits = a.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if biased == 0 { (frac, -1074) } else { (frac | (1u64 << 52), biased - 1075) };
    if m == 0 {
        return false;
    }
    let tz = m.trailing_zeros();
    m >>= tz;
    e += tz as i32;
    if e >= 0 {
        // m * 2^e < 2^53: an integer its shortest form writes whole.
        return (64 - m.leading_zeros()) as i32 + e > 53;
    }
    let k = -e;
    if k > 27 {
        return false;
    }
    let mut x = u128::from(m) * 5u128.pow(k as u32);
    let mut digits = 0;
    while x > 0 {
        x /= 10;
        digits += 1;
    }
    digits == n + 1
}

/// Add one in the last place of a digit string; a carry out of the first
/// digit ("99" -> "100") raises the exponent.
fn increment_digits(d: &str, exp: i32) -> (String, i32) {
    let mut bytes = d.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return (String::from_utf8_lossy(&bytes).into_owned(), exp);
        }
    }
    bytes.insert(0, b'1');
    (String::from_utf8_lossy(&bytes).into_owned(), exp + 1)
}

/// Drop trailing zeros (they carry no digits in `repr`), keeping at least one.
fn normalize_digits(mut d: String, exp: i32) -> (String, i32) {
    while d.len() > 1 && d.ends_with('0') {
        d.pop();
    }
    (d, exp)
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
            Surrogates::Pass => {
                out.push(0xE0 | (cp >> 12) as u8);
                out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                out.push(0x80 | (cp & 0x3F) as u8);
            }
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
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (1e-5, "1e-05"),
            (1e22, "1e+22"),
            (1e23, "1e+23"),
            (9007199254740993.0, "9007199254740992.0"),
        ] {
            assert_eq!(float_repr(f), want);
        }
    }

    #[test]
    fn float_repr_breaks_ties_to_even_like_dtoa() {
        // Each value lies exactly halfway between two shortest candidates.
        // CPython's `repr` (printed by Python 3.11 for these bit patterns)
        // keeps the even last digit; Rust's `{}` takes the upper one.
        for (bits, want) in [
            (0xc2ba_5acd_aca9_9fd0_u64, "-28977300023711.812"),
            (0x42e4_d467_ddf8_e8c4, "183220065781574.12"),
            (0x4305_570e_f2fb_6eee, "750837028580829.8"),
            (0x42db_898f_d412_c848, "121110550039329.12"),
            (0x4315_0724_af24_fb0b, "1479707162394306.8"),
            (0x4313_7025_5865_fb01, "1367832564170432.2"),
        ] {
            assert_eq!(float_repr(f64::from_bits(bits)), want, "{bits:016x}");
        }
        // Not a tie: the nearest shortest candidate wins as before.
        assert_eq!(float_repr(123456789.125), "123456789.125");
        assert_eq!(float_repr(0.5), "0.5");
    }

    #[test]
    fn the_tie_filter_never_rules_out_a_tie() {
        // Whenever the exact expansion has one digit more than the shortest
        // form and it is a 5 (a tie candidate), may_tie must say so.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values: Vec<f64> = (0..20_000).map(|_| f64::from_bits(next() >> 1)).filter(|f| f.is_finite() && *f > 0.0).collect();
        // Short binary fractions, where ties live, and the known ties.
        values.extend((0..20_000).map(|_| (next() % (1 << 50)) as f64 / (1u64 << (next() % 30)) as f64).filter(|f| *f > 0.0));
        values.extend([0.5, 0.125, 2.5, 1e23, 9007199254740993.0, 5e-324, f64::MAX]);
        for bits in [0x42ba_5acd_aca9_9fd0_u64, 0x42e4_d467_ddf8_e8c4, 0x4305_570e_f2fb_6eee, 0x42db_898f_d412_c848, 0x4315_0724_af24_fb0b]
        {
            values.push(f64::from_bits(bits));
        }
        let mut ties = 0;
        for a in values {
            let (digits, _) = split_sci(&format!("{a:e}"));
            let (exact, _) = split_sci(&format!("{a:.800e}"));
            let exact = exact.trim_end_matches('0');
            if exact.len() == digits.len() + 1 && exact.ends_with('5') {
                ties += 1;
                assert!(may_tie(a, digits.len()), "{a:e} ({:016x}) is a tie candidate", a.to_bits());
            }
        }
        assert!(ties >= 4, "the sample holds tie candidates ({ties})");
    }

    #[test]
    fn separators_are_written_verbatim() {
        let v = parse(br#"{"k": [1, "\u00e9"]}"#).unwrap();
        let opts = Options::PLAIN.with_separators(String::from("\u{e9}"), "=>");
        assert_eq!(dumps_string(&v, opts).unwrap(), "{\"k\"=>[1\u{e9}\"\\u00e9\"]}");
        let compact = Options::SORTED_ASCII.with_separators(",", ":");
        assert_eq!(dumps_string(&v, compact).unwrap(), r#"{"k":[1,"\u00e9"]}"#);
    }

    #[test]
    fn surrogatepass_keeps_lone_surrogates_in_the_str() {
        let v = parse(br#"["\ud800", "\udfff\u00e9", "\ud83d\ude00"]"#).unwrap();
        let opts = Options::PLAIN.clone();
        let utf8 = Options { ensure_ascii: false, ..opts }.with_surrogates(Surrogates::Pass);
        let bytes = dumps(&v, utf8.clone()).unwrap();
        assert_eq!(bytes, b"[\"\xED\xA0\x80\", \"\xED\xBF\xBF\xC3\xA9\", \"\xF0\x9F\x98\x80\"]".to_vec());
        let s = dumps_str(&v, utf8.clone()).unwrap();
        let want: Vec<u16> = "[\""
            .encode_utf16()
            .chain([0xD800])
            .chain("\", \"".encode_utf16())
            .chain([0xDFFF, 0xE9])
            .chain("\", \"\u{1F600}\"]".encode_utf16())
            .collect();
        assert_eq!(s, Str::Utf16(want));
        // A String cannot hold the surrogate: refused, never emptied.
        assert_eq!(dumps_string(&v, utf8), Err(LoneSurrogate(0xD800)));
        // Without a lone surrogate the str is plain UTF-8.
        let plain = parse(br#""\ud83d\ude00""#).unwrap();
        let utf8 = Options { ensure_ascii: false, ..Options::PLAIN }.with_surrogates(Surrogates::Pass);
        assert_eq!(dumps_str(&plain, utf8).unwrap(), Str::from("\"\u{1F600}\""));
    }

    #[test]
    fn sort_keys_orders_by_code_point_with_surrogates() {
        // Python: sorted(['\ud800', '\ue000', '\U00010000', 'z'])
        let v = parse(br#"{"\ud83d\ude00": 1, "\ue000": 2, "\ud800": 3, "z": 4}"#).unwrap();
        assert_eq!(dumps_string(&v, Options::SORTED_ASCII).unwrap(), r#"{"z": 4, "\ud800": 3, "\ue000": 2, "\ud83d\ude00": 1}"#);
    }

    #[test]
    fn escapes_match_python() {
        let v = parse(br#"{"b": "\u007f\u00e9\ud800", "a": [1.5, null, true]}"#).unwrap();
        assert_eq!(dumps_string(&v, Options::SORTED_ASCII).unwrap(), r#"{"a": [1.5, null, true], "b": "\u007f\u00e9\ud800"}"#);
        let utf8 = dumps(&v, Options::SORTED_UTF8.with_surrogates(Surrogates::Replace)).unwrap();
        assert_eq!(String::from_utf8(utf8).unwrap(), "{\"a\": [1.5, null, true], \"b\": \"\u{7f}é?\"}");
        assert!(dumps(&v, Options::SORTED_UTF8).is_err());
    }
}

//! `int(s)` for a `str`, base 10, as CPython 3.11 reads it.
//!
//! CPython first maps the text to ASCII: a non-ASCII whitespace character
//! becomes a space, a non-ASCII decimal digit (Unicode category Nd) becomes its
//! ASCII digit, and anything else makes the conversion fail. The ASCII text is
//! then read as: C-locale whitespace, an optional sign, digits with single
//! underscores allowed between them, C-locale whitespace. Leading zeros are
//! fine in base 10. Note that `\x1c`..`\x1f` are *not* accepted around the
//! number even though `str.isspace()` says they are whitespace: they are ASCII,
//! so they skip the first mapping and fail the second.

use crate::pyjson::Int;

/// The first code point (value 0) of every run of ten non-ASCII decimal digits,
/// Unicode 14.0.0. Every Nd character belongs to exactly one such run. Produced
/// by `[c for c in range(128, 0x110000) if unicodedata.decimal(chr(c), None) == 0]`
/// under the interpreter that runs the reference.
static DIGIT_ZEROS: &[u32] = &[
    0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0,
    0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50,
    0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// CPython's default `sys.int_info.str_digits_check_threshold` limit.
const MAX_STR_DIGITS: usize = 4300;

/// The decimal value of a non-ASCII Nd character.
fn decimal_value(cp: u32) -> Option<u8> {
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp);
    let zero = *DIGIT_ZEROS.get(i.checked_sub(1)?)?;
    let d = cp - zero;
    (d < 10).then_some(d as u8)
}

fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `int(s)`; `None` where CPython raises `ValueError`.
pub fn int_from_str(s: &str) -> Option<Int> {
    let mut ascii = Vec::with_capacity(s.len());
    for c in s.chars() {
        let cp = c as u32;
        if cp < 127 {
            ascii.push(cp as u8);
        } else if super::is_space(c) {
            ascii.push(b' ');
        } else {
            ascii.push(b'0' + decimal_value(cp)?);
        }
    }
    let b = &ascii[..];
    let mut i = 0;
    while i < b.len() && c_space(b[i]) {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut digits = String::new();
    while i < b.len() {
        if b[i].is_ascii_digit() {
            digits.push(b[i] as char);
            i += 1;
        } else if b[i] == b'_' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            break;
        }
    }
    while i < b.len() && c_space(b[i]) {
        i += 1;
    }
    if i != b.len() || digits.len() > MAX_STR_DIGITS {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let magnitude = if trimmed.is_empty() { "0" } else { trimmed };
    let text = if neg && magnitude != "0" { format!("-{magnitude}") } else { magnitude.to_owned() };
    Some(match text.parse::<i64>() {
        Ok(v) => Int::Small(v),
        Err(_) => Int::Big(text.into_boxed_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(s: &str) -> Option<i64> {
        int_from_str(s).and_then(|i| i.as_i64())
    }

    #[test]
    fn reads_like_cpython() {
        assert_eq!(small(" 5 "), Some(5));
        assert_eq!(small("\u{3000}5\u{85}"), Some(5));
        assert_eq!(small("+5"), Some(5));
        assert_eq!(small("-0"), Some(0));
        assert_eq!(small("0_7"), Some(7));
        assert_eq!(small("1_0"), Some(10));
        assert_eq!(small("\u{662}_\u{663}"), Some(23));
        assert_eq!(small("\u{ff15}"), Some(5));
        assert_eq!(small("\u{1d7ce}"), Some(0));
        assert_eq!(small("-9223372036854775808"), Some(i64::MIN));
        for bad in ["", "  ", "\x1c5", "1__0", "_1", "1_", "+_1", "- 5", "+-5", "2.0", "0x2", "5\x7f", "\u{b2}", "1 2"] {
            assert!(int_from_str(bad).is_none(), "{bad:?}");
        }
        assert_eq!(int_from_str("0009223372036854775808"), Some(Int::Big("9223372036854775808".into())));
    }
}

//! Text operations with CPython's semantics, where a decision depends on them.
//!
//! The reference decides on `str.strip()`, `str.split()`, `str.lower()`,
//! `str.casefold()` and `str.isalnum()`. Rust's own methods use a different
//! whitespace set and a newer Unicode, so the deciders call these instead. The
//! tables are generated from the interpreter that runs the reference
//! (`tools/gen_unicode_tables.py`); ASCII takes a fast path everywhere.

mod int;
mod tables;

pub use int::int_from_str;

pub use tables::UNICODE_VERSION;

fn in_ranges(table: &[(u32, u32)], cp: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn lookup(table: &'static [(u32, &'static str)], cp: u32) -> Option<&'static str> {
    table.binary_search_by_key(&cp, |&(k, _)| k).ok().map(|i| table[i].1)
}

/// `c.isspace()`: the separators `str.split()` and `str.strip()` use.
#[inline]
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f')
    } else {
        in_ranges(tables::SPACE, c as u32)
    }
}

/// `c.isalnum()`.
#[inline]
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        in_ranges(tables::ALNUM, c as u32)
    }
}

/// `c.isdigit()`: decimal digits plus the other digits (superscripts,
/// circled digits...).
#[inline]
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_ranges(tables::DIGIT, c as u32)
    }
}

/// `c.isdecimal()`: what `\d` matches in a `re` pattern over `str`.
#[inline]
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_ranges(tables::DECIMAL, c as u32)
    }
}

/// `s.strip()` with no argument.
#[inline]
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `s.split()` with no argument: runs of whitespace separate, no empty pieces.
#[inline]
pub fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_space).filter(|p| !p.is_empty())
}

/// `s.casefold()`.
pub fn casefold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    casefold_into(s, &mut out);
    out
}

/// `s.casefold()` appended to `out`.
pub fn casefold_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(m) = lookup(tables::CASEFOLD, c as u32) {
            out.push_str(m);
        } else {
            out.push(c);
        }
    }
}

/// `s.lower()`, including CPython's final-sigma rule.
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\u{3a3}' {
            out.push(if final_sigma(&chars, i) { '\u{3c2}' } else { '\u{3c3}' });
        } else if let Some(m) = lookup(tables::LOWER, c as u32) {
            out.push_str(m);
        } else {
            out.push(c);
        }
    }
    out
}

fn is_cased(c: char) -> bool {
    in_ranges(tables::CASED, c as u32)
}

fn is_case_ignorable(c: char) -> bool {
    in_ranges(tables::CASE_IGNORABLE, c as u32)
}

fn final_sigma(chars: &[char], i: usize) -> bool {
    let before = chars[..i].iter().rev().find(|&&c| !is_case_ignorable(c));
    match before {
        Some(&c) if is_cased(c) => {}
        _ => return false,
    }
    let after = chars[i + 1..].iter().find(|&&c| !is_case_ignorable(c));
    !matches!(after, Some(&c) if is_cased(c))
}

/// Python's `repr()` of a `str` (the quote choice and escapes of CPython).
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_ascii() => out.push(c),
            c if is_printable(c) => out.push(c),
            c => {
                let cp = c as u32;
                if cp <= 0xff {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp <= 0xffff {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable()` for one character (the table is CPython's).
fn is_printable(c: char) -> bool {
    c == ' ' || in_ranges(tables::PRINTABLE, c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_matches_python() {
        assert_eq!(strip("\x1c a \u{3000}"), "a");
        assert_eq!(split(" a\u{85}b\x1f c ").collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(!is_space('\u{200b}'));
    }

    #[test]
    fn folding_matches_python() {
        assert_eq!(casefold("Straße"), "strasse");
        assert_eq!(casefold("ﬁle"), "file");
        assert_eq!(lower("İ"), "i\u{307}");
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
        assert_eq!(lower("ΑΣ"), "ας");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("ΑΣΑ"), "ασα");
    }

    #[test]
    fn alnum_matches_python() {
        assert!(is_alnum('é'));
        assert!(is_alnum('²'));
        assert!(!is_alnum('\u{345}'));
        assert!(!is_alnum('Ⓐ'));
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(repr("a"), "'a'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("'\""), "'\\'\"'");
        assert_eq!(repr("a\nb"), "'a\\nb'");
    }
}

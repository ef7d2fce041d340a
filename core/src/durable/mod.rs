//! The small durable surfaces beside the lane journal, without the disk:
//! per-scope id counters, run-id tokens, the verdict journal, the intent
//! ledger and the export cursor. Each module holds the formats and the pure
//! rules (names, bytes, folds); reading and writing the files lives in the
//! same-named modules of [`crate::boundary`].

pub mod export_cursor;
pub mod id_alloc;
pub mod intent_ledger;
pub mod run_id;
pub mod verdict_journal;

use crate::journal::fold::{int_cmp, int_succ};
use crate::pyjson::{Int, Str, Value};
use crate::pystr::int_from_str;
use std::cmp::Ordering;

/// Python's `int(x)` of a JSON value; `None` where Python raises (`None`,
/// lists, objects, text that is not an integer, NaN) and, unlike Python
/// (which raises `OverflowError`), for an infinite float.
pub fn py_int(v: &Value) -> Option<Int> {
    match v {
        Value::Bool(b) => Some(Int::Small(i64::from(*b))),
        Value::Int(i) => Some(i.clone()),
        Value::Float(f) if f.is_finite() => {
            let t = f.trunc();
            if t.abs() < 9.0e18 {
                Some(Int::Small(t as i64))
            } else {
                Some(Int::Big(format!("{t:.0}").into_boxed_str()))
            }
        }
        Value::Str(Str::Utf8(s)) => int_from_str(s),
        _ => None,
    }
}

/// `n + 1` for any Python int.
pub fn int_add_one(n: &Int) -> Int {
    match n {
        Int::Small(v) if *v < i64::MAX => Int::Small(v + 1),
        Int::Small(_) => int_succ(n),
        Int::Big(s) => match s.strip_prefix('-') {
            None => int_succ(n),
            Some(mag) => {
                // -(m) + 1 = -(m - 1), with m beyond 64 bits.
                let mut digits = mag.as_bytes().to_vec();
                let mut i = digits.len();
                while i > 0 {
                    i -= 1;
                    if digits[i] == b'0' {
                        digits[i] = b'9';
                    } else {
                        digits[i] -= 1;
                        break;
                    }
                }
                let text = String::from_utf8(digits).unwrap_or_default();
                let text = text.trim_start_matches('0');
                let neg = format!("-{text}");
                match neg.parse::<i64>() {
                    Ok(v) => Int::Small(v),
                    Err(_) => Int::Big(neg.into_boxed_str()),
                }
            }
        },
    }
}

/// `a > b` for Python ints.
pub fn int_gt(a: &Int, b: &Int) -> bool {
    int_cmp(a, b) == Ordering::Greater
}

/// The text of a JSON string value, lone surrogates included.
pub(crate) fn str_is_empty(s: &Str) -> bool {
    match s {
        Str::Utf8(t) => t.is_empty(),
        Str::Utf16(u) => u.is_empty(),
    }
}

/// `str(x or "")`: the empty string for a falsy value, else Python's `str`.
pub(crate) fn str_or_empty(v: Option<&Value>) -> Str {
    match v {
        Some(v) if v.truthy() => crate::pyjson::py_str(v),
        _ => Str::Utf8(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_one_crosses_every_boundary() {
        let big = |s: &str| Int::Big(s.into());
        assert_eq!(int_add_one(&Int::Small(-1)), Int::Small(0));
        assert_eq!(int_add_one(&Int::Small(i64::MAX)), big("9223372036854775808"));
        assert_eq!(int_add_one(&big("-9223372036854775809")), Int::Small(i64::MIN));
        assert_eq!(int_add_one(&big("-100000000000000000000")), big("-99999999999999999999"));
        assert_eq!(int_add_one(&big("99999999999999999999")), big("100000000000000000000"));
    }

    #[test]
    fn int_of_values() {
        assert_eq!(py_int(&Value::Float(-2.7)), Some(Int::Small(-2)));
        assert_eq!(py_int(&Value::str(" 1_0 ")), Some(Int::Small(10)));
        assert_eq!(py_int(&Value::Null), None);
        assert_eq!(py_int(&Value::Float(f64::NAN)), None);
    }
}

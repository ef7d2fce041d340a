//! Python's `str()` and `repr()` of a JSON value.
//!
//! The reference turns record fields into text with `str(x)` in places that
//! decide identity (a lease's `(loop_ts, lane)` key), so the text must be
//! Python's own: `None`, `True`, `1e+16`, `['a', 1]`, `{'k': None}`.

use super::value::{Int, Str, Value};
use super::write::float_repr;
use crate::pystr;

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        float_repr(f)
    }
}

/// Python `repr()` of a `str` given as code points (lone surrogates escape
/// as `\udxxx`, as CPython prints them).
pub fn repr_str(s: &Str) -> String {
    match s {
        Str::Utf8(t) => pystr::repr(t),
        Str::Utf16(_) => {
            // Split on lone surrogates: repr the valid runs, escape the rest.
            let cps: Vec<u32> = s.code_points().collect();
            let text: String = cps.iter().filter_map(|&c| char::from_u32(c)).collect();
            let quoted = pystr::repr(&text);
            let quote = quoted.chars().next().unwrap_or('\'');
            let mut out = String::with_capacity(quoted.len() + 8);
            out.push(quote);
            for &cp in &cps {
                match char::from_u32(cp) {
                    Some(c) => {
                        let r = pystr::repr(&c.to_string());
                        // Reuse the single-char repr body but keep our quote.
                        let body = &r[1..r.len() - 1];
                        if c == quote {
                            out.push('\\');
                            out.push(c);
                        } else if (c == '\'' || c == '"') && body.starts_with('\\') {
                            out.push(c);
                        } else {
                            out.push_str(body);
                        }
                    }
                    None => out.push_str(&format!("\\u{cp:04x}")),
                }
            }
            out.push(quote);
            out
        }
    }
}

/// Python `repr(x)`.
pub fn py_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_repr(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_text(*f)),
        Value::Str(s) => out.push_str(&repr_str(s)),
        Value::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, x);
            }
            out.push(']');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, x)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&repr_str(k));
                out.push_str(": ");
                write_repr(out, x);
            }
            out.push('}');
        }
    }
}

/// Python `str(x)`: a string is itself, anything else its `repr`.
pub fn py_str(v: &Value) -> Str {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(Int::Small(i)) => Str::Utf8(i.to_string()),
        other => Str::Utf8(py_repr(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn s(json: &str) -> String {
        match py_str(&parse_str(json).unwrap()) {
            Str::Utf8(t) => t,
            Str::Utf16(_) => panic!("surrogates"),
        }
    }

    #[test]
    fn str_of_json_values_reads_like_python() {
        assert_eq!(s("null"), "None");
        assert_eq!(s("true"), "True");
        assert_eq!(s("1e16"), "1e+16");
        assert_eq!(s("2.50"), "2.5");
        assert_eq!(s("NaN"), "nan");
        assert_eq!(s("-Infinity"), "-inf");
        assert_eq!(s(r#"["a", 1, null, {"k": "it's"}]"#), r#"['a', 1, None, {'k': "it's"}]"#);
        assert_eq!(s(r#""plain""#), "plain");
        assert_eq!(s("123456789012345678901234567890"), "123456789012345678901234567890");
    }

    #[test]
    fn lone_surrogates_escape_inside_repr() {
        assert_eq!(s(r#"["a\ud800b"]"#), r"['a\ud800b']");
        assert_eq!(s(r#"["\ud800'"]"#), r#"["\ud800'"]"#);
    }
}

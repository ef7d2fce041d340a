//! Python's `str()` and `repr()` of JSON values, for the few places where the
//! arbiter cluster turns a caller's value into a key or names it in prose
//! (`str(lease["lane_kind"])`, `{lease.get("lane")!r}`).

use crate::pyjson::{float_repr, Str, Value};
use crate::pystr;

fn str_text(s: &Str) -> String {
    match s {
        Str::Utf8(t) => t.clone(),
        // Prose only: a lone surrogate is shown as its escape.
        Str::Utf16(_) => s
            .code_points()
            .map(|cp| match char::from_u32(cp) {
                Some(c) => c.to_string(),
                None => format!("\\u{cp:04x}"),
            })
            .collect(),
    }
}

fn float_text(f: f64) -> String {
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

/// `repr(v)`.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Str(s) => pystr::repr(&str_text(s)),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Dict(d) => {
            let parts: Vec<String> = d.iter().map(|(k, x)| format!("{}: {}", pystr::repr(&str_text(k)), py_repr(x))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// `repr(d.get(key))` where a missing key reads as `None`.
pub fn py_repr_opt(v: Option<&Value>) -> String {
    v.map(py_repr).unwrap_or_else(|| "None".into())
}

/// `str(v)`; `None` when `v` is a string holding a lone surrogate (the
/// deciders refuse to fold such text).
pub fn py_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => s.as_str().map(str::to_owned),
        other => Some(py_repr(other)),
    }
}

/// `str(v or "")`.
pub fn py_str_or_empty(v: Option<&Value>) -> Option<String> {
    match v {
        Some(x) if x.truthy() => py_str(x),
        _ => Some(String::new()),
    }
}

/// `repr(s)` as a `Display`, writing printable ASCII without quotes or
/// backslashes straight through (no allocation).
pub struct Repr<'a>(pub &'a str);

impl std::fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'\'' && b != b'\\') {
            f.write_str("'")?;
            f.write_str(s)?;
            f.write_str("'")
        } else {
            f.write_str(&pystr::repr(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    #[test]
    fn reprs_follow_python() {
        let v = parse_str(r#"{"a": [1, 2.5, null, true, "it's"], "b": {}}"#).unwrap();
        assert_eq!(py_repr(&v), r#"{'a': [1, 2.5, None, True, "it's"], 'b': {}}"#);
        assert_eq!(py_str(&Value::Null).unwrap(), "None");
        assert_eq!(py_str_or_empty(Some(&Value::int(0))).unwrap(), "");
        assert_eq!(py_str_or_empty(Some(&Value::int(7))).unwrap(), "7");
    }
}

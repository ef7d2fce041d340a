//! The export cursor (the reference's `export_cursor`), without the disk:
//! how far a `dos export` drain got through the verdict journal, as the
//! highest `seq` shipped.
//!
//! The file is `export-cursor` next to the verdict journal (or wherever
//! `DISPATCH_EXPORT_CURSOR_PATH` points); a transport gets its own sibling,
//! `export-cursor.<transport>`. It holds `"<int>\n"`. Reading is
//! `int(text.strip())`, and anything missing, empty or unparseable reads as 0
//! (drain from the start).

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Int, Value};
use crate::pystr;

pub const FILE_NAME: &str = "export-cursor";
pub const ENV_PATH: &str = "DISPATCH_EXPORT_CURSOR_PATH";
/// The `--since` value that means "resume from the saved cursor".
pub const AUTO: &str = "auto";

/// The cursor a file's text holds (`None`: no file).
pub fn parse_cursor(text: Option<&str>) -> Int {
    let zero = Int::Small(0);
    let Some(text) = text else { return zero };
    let s = pystr::strip(text);
    if s.is_empty() {
        return zero;
    }
    pystr::int_from_str(s).unwrap_or(zero)
}

/// The file's text for `value`.
pub fn cursor_text(value: &Int) -> String {
    format!("{value}\n")
}

/// Why a `--since` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--since takes an integer seq or \"auto\", not {0:?}")]
pub struct BadSince(pub String);

/// Resolve a `--since` value: `""` is `(0, false)`, `auto` (any case) is
/// `(saved cursor, true)`, an integer is `(it, false)`. `read` is called
/// only for `auto`.
pub fn resolve_since(since: &str, read: impl FnOnce() -> Int) -> Result<(Int, bool), BadSince> {
    let s = pystr::strip(since);
    if s.is_empty() {
        return Ok((Int::Small(0), false));
    }
    if pystr::lower(s) == AUTO {
        return Ok((read(), true));
    }
    pystr::int_from_str(s).map(|n| (n, false)).ok_or_else(|| BadSince(s.to_string()))
}

/// Python's `str(PurePosixPath(p))`: repeated slashes and `.` parts go, a
/// trailing slash goes, exactly two leading slashes stay, empty is `.`.
pub fn normalize_posix(p: &str) -> String {
    let root = if p.starts_with("//") && !p.starts_with("///") {
        "//"
    } else if p.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let joined = format!("{root}{}", parts.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// Why a cursor path cannot be formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the cursor path {0:?} has no file name to suffix")]
    NoName(String),
    #[error("the transport {0:?} would not make a single file name")]
    BadTransport(String),
}

/// The cursor file for a base path and a transport (empty: none), as
/// normalized POSIX path text.
pub fn cursor_path(base: &str, transport: &str) -> Result<String, PathError> {
    let base = normalize_posix(base);
    if transport.is_empty() {
        return Ok(base);
    }
    let (parent, name) = match base.rfind('/') {
        Some(i) => (&base[..=i], &base[i + 1..]),
        None => ("", base.as_str()),
    };
    if name.is_empty() || base == "." {
        return Err(PathError::NoName(base.clone()));
    }
    if transport.contains('/') {
        return Err(PathError::BadTransport(transport.to_string()));
    }
    Ok(format!("{parent}{name}.{transport}"))
}

/// What `write_cursor` writes for a JSON value (`int(value)`), `None`
/// where `int()` fails (the reference then reports a failed write).
pub fn write_text(value: &Value) -> Option<String> {
    super::py_int(value).map(|n| cursor_text(&n))
}

fn op_read_cursor(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Int(parse_cursor(a.opt_str("text")?)))
}

fn op_write_cursor(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(write_text(a.req("value")?).map_or(Value::Bool(false), Value::str))
}

fn op_resolve_since(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let cursor = a.opt_str("cursor")?;
    let (n, auto) =
        resolve_since(a.opt_str("since_arg")?.unwrap_or(""), || parse_cursor(cursor)).map_err(|e| a.err(format_args!("since_arg: {e}")))?;
    Ok(Value::List(vec![Value::Int(n), Value::Bool(auto)]))
}

fn op_cursor_path(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    cursor_path(a.str("path")?, a.opt_str("transport")?.unwrap_or("")).map(Value::str).map_err(|e| a.err(e))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "export_cursor.read_cursor", args: &["text"], run: op_read_cursor },
    OpSpec { name: "export_cursor.write_cursor", args: &["value"], run: op_write_cursor },
    OpSpec { name: "export_cursor.resolve_since", args: &["since_arg", "cursor"], run: op_resolve_since },
    OpSpec { name: "export_cursor.cursor_path", args: &["path", "transport"], run: op_cursor_path },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_and_resolving() {
        assert_eq!(parse_cursor(Some(" 42\n")), Int::Small(42));
        assert_eq!(parse_cursor(Some("x")), Int::Small(0));
        assert_eq!(parse_cursor(None), Int::Small(0));
        assert_eq!(resolve_since(" AUTO ", || Int::Small(7)).unwrap(), (Int::Small(7), true));
        assert_eq!(resolve_since("", || unreachable!()).unwrap(), (Int::Small(0), false));
        assert!(resolve_since("x", || Int::Small(0)).is_err());
    }

    #[test]
    fn paths_normalize_like_pathlib() {
        assert_eq!(cursor_path("a//b/./c/", "otlp").unwrap(), "a/b/c.otlp");
        assert_eq!(cursor_path("//x", "").unwrap(), "//x");
        assert_eq!(cursor_path("///x", "").unwrap(), "/x");
        assert!(cursor_path("/", "t").is_err());
        assert!(cursor_path(".", "t").is_err());
        assert!(cursor_path("a", "t/u").is_err());
    }
}

//! The export cursor (the reference's `export_cursor`), without the disk:
//! how far a `dos export` drain got through the verdict journal, as the
//! highest `seq` shipped.
//!
//! The file is `export-cursor` next to the verdict journal (or wherever
//! `DISPATCH_EXPORT_CURSOR_PATH` points); a transport gets its own sibling,
//! `export-cursor.<transport>`. It holds `"<int>\n"`. Reading is
//! `int(text.strip())`, and anything missing, empty or unparseable reads as 0
//! (drain from the start).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Int, Value};
use crate::pystr;
use crate::route::{self, Describe, Op, PyParam};
use serde::Deserialize;

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "How far a `dos export` drain got through the verdict journal: the highest `seq` shipped, kept in `export-cursor` beside the journal (or `$DISPATCH_EXPORT_CURSOR_PATH`), one sibling file per transport. Reading is fail-soft (0 when the file is missing or unreadable); writing reports success as a bool.";

/// The module's constants.
const AUTO_CONST: route::Const =
    route::Const { name: "AUTO", doc: "The `--since` value that resumes from the saved cursor.", eval: |reg| route::konst(reg, AUTO) };

/// `dos.export_cursor`'s pure ops (its file ops join from `dos-io`).
pub const MODULE: route::Module = route::Module {
    name: "export_cursor",
    doc: DOC,
    routes: &[route::route::<ReadCursor>(), route::route::<WriteCursor>(), route::route::<ResolveSince>(), route::route::<CursorPath>()],
    consts: &[AUTO_CONST],
};

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

/// A text argument where None reads as `""` (the reference's `x or ""`).
pub fn or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d).map(Option::unwrap_or_default)
}

/// The cursor a file's text holds: `int(text.strip())`, 0 when there is no
/// text (no file), it is empty or it is not an integer.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadCursor {
    /// The cursor file's text, None when there is no file.
    #[serde(default)]
    pub text: Option<String>,
}

impl Op for ReadCursor {
    const NAME: &'static str = "export_cursor.read_cursor";
    const PY_NAME: &'static str = "_read_cursor_text";
    type Verdict = Int;

    fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
        Ok(parse_cursor(self.text.as_deref()))
    }
}

/// The text `write_cursor` writes for a value (`"<int(value)>\n"`), or
/// false where `int()` refuses it (the write then reports failure).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WriteCursor {
    /// The new cursor (anything `int()` takes).
    #[serde(deserialize_with = "route::required")]
    pub value: Option<Value>,
}

impl Op for WriteCursor {
    const NAME: &'static str = "export_cursor.write_cursor";
    const PY_NAME: &'static str = "_cursor_text";
    type Verdict = Value;

    fn run(self, _: &Ctx<'_>) -> Result<Value, CallError> {
        let value = self.value.ok_or_else(|| CallError::bad_args(format!("{}: args.value: required, not None", Self::NAME)))?;
        Ok(write_text(&value).map_or(Value::Bool(false), Value::str))
    }
}

/// A `--since` value resolved against the cursor text: `""` is `(0,
/// false)`, `auto` (any case) `(saved cursor, true)`, an integer `(it,
/// false)`; anything else is refused.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResolveSince {
    /// The `--since` value.
    #[serde(default)]
    pub since_arg: Option<String>,
    /// The cursor file's text, None when there is no file.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl Op for ResolveSince {
    const NAME: &'static str = "export_cursor.resolve_since";
    const PY_NAME: &'static str = "_resolve_since_text";
    type Verdict = (Int, bool);

    fn run(self, _: &Ctx<'_>) -> Result<(Int, bool), CallError> {
        let cursor = self.cursor.as_deref();
        resolve_since(self.since_arg.as_deref().unwrap_or(""), || parse_cursor(cursor))
            .map_err(|e| CallError::bad_args(format!("{}: args.since_arg: {e}", Self::NAME)))
    }
}

/// The cursor file for a base path and a transport: the base itself, or
/// its `<name>.<transport>` sibling (paths normalized as `pathlib` does).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CursorPath {
    /// The base path (the explicit one, `$DISPATCH_EXPORT_CURSOR_PATH`, or
    /// `export-cursor` beside the verdict journal).
    #[describe(py = "path: Optional[Path] = None", via = "export_cursor_base")]
    pub path: String,
    /// One cursor per destination: the suffix of the base's name.
    #[serde(default, deserialize_with = "or_empty")]
    #[describe(kw_only)]
    pub transport: String,
}

impl Op for CursorPath {
    const NAME: &'static str = "export_cursor.cursor_path";
    const PY_RESULT: Option<PyParam> = Some(PyParam { param: "Path", via: "as_path" });
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        cursor_path(&self.path, &self.transport).map_err(|e| CallError::bad_args(format!("{}: {e}", Self::NAME)))
    }
}

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

//! The export cursor on disk: where it is, reading it, writing it.
//!
//! Writing replaces the file through a private temporary file, flushed to
//! disk and renamed (0.22.0 rewrites it in place), so a reader never sees a
//! half-written number.

use super::host;
use super::run_id::monotonic_ns;
use dos_core::durable::export_cursor::{self as ec, BadSince, PathError};
use dos_core::envelope::{CallError, Ctx};
use dos_core::pyjson::{Int, Value};
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The cursor file: the explicit path, else `$DISPATCH_EXPORT_CURSOR_PATH`,
/// else `export-cursor` next to the configured verdict journal; with a
/// transport, the `<name>.<transport>` sibling.
pub fn cursor_path(explicit: Option<&Path>, verdict_journal: &Path, transport: &str) -> Result<PathBuf, PathError> {
    let base = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(ec::ENV_PATH).filter(|v| !v.is_empty()) {
            Some(v) => PathBuf::from(v),
            None => verdict_journal.with_file_name(ec::FILE_NAME),
        },
    };
    if transport.is_empty() {
        return Ok(base);
    }
    let Some(name) = base.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(PathError::NoName(base.display().to_string()));
    };
    if transport.contains('/') {
        return Err(PathError::BadTransport(transport.to_string()));
    }
    Ok(base.with_file_name(format!("{name}.{transport}")))
}

/// The saved cursor; 0 when the file is missing, unreadable, not text or not
/// an integer.
pub fn read_cursor(path: &Path) -> Int {
    let text = fs::read(path).ok().and_then(|b| String::from_utf8(b).ok());
    ec::parse_cursor(Some(text.as_deref().unwrap_or("")))
}

/// Save `value`; `false` when it could not be written (fail-soft).
pub fn write_cursor(path: &Path, value: &Int) -> bool {
    let Some(dir) = path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d }) else { return false };
    if fs::create_dir_all(dir).is_err() {
        return false;
    }
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", host::pid(), monotonic_ns()));
    let ok = (|| -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(ec::cursor_text(value).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })()
    .is_ok();
    if !ok {
        let _ = fs::remove_file(&tmp);
    }
    ok
}

/// `--since` against the cursor file at `path`.
pub fn resolve_since(since: &str, path: &Path) -> Result<(Int, bool), BadSince> {
    ec::resolve_since(since, || read_cursor(path))
}

/// A path argument as a file path: no NUL (no file name holds one).
fn file_arg(op: &str, name: &str, p: &str) -> Result<PathBuf, CallError> {
    if p.contains('\0') {
        return Err(CallError::bad_args(format!("{op}: args.{name}: holds a NUL byte")));
    }
    Ok(PathBuf::from(p))
}

/// The cursor file of a base path and a transport (see [`ec::cursor_path`]).
fn transported(op: &str, base: &str, transport: Option<&str>) -> Result<PathBuf, CallError> {
    let base = file_arg(op, "path", base)?;
    match transport.filter(|t| !t.is_empty()) {
        None => Ok(base),
        Some(t) => cursor_path(Some(&base), &base, t).map_err(|e| CallError::bad_args(format!("{op}: {e}"))),
    }
}

/// The saved cursor: the file at `path` (its `<name>.<transport>` sibling
/// with a transport), read as an integer; 0 when it is missing, unreadable,
/// empty or not an integer.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadFile {
    /// The cursor file (the explicit path, `$DISPATCH_EXPORT_CURSOR_PATH`,
    /// or `export-cursor` beside the verdict journal).
    #[describe(py = "path: Optional[Path] = None", via = "export_cursor_base")]
    pub path: String,
    /// One cursor per destination: the suffix of the file's name.
    #[serde(default, deserialize_with = "ec::or_empty")]
    #[describe(kw_only)]
    pub transport: String,
}

impl Op for ReadFile {
    const NAME: &'static str = "export_cursor.read_file";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "read_cursor";
    type Verdict = Int;

    fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
        Ok(read_cursor(&transported(Self::NAME, &self.path, Some(self.transport.as_str()))?))
    }
}

/// Save a new cursor (`int(value)`) through a temporary file and a rename;
/// false when it cannot be written (fail-soft: a value `int()` refuses, a
/// path with no file name, a file-system error).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WriteFile {
    /// The new cursor (anything `int()` takes).
    #[serde(deserialize_with = "route::required")]
    pub value: Option<Value>,
    /// The cursor file (as for `read_cursor`).
    #[describe(py = "path: Optional[Path] = None", via = "export_cursor_base")]
    pub path: String,
    /// One cursor per destination: the suffix of the file's name.
    #[serde(default, deserialize_with = "ec::or_empty")]
    #[describe(kw_only)]
    pub transport: String,
}

impl Op for WriteFile {
    const NAME: &'static str = "export_cursor.write_file";
    const EFFECT: Effect = Effect::WritesFiles;
    const PY_NAME: &'static str = "write_cursor";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        let Some(n) = self.value.as_ref().and_then(dos_core::durable::py_int) else { return Ok(false) };
        Ok(match transported(Self::NAME, &self.path, Some(self.transport.as_str())) {
            Ok(p) => write_cursor(&p, &n),
            Err(_) => false,
        })
    }
}

/// A `--since` value against the cursor file: `""` is `(0, false)`, `auto`
/// (any case) is `(saved cursor, true)` (the file is read only then), an
/// integer is `(it, false)`; anything else is refused.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResolveSinceFile {
    /// The `--since` value.
    #[serde(deserialize_with = "route::required")]
    pub since_arg: Option<String>,
    /// The cursor file (as for `read_cursor`).
    #[describe(kw_only, py = "path: Optional[Path] = None", via = "export_cursor_base")]
    pub path: String,
    /// One cursor per destination: the suffix of the file's name.
    #[serde(default, deserialize_with = "ec::or_empty")]
    pub transport: String,
}

impl Op for ResolveSinceFile {
    const NAME: &'static str = "export_cursor.resolve_since_file";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "resolve_since";
    type Verdict = (Int, bool);

    fn run(self, _: &Ctx<'_>) -> Result<(Int, bool), CallError> {
        let since = self.since_arg.as_deref().unwrap_or("");
        let mut file = None;
        if dos_core::pystr::lower(dos_core::pystr::strip(since)) == ec::AUTO {
            file = Some(transported(Self::NAME, &self.path, Some(self.transport.as_str()))?);
        }
        ec::resolve_since(since, || file.as_deref().map_or(Int::Small(0), read_cursor))
            .map_err(|e| CallError::bad_args(format!("{}: args.since_arg: {e}", Self::NAME)))
    }
}

/// `dos.export_cursor`'s file ops (its pure ops are `dos-core`'s).
pub const MODULE: Module = Module {
    name: "export_cursor",
    doc: ec::DOC,
    routes: &[route::route::<ReadFile>(), route::route::<WriteFile>(), route::route::<ResolveSinceFile>()],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fail_soft() {
        let d = std::env::temp_dir().join(format!("dos-ec-{}", host::pid()));
        let _ = fs::remove_dir_all(&d);
        let vj = d.join("verdict-journal.jsonl");
        let p = cursor_path(None, &vj, "otlp").unwrap();
        assert_eq!(p, d.join("export-cursor.otlp"));
        assert_eq!(read_cursor(&p), Int::Small(0));
        assert!(write_cursor(&p, &Int::Small(42)));
        assert_eq!(fs::read_to_string(&p).unwrap(), "42\n");
        assert_eq!(resolve_since("auto", &p).unwrap(), (Int::Small(42), true));
        fs::write(&p, [0xff, 0x31]).unwrap();
        assert_eq!(read_cursor(&p), Int::Small(0));
        assert!(!write_cursor(Path::new("/proc/none/export-cursor"), &Int::Small(1)));
        assert!(cursor_path(Some(Path::new("/")), &vj, "t").is_err());
    }
}

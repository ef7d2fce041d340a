//! The export cursor on disk: where it is, reading it, writing it.
//!
//! Writing replaces the file through a private temporary file, flushed to
//! disk and renamed (0.22.0 rewrites it in place), so a reader never sees a
//! half-written number.

use super::host;
use super::run_id::monotonic_ns;
use dos_core::durable::export_cursor::{self as ec, BadSince, PathError};
use dos_core::envelope::{Args, CallError, Ctx, OpSpec};
use dos_core::pyjson::{Int, Value};
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

fn op_read_file(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Int(read_cursor(Path::new(a.str("path")?))))
}

fn op_write_file(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = a.str("path")?;
    Ok(Value::Bool(match dos_core::durable::py_int(a.req("value")?) {
        Some(n) => write_cursor(Path::new(path), &n),
        None => false,
    }))
}

pub const OPS: &[OpSpec] = &[
    OpSpec { name: "export_cursor.read_file", args: &["path"], run: op_read_file },
    OpSpec { name: "export_cursor.write_file", args: &["path", "value"], run: op_write_file },
];

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
